"""Selections as bitmasks: an ``int`` whose bit ``p`` is set when record position ``p`` is selected.

``&`` intersects filters and search terms in C and ``int.bit_count()`` is a page's
``count``; these turn positions into a mask and back.
"""

from __future__ import annotations

from itertools import compress

from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["positions_mask", "mask_positions", "mask_flags"]


def positions_mask(positions: Iterable[int], size: int) -> int:
    """The bitmask of ``positions`` (bit ``p`` set for each) over ``size`` records."""
    bits = bytearray((size + 7) >> 3)
    for p in positions:
        bits[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(bits, "little")


#: A mask of at most this many bits, more than a quarter of them set, is read in C, flag by flag; any other
#: by jumping from bit to bit (each jump a str.find), which costs less where bits are few and far apart
_SHORT = 1024
#: "0" -> byte 0, "1" -> byte 1
_FLAG_BYTES = bytes.maketrans(b"01", b"\x00\x01")


def mask_flags(mask: int, size: int) -> bytes:
    """``mask`` as ``size`` bytes: byte ``p`` is 1 when bit ``p`` is set, else 0 (a selector for
    ``itertools.compress``)."""
    return format(mask, "b")[::-1].ljust(size, "0").encode("ascii").translate(_FLAG_BYTES)


def mask_positions(mask: int) -> list[int]:
    """The positions set in ``mask``, ascending."""
    bits = format(mask, "b")[::-1]  # character p is bit p
    if len(bits) <= _SHORT and mask.bit_count() * 4 > len(bits):  # in C: the positions whose flag byte is 1
        return list(compress(range(len(bits)), bits.encode("ascii").translate(_FLAG_BYTES)))
    out = []
    find = bits.find
    i = find("1")
    while i >= 0:
        out.append(i)
        i = find("1", i + 1)
    return out
