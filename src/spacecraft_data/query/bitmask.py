"""Selections as bitmasks: an ``int`` whose bit ``p`` is set when record position ``p`` is selected.

``&`` intersects filters and search terms in C and ``int.bit_count()`` is a page's
``count``; these turn positions into a mask and back.
"""

from __future__ import annotations

from ..typecheck import TYPE_CHECKING
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["positions_mask", "mask_positions", "mask_bits"]


def positions_mask(positions: Iterable[int], size: int) -> int:
    """The bitmask of ``positions`` (bit ``p`` set for each) over ``size`` records."""
    bits = bytearray((size + 7) >> 3)
    for p in positions:
        bits[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(bits, "little")


def mask_bits(mask: int, size: int) -> str:
    """``mask`` as a string of ``size`` characters: character ``p`` is ``"1"`` when bit ``p`` is set."""
    return format(mask, "b")[::-1].ljust(size, "0")


def mask_positions(mask: int) -> list[int]:
    """The positions set in ``mask``, ascending."""
    bits = format(mask, "b")[::-1]  # character p is bit p
    out = []
    find = bits.find
    i = find("1")
    while i >= 0:
        out.append(i)
        i = find("1", i + 1)
    return out
