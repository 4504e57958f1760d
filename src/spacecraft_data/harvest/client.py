"""The HTTP client: a requests session with urllib3 retries (reported, injectable sleep), timeouts and limits.

Details: docs/harvest.md#refreshing-the-data-harvest-import-pages-diff
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit

from .options import (
    MAX_REDIRECTS,
    MAX_SECONDS,
    HarvestError,
    HarvestNetworkError,
    HarvestOptions,
    duration_text,
    rerun_at,
)

#: bytes asked of the decoder per read; with urllib3 >= 2.6 also the most one read decodes at once
_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}

log = logging.getLogger(__name__)


class BodyCut(HarvestNetworkError):
    """The connection broke while the body was being read (urllib3 retries only up to the headers)."""


class RequestRefused(HarvestError):
    """A request broke a limit or left the origin: never retried or fetched again within this run."""


class DeadlinePassed(RequestRefused, HarvestNetworkError):
    """One whole request took longer than ``--deadline``: a timeout, so an environment failure (exit 2)."""


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, the port made explicit, as browsers compare origins."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: an origin no other URL shares
        return scheme, parts.netloc.lower(), -1
    return scheme, (parts.hostname or "").lower(), port if port is not None else _DEFAULT_PORTS.get(scheme)


def same_origin_or_refuse(base_url: str, url: str, what: str) -> None:
    """Raise :class:`RequestRefused` naming both URLs when ``url`` is on another origin than ``base_url``."""
    if origin(url) != origin(base_url):
        raise RequestRefused(
            f"{what} {url}, which is not on the configured origin {base_url}: refused "
            "(it is not followed, the API key is not sent there, nothing is published)"
        )


@dataclass
class Answer:
    """A complete response: status, headers as sent (repeats kept, in order) and the decoded body."""

    url: str
    status_code: int
    reason: str
    header_items: list[tuple[str, str]]
    content: bytes

    @property
    def text(self) -> str:
        """The body as text (UTF-8, undecodable bytes replaced), for error messages."""
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON; ValueError when it is not JSON (RecursionError counts as not JSON)."""
        try:
            return json.loads(self.content)
        except RecursionError:
            raise ValueError("nested too deeply to parse") from None


@dataclass
class _Hooks:
    """What the retry policy needs from the client; shared by every Retry copy urllib3 makes."""

    sleeper: Callable[[float], None]
    options: HarvestOptions
    watch: _Watch
    url: str = "?"
    failures: int = 0  # failed attempts of the current request


class _Watch:
    """One timer per connection in use: at the deadline it shuts that connection's socket down."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.expired = False
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._conn: Any = None

    def arm(self, conn: Any) -> None:
        with self._lock:
            self._cancel()
            self._conn = conn
            self._timer = threading.Timer(self.deadline, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def disarm(self, conn: Any = None) -> None:
        with self._lock:
            if conn is None or conn is self._conn:
                self._cancel()

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._conn = None, None

    def _fire(self) -> None:
        with self._lock:
            conn, self.expired = self._conn, True
        sock = getattr(conn, "sock", None)
        if sock is not None:
            try:
                # The plain socket's shutdown, also under TLS: it wakes a recv blocked in another thread.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass


def _dns_failure(error: BaseException | None) -> socket.gaierror | None:
    """The name-resolution error behind ``error``, if that is what it is."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, socket.gaierror):
            return error
        error, seen = error.__cause__ or error.__context__, seen + 1
    return None


def _reason(error: BaseException | None) -> str:
    """A one-line reason for a failed connection or request."""
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError

    dns = _dns_failure(error)
    if dns is not None:
        return f"the host name does not resolve ({dns.strerror or dns}); no network, or a wrong --base-url?"
    if isinstance(error, NewConnectionError):
        cause = error.__cause__
        return f"cannot connect ({getattr(cause, 'strerror', None) or cause or error})"
    if isinstance(
        error, ReadTimeoutError
    ):  # its text names urllib3's pool class, which says nothing to a user
        return "no answer within the read timeout (--timeout)"
    if isinstance(error, ConnectTimeoutError):
        return "the connection could not be made within the connect timeout"
    return str(error)


