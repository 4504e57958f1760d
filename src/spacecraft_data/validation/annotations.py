"""A validation report as GitHub Actions workflow commands (``validate --format github``), escaped.

Details: docs/validating.md
"""

from __future__ import annotations

from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from .report import Problem, Report

__all__ = ["github_annotations", "annotation"]

#: the annotation title GitHub shows above each message
TITLE = "spacecraft-data validate"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(problem: Problem) -> str:
    """One problem as an ``::error`` workflow command (file, line when known, record and JSON path in the
    text)."""
    props = [f"file={_property(problem.source)}"]
    if problem.line is not None:
        props.append(f"line={problem.line}")
    props.append(f"title={_property(TITLE)}")
    where = [] if problem.record is None else [f"record {problem.record}"]
    if problem.path:
        where.append(problem.path)
    message = ": ".join([*where, problem.message])
    return f"::error {','.join(props)}::{_data(message)}"


def github_annotations(report: Report) -> str:
    """Every problem listed in ``report`` as a workflow command, then (as plain text) the count of those past
    the caps and the summary line."""
    summary = str(report).splitlines()[-1] if str(report) else ""
    return "\n".join([*(annotation(p) for p in report.problems), *report.unlisted_lines(), summary])
