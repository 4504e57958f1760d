"""How many problems a validation lists: per input and per record (None: all of them).

Details: docs/validating.md#validating-ll2-data-eg-in-your-ci
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from .report import MAX_PROBLEMS, MAX_RECORD_PROBLEMS


@dataclass(frozen=True)
class Limits:
    """How many problems are listed per input and per record (None: all of them)."""

    problems: int | None = MAX_PROBLEMS
    per_record: int | None = MAX_RECORD_PROBLEMS


class _Caps(TypedDict):
    max_problems: int | None
    max_record_problems: int | None


def caps(limits: Limits | None) -> _Caps:
    limits = limits or Limits(None, None)
    return {"max_problems": limits.problems, "max_record_problems": limits.per_record}