def _parse_retry_after(retry: Any, retry_after: str) -> float:
    """urllib3's reading of a Retry-After, and the longest wait it takes for one it cannot read."""
    from urllib3.util.retry import Retry

    try:
        return float(Retry.parse_retry_after(retry, retry_after))
    except (ValueError, OverflowError):
        # A number past int()'s 4,300 digits or a date past the year 9999 raised out of urllib3 as a
        # traceback. Both ask for a wait longer than any other: the longest urllib3 takes (it cuts every
        # longer Retry-After to it), so --max-wait judges it as it judges those.
        return float(getattr(retry, "retry_after_max", MAX_SECONDS))


def _retry_class() -> type:
    """urllib3's Retry, with its sleep routed through an injectable, reporting, bounded function."""
    from urllib3.exceptions import MaxRetryError, ResponseError
    from urllib3.util.retry import Retry

    class ReportingRetry(Retry):
        hooks: _Hooks

        def new(self, **kw: Any) -> ReportingRetry:
            # Retry.new rebuilds from a fixed parameter list; carry the hooks over.
            made = super().new(**kw)
            made.hooks = self.hooks
            return made

        def increment(
            self,
            method: Any = None,
            url: Any = None,
            response: Any = None,
            error: Any = None,
            _pool: Any = None,
            _stacktrace: Any = None,
        ) -> ReportingRetry:
            self.hooks.failures += 1
            # Past the deadline, or a host name that does not resolve: retrying cannot help soon.
            if self.hooks.watch.expired or _dns_failure(error) is not None:
                raise MaxRetryError(_pool, url, error or ResponseError("deadline")) from error
            return super().increment(method, url, response, error, _pool, _stacktrace)

        parse_retry_after = _parse_retry_after

        def sleep(self, response: Any = None) -> None:
            # Retry.sleep's logic (Retry-After first, else backoff), with the wait reported, bounded,
            # injectable.
            wait = self.get_retry_after(response) if self.respect_retry_after_header and response else None
            why = "the server asked to wait (Retry-After)"
            if not wait:
                wait, why = self.get_backoff_time(), "exponential backoff with jitter"
            last = self.history[-1] if self.history else None
            cause = (
                f"HTTP {last.status}"
                if last is not None and last.status
                else type(last.error).__name__
                if last is not None and last.error
                else "an error"
            )
            options = self.hooks.options
            if wait > options.max_wait:
                raise RequestRefused(
                    f"GET {self.hooks.url} after {cause}: {why}, {duration_text(wait)}, more than the "
                    f"--max-wait of {duration_text(options.max_wait)}; stopped without waiting. "
                    f"Rerun after {rerun_at(options, wait)} (saved pages are reused)"
                )
            url = last.url if last is not None else "?"
            log.info(f"retry {len(self.history)} of {url} after {cause}: {why}, waiting {wait:.1f} s")
            if wait > 0:
                self.hooks.sleeper(wait)

    return ReportingRetry


def _adapter(watch: _Watch, retry: Any) -> Any:
    """An HTTPAdapter whose connection pools arm ``watch`` for each connection they hand out."""
    from requests.adapters import HTTPAdapter
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    def watched(base: type) -> type:
        class Watched(base):
            def _get_conn(self, timeout: float | None = None) -> Any:
                conn = super()._get_conn(timeout)
                watch.arm(conn)
                return conn

            def _put_conn(self, conn: Any) -> None:
                watch.disarm(conn)
                super()._put_conn(conn)

        return Watched

    classes = {"http": watched(HTTPConnectionPool), "https": watched(HTTPSConnectionPool)}

    class WatchedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kw: Any) -> None:
            super().init_poolmanager(*args, **kw)
            self.poolmanager.pool_classes_by_scheme = classes

        def proxy_manager_for(self, proxy: str, **kw: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **kw)
            manager.pool_classes_by_scheme = classes
            return manager

    return WatchedAdapter(max_retries=retry)


