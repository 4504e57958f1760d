"""Harvest against a real HTTP server on 127.0.0.1 (tests/fakeapi.py) serving the real bundled records.

No request is mocked: every fault is injected by the server. Waits go through an
injected sleep that records them, so the suite never really waits. Each test
asserts the outcome: a complete valid snapshot equal to the bundled records, or a
clear failure with the previous snapshot untouched and every fetched page kept.

Comparison with the bundled records is modulo the ``?format=`` parameter of ``url``
fields (the bundle was saved from ``format=api`` pages; a harvest asks for
``format=json`` and DRF echoes the format on every URL): both sides go through
``diff.strip_format`` and must then be equal as JSON.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import logging
import re
import shutil
from pathlib import Path

import pytest
from conftest import PINNED_DIR, strip_formats
from fakeapi import SYNTHETIC_ID, FakeLL2, Fault, Throttle

import spacecraft_data
from spacecraft_data.build import assemble, read_sources
from spacecraft_data.harvest import HarvestError, HarvestOptions, harvest, label_root

TODAY = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
PAGE = 10  # 28 real records -> 3 spacecraft pages; 46 configurations -> 5 pages; 3 statuses -> 1 page
REQUESTS = 3 + 5 + 1


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


class Run:
    """Paths of one test's store, raw folder and changelog (all under tmp_path), plus what the harvest
    said (its log lines, captured by caplog)."""

    def __init__(self, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
        self.output = tmp_path / "snapshots"
        self.raw = tmp_path / "raw" / "harvest"
        self.changelog = tmp_path / "DATA_CHANGES.md"
        self.sleeps: list[float] = []
        self.caplog = caplog
        caplog.set_level(logging.INFO, logger="spacecraft_data")
        # A previous snapshot: a copy of the bundled one, which no harvest may modify.
        bundled = PINNED_DIR
        self.previous = self.output / "2.3.0" / bundled.name
        shutil.copytree(bundled, self.previous)
        self.previous_digest = tree_digest(self.previous)

    # The read timeout leaves a loaded 2-core CI machine room (0.5 s once timed out a healthy page and
    # retried it, so a request count came out one high); "slower-than-timeout" below sleeps past it.
    def options(self, api: FakeLL2, **kw) -> HarvestOptions:
        base = dict(
            base_url=api.base_url,
            output=self.output,
            raw_dir=self.raw,
            changelog=self.changelog,
            page_size=PAGE,
            read_timeout=2.0,
            connect_timeout=2,
            sleep=self.sleeps.append,
            now=lambda: TODAY,
        )
        base.update(kw)
        return HarvestOptions(**base)

    @property
    def messages(self) -> list[str]:
        """The lines the package logged during the test, in order."""
        return [r.getMessage() for r in self.caplog.records if r.name.startswith("spacecraft_data.")]

    def pages(self) -> list[Path]:
        return sorted(self.raw.glob("*/*.txt"))

    def assert_previous_untouched(self) -> None:
        assert tree_digest(self.previous) == self.previous_digest

    def assert_nothing_published(self) -> None:
        assert sorted(p.name for p in (self.output / "2.3.0").iterdir()) == [self.previous.name]


@pytest.fixture
def run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Run:
    return Run(tmp_path, caplog)


def assert_equals_bundled(snapshot_dir: Path) -> None:
    harvested = spacecraft_data.load(snapshot_dir)
    bundled = spacecraft_data.load(PINNED_DIR)  # what the stand-in serves
    for table in ("spacecraft", "spacecraft_configurations", "spacecraft_statuses"):
        assert strip_formats(harvested.tables[table]) == strip_formats(bundled.tables[table]), table
    # Not vacuous: the harvested URLs really carry the requested format and the bundled ones another.
    assert harvested.records[0]["url"].endswith("?format=json")
    assert bundled.records[0]["url"].endswith("?format=api")
    assert harvested.manifest["records"] == {"held": 28, "reported": 28, "complete": True}


def test_harvest_publishes_the_served_records_with_the_fewest_requests(run: Run) -> None:
    with FakeLL2() as api:
        result = harvest(run.options(api))
    assert result.snapshot == run.output / "2.3.0" / "2026.11.25"
    assert_equals_bundled(result.snapshot)
    counted = [s for s in api.seen if s.number is not None]
    assert len(counted) == REQUESTS == result.requests
    for seen in counted:
        assert "format=json" in seen.query and f"limit={PAGE}" in seen.query and "ordering=id" in seen.query
    # The throttle endpoint is read first and is not counted.
    assert api.seen[0].path == "/2.3.0/api-throttle/"
    manifest = json.loads((result.snapshot / "manifest.json").read_text())
    assert manifest["tables"]["spacecraft_configurations"]["complete"] is True
    assert manifest["notes"] == []
    assert not (result.run_dir / "IN_PROGRESS").exists()
    assert (result.run_dir / "sources.json").is_file()
    run.assert_previous_untouched()
    # Progress: pages and records, and the plan with its expected wait.
    text = "\n".join(run.messages)
    assert "plan: about" in text and "expected wait for the rate limit" in text
    assert "fetched 10 records (count 28)" in text


def test_progress_is_logged_by_named_loggers_and_the_library_attaches_no_handler(run: Run) -> None:
    with FakeLL2() as api:
        harvest(run.options(api))
    names = {r.name for r in run.caplog.records if r.name.startswith("spacecraft_data.")}
    assert {"spacecraft_data.harvest.harvester", "spacecraft_data.harvest.publish"} <= names
    assert all(r.levelno == logging.INFO for r in run.caplog.records if r.name in names)
    # Where the lines go is the application's choice (the CLI's handler, or none): never the library's.
    assert not any(logging.getLogger(name).handlers for name in {"spacecraft_data", *names})


def test_harvested_snapshot_rebuilds_byte_identically_from_its_raw_pages(run: Run) -> None:
    with FakeLL2() as api:
        result = harvest(run.options(api))
    inputs = read_sources(result.run_dir, repo_root=label_root(result.run_dir))
    files = assemble(inputs)
    assert {n: (result.snapshot / n).read_bytes() for n in files} == files
    # And through scripts/build_snapshot.py, which finds every run's sources.json.
    script = Path(__file__).parents[1] / "scripts" / "build_snapshot.py"
    spec = importlib.util.spec_from_file_location("build_snapshot", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--raw", str(run.raw.parent), "--out", str(run.output), "--check"]) == 0
    (result.snapshot / "spacecraft.json").write_bytes(b"[]\n")
    assert module.main(["--raw", str(run.raw.parent), "--out", str(run.output), "--check"]) == 1


def test_changelog_gets_the_summary_and_diff_against_the_previous_snapshot(run: Run) -> None:
    with FakeLL2() as api:
        harvest(run.options(api))
    log = run.changelog.read_text()
    assert log.startswith("# Data changes")
    assert "## 2.3.0/2026.11.25" in log
    assert "records: 28 held of 28 reported" in log
    # Same records (url fields compared without ?format=), so nothing added, removed or changed.
    assert f"versus {run.previous.name}: spacecraft: 0 added, 0 removed, 0 changed" in log


@pytest.mark.parametrize(
    "fault, said",
    [
        (
            Fault("status", at=2, status=429, retry_after=7),
            "after HTTP 429: the server asked to wait (Retry-After), waiting 7.0 s",
        ),
        (Fault("status", at=2, status=500), "after HTTP 500"),
        (Fault("status", at=2, status=502), "after HTTP 502"),
        (Fault("status", path="offset=10", status=503, times=3), "retry 3 of /2.3.0/spacecraft/"),
        (Fault("reset", at=2), "after ProtocolError"),
        (Fault("slow", at=2, delay=3.0), "after ReadTimeoutError"),
        (Fault("truncate", at=2), "the body is not valid JSON"),
        (Fault("cut", at=2), "the connection broke while reading the body"),
    ],
    ids=[
        "429-retry-after",
        "500",
        "502",
        "503x3",
        "connection-reset",
        "slower-than-timeout",
        "truncated-json",
        "connection-cut-mid-body",
    ],
)
def test_transient_fault_is_retried_and_the_snapshot_is_complete(run: Run, fault: Fault, said: str) -> None:
    with FakeLL2(faults=[fault]) as api:
        result = harvest(run.options(api))
    assert fault.used == fault.times  # the fault really happened
    assert_equals_bundled(result.snapshot)
    assert result.requests == REQUESTS + fault.times
    assert any(said in m for m in run.messages), run.messages
    if fault.retry_after:
        assert run.sleeps == [7.0]
    if fault.times == 3:  # exponential backoff: 0 (urllib3's first retry), then growing waits
        assert len(run.sleeps) == 2 and run.sleeps[1] > run.sleeps[0] > 0
    run.assert_previous_untouched()


def test_persistent_5xx_fails_clearly_and_keeps_pages_and_previous_snapshot(run: Run) -> None:
    with FakeLL2(faults=[Fault("status", path="offset=10", status=503, times=None)]) as api:
        with pytest.raises(HarvestError) as err:
            harvest(run.options(api, retries=3))
    message = str(err.value)
    assert err.value.exit_code == 1  # the server answered, with an error: not the network (exit 2)
    assert "offset=10" in message and "HTTP 503" in message and "after 4 attempt(s)" in message
    assert "kept 1 saved page(s)" in message and "no snapshot was published" in message
    assert [p.name for p in run.pages()] == ["spacecraft_normal_pass1_offset000000.txt"]
    # 3 retries: urllib3's first is immediate, then exponential backoff with jitter.
    assert sum("retry" in m for m in run.messages) == 3
    assert len(run.sleeps) == 2 and 4 <= run.sleeps[0] < 5 <= 8 <= run.sleeps[1] < 9
    run.assert_nothing_published()
    run.assert_previous_untouched()
    assert not run.changelog.exists()


def test_rerun_after_a_failure_reuses_saved_pages_and_fetches_only_the_rest(run: Run) -> None:
    with FakeLL2(faults=[Fault("reset", path="offset=10", times=None)]) as api:
        with pytest.raises(HarvestError, match="failed after 6 attempts"):
            harvest(run.options(api))
        kept = run.pages()
        assert len(kept) == 1
        first_bytes = kept[0].read_bytes()
        api.faults.clear()  # the network is back (same server: a run folder is keyed by host and port)
        api.seen.clear()
        result = harvest(run.options(api, now=lambda: TODAY + dt.timedelta(hours=1)))
    assert result.pages_reused == 1 and result.pages_fetched == REQUESTS - 1
    assert not any("offset=0" in s.query and s.path.endswith("/spacecraft/") for s in api.seen)
    assert result.run_dir == kept[0].parent
    assert kept[0].read_bytes() == first_bytes  # the saved page was not rewritten
    assert_equals_bundled(result.snapshot)


def test_a_published_run_is_not_reused_by_the_next_harvest(run: Run) -> None:
    with FakeLL2() as api:
        first = harvest(run.options(api))
    with FakeLL2() as api:
        second = harvest(run.options(api, now=lambda: TODAY + dt.timedelta(seconds=5)))
    assert second.pages_reused == 0 and second.run_dir != first.run_dir
    # Same day: the second snapshot gets the .1 suffix, the first is untouched.
    assert first.snapshot.name == "2026.11.25" and second.snapshot.name == "2026.11.25.1"


def test_truncated_json_every_time_fails_after_bounded_refetches(run: Run) -> None:
    with FakeLL2(faults=[Fault("truncate", path="offset=10", times=None)]) as api:
        with pytest.raises(HarvestError, match=r"not valid JSON .* on all 3 tries") as err:
            harvest(run.options(api))
    assert sum(1 for s in api.seen if "offset=10" in s.query) == 3
    assert "kept 1 saved page(s)" in str(err.value)
    assert (
        err.value.exit_code == 1
    )  # a complete body of the wrong shape: the server's answer, not the network
    run.assert_nothing_published()
    run.assert_previous_untouched()


def test_schema_violation_publishes_nothing_and_names_the_record(run: Run) -> None:
    with FakeLL2(faults=[Fault("invalid_record", path="/spacecraft/?", times=None)]) as api:
        with pytest.raises(HarvestError) as err:
            harvest(run.options(api))
    message = str(err.value)
    first_id = api.tables["spacecraft"][0]["id"]
    assert "schema problem" in message and str(first_id) in message and "in_space" in message
    assert len(run.pages()) == REQUESTS  # every fetched page kept for inspection
    assert not list(run.raw.glob("*/sources.json"))
    assert list(run.raw.glob("*/IN_PROGRESS"))
    run.assert_nothing_published()
    run.assert_previous_untouched()


def test_record_inserted_between_pages_triggers_a_refetch_and_a_note(run: Run) -> None:
    # After the first spacecraft page, a (synthetic) record appears at the front: count 28 -> 29.
    with FakeLL2(faults=[Fault("insert_front", at=2)]) as api:
        result = harvest(run.options(api))
    snap = spacecraft_data.load(result.snapshot)
    assert snap.manifest["records"] == {"held": 29, "reported": 29, "complete": True}
    assert SYNTHETIC_ID in snap  # the re-fetch saw the new record
    assert any(
        "pass 2 was consistent after pass 1: the reported count changed between pages (28 -> 29 -> 29), "
        "28 unique ids for a reported count of 29 (1 duplicate(s) across pages)" in n
        for n in snap.manifest["notes"]
    )
    assert (result.run_dir / "spacecraft_normal_pass2_offset000000.txt").is_file()
    assert (result.run_dir / "spacecraft_normal_pass1_offset000000.txt").is_file()  # pass 1 kept too


def test_count_that_never_settles_is_published_with_the_discrepancy_recorded(run: Run) -> None:
    with FakeLL2(
        faults=[
            Fault("count_drift", path="/spacecraft/?format=json&limit=10&mode=normal&offset=10", times=None)
        ]
    ) as api:
        result = harvest(run.options(api))
    manifest = spacecraft_data.load(result.snapshot).manifest
    assert manifest["records"]["held"] == 28 and manifest["records"]["reported"] == 29
    assert manifest["records"]["complete"] is False
    assert manifest["records"]["discrepancy"] == [
        {
            "endpoint": "/2.3.0/spacecraft/",
            "mode": "normal",
            "counts": [28, 29, 28],
            "unique_ids": 28,
            "passes": 2,
        }
    ]
    assert any("still inconsistent after 2 passes" in n for n in manifest["notes"])
    assert "DISCREPANCY" in run.changelog.read_text()
    assert any(m.startswith("warning:") for m in run.messages)


def test_pacing_waits_for_the_budget_instead_of_provoking_429(run: Run) -> None:
    throttle = Throttle(limit=5, current_use=2, next_use_secs=1200, enforce=True)
    with FakeLL2(throttle=throttle) as api:

        def sleep(seconds: float) -> None:
            run.sleeps.append(seconds)
            api.reset_window()  # the window passes while we wait

        result = harvest(run.options(api, sleep=sleep))
    assert api.throttled == 0  # never provoked a 429
    assert run.sleeps == [1200, 1200]  # 3 requests fit the budget, a wait, 5 more, a wait, the last one
    assert_equals_bundled(result.snapshot)
    assert any(
        m.startswith("rate limit: 5 of 5 requests used") and "waiting 20 min 00 s, until 12:20:00 UTC" in m
        for m in run.messages
    )
    plan = next(m for m in run.messages if m.startswith("plan:"))
    # Before page 1 the estimate uses the last known count (590: 59 pages of 10 + 2) at 5 an hour.
    assert "plan: about 61 request(s)" in plan and "expected wait for the rate limit: 12 h 00 min" in plan


def test_server_without_throttle_endpoint_is_harvested_without_pacing(run: Run) -> None:
    with FakeLL2(throttle_endpoint=False) as api:
        result = harvest(run.options(api))
    assert any("not pacing" in m for m in run.messages)
    assert_equals_bundled(result.snapshot)


def test_non_retryable_status_fails_at_once_with_its_body(run: Run) -> None:
    with FakeLL2() as api:
        with pytest.raises(HarvestError) as err:
            harvest(run.options(api, modes=("detailed",)))
    message = str(err.value)
    assert "HTTP 400" in message and "after 1 attempt(s)" in message and "mode=detailed" in message
    run.assert_nothing_published()


def test_api_key_is_sent_as_token_and_never_written_or_printed(run: Run, monkeypatch, capsys) -> None:
    from spacecraft_data.cli import main

    secret = "k3y-that-must-not-leak-0123456789"
    monkeypatch.setenv("SPACECRAFT_DATA_API_KEY", secret)
    with FakeLL2(faults=[Fault("status", at=2, status=503)]) as api:
        code = main(
            [
                "harvest",
                "--base-url",
                api.base_url,
                "--output",
                str(run.output),
                "--raw-dir",
                str(run.raw),
                "--changelog",
                str(run.changelog),
                "--page-size",
                str(PAGE),
            ]
        )
    assert code == 0
    assert {s.headers.get("Authorization") for s in api.seen} == {f"Token {secret}"}
    out = capsys.readouterr()
    assert secret not in out.out + out.err
    for path in run.output.parent.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_cli_reports_progress_on_stderr_and_quiet_silences_it(run: Run, capsys) -> None:
    from spacecraft_data.cli import main

    args = [
        "--output",
        str(run.output),
        "--raw-dir",
        str(run.raw),
        "--no-changelog",
        "--page-size",
        str(PAGE),
    ]
    with FakeLL2() as api:
        assert main(["harvest", "--base-url", api.base_url, "--progress", *args]) == 0
    out = capsys.readouterr()
    assert "/2.3.0/20" in out.out
    assert "page spacecraft_normal_pass1_offset000000.txt: fetched 10 records" in out.err
    assert "published" in out.err
    with FakeLL2() as api:
        assert main(["harvest", "--base-url", api.base_url, "--quiet", *args]) == 0
    out = capsys.readouterr()
    assert out.err == "" and "2.3.0" in out.out
    assert not run.changelog.exists()


def test_cli_failure_exits_non_zero_saying_what_failed_and_what_was_kept(run: Run, capsys) -> None:
    from spacecraft_data.cli import main

    with FakeLL2(faults=[Fault("invalid_record", path="offset=10", times=None)]) as api:
        code = main(
            [
                "harvest",
                "--base-url",
                api.base_url,
                "--output",
                str(run.output),
                "--raw-dir",
                str(run.raw),
                "--changelog",
                str(run.changelog),
                "--page-size",
                str(PAGE),
                "--quiet",
            ]
        )
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("spacecraft-data harvest: error: ")
    assert (
        "schema problem" in err
        and "kept 9 saved page(s)" in err
        and "existing snapshots are untouched" in err
    )
    run.assert_previous_untouched()


def test_mode_both_keeps_normal_records_in_the_table_and_detailed_ones_beside_it(run: Run) -> None:
    from spacecraft_data.validation import validate

    with FakeLL2(detailed=True) as api:  # detailed records served here are SYNTHETIC (see fakeapi)
        result = harvest(run.options(api, modes=("normal", "detailed")))
    assert result.requests == REQUESTS + 3  # 3 more spacecraft pages for the second mode, nothing else
    assert_equals_bundled(result.snapshot)  # spacecraft.json: the normal records the query engine serves
    detailed = json.loads((result.snapshot / "spacecraft_detailed.json").read_text())
    assert [r["id"] for r in detailed] == [r["id"] for r in spacecraft_data.load(PINNED_DIR).records]
    assert {r["response_mode"] for r in detailed} == {"detailed"} and all("flights" in r for r in detailed)
    manifest = json.loads((result.snapshot / "manifest.json").read_text())
    assert manifest["modes"]["normal"] == {"held": True}
    assert manifest["modes"]["detailed"]["held"] is True
    assert manifest["modes"]["detailed"]["file"] == "spacecraft_detailed.json"
    assert manifest["tables"]["spacecraft"]["modes"] == ["normal"]
    assert manifest["tables"]["spacecraft_detailed"] == {
        "file": "spacecraft_detailed.json",
        "rows": 28,
        "modes": ["detailed"],
        "count_reported": 28,
        "complete": True,
    }
    assert "spacecraft_detailed.json" in manifest["files"]
    assert validate(result.snapshot).problems == []
    # The run folder names the modes and page size, then a random suffix of its own (one folder per run).
    assert re.fullmatch(
        r"20261125T120000Z_127\.0\.0\.1-\d+_2\.3\.0_normal\+detailed_limit10\.[0-9a-f]{8}",
        result.run_dir.name,
    ), result.run_dir.name


def test_mode_detailed_alone_puts_detailed_records_in_the_spacecraft_table(run: Run) -> None:
    with FakeLL2(detailed=True) as api:
        result = harvest(run.options(api, modes=("detailed",)))
    snap = spacecraft_data.load(result.snapshot)
    assert snap.modes == ("detailed",)
    assert {r["response_mode"] for r in snap.records} == {"detailed"}
    assert not (result.snapshot / "spacecraft_detailed.json").exists()


def test_interrupted_harvest_says_what_was_kept_and_resumes(run: Run) -> None:
    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt  # Ctrl-C during a backoff wait

    with FakeLL2(faults=[Fault("status", path="offset=10", status=503, times=2)]) as api:
        with pytest.raises(KeyboardInterrupt):
            harvest(run.options(api, sleep=interrupt))
        assert run.messages[-1].startswith("interrupted: kept 1 saved page(s)")
        run.assert_nothing_published()
        result = harvest(run.options(api))
    assert result.pages_reused == 1
    assert_equals_bundled(result.snapshot)


def test_unreachable_server_fails_clearly_and_leaves_no_empty_run_folder(run: Run) -> None:
    with FakeLL2() as api:
        base_url = api.base_url  # the server is stopped on leaving the block: its port refuses connections
    with pytest.raises(HarvestError) as err:
        harvest(run.options(api, base_url=base_url, retries=1))
    message = str(err.value)
    assert f"GET {base_url}/2.3.0/spacecraft/?" in message and "failed after 2 attempts" in message
    assert "no page had been saved; no snapshot was published" in message
    assert err.value.exit_code == 2  # the environment: nothing answered
    assert not run.raw.exists() or not any(run.raw.iterdir())
    run.assert_nothing_published()


def test_a_declared_endpoint_is_harvested_published_and_loaded_with_no_change_to_the_harvest(
    run: Run, declared_widgets
) -> None:
    records = [{"id": n, "name": f"SYNTHETIC widget {n}"} for n in range(1, 13)]
    with FakeLL2() as api:
        api.tables["config/widgets"] = records
        result = harvest(run.options(api))
    assert result.requests == REQUESTS + 2  # 12 widgets -> 2 pages of 10, no mode parameter sent
    widget_requests = [s for s in api.seen if s.path == "/2.3.0/config/widgets/"]
    assert len(widget_requests) == 2 and all("mode=" not in s.query for s in widget_requests)
    assert "plus 3 reference tables" in "\n".join(run.messages)
    snap = spacecraft_data.load(result.snapshot)
    assert snap.tables["widgets"] == records
    assert snap.manifest["tables"]["widgets"] == {"file": "widgets.json", "rows": 12, "complete": True}
    assert_equals_bundled(result.snapshot)
