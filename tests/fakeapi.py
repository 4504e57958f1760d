"""A fault-injecting LL2-compatible server on 127.0.0.1, for harvest tests.

It is a real ``http.server.ThreadingHTTPServer`` in a thread, serving the REAL
records of the pinned snapshot (tests/conftest.py's ``PINNED_DIR``: the 28 bundled on
2026-12-01, whatever a refresh harvested since) and its reference tables in LL2-shaped
list envelopes. What it serves beyond them is test-only and
SYNTHETIC: the schema-violating record and the record inserted at the front are
made here, marked synthetic, and never reach ``data/``.

Behaviour that follows LL2/DRF (see research/api-semantics.md section 5):
``limit`` is clamped to 100 (default 10), ``offset`` slices, ``count`` is the
total, ``next``/``previous`` are the request URL with ``limit``/``offset`` set and
the keys sorted. Record ``url`` fields carry ``?format=<requested format>`` as DRF's
``preserve_builtin_query_params`` does; the host stays ``https://ll.thespacedevs.com``
(as behind LL2's proxy), so only the ``?format=`` suffix differs from the bundled
records (which were saved from ``?format=api`` pages).

Simplifications, on purpose: ``ordering`` other than ``id`` is ignored (records are
always served in id order) and filters are not implemented. The bundle holds no real
detailed spacecraft records, so ``mode=detailed`` on ``/spacecraft/`` answers 400,
unless ``detailed=True``: then it serves SYNTHETIC detailed records, each a real normal
record with ``response_mode`` "detailed", its real detailed configuration from the
configurations table, ``flights: []`` and " [SYNTHETIC detailed]" added to its name.

Faults (:class:`Fault`) are matched per counted request (every request except
``/api-throttle/``), by request number and/or a substring of the path and query.
"""

from __future__ import annotations

import copy
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from conftest import PINNED_DIR

from spacecraft_data.snapshot import Snapshot

LL2_HOST = "https://ll.thespacedevs.com"
#: the synthetic record inserted at the front; id 1 sorts before every real id of the bundle
SYNTHETIC_ID = 1


@dataclass
class Fault:
    """One injected fault.

    ``kind`` is one of ``status`` (answer ``status`` with an optional
    ``retry_after`` header, and ``body`` as its JSON body when given), ``reset`` (close the connection with a
    TCP RST, no
    response), ``slow`` (wait ``delay`` seconds before answering), ``truncate``
    (cut the JSON body in half, with a matching Content-Length), ``cut`` (announce
    the whole body's Content-Length, send half, close), ``count_drift``
    (the page reports one more record than there are, as a list that keeps changing
    would), ``invalid_record``
    (one record in the page violates the schema: SYNTHETIC) and ``insert_front``
    (insert a SYNTHETIC record at the front of the data set, then answer).

    Hostile faults: ``redirect`` (answer ``status``, default 302, with ``Location: location``),
    ``next_link`` (the page's ``next`` is ``location``), ``body`` (answer 200 with ``body``
    as the JSON body instead of the page), ``headers`` (add the (name, value) pairs
    ``headers``, repeats allowed, to the real page), ``encoded`` (answer 200 with the bytes
    ``payload`` and ``Content-Encoding: encoding``: a compression bomb), ``trickle`` (send
    the real page one byte every ``delay`` seconds, for at most ``seconds``, then the rest)
    and ``trickle_headers`` (the same, from the status line on).

    It applies to counted request number ``at`` (1-based) and/or to requests whose
    path+query contains ``path``, at most ``times`` times (None: always).
    """

    kind: str
    at: int | None = None
    path: str | None = None
    times: int | None = 1
    status: int = 503
    retry_after: int | None = None
    delay: float = 1.0
    location: str | None = None
    body: Any = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    payload: bytes = b""
    encoding: str = "gzip"
    seconds: float = 10.0
    used: int = 0

    def matches(self, number: int, full_path: str) -> bool:
        if self.times is not None and self.used >= self.times:
            return False
        if self.at is not None and self.at != number:
            return False
        if self.path is not None and self.path not in full_path:
            return False
        return True


@dataclass
class Throttle:
    """The ``/api-throttle/`` state. ``enforce`` answers 429 once the budget is used up."""

    limit: int = 15
    frequency: int = 3600
    current_use: int = 0
    next_use_secs: int = 0
    enforce: bool = False


@dataclass
class Seen:
    """A request the server received."""

    number: int | None
    path: str
    query: str
    headers: dict[str, str] = field(default_factory=dict)


