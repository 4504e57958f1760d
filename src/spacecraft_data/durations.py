"""ISO 8601 durations as LL2 writes them: one parser for the query engine and the tables.

Details: docs/architecture.md#caches-durations-strict-json
"""

from __future__ import annotations

import re

from .errors import SpacecraftDataError
from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import timedelta
    from typing import Any

__all__ = ["DurationError", "YearsOrMonths", "DurationTooLarge", "parse", "interval", "sort_key", "seconds"]

# datetime (~1 ms of start-up) is imported by the functions that build a timedelta: a CLI query
# ordered by a duration needs only sort_key, which counts microseconds in ints.
#: timedelta.max in microseconds: past it timedelta raises OverflowError, which the int path must too
_MAX_MICROSECONDS = ((999_999_999 * 86_400) + 86_399) * 1_000_000 + 999_999

#: why a duration past timedelta.max is refused (Python's timedelta, and so the engine, stops there)
_TOO_LARGE = "{value} is too large for a duration: the longest is 999999999 days"

# ASCII digits only: str.isdigit() digits of other scripts go to isodate, which decides about them.
_COMPACT = re.compile(r"P(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+(?:\.[0-9]+)?)S)?)?")


class DurationError(SpacecraftDataError, ValueError):
    """A value that is not an ISO 8601 duration; the message says why."""


class YearsOrMonths(DurationError):
    """A duration with years or months, which has no fixed length in seconds."""


class DurationTooLarge(DurationError, OverflowError):
    """A duration past ``timedelta.max`` (999999999 days): still an ``OverflowError``, as ``timedelta``
    raises."""


def parse(value: Any) -> Any:
    """``value`` as ``isodate.parse_duration`` parses it: a ``timedelta``, or an ``isodate.Duration`` with
    years/months.

    Raises :class:`DurationError` (naming isodate's reason) for anything that is not a duration.
    """
    from datetime import timedelta

    if type(value) is str and value != "P":  # isodate refuses a bare "P"; the pattern would accept it
        match = _COMPACT.fullmatch(value)
        if match is not None:
            days, hours, minutes, secs = match.groups()
            # The float arguments isodate passes, so the timedelta is bit-for-bit the same.
            try:
                return timedelta(
                    days=float(days or 0),
                    hours=float(hours or 0),
                    minutes=float(minutes or 0),
                    seconds=float(secs or 0),
                    weeks=0.0,
                )
            except OverflowError:
                raise DurationTooLarge(_TOO_LARGE.format(value=_shown(value))) from None
    import isodate

    try:
        return isodate.parse_duration(value)
    except OverflowError:
        raise DurationTooLarge(_TOO_LARGE.format(value=_shown(value))) from None
    except (isodate.ISO8601Error, TypeError, ValueError) as exc:
        raise DurationError(str(exc)) from None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def interval(value: Any) -> timedelta:
    """``value`` as a ``timedelta`` ordered as PostgreSQL orders intervals (a month 30 days, a year 360)."""
    from datetime import timedelta

    parsed = parse(value)
    if not isinstance(parsed, timedelta):  # isodate.Duration: years/months
        try:
            parsed = parsed.tdelta + timedelta(days=30 * int(parsed.months) + 360 * int(parsed.years))
        except OverflowError:
            raise DurationTooLarge(_TOO_LARGE.format(value=_shown(value))) from None
    return parsed


def sort_key(value: Any) -> int:
    """Whole microseconds of :func:`interval` of ``value``: the same order, without building a ``timedelta``.

    LL2's compact form without fractional seconds is counted in ints; anything else
    goes through :func:`interval` (so it raises what that raises).
    """
    if type(value) is str and value != "P":
        match = _COMPACT.fullmatch(value)
        if match is not None:
            days, hours, minutes, secs = match.groups()
            if secs is None or "." not in secs:
                total = (
                    ((int(days or 0) * 24 + int(hours or 0)) * 60 + int(minutes or 0)) * 60 + int(secs or 0)
                ) * 1_000_000
                if total <= _MAX_MICROSECONDS:
                    return total
    delta = interval(value)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def seconds(value: Any) -> float | int:
    """Seconds of ``value``; whole seconds as ``int``. Raises :class:`YearsOrMonths` for years or months."""
    from datetime import timedelta

    parsed = parse(value)
    if not isinstance(parsed, timedelta):
        raise YearsOrMonths(f"{value!r} has years or months")
    total = parsed.total_seconds()
    return int(total) if total.is_integer() else total
