"""DRF's content negotiation: JSON or the browsable page, chosen by ``format`` or by ``Accept``.
Details: docs/serve.md"""

from __future__ import annotations

from ..query import QueryParams, Refused
from ..refusals import NotAcceptable, UnknownFormat


def choose_renderer(query: str, accept_headers: list[str]) -> str:
    """``"json"`` or ``"api"``; raises :class:`UnknownFormat` (an unknown ``format``) or
    :class:`NotAcceptable`.

    DRF's rule: the ``format`` query parameter (last value wins, blank ignored)
    picks the renderer; otherwise the most specific ``Accept`` media types are
    tried first (``type/subtype`` before ``type/*`` before ``*/*``; ``q`` is not
    used), against the renderers in LL2's order: JSON, then browsable.
    """
    try:
        fmt = QueryParams.parse(query).get("format")  # decoded as the engine decodes it
    except Refused:
        return "json"  # the engine answers this 400; DRF renders errors as JSON
    if fmt:
        if fmt not in ("json", "api"):
            raise UnknownFormat()
        return fmt
    media_types = [
        part.split(";")[0].strip().lower() for header in accept_headers for part in header.split(",")
    ]
    media_types = [m for m in media_types if m] or ["*/*"]
    renderers = (("json", "application/json"), ("api", "text/html"))
    for precedence in (2, 1, 0):
        group = [m for m in media_types if _precedence(m) == precedence]
        for name, renderer_type in renderers:
            if any(_matches(renderer_type, m) for m in group):
                return name
    raise NotAcceptable()


def _precedence(media_type: str) -> int:
    if media_type.startswith("*/"):
        return 0
    return 1 if media_type.endswith("/*") else 2


def _matches(renderer_type: str, media_type: str) -> bool:
    main, _, sub = media_type.partition("/")
    r_main, _, r_sub = renderer_type.partition("/")
    return main in ("*", r_main) and sub in ("*", r_sub)
