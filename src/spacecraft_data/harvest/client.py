"""The HTTP client: a requests session with urllib3 retries (reported, injectable sleep) and timeouts."""

from __future__ import annotations

import time
from typing import Any, Callable

from .options import HarvestError, HarvestOptions


class _BodyCut(HarvestError):
    """The connection broke while the body was being read (urllib3 retries only up to the headers)."""


def _retry_class() -> type:
    """urllib3's Retry, with its two sleeps routed through an injectable, reporting function."""
    from urllib3.util.retry import Retry

    class ReportingRetry(Retry):
        sleeper: Callable[[float], None] = staticmethod(time.sleep)
        report: Callable[[str], None] = staticmethod(lambda message: None)

        def new(self, **kw: Any) -> ReportingRetry:
            # Retry.new rebuilds from a fixed parameter list; carry the hooks over.
            made = super().new(**kw)
            made.sleeper, made.report = self.sleeper, self.report
            return made

        def sleep(self, response: Any = None) -> None:
            # Retry.sleep's logic (Retry-After first, else backoff), with the wait reported and injectable.
            wait = self.get_retry_after(response) if self.respect_retry_after_header and response else None
            why = "the server asked to wait (Retry-After)"
            if not wait:
                wait, why = self.get_backoff_time(), "exponential backoff with jitter"
            last = self.history[-1] if self.history else None
            cause = (f"HTTP {last.status}" if last is not None and last.status
                     else type(last.error).__name__ if last is not None and last.error else "an error")
            url = last.url if last is not None else "?"
            self.report(f"retry {len(self.history)} of {url} after {cause}: {why}, waiting {wait:.1f} s")
            if wait > 0:
                self.sleeper(wait)

    return ReportingRetry


class _Client:
    """A requests session with bounded retries, timeouts and the API key; counts requests."""

    def __init__(self, options: HarvestOptions) -> None:
        import requests
        from requests.adapters import HTTPAdapter

        self.options = options
        retry_cls = _retry_class()
        retry = retry_cls(
            total=options.retries,
            backoff_factor=options.backoff_factor,
            backoff_jitter=options.backoff_jitter,
            backoff_max=600,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,  # hand the last answer back so the error can name its status
        )
        retry.sleeper, retry.report = options.sleep, options.progress
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = "spacecraft-data-harvest"
        self.session.headers["Accept"] = "application/json"
        if options.api_key:
            self.session.headers["Authorization"] = f"Token {options.api_key}"
        self.requests = 0

    def get(self, url: str) -> tuple[Any, int]:
        """GET ``url``; returns (response, attempts). Raises HarvestError when no answer came."""
        import requests
        from urllib3.exceptions import MaxRetryError

        try:
            response = self.session.get(url, timeout=(self.options.connect_timeout, self.options.read_timeout))
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            self.requests += 1
            raise _BodyCut(f"the connection broke while reading the body ({exc})") from None
        except requests.RequestException as exc:
            cause = exc.args[0] if exc.args else None
            if isinstance(cause, MaxRetryError):
                self.requests += self.options.retries + 1
                raise HarvestError(
                    f"GET {url} failed after {self.options.retries + 1} attempts: {cause.reason}") from None
            self.requests += 1
            raise HarvestError(f"GET {url} failed: {exc}") from None
        history = getattr(getattr(response.raw, "retries", None), "history", ()) or ()
        attempts = len(history) + 1
        self.requests += attempts
        return response, attempts
