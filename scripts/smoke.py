"""Smoke test of an installed spacecraft-data: load, query, validate a page, export, serve one request.

Run it with the interpreter of the environment to check, from outside the checkout:

    /path/to/venv/bin/python scripts/smoke.py --require-wheel

Only the standard library and the installed package are used, so it runs on every
Python the package declares (``scripts/smoke_pythons.py`` runs it on each one CI has).
Every step runs even when an earlier one failed; the exit status is 0 when all
passed, 1 otherwise, and each failure is one line naming the step, then its traceback.
The records it damages on purpose (to see validate find them) are SYNTHETIC copies in
a temporary folder; nothing outside that folder is written.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import select
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from pathlib import Path
from typing import Any, Callable

#: how long ``serve`` may take to print its URL, and one request to be answered (seconds)
SERVE_DEADLINE = 20.0
#: how long one CLI command may run (seconds)
COMMAND_DEADLINE = 120.0
#: sha256 of the CSV the csv_bytes step writes: one constant for every Python (tests/test_csv_bytes.py pins
#: it)
CSV_SHA256 = "e0e7c29e89cb8dac9234c0b043b6469a119e21a83e1d0e936edcbf12aaf91a3e"


class SmokeFailure(Exception):
    """A step saw something other than what it expects."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def _cli() -> list[str]:
    """The installed ``spacecraft-data`` command next to this interpreter (venv/bin or Scripts)."""
    folder = Path(sys.executable).parent
    for name in ("spacecraft-data", "spacecraft-data.exe"):
        if (folder / name).is_file():
            return [str(folder / name)]
    raise SmokeFailure(f"no spacecraft-data command next to {sys.executable}: is the package installed here?")


def _run(*args: str, expect: int) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*_cli(), *args], capture_output=True, text=True, timeout=COMMAND_DEADLINE)
    shown = " ".join(["spacecraft-data", *args])
    _check(
        done.returncode == expect,
        f"'{shown}' exited {done.returncode}, expected {expect}; stderr: {done.stderr.strip()[-800:]!r}",
    )
    _check(
        "Traceback" not in done.stdout + done.stderr, f"'{shown}' printed a traceback: {done.stderr[-800:]!r}"
    )
    return done


