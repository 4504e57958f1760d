"""Every example of README.md and of every docs page runs, and prints what the page shows.

The runner is ``scripts/docs_examples.py`` (what counts as an example, and the directives that say how a
block runs, are in its docstring). Each page runs in a fresh copy of one work folder: the pinned checkout
(tests/conftest.py: a checkout whose only snapshot is the pinned one, so the pages' outputs hold whatever a
refresh harvested since), with ``data/raw``, the edited ``records.ndjson`` the validation examples read, the
damaged snapshot copy ``snap`` (the
researchers' page writes its Parquet export into ``out/`` itself before reading it). Examples that reach LL2
run against the
loopback stand-in (tests/fakeapi.py).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PINNED_VERSION, ROOT, checkout_env
from fakeapi import FakeLL2, Throttle

pytestmark = pytest.mark.slow

_spec = importlib.util.spec_from_file_location("docs_examples", ROOT / "scripts" / "docs_examples.py")
assert _spec and _spec.loader
docs_examples = importlib.util.module_from_spec(_spec)
sys.modules["docs_examples"] = docs_examples
_spec.loader.exec_module(docs_examples)

#: the docs pages (README.md runs by the same runner in tests/test_readme.py)
PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))

#: the blocks run elsewhere or not compared, each with its reason in the page: new ones are a decision
NOT_RUN_HERE = {"run-by", "not-compared"}


def write_edited_records(folder: Path, snapshot: Path) -> None:
    """records.ndjson as the validation examples describe it: 3 real records, edited (a bad duration, an
    extra key, a wrong mode)."""
    records = copy.deepcopy(json.loads((snapshot / "spacecraft.json").read_text(encoding="utf-8"))[:3])
    records[1]["time_in_space"] = "54 days, 1:56:34"
    records[2]["launcher_stage"] = None
    records[2]["response_mode"] = "list"
    (folder / "records.ndjson").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def write_damaged_copy(folder: Path, snapshot: Path) -> None:
    """``snap``: a copy of the snapshot with one record's "id" made a string, its checksum updated."""
    shutil.copytree(snapshot, folder)
    records = json.loads((folder / "spacecraft.json").read_text(encoding="utf-8"))
    records[1]["id"] = str(records[1]["id"])
    data = json.dumps(records, ensure_ascii=False, indent=2).encode("utf-8")
    (folder / "spacecraft.json").write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["spacecraft.json"] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def work_template(pinned_checkout, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("docs-work") / "repo"
    shutil.copytree(pinned_checkout, folder, ignore=shutil.ignore_patterns("__pycache__", "out"))
    shutil.copytree(ROOT / "data" / "raw", folder / "data" / "raw")
    for name in ("tests", "benchmarks"):  # named by pages (run-by), and fakeapi for the harvest examples
        shutil.copytree(
            ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis")
        )
    snapshot = folder / "data" / "snapshots" / "2.3.0" / PINNED_VERSION
    write_edited_records(folder, snapshot)
    write_damaged_copy(folder / "snap", snapshot)
    return folder


@contextlib.contextmanager
def stand_in(detailed: bool) -> Iterator[str]:
    # a budget no example uses up: the examples show the harvest, not its waits
    with FakeLL2(throttle=Throttle(limit=1000), detailed=detailed) as fake:
        yield fake.base_url


def page_context(template: Path, tmp_path: Path) -> docs_examples.Context:
    work = tmp_path / "work"
    shutil.copytree(template, work, symlinks=True)
    env = checkout_env(work)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "200"  # outputs are shown unwrapped
    env.pop("SPACECRAFT_DATA_API_KEY", None)
    # Defence in depth: were a block to reach for a remote host, its client (requests, curl, apt) would go to
    # a dead loopback proxy and fail there; the runner already refuses such blocks unless they are marked.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env[name] = "http://127.0.0.1:9"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return docs_examples.Context(work, env, stand_in)


@pytest.mark.parametrize("page", PAGES)
def test_every_example_of_the_page_prints_what_it_shows(page, work_template, tmp_path):
    results = docs_examples.run_page(
        (ROOT / page).read_text(encoding="utf-8"), page, page_context(work_template, tmp_path)
    )
    failures = [f"{r.block.where}: {r.kind}\n{r.detail}" for r in results if not r.ok]
    assert not failures, "\n\n".join(failures)


def test_the_pages_have_examples_of_every_kind():
    kinds: dict[str, int] = {}
    for page in ["README.md", *PAGES]:
        for block in docs_examples.examples((ROOT / page).read_text(encoding="utf-8"), page):
            key = "doctest" if ">>>" in block.body else block.lang
            kinds[key] = kinds.get(key, 0) + 1
    assert {"doctest", "python", "console", "sh", "r", "yaml"} <= set(kinds), kinds
    assert sum(kinds.values()) >= 35, kinds


def test_blocks_not_run_here_are_few_and_say_why():
    marked = []
    for page in ["README.md", *PAGES]:
        for block in docs_examples.examples((ROOT / page).read_text(encoding="utf-8"), page):
            kind = block.directive.split(" ", 1)[0].split(":", 1)[0]
            if kind in NOT_RUN_HERE:
                assert ":" in block.directive, f"{block.where}: say why ({block.directive!r})"
                marked.append(block.where)
    assert len(marked) <= 6, marked


def _broken_page(folder: Path) -> Path:
    page = folder / "broken.md"
    page.write_text(
        "# A page with one right and one wrong example\n\n"
        "```console\n$ echo hello\nhello\n```\n\n"
        "```console\n$ echo hello\ngoodbye\n```\n\n"
        "```python\n>>> 1 + 1\n3\n```\n",
        encoding="utf-8",
    )
    return page


@pytest.mark.parametrize(
    "body",
    [
        "spacecraft-data harvest\n",
        "python scripts/refresh.py\n",
        "apt-get update\n",
        "curl -s https://example.invalid/\n",
    ],
)
def test_a_block_that_would_leave_loopback_is_refused_unless_marked(body, tmp_path):
    block = docs_examples.Block("page.md", 1, "sh", body)
    result = docs_examples.run_block(block, docs_examples.Context(tmp_path, {}))
    assert not result.ok and "beyond loopback" in result.detail
    assert docs_examples.reaches_out(block)
    assert not docs_examples.reaches_out(
        docs_examples.Block("page.md", 1, "sh", "curl -s http://127.0.0.1:8000/x\n")
    )


@pytest.mark.parametrize("ci, ok", [("true", False), ("", True)])
def test_an_r_example_without_rscript_fails_under_ci_and_is_skipped_elsewhere(ci, ok, tmp_path):
    # .ci/run installs R: under CI a skip would hide the R example, so a missing Rscript is a failure there
    block = docs_examples.Block("page.md", 1, "r", 'cat("hello\\n")\n')
    result = docs_examples.run_block(
        block, docs_examples.Context(tmp_path, {"PATH": str(tmp_path), "CI": ci})
    )
    assert result.ok is ok and "Rscript is not installed" in result.detail


def test_a_deliberately_broken_example_fails_the_check(tmp_path):
    page = _broken_page(tmp_path)
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "docs_examples.py"), str(page)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{page}:8: console example FAILED" in done.stdout
    assert "-goodbye" in done.stdout and "+hello" in done.stdout
    assert f"{page}:13: doctest example FAILED" in done.stdout
    assert f"{page}:3:" not in done.stdout  # the right one passes
    # and the same page, put right, passes
    page.write_text(
        page.read_text(encoding="utf-8").replace("goodbye", "hello").replace("\n3\n", "\n2\n"),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "docs_examples.py"), str(page)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "shown, got, ok",
    [
        ("a\n…\nz", "a\nb\nc\nz", True),
        ("a\n…\nz", "a\nz", True),
        ("path: …/data", "path: /x/y/data", True),
        ("path: …/data", "path: /x/y/data2", False),
        ("a\nb", "a", False),
        ("a", "a\nb", False),
    ],
)
def test_output_matching_reads_an_ellipsis_as_any_text(shown, got, ok):
    assert docs_examples.matches(shown, got) is ok