class HarvestClient:
    """A requests session with bounded retries, timeouts, limits and the API key; counts requests."""

    def __init__(self, options: HarvestOptions) -> None:
        import requests

        self.options = options
        self.watch = _Watch(options.deadline)
        self.hooks = _Hooks(options.sleep, options, self.watch)
        retry = _retry_class()(
            total=options.retries,
            connect=min(options.connect_retries, options.retries),
            backoff_factor=options.backoff_factor,
            backoff_jitter=options.backoff_jitter,
            backoff_max=600,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,  # hand the last answer back so the error can name its status
        )
        retry.hooks = self.hooks
        self.session = requests.Session()
        adapter = _adapter(self.watch, retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = "spacecraft-data-harvest"
        self.session.headers["Accept"] = "application/json"
        if options.api_key:
            self.session.headers["Authorization"] = f"Token {options.api_key}"
        self.requests = 0

    def get(self, url: str, counted: bool = True) -> tuple[Answer, int]:
        """GET ``url`` on the configured origin; returns (answer, attempts).

        Same-origin redirects are followed (at most :data:`MAX_REDIRECTS`), others refused.
        Raises :class:`HarvestError` when no complete answer came, :class:`RequestRefused` when a
        limit or the origin rule stopped it, :class:`BodyCut` when the body broke off.
        """
        first, attempts = url, 0
        for _ in range(MAX_REDIRECTS + 1):
            same_origin_or_refuse(self.options.base_url, url, "the request is for")
            response, tries = self._send(url)
            attempts += tries
            if counted:
                self.requests += tries
            try:
                if response.is_redirect:
                    target = urljoin(url, response.headers.get("Location", ""))
                    same_origin_or_refuse(
                        self.options.base_url,
                        target,
                        f"GET {url} answered HTTP {response.status_code}, a redirect to",
                    )
                    url = target
                    continue
                content = self._body(response, url)
                items = list(
                    getattr(getattr(response.raw, "headers", None), "items", response.headers.items)()
                )
                return Answer(url, response.status_code, response.reason or "", items, content), attempts
            finally:
                response.close()
                self.watch.disarm()
        raise RequestRefused(f"GET {first}: more than {MAX_REDIRECTS} redirects; stopped")

    def _send(self, url: str) -> tuple[Any, int]:
        import requests
        from urllib3.exceptions import MaxRetryError

        self.watch.expired = False
        self.hooks.url, self.hooks.failures = url, 0
        try:
            response = self.session.get(
                url,
                timeout=(self.options.connect_timeout, self.options.read_timeout),
                stream=True,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            self.watch.disarm()
            if self.watch.expired:
                raise self._late(url) from None
            cause = exc.args[0] if exc.args else None
            # No answer came (refused, reset, unresolvable, timed out): the network, exit 2. Anything else
            # requests raises before sending (an unusable URL) stays a plain harvest failure.
            error = (
                HarvestNetworkError
                if isinstance(exc, (requests.ConnectionError, requests.Timeout))
                else HarvestError
            )
            if isinstance(cause, MaxRetryError):
                n = max(self.hooks.failures, 1)
                raise error(
                    f"GET {url} failed after {n} attempt{'s' if n != 1 else ''}: {_reason(cause.reason)}"
                ) from None
            raise error(f"GET {url} failed: {_reason(exc)}") from None
        if (
            self.watch.expired
        ):  # the watchdog cut the headers short; what urllib3 made of the rest is not an answer
            response.close()
            raise self._late(url)
        history = getattr(getattr(response.raw, "retries", None), "history", ()) or ()
        return response, len(history) + 1

    def _late(self, url: str) -> DeadlinePassed:
        return DeadlinePassed(
            f"GET {url}: no complete answer within the {duration_text(self.options.deadline)} deadline "
            f"for one request (--deadline); stopped"
        )

    def _body(self, response: Any, url: str) -> bytes:
        """The decoded body, read streaming and refused as soon as it passes ``max_body_bytes``."""
        import requests

        limit = self.options.max_body_bytes
        declared = (response.headers.get("Content-Length") or "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise RequestRefused(
                f"GET {url}: the body is {int(declared)} bytes (Content-Length), more than the "
                f"{limit}-byte limit (--max-body-mb); not read"
            )
        encoding = response.headers.get("Content-Encoding")
        total, chunks = 0, []
        try:
            for chunk in response.iter_content(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise RequestRefused(
                        f"GET {url}: the body passed the {limit}-byte limit (--max-body-mb)"
                        + (
                            f" once decoded (Content-Encoding: {encoding}, a compression bomb?)"
                            if encoding
                            else ""
                        )
                        + "; stopped reading"
                    )
                chunks.append(chunk)
        except (requests.RequestException, OSError) as exc:
            if self.watch.expired:
                raise self._late(url) from None
            raise BodyCut(f"the connection broke while reading the body ({_reason(exc)})") from None
        if self.watch.expired:  # the watchdog's shutdown ends a body without Content-Length like a normal EOF
            raise self._late(url)
        return b"".join(chunks)
