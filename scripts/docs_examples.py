"""Run the examples of Markdown pages (README.md, docs/*.md) and compare their output with what the page
shows.

What counts as an example, by the fence's language:

* ``python`` holding ``>>>``: a doctest. A page's doctest blocks run as one doctest, in page order (later
  blocks use names earlier ones defined), with ELLIPSIS and NORMALIZE_WHITESPACE.
* ``python`` or ``r`` followed at once by a ``text`` block (or a fence with no language): a script whose
  standard output must be that block. Without such a block the script must exit 0.
* ``console``: ``$ command`` lines, each followed by its output (standard output and error together).
  A ``…`` in an output line matches any text, and a line that is only ``…`` any number of lines. A line
  ending with ``\\`` continues on the next. ``$?`` is the status of the command before, as in a shell.
* ``sh``: a script run by ``bash -e``: every command must succeed.
* ``yaml``: must parse.
* ``text`` and fences with no language are not examples (file layouts, outputs).

A directive in an HTML comment right before a fence says how to run it (invisible when the page renders):

* ``<!-- example: stand-in -->``: the block reaches LL2 (a harvest): it runs against the loopback stand-in
  (``tests/fakeapi.py``), with ``--base-url`` set to it on each ``harvest`` command and a fresh user store.
  ``stand-in detailed`` serves SYNTHETIC detailed records too.
* ``<!-- example: server -->``: the console block starts ``spacecraft-data serve --port 8000``; it runs on a
  free loopback port instead (``127.0.0.1:8000`` reads as that address in every later block of the page), its
  first line is compared, and it keeps serving until the page is done.
* ``<!-- example: file=NAME -->``: the python block is a test module: written to NAME and run by pytest,
  which must pass.
* ``<!-- example: run-by PATH: why -->``: the block is run elsewhere (PATH, which must exist: ``.ci/run``
  or a test file); not run here.
* ``<!-- example: needs=MODULE -->``: runs where MODULE is installed (an optional reader, such as pyspark).
* ``r`` blocks run where ``Rscript`` is on the PATH; without it they are skipped, except under ``CI=true``
  (``.ci/run`` installs R), where a missing ``Rscript`` is a failure.
* ``<!-- example: not-compared: why -->``: run, exit status checked, output not compared, for a state
  the suite cannot make (e.g. a store of 590 harvested records).

Examples run in a work folder (``cwd``) with an environment the caller gives (tests/test_docs_examples.py
makes both: a checkout holding the pinned snapshot). ``/tmp/`` in a command reads as ``<work>/tmp/``.

``python scripts/docs_examples.py PAGE...`` runs the pages in the current folder and exits 1 if any example
fails, printing each failure with its page and line.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ContextManager

_FENCE = re.compile(r"^```([a-z]*)[^\n]*\n(.*?)^```[ \t]*\n", re.M | re.S)
_DIRECTIVE = re.compile(r"<!-- example: (.*?) -->\s*\Z", re.S)
TIMEOUT = 300


@dataclass
class Block:
    """One fenced block of a page."""

    page: str
    line: int
    lang: str
    body: str
    directive: str = ""
    output: str | None = None  # the text block that follows it at once, if any

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


@dataclass
class Result:
    """What running one example gave."""

    block: Block
    kind: str
    ok: bool
    detail: str = ""


@dataclass
class Context:
    """Where and how a page's examples run."""

    cwd: Path
    env: dict[str, str]
    #: a context manager giving the base URL of a loopback LL2 stand-in (``detailed`` asks for detailed
    #: records)
    stand_in: Callable[[bool], ContextManager[str]] | None = None
    substitutions: dict[str, str] = field(default_factory=dict)
    servers: list[subprocess.Popen] = field(default_factory=list)


