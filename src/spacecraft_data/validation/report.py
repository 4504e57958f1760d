"""What a validation found: :class:`Problem`, :class:`Report` and :class:`ValidationFailed`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import SpacecraftDataError

#: problems listed per input (file, page, object) before the rest are only counted (``--max-problems``)
MAX_PROBLEMS = 1000
#: problems listed per record before the rest are only counted (``--max-problems-per-record``)
MAX_RECORD_PROBLEMS = 30


class ValidationFailed(SpacecraftDataError):
    """Raised by :meth:`Report.raise_for_problems` when anything was invalid; ``report`` holds every
    problem."""

    def __init__(self, report: Report) -> None:
        self.report = report
        shown = "\n  ".join(str(p) for p in report.problems[:20])
        more = f"\n  … and {len(report.problems) - 20} more" if len(report.problems) > 20 else ""
        more += "".join(f"\n  {line}" for line in report.unlisted_lines())
        super().__init__(
            f"{report.problem_count} problem(s) in {report.records_checked} record(s) checked:\n"
            f"  {shown}{more}"
        )


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (file, line, record id, JSON path inside the record) and what.

    ``record`` is the record's id, or ``#<n>`` (its 0-based position) when it has
    no integer id, or ``None`` for a problem of a whole file (checksum, unreadable).
    """

    source: str
    record: int | str | None
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        if self.record is None:
            return f"{where}: {self.message}" if not self.path else f"{where}: {self.path}: {self.message}"
        return f"{where}: record {self.record}: {self.path}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """The problem as a JSON-ready dict."""
        return {
            "source": self.source,
            "line": self.line,
            "record": self.record,
            "path": self.path,
            "message": self.message,
        }


@dataclass
class Report:
    """The outcome of :func:`validate`: every problem found and how much was checked."""

    problems: list[Problem] = field(default_factory=list)
    records_checked: int = 0
    inputs: list[str] = field(default_factory=list)
    #: what checked each file: source -> (schema names, how they were chosen), in the order checked
    schemas: dict[str, tuple[list[str], str]] = field(default_factory=dict)
    #: problems found but not listed, past the caps: source -> (problems, records they are in)
    unlisted: dict[str, tuple[int, int]] = field(default_factory=dict)

    def note_unlisted(self, source: str, problems: int, records: int) -> None:
        """Count ``problems`` of ``source``, in ``records`` records, that were found but not listed (past a
        cap)."""
        if problems:
            old = self.unlisted.get(source, (0, 0))
            self.unlisted[source] = (old[0] + problems, old[1] + records)

    @property
    def problem_count(self) -> int:
        """Every problem found: those listed in :attr:`problems` and those only counted (:attr:`unlisted`)."""
        return len(self.problems) + sum(n for n, _ in self.unlisted.values())

    def unlisted_lines(self) -> list[str]:
        """One line per input whose problems went past a cap: how many more, in how many records."""
        return [
            f"{source}: … and {n:,} more problem(s) in {m:,} record(s), not listed (past the caps: "
            "--max-problems per input, --max-problems-per-record)"
            for source, (n, m) in self.unlisted.items()
        ]

    def note_schemas(self, source: str, names: set[str] | list[str], chosen_by: str) -> None:
        """Record that the schemas ``names`` checked records of ``source``, chosen by ``chosen_by``."""
        old, _ = self.schemas.get(source, ([], ""))
        self.schemas[source] = (sorted({*old, *names}), chosen_by)

    @property
    def valid(self) -> bool:
        """True when nothing was wrong."""
        return not self.problems and not self.unlisted

    def raise_for_problems(self) -> Report:
        """Raise :class:`ValidationFailed` when anything was invalid; return the report otherwise."""
        if not self.valid:
            raise ValidationFailed(self)
        return self

    def extend(self, other: Report) -> None:
        """Add the problems and counts of ``other`` to this report."""
        self.problems.extend(other.problems)
        self.records_checked += other.records_checked
        self.inputs.extend(other.inputs)
        for source, (names, chosen_by) in other.schemas.items():
            self.note_schemas(source, names, chosen_by)
        for source, (n, m) in other.unlisted.items():
            self.note_unlisted(source, n, m)

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict (the CLI's ``--format json``)."""
        return {
            "valid": self.valid,
            "records_checked": self.records_checked,
            "inputs": list(self.inputs),
            "schemas": [
                {"source": source, "schemas": names, "chosen_by": chosen_by}
                for source, (names, chosen_by) in self.schemas.items()
            ],
            "problem_count": self.problem_count,
            "problems": [p.to_dict() for p in self.problems],
            "problems_not_listed": [
                {"source": source, "problems": n, "records": m} for source, (n, m) in self.unlisted.items()
            ],
        }

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems]
        lines += self.unlisted_lines()
        lines += [
            f"{source}: checked with {', '.join(names) or 'no schema (no records)'} ({chosen_by})"
            for source, (names, chosen_by) in self.schemas.items()
        ]
        verdict = "valid" if self.valid else f"INVALID: {self.problem_count} problem(s)"
        lines.append(f"{self.records_checked} record(s) in {len(self.inputs)} input(s) checked: {verdict}")
        return "\n".join(lines)