def _with_format(obj: Any, fmt: str) -> Any:
    """Replace the ``?format=...`` suffix of every ``url`` field by ``?format=<fmt>``."""
    if isinstance(obj, list):
        return [_with_format(v, fmt) for v in obj]
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if key == "url" and isinstance(value, str):
                base = value.split("?", 1)[0]
                value = f"{base}?format={fmt}" if fmt else base
            else:
                value = _with_format(value, fmt)
            out[key] = value
        return out
    return obj


class FakeLL2:
    """The server; use as a context manager. ``base_url`` is ``http://127.0.0.1:<port>``."""

    def __init__(
        self,
        faults: list[Fault] | None = None,
        throttle: Throttle | None = None,
        api_version: str = "2.3.0",
        throttle_endpoint: bool = True,
        detailed: bool = False,
    ) -> None:
        snap = Snapshot(PINNED_DIR)
        self.api_version = api_version
        self.tables: dict[str, list[dict]] = {
            "spacecraft": sorted(snap.tables["spacecraft"], key=lambda r: r["id"]),
            "spacecraft_configurations": sorted(
                snap.tables["spacecraft_configurations"], key=lambda r: r["id"]
            ),
            "config/spacecraft_statuses": sorted(snap.tables["spacecraft_statuses"], key=lambda r: r["id"]),
        }
        self.faults = list(faults or [])
        self.throttle = throttle or Throttle()
        self.detailed = detailed
        self.throttle_endpoint = throttle_endpoint  # False: /api-throttle/ answers 404, as on a plain server
        self.seen: list[Seen] = []
        self.counted = 0
        self.throttled = 0  # 429s answered because the budget was used up
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------
    def __enter__(self) -> FakeLL2:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without TCP_NODELAY each answer waits for a delayed ACK.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802
                fake._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def reset_window(self) -> None:
        """Simulate the throttle window passing (tests call it from their injected sleep)."""
        with self.lock:
            self.throttle.current_use = 0

    def synthetic_record(self) -> dict:
        """A SYNTHETIC record (a copy of the first real one with id 1 and a name saying so)."""
        record = copy.deepcopy(self.tables["spacecraft"][0])
        record["id"] = SYNTHETIC_ID
        record["name"] = "SYNTHETIC test record inserted by tests/fakeapi.py"
        record["url"] = f"{LL2_HOST}/{self.api_version}/spacecraft/{SYNTHETIC_ID}/?format=api"
        return record

    def synthetic_detailed(self, record: dict) -> dict:
        """A SYNTHETIC detailed view of a real normal record (see the module docstring)."""
        configs = {c["id"]: c for c in self.tables["spacecraft_configurations"]}
        out = dict(record, response_mode="detailed", name=record["name"] + " [SYNTHETIC detailed]")
        out["spacecraft_config"] = configs[record["spacecraft_config"]["id"]]
        out["flights"] = []
        return out

    # -- request handling -----------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, parts.query
        prefix = f"/{self.api_version}/"
        if path == f"{prefix}api-throttle/" and self.throttle_endpoint:
            with self.lock:
                self.seen.append(Seen(None, path, query, dict(h.headers)))
                t = self.throttle
                body = [
                    {
                        "your_request_limit": t.limit,
                        "limit_frequency_secs": t.frequency,
                        "current_use": t.current_use,
                        "next_use_secs": t.next_use_secs if t.current_use >= t.limit else 0,
                        "ident": "127.0.0.1",
                    }
                ]
            return self._send(h, 200, body)

        with self.lock:
            self.counted += 1
            number = self.counted
            self.seen.append(Seen(number, path, query, dict(h.headers)))
            full = f"{path}?{query}"
            active = [f for f in self.faults if f.matches(number, full)]
            for f in active:
                f.used += 1
            throttled = self.throttle.enforce and self.throttle.current_use >= self.throttle.limit
            self.throttle.current_use += 1
            self.throttled += throttled
        kinds = {f.kind: f for f in active}

        if throttled:
            return self._send(
                h,
                429,
                {"detail": "Request was throttled."},
                {"Retry-After": str(self.throttle.next_use_secs)},
            )
        if "reset" in kinds:
            # SO_LINGER 0: close() sends a TCP RST instead of a FIN.
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.close_connection = True
            h.connection.close()
            return None
        if "slow" in kinds:
            time.sleep(kinds["slow"].delay)
        if "redirect" in kinds:
            f = kinds["redirect"]
            return self._send(
                h, f.status if f.status != 503 else 302, {"detail": "moved"}, {"Location": f.location or "/"}
            )
        if "body" in kinds:
            return self._send(h, 200, kinds["body"].body)
        if "encoded" in kinds:
            f = kinds["encoded"]
            return self._send_bytes(h, 200, f.payload, {"Content-Encoding": f.encoding})
        if "status" in kinds:
            f = kinds["status"]
            headers = {"Retry-After": str(f.retry_after)} if f.retry_after is not None else {}
            return self._send(
                h, f.status, {"detail": f"injected HTTP {f.status}"} if f.body is None else f.body, headers
            )
        if "insert_front" in kinds:
            with self.lock:
                if not any(r["id"] == SYNTHETIC_ID for r in self.tables["spacecraft"]):
                    self.tables["spacecraft"].insert(0, self.synthetic_record())

        table = path[len(prefix) :].strip("/") if path.startswith(prefix) else None
        if table not in self.tables:
            return self._send(h, 404, {"detail": "Not found."})
        params = dict(parse_qsl(query, keep_blank_values=True))  # last value wins, as Django's QueryDict.get
        detailed = table == "spacecraft" and params.get("mode") == "detailed"
        if detailed and not self.detailed:
            return self._send(h, 400, {"detail": "fake API: the bundle holds no real detailed records"})
        body = self._envelope(table, path, params)
        if detailed:
            body["results"] = [self.synthetic_detailed(r) for r in body["results"]]
        if "invalid_record" in kinds and body["results"]:
            body["results"][0] = dict(body["results"][0], in_space="SYNTHETIC: not a boolean")
        if "count_drift" in kinds:
            body["count"] += 1
        if "next_link" in kinds:
            body["next"] = kinds["next_link"].location
        if "trickle" in kinds or "trickle_headers" in kinds:
            return self._trickle(
                h, body, kinds.get("trickle") or kinds["trickle_headers"], "trickle" not in kinds
            )
        if "headers" in kinds:
            return self._send(h, 200, body, kinds["headers"].headers)
        if "truncate" in kinds:
            raw = json.dumps(body).encode()
            return self._send_bytes(h, 200, raw[: len(raw) // 2])
        if "cut" in kinds:
            raw = json.dumps(body).encode()
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(raw)))
            h.end_headers()
            h.wfile.write(raw[: len(raw) // 2])
            h.wfile.flush()
            h.close_connection = True
            return None
        return self._send(h, 200, body)

    def _envelope(self, table: str, path: str, params: dict[str, str]) -> dict:
        def number(name: str, default: int) -> int:
            try:
                return int(params.get(name, ""))
            except ValueError:
                return default

        limit = number("limit", 10)
        limit = 10 if limit <= 0 else min(limit, 100)
        offset = max(number("offset", 0), 0)
        with self.lock:
            rows = list(self.tables[table])
        count = len(rows)
        results = _with_format(rows[offset : offset + limit], params.get("format", ""))

        def link(new_offset: int | None) -> str:
            items = {**params, "limit": str(limit)}
            items.pop("offset", None)
            if new_offset:
                items["offset"] = str(new_offset)
            return f"{self.base_url}{path}?{urlencode(sorted(items.items()))}"

        nxt = link(offset + limit) if offset + limit < count else None
        prev = None if offset <= 0 else link(offset - limit if offset - limit > 0 else None)
        return {"count": count, "next": nxt, "previous": prev, "results": results}

    @staticmethod
    def _trickle(h: BaseHTTPRequestHandler, body: Any, f: Fault, from_status_line: bool) -> None:
        data = json.dumps(body).encode()
        head = (
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        ).encode()
        wire = head + data
        start = len(head) if not from_status_line else 0
        h.close_connection = True
        try:
            h.wfile.write(wire[:start])
            h.wfile.flush()
            began, i = time.monotonic(), start
            while i < len(wire) and time.monotonic() - began < f.seconds:
                h.wfile.write(wire[i : i + 1])
                h.wfile.flush()
                i += 1
                time.sleep(f.delay)
            h.wfile.write(wire[i:])
            h.wfile.flush()
        except OSError:
            pass  # the client gave up (its deadline): that is the point

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
    ) -> None:
        self._send_bytes(h, status, json.dumps(body, ensure_ascii=False).encode("utf-8"), headers)

    @staticmethod
    def _send_bytes(
        h: BaseHTTPRequestHandler,
        status: int,
        data: bytes,
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
    ) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.send_header("Allow", "GET")
            h.send_header("Vary", "Accept")
            pairs = headers.items() if isinstance(headers, dict) else headers or []
            for name, value in pairs:
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a read timeout): nothing to answer
