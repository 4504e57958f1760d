"""ISO 8601 durations as LL2 writes them: one parser for the query engine and the tables.

LL2 writes durations in one compact form, ``P[nD][T[nH][nM][n[.n]S]]`` (the pattern
the bundled schema allows, e.g. ``P1DT2H3M4.5S``). That form is parsed here with one
regular expression into exactly the ``timedelta`` ``isodate.parse_duration`` gives
(the same float components, so the values are equal, not just close). Anything
else (weeks, years, months, signs, commas, the alternative ``PYYYY-MM-DD`` form) is
handed to ``isodate``, imported only then: it costs ~2.5 ms of start-up, which a CLI
query ordered by a duration would otherwise pay on every run.

Two readings of a parsed duration, kept apart on purpose:

* :func:`interval` (the engine's sort key) orders years and months as PostgreSQL
  orders intervals: a month is 30 days, a year 360 days;
* :func:`seconds` (the tables' ``…_seconds`` columns) refuses years and months,
  which have no fixed length in seconds.
"""

from __future__ import annotations

import re
from datetime import timedelta

# typing costs ~4 ms of start-up; annotations are strings, so only type checkers import it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["DurationError", "YearsOrMonths", "parse", "interval", "seconds"]

# ASCII digits only: str.isdigit() digits of other scripts go to isodate, which decides about them.
_COMPACT = re.compile(r"P(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+(?:\.[0-9]+)?)S)?)?")


class DurationError(ValueError):
    """A value that is not an ISO 8601 duration; the message says why."""


class YearsOrMonths(DurationError):
    """A duration with years or months, which has no fixed length in seconds."""


def parse(value: Any) -> Any:
    """``value`` as ``isodate.parse_duration`` parses it: a ``timedelta``, or an ``isodate.Duration`` with years/months.

    Raises :class:`DurationError` (naming isodate's reason) for anything that is not a duration.
    """
    if type(value) is str and value != "P":  # isodate refuses a bare "P"; the pattern would accept it
        match = _COMPACT.fullmatch(value)
        if match is not None:
            days, hours, minutes, secs = match.groups()
            # The float arguments isodate passes, so the timedelta is bit-for-bit the same.
            return timedelta(days=float(days or 0), hours=float(hours or 0), minutes=float(minutes or 0),
                             seconds=float(secs or 0), weeks=0.0)
    import isodate

    try:
        return isodate.parse_duration(value)
    except (isodate.ISO8601Error, TypeError, ValueError) as exc:
        raise DurationError(str(exc)) from None


def interval(value: Any) -> timedelta:
    """``value`` as a ``timedelta`` ordered as PostgreSQL orders intervals (a month 30 days, a year 360)."""
    parsed = parse(value)
    if not isinstance(parsed, timedelta):  # isodate.Duration: years/months
        parsed = parsed.tdelta + timedelta(days=30 * int(parsed.months) + 360 * int(parsed.years))
    return parsed


def seconds(value: Any) -> float | int:
    """Seconds of ``value``; whole seconds as ``int``. Raises :class:`YearsOrMonths` for years or months."""
    parsed = parse(value)
    if not isinstance(parsed, timedelta):
        raise YearsOrMonths(f"{value!r} has years or months")
    total = parsed.total_seconds()
    return int(total) if total.is_integer() else total
