"""Fault injection for the harvester: a hostile or broken server on 127.0.0.1 (tests/fakeapi.py) and no
network.

Each test injects one fault of issue 11's harvest list and proves the harvester refuses it with a
clear error, publishes nothing it should not, stays within its limits and leaves a rerun able to
complete. Servers are real ``ThreadingHTTPServer``s; nothing is mocked. Bodies served beyond the
bundled records (wrong shapes, bombs) are SYNTHETIC and made here.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import resource
import socket
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from fakeapi import FakeLL2, Fault, Throttle
from test_harvest import PAGE, REQUESTS, TODAY, Run, assert_equals_bundled

import spacecraft_data
from spacecraft_data.errors import PageError
from spacecraft_data.harvest import HarvestError, HarvestOptions, harvest
from spacecraft_data.pages import parse_page, read_page, render_browsable

#: decoded size of the SYNTHETIC compression bomb: 1 GiB of JSON whitespace (valid JSON once a body follows)
BOMB_DECODED = 1 << 30
#: the peak memory the issue allows a harvest through the bomb
PEAK_RSS_LIMIT = 300 * 1024 * 1024
#: how fast a harvest must fail without a network
OFFLINE_SECONDS = 15.0

#: run the CLI in a child and report its own peak RSS (KiB) on stderr's last line. VmHWM, not ru_maxrss: Linux
#: keeps ru_maxrss across exec, so a child forked (preexec_fn) from a large pytest process would report the
#: parent's.
CHILD = """
import resource, sys
from spacecraft_data.cli import main
try:
    code = main(sys.argv[1:])
finally:
    try:
        with open("/proc/self/status") as status:
            peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("MAXRSS_KB", peak, file=sys.stderr)