class Smoke:
    """The steps, in order; each reads what the ones before it left in ``self``."""

    def __init__(self, work: Path, require_wheel: bool) -> None:
        self.work = work
        self.require_wheel = require_wheel
        self.snap: Any = None
        self.list_path = (
            ""  # the primary endpoint's list route in the snapshot's API version (/2.3.0/spacecraft/)
        )

    def load(self) -> None:
        import spacecraft_data

        where = Path(spacecraft_data.__file__).parent
        if self.require_wheel:
            _check(
                (where / "_bundled" / "snapshots").is_dir(),
                f"spacecraft_data was imported from {where}, not from an installed wheel (no "
                "_bundled/ there)",
            )
        snap = spacecraft_data.load()
        _check(len(snap) > 0, f"load() gave an empty snapshot {snap!r}")
        first = next(iter(snap))
        _check(snap.get(first["id"]) == first, f"get({first['id']}) differs from the record iteration gave")
        self.snap = snap
        self.list_path = snap.registry.primary.routing.list_path(snap.api_version)
        print(f"  load: {snap!r} from {where}")

    def query(self) -> None:
        snap = self.snap
        page = snap.query(ordering="-id", limit=2)
        ids = [r["id"] for r in page.results]
        _check(page.count == len(snap), f"query() counted {page.count}, the snapshot holds {len(snap)}")
        _check(
            ids == sorted(ids, reverse=True) and len(ids) == min(2, len(snap)), f"ordering=-id gave ids {ids}"
        )
        status, body = snap.respond(f"{self.list_path}?limit=1&format=json")
        _check(status == 200 and body["count"] == len(snap), f"respond() answered {status} {str(body)[:200]}")
        status, _ = snap.respond(f"{self.list_path}?status=banana")
        _check(status == 400, f"respond() answered {status} to a refused status, LL2 answers 400")
        print(f"  query: {page.count} records, first ids by -id {ids}")

    def validate(self) -> None:
        import spacecraft_data

        _, body = self.snap.respond(f"{self.list_path}?limit=5&format=json")
        page = self.work / "page.json"
        page.write_text(json.dumps(body), encoding="utf-8")
        report = spacecraft_data.validate(page)
        _check(
            report.valid and report.records_checked == len(body["results"]),
            f"validate() of a page the snapshot answered: {report}",
        )
        _run("validate", str(page), expect=0)
        damaged = json.loads(json.dumps(body))
        damaged["results"][0]["flights_count"] = "many"  # SYNTHETIC damage: validate must find it
        bad = self.work / "damaged-page.json"
        bad.write_text(json.dumps(damaged), encoding="utf-8")
        found = _run("validate", str(bad), expect=1)
        _check(
            "$.flights_count" in found.stdout,
            f"validate did not name the damaged field: {found.stdout[-400:]!r}",
        )
        _run("validate", str(self.work / "no-such-page.json"), expect=2)
        _run("validate", expect=0)  # the bundled snapshot, every table
        print(
            f"  validate: a {len(body['results'])}-record page valid, a damaged copy invalid "
            "(1), a missing file 2"
        )

    def export(self) -> None:
        out = self.work / "export-json"
        _run("export", "--format", "json", "--output", str(out), expect=0)
        records = json.loads((out / "spacecraft.json").read_text(encoding="utf-8"))
        _check(len(records) == len(self.snap), f"export wrote {len(records)} records of {len(self.snap)}")
        csv_out = self.work / "export-csv"
        _run("export", "--format", "csv", "--output", str(csv_out), expect=0)
        descriptor = json.loads((csv_out / "datapackage.json").read_text(encoding="utf-8"))
        missing = [r["path"] for r in descriptor["resources"] if not (csv_out / r["path"]).is_file()]
        _check(not missing, f"export --format csv left out {missing}")
        print(
            f"  export: {len(records)} records as JSON; {len(descriptor['resources'])} CSV "
            "tables + datapackage.json"
        )

    def csv_bytes(self) -> None:
        """A record holding CR, LF, quotes and commas: the same CSV bytes on every Python, read back
        exactly."""
        import csv
        import hashlib
        import io

        from spacecraft_data.tables import flat_csv

        records = [{"id": 1, "name": 'lone\rCR, "quoted"\nand LF', "note": "=1+2"}]  # SYNTHETIC
        data = flat_csv(records)
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        _check(
            rows == [["id", "name", "note"], ["1", records[0]["name"], "=1+2"]],
            f"the CSV of a record holding CR, LF, quotes and commas reads back as {rows!r}",
        )
        digest = hashlib.sha256(data).hexdigest()
        _check(digest == CSV_SHA256, f"CSV bytes {data!r} (sha256 {digest}) differ from every other Python's")
        print(f"  csv bytes: sha256 {digest[:12]}…, read back exactly")

    def serve(self) -> None:
        proc = subprocess.Popen(
            [*_cli(), "serve", "--host", "127.0.0.1", "--port", "0", "--quiet"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], SERVE_DEADLINE)
            _check(bool(ready), f"serve printed nothing in {SERVE_DEADLINE:.0f} s")
            first = proc.stdout.readline()
            _check(" at http://127.0.0.1:" in first, f"serve's first line names no URL: {first!r}")
            url = first.split(" at ", 1)[1].split()[0] + "?limit=1"
            with urllib.request.urlopen(url, timeout=SERVE_DEADLINE) as answer:
                status, body = answer.status, json.load(answer)
            _check(
                status == 200 and body["count"] == len(self.snap),
                f"GET {url} answered {status}: {str(body)[:200]}",
            )
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=SERVE_DEADLINE)
            _check(code == 0, f"serve exited {code} after SIGTERM, expected 0")
            print(f"  serve: GET {url} -> {status}, count {body['count']}; stopped by SIGTERM, exit 0")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            errors = proc.stderr.read() if proc.stderr else ""
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
            if "Traceback" in errors:
                raise SmokeFailure(f"serve printed a traceback: {errors[-800:]!r}")

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("load", self.load),
            ("query", self.query),
            ("validate", self.validate),
            ("export", self.export),
            ("csv_bytes", self.csv_bytes),
            ("serve", self.serve),
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--require-wheel",
        action="store_true",
        help="fail unless spacecraft_data is imported from an installed wheel (not a checkout)",
    )
    args = parser.parse_args(argv)
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"smoke: {python} at {sys.executable}")
    failed = []
    with tempfile.TemporaryDirectory(prefix="spacecraft-data-smoke-") as tmp:
        smoke = Smoke(Path(tmp), args.require_wheel)
        for name, step in smoke.steps():
            if name != "load" and smoke.snap is None:
                failed.append(name)
                print(f"smoke FAILED at {name} ({python}): not run, load failed", file=sys.stderr)
                continue
            started = time.perf_counter()
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - every failure is reported, then the next step runs
                failed.append(name)
                print(f"smoke FAILED at {name} ({python}): {type(exc).__name__}: {exc}", file=sys.stderr)
                if not isinstance(exc, SmokeFailure):
                    traceback.print_exc(file=sys.stderr)
            else:
                print(f"  ok {name} ({time.perf_counter() - started:.2f} s)")
    if failed:
        print(f"smoke: {python}: FAILED {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"smoke: {python}: ok (load, query, validate, export, serve)")
    return 0


if __name__ == "__main__":
    os.environ.pop("PYTHONPATH", None)  # for the subprocesses: the installed package, not a checkout
    sys.exit(main())