def blocks(text: str, page: str) -> list[Block]:
    """Every fenced block of ``text``, each with the directive before it and the output block after it."""
    found: list[Block] = []
    previous_end = 0
    for match in _FENCE.finditer(text):
        lang, body = match.group(1), match.group(2)
        directive = _DIRECTIVE.search(text[previous_end : match.start()])
        block = Block(
            page,
            text.count("\n", 0, match.start()) + 1,
            lang,
            body,
            directive.group(1).strip() if directive else "",
        )
        if (
            found
            and lang in ("", "text")
            and text[previous_end : match.start()] == ""
            and found[-1].lang in ("python", "r")
            and found[-1].output is None
        ):
            found[-1].output = body  # the output of the script just before
        else:
            found.append(block)
        previous_end = match.end()
    return found


def examples(text: str, page: str) -> list[Block]:
    """The blocks of ``text`` that are examples (see the module docstring)."""
    return [b for b in blocks(text, page) if b.lang in ("python", "r", "console", "sh", "yaml")]


# -- matching ----------------------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def _line_pattern(line: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in line.split("…")) + r"\Z")


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is what ``expected`` shows (blank lines and trailing spaces aside; ``…``
    wildcards)."""
    want, got = _lines(expected), _lines(actual)
    memo: dict[tuple[int, int], bool] = {}

    def match(i: int, j: int) -> bool:
        if (i, j) not in memo:
            if i == len(want):
                memo[i, j] = j == len(got)
            elif want[i].strip() == "…":
                memo[i, j] = match(i + 1, j) or (j < len(got) and match(i, j + 1))
            else:
                memo[i, j] = (
                    j < len(got) and bool(_line_pattern(want[i]).match(got[j])) and match(i + 1, j + 1)
                )
        return memo[i, j]

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * (len(want) + len(got)) + 100))
    return match(0, 0)


def _diff(expected: str, actual: str) -> str:
    import difflib

    return "\n".join(difflib.unified_diff(_lines(expected), _lines(actual), "shown", "got", lineterm=""))


# -- running -----------------------------------------------------------------------------------------------


def _substitute(text: str, ctx: Context) -> str:
    text = text.replace("/tmp/", f"{ctx.cwd}/tmp/")
    for old, new in ctx.substitutions.items():
        text = text.replace(old, new)
    return text


def _run(
    command: list[str] | str, ctx: Context, env: dict[str, str] | None = None, **kw: Any
) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=ctx.cwd,
        env=env or ctx.env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        shell=isinstance(command, str),
        executable="/bin/bash" if isinstance(command, str) else None,
        **kw,
    )


_DOCTEST = """
import doctest, pathlib, sys
text = pathlib.Path(sys.argv[1]).read_text(encoding="utf-8")
test = doctest.DocTestParser().get_doctest(text, {"__name__": "docs"}, sys.argv[2], sys.argv[2], 0)
runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
report = []
runner.run(test, out=report.append)
print(runner.tries, runner.failures)
print("".join(report))
"""


def run_doctests(found: list[Block], ctx: Context) -> list[Result]:
    """A page's doctest blocks, as one doctest; one result per block (all failed if the run fails)."""
    if not found:
        return []
    source = "\n".join(_substitute(b.body, ctx) for b in found)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
        handle.write(source)
    try:
        done = _run([sys.executable, "-c", _DOCTEST, handle.name, found[0].page], ctx)
    finally:
        os.unlink(handle.name)
    counts, _, report = done.stdout.partition("\n")
    try:
        tries, failures = map(int, counts.split())
    except ValueError:
        return [Result(b, "doctest", False, done.stderr or done.stdout) for b in found]
    ok = done.returncode == 0 and failures == 0 and tries > 0
    return [Result(b, "doctest", ok, "" if ok else report + done.stderr) for b in found]


def _console_commands(body: str) -> list[tuple[str, str]]:
    """(command, shown output) of each ``$`` line of a console block."""
    pairs: list[tuple[str, str]] = []
    lines = body.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            i += 1
            continue
        command = lines[i][2:]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command = command[:-1] + " " + lines[i].strip()
        i += 1
        output = []
        while i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        pairs.append((command, "\n".join(output)))
    return pairs


