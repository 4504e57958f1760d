"""The build's merge step: the records read, into their tables by id (refusing inputs that disagree), the
tables filled from others' records, and the check of the merged tables.

Details: docs/architecture.md#snapshots-on-disk
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from ..embedded import Embedded
from ..endpoints import Registry
from ..errors import BuildError
from ..ids import id_problems
from .plan import Plan
from .read import DirectRead, EmbeddedRead
from .sources import Record, Source

Problems = list[str]


def _merge(
    table: str, into: dict[int, Record], records: Sequence[Any], where: str, origin: dict[int, str]
) -> None:
    """Add ``records`` (read from ``where``) to ``into``; ``origin`` remembers which input gave each id.

    One input listing an id twice is refused (a page never does; a repeat means the input is broken), and so
    is the same id with different contents in two inputs. The same record in two inputs (overlapping pages)
    is kept once.
    """
    problems = id_problems(records, "records")  # paths as records[n], whatever the input (page or array)
    if problems:
        path, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BuildError(f"{where}: {table} records: {path}: {message}{more}")
    for record in records:
        old = into.get(record["id"])
        if old is not None and old != record:
            raise BuildError(
                f"{where}: {table} record id {record['id']} differs from the copy read from "
                f"{origin[record['id']]}; refusing to guess which is right"
            )
        into[record["id"]] = record
        origin.setdefault(record["id"], where)


def _merge_embedded(
    table: str,
    into: dict[int, Record],
    embedded: list[tuple[Source, list[Embedded], dict[str, Any]]],
    held_from: dict[int, str],
    notes: list[str],
) -> None:
    """Add embedded records to the primary ``table``: direct sources win, then the newest capture.

    Every id that two sources hold is a note (the manifest and the build output say it);
    two embedded copies of one capture date that differ are refused, never guessed between.
    """
    # Newest capture first (undated last); the listing order breaks ties.
    order = sorted(range(len(embedded)), key=lambda i: (embedded[i][0].captured or "", -i), reverse=True)
    taken: dict[int, tuple[str, str | None, Record]] = {}  # id -> (file label, captured, record)
    for i in order:
        source, found, entry = embedded[i]
        label = entry["file"]
        unused = []
        for item in found:
            where = f"{label} at {item.path} (captured {source.captured or 'unknown'})"
            if item.id in held_from:
                same = "an identical copy" if into[item.id] == item.record else "a different copy"
                notes.append(
                    f"{table} {item.id}: {held_from[item.id]} holds it, so {same} embedded in {where} "
                    "was not used (the endpoint's own pages win)"
                )
                unused.append(item.id)
            elif item.id in taken:
                other, captured, record = taken[item.id]
                if record == item.record:
                    notes.append(f"{table} {item.id}: embedded in both {other} and {where}, identical")
                elif captured == source.captured:
                    raise BuildError(
                        f"{where}: {table} {item.id} differs from the copy embedded in {other}, "
                        "captured the same day; refusing to guess which is right"
                    )
                else:
                    notes.append(
                        f"{table} {item.id}: the copy embedded in {other} (captured {captured}) is "
                        f"newer, so the one embedded in {where} was not used"
                    )
                unused.append(item.id)
            else:
                taken[item.id] = (label, source.captured, item.record)
                into[item.id] = item.record
        if unused:
            entry["not_used"] = sorted(unused)


@dataclass
class Merged:
    """The merge step's result: every table's rows by id, and what the inputs said about them."""

    rows: dict[str, dict[int, Record]]  # table -> id -> record
    reported: dict[str, set[int]]  # table -> the counts its pages reported
    complete_tables: set[str] = field(default_factory=set)  # tables a source says it holds in full
    sources: list[dict[str, Any]] = field(default_factory=list)  # each source's manifest entry, input order
    derived_from: dict[str, str] = field(default_factory=dict)  # filled table -> where its rows came from
    held: dict[str, list[Record]] = field(default_factory=dict)  # table -> its rows in id order, once merged


def merge_step(reads: Iterable[DirectRead | EmbeddedRead], plan: Plan, notes: list[str]) -> Merged:
    """The merge step: the sources read, into their tables by ``plan``: direct sources first, then embedded
    records; then the tables filled from others (:func:`_fill`), and every table's rows in id order.

    Refuses an id given twice by one input or with different contents by two (see :func:`_merge`); notes
    what the embedded records add (see :func:`_merge_embedded`). A primary source's entry gains its ids.
    """
    main = plan.registry.primary
    rows: dict[str, dict[int, Record]] = {t: {} for t in plan.registry.files}
    merged = Merged(rows=rows, reported={t: set() for t in rows})
    origins: dict[str, dict[int, str]] = {}  # table -> id -> the input it was first read from
    embedded: list[EmbeddedRead] = []
    held_from: dict[int, str] = {}  # primary record id -> the direct source it was read from
    for read in reads:
        if isinstance(read, tuple):
            # Merged after every direct source: a record a page of the endpoint itself holds wins.
            embedded.append(read)
            merged.sources.append(read[2])
            continue
        source, endpoint, records = read.source, read.endpoint, read.records
        table = plan.table(endpoint, source.mode)
        _merge(endpoint.storage.table, rows[table], records, str(source.file), origins.setdefault(table, {}))
        if read.count is not None:
            merged.reported[table].add(read.count)
        if source.complete:
            merged.complete_tables.add(endpoint.storage.table)
        if endpoint.storage.primary:
            read.entry["ids"] = sorted({r["id"] for r in records})
            for r in records:
                held_from.setdefault(r["id"], read.entry["file"])
        merged.sources.append(read.entry)
    _merge_embedded(main.storage.table, rows[main.storage.table], embedded, held_from, notes)
    merged.derived_from = _fill(plan.registry, rows)
    merged.held = {table: [by_id[i] for i in sorted(by_id)] for table, by_id in rows.items()}
    return merged


def check_tables(
    validate: Callable[[str, list[Record]], Problems], plan: Plan, held: dict[str, list[Record]]
) -> None:
    """Raise a :class:`BuildError` listing (the first 20 of) the problems ``validate`` finds in the tables."""
    # Endpoints without modes (statuses: an id and a name) are not schema-checked here, as they never were.
    checked = [e for e in plan.registry if e.modes.names]
    problems = [p for e in checked for p in validate(e.storage.table, held[e.storage.table])]
    problems += [
        p for e in checked for table in plan.apart(e).values() for p in validate(e.storage.table, held[table])
    ]
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise BuildError(f"{len(problems)} schema problem(s); nothing was published:\n  {shown}{more}")


def _fill(declared: Registry, rows: dict[str, dict[int, Record]]) -> dict[str, str]:
    """Fill each table declared ``filled_from`` that no source gave from the objects another table's records
    hold.

    Returns table -> where its rows came from (``source`` or ``records``), which the manifest says.
    """
    derived_from = {}
    for e in declared:
        table, filled_from = e.storage.table, e.storage.filled_from
        if filled_from is None:
            continue
        derived_from[table] = "source"
        if not rows[table]:
            derived_from[table] = "records"
            other, key = filled_from
            for record_id in sorted(rows[other]):
                obj = rows[other][record_id].get(key)
                if isinstance(obj, dict) and isinstance(obj.get("id"), int):
                    rows[table].setdefault(obj["id"], obj)
    return derived_from