sys.exit(code)
"""


@pytest.fixture
def run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Run:
    return Run(tmp_path, caplog)


@pytest.fixture(scope="session")
def gzip_bomb() -> bytes:
    """A SYNTHETIC gzip body of BOMB_DECODED bytes of spaces then an empty envelope, compressed streaming."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # level 1: ~4.5 MB, built in seconds
    spaces = b" " * (1 << 20)
    parts = [packer.compress(spaces) for _ in range(BOMB_DECODED // len(spaces))]
    parts += [packer.compress(b'{"count": 0, "next": null, "previous": null, "results": []}'), packer.flush()]
    return b"".join(parts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(
    args: list[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    limit_memory: bool = False,
) -> tuple[subprocess.CompletedProcess, int]:
    """Run ``spacecraft-data ARGS`` in a child; returns (result, peak RSS in bytes)."""

    def cap() -> None:  # a harvest that ignores its limits must not take the machine down with it
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        cwd=cwd,
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=cap if limit_memory else None,
    )
    lines = done.stderr.rstrip("\n").splitlines()
    peak = int(lines[-1].split()[1]) * 1024 if lines and lines[-1].startswith("MAXRSS_KB") else -1
    done.stderr = "\n".join(line for line in lines if not line.startswith("MAXRSS_KB"))
    return done, peak


def harvest_args(run: Run, base_url: str, *more: str) -> list[str]:
    return [
        "harvest",
        "--base-url",
        base_url,
        "--output",
        str(run.output),
        "--raw-dir",
        str(run.raw),
        "--changelog",
        str(run.changelog),
        "--page-size",
        str(PAGE),
        "--quiet",
        *more,
    ]


# -- never leave the configured origin
# -------------------------------------------------------------------------------


def test_redirect_to_another_port_is_refused_and_the_key_goes_nowhere_else(run: Run) -> None:
    secret = "k3y-for-the-configured-origin-only"
    with FakeLL2() as elsewhere, FakeLL2() as api:
        target = (
            f"{elsewhere.base_url}/2.3.0/spacecraft/?format=json&limit=10&mode=normal&offset=10&ordering=id"
        )
        api.faults.append(Fault("redirect", path="offset=10", status=302, location=target, times=None))
        with pytest.raises(HarvestError) as err:
            harvest(run.options(api, api_key=secret))
    message = str(err.value)
    assert f"{api.base_url}/2.3.0/spacecraft/?" in message and target in message and "refused" in message
    assert elsewhere.seen == []  # not a single request, so neither the key nor trust went there
    assert {s.headers.get("Authorization") for s in api.seen} == {f"Token {secret}"}
    run.assert_nothing_published()
    run.assert_previous_untouched()


@pytest.mark.parametrize(
    "location",
    [
        "https://127.0.0.1:{port}/2.3.0/spacecraft/?offset=10",  # another scheme
        "http://localhost:{port}/2.3.0/spacecraft/?offset=10",  # another host name for the same machine
        "//evil.invalid/2.3.0/spacecraft/?offset=10",  # scheme-relative: another host
    ],
    ids=["scheme", "host", "scheme-relative"],
)
def test_redirect_to_another_scheme_or_host_is_refused(run: Run, location: str) -> None:
    with FakeLL2() as api:
        port = int(api.base_url.rsplit(":", 1)[1])
        api.faults.append(
            Fault("redirect", path="offset=10", status=301, location=location.format(port=port))
        )
        with pytest.raises(HarvestError, match="not on the configured origin"):
            harvest(run.options(api))
    assert sum("offset=10" in s.query for s in api.seen) == 1  # refused at once, not retried
    run.assert_nothing_published()


def test_redirect_within_the_origin_is_followed(run: Run) -> None:
    with FakeLL2() as api:
        same = "/2.3.0/spacecraft/?format=json&limit=10&mode=normal&offset=10&ordering=id&moved=1"
        api.faults.append(Fault("redirect", path="offset=10&ordering=id", status=301, location=same))
        result = harvest(run.options(api))
    assert_equals_bundled(result.snapshot)
    assert any("moved=1" in s.query for s in api.seen)


def test_next_link_to_another_origin_is_refused_before_the_page_is_saved(run: Run) -> None:
    with FakeLL2() as elsewhere, FakeLL2() as api:
        away = f"{elsewhere.base_url}/2.3.0/spacecraft/?limit=10&offset=10"
        api.faults.append(Fault("next_link", path="/spacecraft/?", times=None, location=away))
        with pytest.raises(HarvestError) as err:
            harvest(run.options(api))
    message = str(err.value)
    assert "links to" in message and away in message and f"{api.base_url}/2.3.0/spacecraft/?" in message
    assert elsewhere.seen == [] and run.pages() == []
    run.assert_nothing_published()


# -- bounded resources
# -----------------------------------------------------------------------------------------------


def test_compression_bomb_is_refused_early_with_peak_memory_under_300_mb(
    run: Run, gzip_bomb: bytes, tmp_path: Path
) -> None:
    with FakeLL2(faults=[Fault("encoded", path="/spacecraft/?", times=None, payload=gzip_bomb)]) as api:
        started = time.monotonic()
        done, peak = cli(harvest_args(run, api.base_url), cwd=tmp_path, limit_memory=True)
        elapsed = time.monotonic() - started
    print(
        f"compression bomb: {len(gzip_bomb)} bytes gzip -> {BOMB_DECODED} decoded; "
        f"child peak RSS {peak / 2**20:.1f} MiB; {elapsed:.1f} s"
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("spacecraft-data harvest: error: GET ")
    assert "33554432-byte limit (--max-body-mb) once decoded (Content-Encoding: gzip" in done.stderr
    assert 0 < peak < PEAK_RSS_LIMIT
    run.assert_nothing_published()


def test_content_length_over_the_limit_is_refused_without_reading(run: Run) -> None:
    body = b"[" + b" " * 4096 + b"]"
    with FakeLL2(faults=[Fault("encoded", path="/spacecraft/?", payload=body, encoding="identity")]) as api:
        with pytest.raises(
            HarvestError,
            match=r"the body is 4098 bytes \(Content-Length\), more than the "
            r"1024-byte limit",
        ):
            harvest(run.options(api, max_body_bytes=1024))


@pytest.mark.parametrize("kind", ["trickle", "trickle_headers"])
def test_trickling_server_cannot_outlast_the_request_deadline(run: Run, kind: str) -> None:
    # A byte every 0.05 s: well inside the 0.5 s read timeout, so only a whole-request deadline stops it.
    with FakeLL2(faults=[Fault(kind, path="/spacecraft/?", delay=0.05, seconds=20, times=None)]) as api:
        started = time.monotonic()
        with pytest.raises(HarvestError, match=r"no complete answer within the 1 s deadline") as err:
            harvest(run.options(api, deadline=1.0))
        elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed
    assert err.value.exit_code == 2  # a timeout: the environment's failure
    assert "/spacecraft/?" in str(err.value)
    run.assert_nothing_published()


def test_retry_after_longer_than_max_wait_stops_at_once_saying_when_to_rerun(run: Run) -> None:
    with FakeLL2(faults=[Fault("status", at=2, status=429, retry_after=7200)]) as api:
        with pytest.raises(HarvestError) as err:
            harvest(run.options(api, max_wait=3600))
    message = str(err.value)
    assert "Retry-After" in message and "2 h 00 min, more than the --max-wait of 1 h 00 min" in message
    assert "Rerun after 2026-11-25 14:00:00 UTC" in message
    assert run.sleeps == []  # never waited
    run.assert_nothing_published()


@pytest.mark.parametrize(
    "retry_after", ["9" * 5000, "Fri, 31 Dec 99999 23:59:59 GMT"], ids=["5000 digits", "year 99999"]
)
def test_a_retry_after_too_far_to_read_is_the_longest_wait_not_a_traceback(run: Run, retry_after) -> None:
    # urllib3 raised a ValueError of its own for both (int()'s digit limit, a year past 9999).
    with FakeLL2(faults=[Fault("status", at=1, status=429, retry_after=retry_after)]) as api:
        with pytest.raises(HarvestError) as err:
            harvest(run.options(api, max_wait=3600))
    message = str(err.value)
    assert "Retry-After" in message and "6 h 00 min, more than the --max-wait of 1 h 00 min" in message
    assert err.value.exit_code == 1 and run.sleeps == []
    run.assert_nothing_published()


def test_throttle_wait_longer_than_max_wait_stops_at_once_saying_when_to_rerun(run: Run) -> None:
    throttle = Throttle(limit=5, current_use=5, next_use_secs=5000, enforce=True)
    with FakeLL2(throttle=throttle) as api:
        with pytest.raises(HarvestError) as err:
            harvest(run.options(api))  # the default --max-wait, one hour
    message = str(err.value)
    assert "the next is allowed in 1 h 23 min, more than the --max-wait of 1 h 00 min" in message
    assert "Rerun after 2026-11-25 13:23:20 UTC" in message
    assert run.sleeps == [] and api.counted == 0


def test_count_beyond_the_sanity_bound_is_refused(run: Run) -> None:
    huge = {"count": 10**12, "next": None, "previous": None, "results": []}
    with FakeLL2(faults=[Fault("body", path="/spacecraft/?", body=huge, times=None)]) as api:
        with pytest.raises(
            HarvestError, match=r"'count' is 1000000000000, more than the sanity bound of 100000"
        ):
            harvest(run.options(api))
    assert api.counted == 3  # the page's tries, not a billion pages


def test_a_count_that_grows_past_the_records_stops_paging_at_the_first_empty_page(run: Run) -> None:
    # The page at offset 20 says 9,000 records but holds none: every later offset is past the end too.
    empty = {"count": 9000, "next": None, "previous": None, "results": []}
    grows = Fault(
        "body", path="/spacecraft/?format=json&limit=10&mode=normal&offset=20&", body=empty, times=None
    )
    with FakeLL2(faults=[grows]) as api:
        result = harvest(run.options(api, max_pages=50))
        asked = [s.query for s in api.seen if s.path.endswith("/spacecraft/")]
    assert len(asked) == 6  # offsets 0, 10 and 20 in each of the two passes
    manifest = spacecraft_data.load(result.snapshot).manifest
    assert manifest["records"]["held"] == 20 and manifest["records"]["complete"] is False
    assert manifest["records"]["discrepancy"][0]["counts"] == [28, 28, 9000]


def test_more_pages_than_the_bound_is_refused(run: Run) -> None:
    with FakeLL2() as api:
        with pytest.raises(HarvestError, match=r"count of 28 needs more than the sanity bound of 1 pages"):
            harvest(run.options(api, max_pages=1))


# -- without a network, fail in seconds
# ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url, reason",
    [
        ("http://127.0.0.1:{port}", "cannot connect (Connection refused)"),
        ("http://nonexistent.invalid", "the host name does not resolve"),
    ],
    ids=["connection-refused", "dns-failure"],
)
def test_no_network_fails_in_seconds_with_a_one_line_reason(
    run: Run, tmp_path: Path, base_url: str, reason: str
) -> None:
    url = base_url.format(port=free_port())
    started = time.monotonic()
    done, _ = cli(harvest_args(run, url), cwd=tmp_path, timeout=60)
    elapsed = time.monotonic() - started
    print(f"{url}: failed in {elapsed:.1f} s: {done.stderr}")
    assert elapsed < OFFLINE_SECONDS
    assert done.returncode == 2  # the environment (no network), not a finding about the data
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"spacecraft-data harvest: error: GET {url}/2.3.0/spacecraft/?")
    assert reason in done.stderr and "no snapshot was published" in done.stderr


@pytest.mark.parametrize(
    "fault, more, code, said",
    [
        (None, (), 2, "cannot connect (Connection refused)"),
        (
            Fault("trickle", path="/spacecraft/?", delay=0.05, seconds=20, times=None),
            ("--deadline", "1"),
            2,
            "no complete answer within the 1 s deadline",
        ),
        (Fault("status", path="/spacecraft/?", status=404, times=None), (), 1, "answered HTTP 404"),
        (Fault("invalid_record", path="/spacecraft/?", times=None), (), 1, "schema problem"),
    ],
    ids=["connection-refused", "deadline", "http-404", "invalid-record"],
)
def test_a_network_failure_exits_2_and_a_bad_answer_exits_1(
    run: Run, tmp_path: Path, fault: Fault | None, more: tuple[str, ...], code: int, said: str
) -> None:
    if fault is None:
        url = f"http://127.0.0.1:{free_port()}"  # nothing listens there: connections are refused
        done, _ = cli(harvest_args(run, url, *more), cwd=tmp_path)
    else:
        with FakeLL2(faults=[fault]) as api:
            url = api.base_url
            done, _ = cli(harvest_args(run, url, *more), cwd=tmp_path)
    assert done.returncode == code, done.stderr
    assert done.stderr.startswith("spacecraft-data harvest: error: ") and said in done.stderr
    assert "Traceback" not in done.stderr
    if code == 2:  # a network failure names the URL it could not get
        assert f"GET {url}/2.3.0/spacecraft/?" in done.stderr
    run.assert_nothing_published()


def test_read_timeouts_and_bodies_cut_every_time_are_network_failures(run: Run) -> None:
    with FakeLL2(faults=[Fault("slow", path="/spacecraft/?", delay=3.0, times=None)]) as api:
        with pytest.raises(HarvestError) as err:
            harvest(run.options(api, retries=0, read_timeout=0.5))
    assert err.value.exit_code == 2
    assert "no answer within the read timeout (--timeout)" in str(err.value)  # not urllib3's pool class name
    assert "Watched" not in str(err.value) and "pool" not in str(err.value)
    with FakeLL2(faults=[Fault("cut", path="offset=10", times=None)]) as api:
        with pytest.raises(HarvestError, match="the connection broke while reading the body") as err:
            harvest(run.options(api))
    assert err.value.exit_code == 2 and "kept 1 saved page(s)" in str(err.value)
    run.assert_nothing_published()


def test_real_server_errors_still_get_every_retry(run: Run) -> None:
    # Fewer connect retries must not weaken retries of answers: five 503s then success.
    with FakeLL2(faults=[Fault("status", path="offset=10", status=503, times=5)]) as api:
        result = harvest(run.options(api))
    assert result.requests == REQUESTS + 5
    assert_equals_bundled(result.snapshot)


# -- pages of the wrong shape
# ----------------------------------------------------------------------------------------

SHAPES = {
    "not-an-object": ([1, 2], "the body is a JSON list, not a list envelope"),
    "count-a-string": (
        {"count": "20", "next": None, "previous": None, "results": []},
        "'count' is '20', not a non-negative integer",
    ),
    "count-a-boolean": (
        {"count": True, "next": None, "previous": None, "results": []},
        "'count' is True, not a non-negative integer",
    ),
    "results-not-objects": (
        {"count": 20, "next": None, "previous": None, "results": [1, "two"]},
        "results[0] is a JSON int, not a record object",
    ),
    "results-an-object": (
        {"count": 20, "next": None, "previous": None, "results": {"id": 5}},
        "'results' is a JSON dict, not an array of records",
    ),
    "record-without-id": (
        {"count": 20, "next": None, "previous": None, "results": [{"name": "x"}]},
        "results[0] has no id, not an integer id",
    ),
    "missing-keys": ({"count": 20, "results": []}, "the list envelope lacks 'next', 'previous'"),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_page_of_the_wrong_shape_is_a_clear_error_and_a_rerun_completes(run: Run, name: str) -> None:
    body, said = SHAPES[name]
    with FakeLL2(faults=[Fault("body", path="offset=10", body=body, times=3)]) as api:
        with pytest.raises(HarvestError) as err:
            harvest(run.options(api))
        message = str(err.value)
        assert "offset=10" in message and said in message and "on all 3 tries" in message
        assert [p.name for p in run.pages()] == [
            "spacecraft_normal_pass1_offset000000.txt"
        ]  # bad page not saved
        run.assert_nothing_published()
        result = harvest(run.options(api, now=lambda: TODAY + dt.timedelta(hours=1)))  # healthy again
    assert result.pages_reused == 1
    assert_equals_bundled(result.snapshot)


def test_body_nested_too_deeply_to_parse_is_a_clear_error(run: Run) -> None:
    deep = b"[" * 200_000  # SYNTHETIC: json.loads would raise RecursionError
    with FakeLL2(
        faults=[Fault("encoded", path="offset=10", payload=deep, encoding="identity", times=None)]
    ) as api:
        with pytest.raises(HarvestError, match=r"offset=10.*not valid JSON \(nested too deeply to parse"):
            harvest(run.options(api))
    with pytest.raises(PageError, match="nested too deeply"):
        parse_page("GET /2.3.0/spacecraft/\nHTTP 200 OK\n\n" + "[" * 200_000)


def test_wrong_shape_page_through_the_cli_is_one_error_not_a_traceback(run: Run, capsys) -> None:
    from spacecraft_data.cli import main

    body = {"count": 20, "next": None, "previous": None, "results": [None]}
    with FakeLL2(faults=[Fault("body", path="offset=10", body=body, times=None)]) as api:
        code = main(harvest_args(run, api.base_url))
    err = capsys.readouterr().err
    assert code != 0 and err.startswith("spacecraft-data harvest: error: GET ")
    assert "results[0] is a JSON null, not a record object on all 3 tries" in err


@pytest.mark.parametrize(
    "bad",
    [
        ('"count": 28', '"count": "twenty-eight"'),
        ('"results": [', '"results": [17, '),
    ],
    ids=["count-not-int", "result-not-object"],
)
def test_saved_page_of_the_wrong_shape_is_fetched_again_not_reused(run: Run, bad: tuple[str, str]) -> None:
    with FakeLL2(faults=[Fault("status", path="offset=10", status=503, times=None)]) as api:
        with pytest.raises(HarvestError):
            harvest(run.options(api, retries=0))
        [saved] = run.pages()
        text = saved.read_text()
        assert bad[0] in text
        saved.write_text(text.replace(bad[0], bad[1], 1))  # as an earlier version may have saved it
        api.faults.clear()
        result = harvest(run.options(api, now=lambda: TODAY + dt.timedelta(hours=1)))
    assert result.pages_reused == 0 and result.run_dir == saved.parent
    assert bad[1] not in saved.read_text()  # overwritten by the good page
    assert_equals_bundled(result.snapshot)


# -- headers round-trip
# ----------------------------------------------------------------------------------------------

ODD_HEADERS = [
    ("X_Under_Score", "1"),
    ("X.Dotted.Name", "2"),
    ("Set-Cookie", "a=1; Path=/"),
    ("Set-Cookie", "b=2; Path=/"),
    ("Vary", "Cookie"),
    ("X-Empty", ""),
]


#: what a harvest keeps of ODD_HEADERS: everything but the cookies (see test_harvest_secrets.py), with a
#: repeated header of its own to prove repeats survive
KEPT_HEADERS = [h for h in ODD_HEADERS if h[0] != "Set-Cookie"] + [
    ("Link", "<a>; rel=a"),
    ("Link", "<b>; rel=b"),
]


def test_every_header_a_server_sends_but_cookies_survives_the_saved_page(run: Run) -> None:
    served = ODD_HEADERS + KEPT_HEADERS[-2:]
    with FakeLL2(faults=[Fault("headers", path="/spacecraft/?", headers=served, times=None)]) as api:
        result = harvest(run.options(api))
    page = read_page(result.run_dir / "spacecraft_normal_pass1_offset000000.txt")
    for name, value in KEPT_HEADERS:
        assert (name, value) in page.header_list
    assert [v for n, v in page.header_list if n == "Link"] == ["<a>; rel=a", "<b>; rel=b"]  # both, in order
    assert [v for n, v in page.header_list if n == "Vary"] == ["Accept", "Cookie"]  # both, in order
    assert page.headers["Vary"] == "Accept, Cookie"
    assert not {"Content-Length", "Connection"} & {n for n, _ in page.header_list}  # wire form only
    assert "Set-Cookie" not in {n for n, _ in page.header_list}  # a session is never saved
    assert_equals_bundled(result.snapshot)


def test_render_and_parse_round_trip_repeated_and_token_named_headers() -> None:
    text = render_browsable(
        {"count": 0, "next": None, "previous": None, "results": []},
        "/2.3.0/spacecraft/?x=1",
        headers=ODD_HEADERS + [("Allow", "GET"), ("Folded", "a\r\n b")],
    )
    page = parse_page(text)
    assert list(page.header_list) == sorted(
        ODD_HEADERS + [("Allow", "GET"), ("Folded", "a b")], key=lambda kv: kv[0]
    )
    assert page.headers["Set-Cookie"] == "a=1; Path=/, b=2; Path=/"
    assert render_browsable(page.body, "/2.3.0/spacecraft/?x=1", headers=page.header_list) == text.replace(
        "a\r\n b", "a b"
    )


# -- --api-version and where files go
# --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["../../escape", "2.3", "2.3.0/..", "v2.3.0", "2.3.0 "])
def test_api_version_must_look_like_n_n_n(run: Run, tmp_path: Path, version: str) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    done, _ = cli(harvest_args(run, "http://127.0.0.1:9", "--api-version", version), cwd=work, timeout=60)
    assert done.returncode == 2
    assert "--api-version" in done.stderr and "N.N.N" in done.stderr
    assert not run.raw.exists() and list(work.iterdir()) == []
    with pytest.raises(HarvestError, match="does not look like N.N.N"):
        harvest(
            HarvestOptions(
                base_url="http://127.0.0.1:9",
                api_version=version,
                output=run.output,
                raw_dir=run.raw,
                changelog=None,
            )
        )


@pytest.mark.parametrize(
    "field, value, said",
    [
        ("read_timeout", 0.0, "read_timeout must be positive"),
        ("connect_timeout", -1.0, "connect_timeout must be positive"),
        ("read_timeout", float("nan"), "read_timeout must be positive"),
        ("deadline", 1e20, "deadline must be at most 1e+09 seconds"),
        ("max_wait", 1e20, "max_wait must be at most 1e+09 seconds"),
    ],
)
def test_a_timeout_or_wait_no_timer_can_hold_is_refused_before_anything_is_written(
    run: Run, field: str, value: float, said: str
) -> None:
    # Today's bug: --timeout 0 was a urllib3 traceback; --deadline 1e20 a traceback in each timer thread.
    options = HarvestOptions(
        base_url="http://127.0.0.1:9", output=run.output, raw_dir=run.raw, changelog=None, **{field: value}
    )
    before = _every_file(run.output.parent)
    with pytest.raises(HarvestError, match=re.escape(said)) as caught:
        harvest(options)
    assert caught.value.exit_code == 2
    assert _every_file(run.output.parent) == before


@pytest.mark.parametrize("flags", [("--timeout", "0"), ("--timeout", "-1"), ("--timeout", "nan")])
def test_a_timeout_that_is_not_a_positive_number_is_a_usage_error(run: Run, capsys, flags) -> None:
    from spacecraft_data.cli import main

    with pytest.raises(SystemExit) as exc:
        main(harvest_args(run, "http://127.0.0.1:9", *flags))
    assert exc.value.code == 2
    assert "argument --timeout" in capsys.readouterr().err


def test_a_deadline_too_long_for_a_timer_is_one_line_exit_2(run: Run, capsys) -> None:
    from spacecraft_data.cli import main

    before = _every_file(run.output.parent)
    assert main(harvest_args(run, "http://127.0.0.1:9", "--deadline", "99999999999999999999")) == 2
    err = capsys.readouterr().err
    assert err == "spacecraft-data harvest: error: deadline must be at most 1e+09 seconds, not 1e+20\n"
    assert _every_file(run.output.parent) == before


def _every_file(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


@pytest.mark.parametrize("fails", [False, True], ids=["success", "failure-midway"])
def test_nothing_is_written_outside_output_raw_dir_and_changelog(
    run: Run, tmp_path: Path, fails: bool
) -> None:
    work, home, temp = tmp_path / "cwd", tmp_path / "home", tmp_path / "tmp"
    for folder in (work, home, temp):
        folder.mkdir()
    before = _every_file(tmp_path)
    env = dict(
        os.environ,
        HOME=str(home),
        TMPDIR=str(temp),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CONFIG_HOME=str(home / ".config"),
    )
    faults = [Fault("status", path="offset=10", status=503, times=None)] if fails else []
    with FakeLL2(faults=faults) as api:
        done, _ = cli(harvest_args(run, api.base_url, "--max-wait", "0"), cwd=work, env=env)
    assert (done.returncode != 0) == fails, done.stderr
    written = _every_file(tmp_path) - before
    assert written  # the run did write (its pages, at least)
    allowed = (run.output, run.raw)
    outside = sorted(p for p in written if p != run.changelog and not any(a in p.parents for a in allowed))
    assert outside == []
    assert list(work.iterdir()) == [] and list(temp.iterdir()) == [] and list(home.iterdir()) == []


def test_a_body_limit_past_what_a_saved_page_may_hold_is_refused_before_anything_is_written(run: Run) -> None:
    from spacecraft_data.pages import MAX_PAGE_BYTES

    options = HarvestOptions(
        base_url="http://127.0.0.1:9",
        output=run.output,
        raw_dir=run.raw,
        changelog=None,
        max_body_bytes=MAX_PAGE_BYTES + 1,
    )
    before = _every_file(run.output.parent)
    with pytest.raises(HarvestError, match="max_body_bytes must be at most 64 MiB") as caught:
        harvest(options)
    assert caught.value.exit_code == 2
    assert _every_file(run.output.parent) == before


def test_a_page_too_large_to_save_stops_the_run_and_saves_nothing(run: Run, monkeypatch) -> None:
    # A body within --max-body-mb whose headers push the saved page past pages.MAX_PAGE_BYTES: refused at
    # once, rather than saved and then refused when the snapshot is published. (A small limit stands in for
    # 64 MiB.)
    from spacecraft_data.harvest import harvester

    monkeypatch.setattr(harvester, "MAX_PAGE_BYTES", 4096)
    before = _every_file(run.output)
    with FakeLL2() as api, pytest.raises(HarvestError, match="a saved page may hold") as caught:
        harvest(run.options(api))
    assert caught.value.exit_code == 1
    assert not list(run.raw.rglob("*.txt")) and _every_file(run.output) == before