def run_console(block: Block, ctx: Context, compare: bool = True) -> Result:
    status = 0
    for command, shown in _console_commands(block.body):
        command, shown = _substitute(command, ctx), _substitute(shown, ctx)
        # one shell per command, given the status before it, so that `echo $?` reads as it would
        done = subprocess.run(
            f"(exit {status}); {command}",
            cwd=ctx.cwd,
            env=ctx.env,
            shell=True,
            text=True,
            executable="/bin/bash",
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=TIMEOUT,
        )
        status = done.returncode
        if compare and not matches(shown, done.stdout):
            return Result(block, "console", False, f"$ {command}\n{_diff(shown, done.stdout)}")
        if not compare and status != 0:
            return Result(block, "console", False, f"$ {command}\nexit {status}\n{done.stdout}")
    return Result(block, "console", True)


def start_server(block: Block, ctx: Context) -> Result:
    """A console block starting ``serve --port 8000``: started on a free port, kept running for the page."""
    ((command, shown),) = _console_commands(block.body)
    argv = shlex.split(command.split("  #")[0].replace("--port 8000", "--port 0"))
    process = subprocess.Popen(
        argv,
        cwd=ctx.cwd,
        env=ctx.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    ctx.servers.append(process)
    assert process.stdout is not None
    first = process.stdout.readline()
    address = re.search(r"http://(127\.0\.0\.1:\d+)/", first)
    if not address:
        return Result(block, "server", False, f"$ {command}\n{first}")
    ctx.substitutions["127.0.0.1:8000"] = address.group(1)
    expected = _substitute(shown, ctx)
    return Result(block, "server", matches(expected, first), _diff(expected, first))


def run_script(block: Block, ctx: Context) -> Result:
    code = _substitute(block.body, ctx)
    if block.lang == "r":
        command = ["Rscript", "-e", code]
    else:
        command = [sys.executable, "-c", code]
    done = _run(command, ctx)
    if done.returncode != 0:
        return Result(block, block.lang, False, f"exit {done.returncode}\n{done.stderr}")
    if block.output is not None and not matches(_substitute(block.output, ctx), done.stdout):
        return Result(block, block.lang, False, _diff(block.output, done.stdout))
    return Result(block, block.lang, True)


def run_test_module(block: Block, name: str, ctx: Context) -> Result:
    (ctx.cwd / name).write_text(block.body, encoding="utf-8")
    done = _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", name], ctx
    )
    ok = done.returncode == 0
    return Result(block, "pytest", ok, "" if ok else done.stdout[-3000:] + done.stderr[-2000:])


@contextlib.contextmanager
def _stand_in_context(block: Block, ctx: Context) -> Iterator[Context]:
    if ctx.stand_in is None:
        raise RuntimeError("this page reaches LL2 and no loopback stand-in was given")
    with (
        ctx.stand_in("detailed" in block.directive) as base_url,
        tempfile.TemporaryDirectory(prefix="docs-store-") as store,
    ):
        env = dict(ctx.env, SPACECRAFT_DATA_HOME=store)
        yield Context(
            ctx.cwd,
            env,
            ctx.stand_in,
            dict(
                ctx.substitutions,
                **{
                    "spacecraft-data harvest": f"spacecraft-data harvest --base-url {base_url}",
                },
            ),
        )


def run_sh(block: Block, ctx: Context) -> Result:
    done = _run(["bash", "-e", "-c", _substitute(block.body, ctx)], ctx)
    ok = done.returncode == 0
    return Result(
        block, "sh", ok, "" if ok else f"exit {done.returncode}\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
    )


#: what reaches beyond this machine: a block holding one runs only against the stand-in, or is run elsewhere
_REACHES_OUT = re.compile(
    r"spacecraft-data harvest|scripts/harvest\.py|scripts/refresh\.py|apt-get |pip install|"
    r"\bwget |\bcurl (?![^\n]*//127\.0\.0\.1[:/])"
)


