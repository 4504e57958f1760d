"""Why a request gets no answer: exceptions that carry their HTTP status and body, as DRF's do.

Details: docs/architecture.md#answers-apipy-refusalspy-hostspy
"""

from __future__ import annotations

from .errors import ApiError
from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "Refusal",
    "NotFound",
    "UnknownFormat",
    "NoMatch",
    "InvalidHost",
    "BadTarget",
    "NotAcceptable",
    "MethodNotAllowed",
    "RequestLineTooLong",
    "HeadersTooLarge",
    "MalformedRequest",
    "NotServed",
    "InternalError",
]


class Refusal(ApiError):
    """A request refused before (or instead of) an answer; ``detail`` is what the body says.

    Each kind sets its HTTP ``status_code``; the body is ``{"detail": detail}``.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def body(self) -> Any:
        """DRF's ``{"detail": ...}``."""
        return {"detail": self.detail}


class NotFound(Refusal):
    """Nothing lives at the request's path (no route of the API, a detail id that is not an integer):
    Django's and DRF's "Not found."."""

    status_code = 404

    def __init__(self, detail: str = "Not found.") -> None:
        super().__init__(detail)


class UnknownFormat(NotFound):
    """``?format=`` names no renderer of the endpoint: DRF's content negotiation raises ``Http404``."""

    #: the parameter at fault, as :class:`~spacecraft_data.errors.QueryError` names it
    param = "format"


class NoMatch(NotFound):
    """A detail id the snapshot does not hold, or that the request's own filters exclude."""

    def __init__(self, model: str, record_id: int) -> None:
        Refusal.__init__(self, f"No {model} matches the given query.")  # NotFound's only job is its default
        self.model = model
        self.record_id = record_id


class InvalidHost(Refusal):
    """A ``Host`` (or a URL's host) Django refuses (``DisallowedHost``); ``detail`` names it, shortened."""

    status_code = 400

    def __init__(self, host: str, detail: str) -> None:
        super().__init__(detail)
        self.host = host


class BadTarget(Refusal):
    """A request target the server does not look up (not printable ASCII, ``..``, a control character)."""

    status_code = 400


class NotAcceptable(Refusal):
    """No renderer gives a media type the ``Accept`` header lists."""

    status_code = 406

    def __init__(self) -> None:
        super().__init__("Could not satisfy the request Accept header.")


class MethodNotAllowed(Refusal):
    """A method other than GET or HEAD on an API route."""

    status_code = 405

    def __init__(self, method: str) -> None:
        super().__init__(f'Method "{method}" not allowed.')
        self.method = method


class RequestLineTooLong(Refusal):
    """A request line longer than the server reads."""

    status_code = 414


class HeadersTooLarge(Refusal):
    """Request headers past the server's limits (a line, their total, their number)."""

    status_code = 431


class MalformedRequest(Refusal):
    """A request the HTTP layer could not parse; ``status`` (and so ``status_code``) is the one the standard
    library chose for it."""

    status_code = 400  # http.server's usual choice; each instance sets the one chosen

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.status_code = status


class NotServed(Refusal):
    """A path on an LL2 host that the snapshot cannot answer in-process (another endpoint or API version)."""

    status_code = 501


class InternalError(Refusal):
    """An unexpected failure while answering (its traceback goes to the log, never to the body)."""

    status_code = 500

    def __init__(self) -> None:
        super().__init__("Internal server error")