def reaches_out(block: Block) -> bool:
    """Whether a shell or console block would reach beyond loopback (a harvest, an install, a remote URL)."""
    if block.lang not in ("sh", "console"):
        return False
    commands = block.body if block.lang == "sh" else "\n".join(c for c, _ in _console_commands(block.body))
    return bool(_REACHES_OUT.search(commands))


def run_block(block: Block, ctx: Context) -> Result:
    directive = block.directive
    if reaches_out(block) and not directive.startswith(("stand-in", "run-by")):
        # never run: it would leave this machine (a live harvest, an install)
        return Result(
            block,
            block.lang,
            False,
            "this block reaches beyond loopback (a harvest, an install or a "
            "remote URL): mark it 'stand-in' or 'run-by PATH: why'",
        )
    if directive.startswith("run-by "):
        where = directive[len("run-by ") :].split(":", 1)[0].strip()
        root = Path(__file__).resolve().parent.parent
        ok = (root / where.split("::")[0]).exists()
        return Result(block, "run-by", ok, "" if ok else f"{where} does not exist")
    if directive.startswith("stand-in"):
        with _stand_in_context(block, ctx) as inner:
            if block.lang == "console":
                return run_console(block, inner)
            return run_sh(block, inner) if block.lang == "sh" else run_script(block, inner)
    if directive.startswith("needs="):
        module = directive[len("needs=") :].split()[0]
        import importlib.util

        if importlib.util.find_spec(module) is None:
            return Result(block, block.lang, True, f"skipped: {module} is not installed")
    if directive == "server":
        return start_server(block, ctx)
    if directive.startswith("file="):
        return run_test_module(block, directive[len("file=") :].strip(), ctx)
    if block.lang == "console":
        return run_console(block, ctx, compare=not directive.startswith("not-compared"))
    if block.lang == "sh":
        return run_sh(block, ctx)
    if block.lang == "yaml":
        import yaml

        try:
            yaml.safe_load(block.body)
        except yaml.YAMLError as exc:
            return Result(block, "yaml", False, str(exc))
        return Result(block, "yaml", True)
    if block.lang == "r" and shutil.which("Rscript", path=ctx.env.get("PATH", os.defpath)) is None:
        if ctx.env.get("CI") == "true":  # under CI a skip would hide the R example: .ci/run installs R
            return Result(
                block,
                "r",
                False,
                "Rscript is not installed (apt-get install r-base-core), so the R "
                "example cannot run; with CI=true that is a failure, not a skip",
            )
        return Result(block, "r", True, "skipped: Rscript is not installed")
    return run_script(block, ctx)


def run_page(text: str, page: str, ctx: Context) -> list[Result]:
    """Run every example of a page in order (its doctests together, first); stop its servers at the end."""
    found = examples(text, page)
    doctests = [b for b in found if b.lang == "python" and ">>>" in b.body and not b.directive]
    try:
        results = run_doctests(doctests, ctx)
        for block in found:
            if block not in doctests:
                results.append(run_block(block, ctx))
        return sorted(results, key=lambda r: r.block.line)
    finally:
        for server in ctx.servers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        ctx.servers.clear()
        ctx.substitutions.clear()


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.split("\n\n", 1)[0], file=sys.stderr)
        print("usage: python scripts/docs_examples.py PAGE...", file=sys.stderr)
        return 2
    ctx = Context(Path.cwd(), dict(os.environ))
    failed = 0
    for name in argv:
        path = Path(name)
        for result in run_page(path.read_text(encoding="utf-8"), name, ctx):
            if not result.ok:
                failed += 1
                print(f"{result.block.where}: {result.kind} example FAILED\n{result.detail}\n")
    print(f"{failed} example(s) failed" if failed else "every example passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
