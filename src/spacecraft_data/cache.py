"""One cache type for every cache of the query engine and the answers: least recently used, bounded in bytes.

Details: docs/architecture.md#caches-durations-strict-json
"""

from __future__ import annotations

import sys
from _thread import allocate_lock
from collections import OrderedDict

from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Hashable
    from typing import Any

__all__ = ["BoundedCache", "ENTRY_OVERHEAD", "size_of"]

#: Bytes counted per entry for the cache's own structures (an ordered-dict node and two dict slots).
ENTRY_OVERHEAD = 160
_getsizeof = sys.getsizeof
#: what :meth:`BoundedCache.get` finds for a key it does not hold (no stored value is this object)
_MISSING = object()


def size_of(*objects: Any) -> int:
    """The summed ``sys.getsizeof`` of ``objects`` and of the items of the tuples among them (one level
    deep)."""
    # map, not a generator expression: each new value a request stores is sized here, on its path
    total = 0
    for obj in objects:
        total += _getsizeof(obj)
        if type(obj) is tuple:
            total += sum(map(_getsizeof, obj))
    return total


class BoundedCache:
    """A keyed cache of at most ``max_bytes`` (approximate), evicting the least recently used entries first.

    >>> cache = BoundedCache(1_000)
    >>> cache.put("a", 1, 400)
    1
    >>> cache.get("a"), cache.get("b")
    (1, None)
    """

    __slots__ = ("max_bytes", "nbytes", "_entries", "_sizes", "_lock")

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, not {max_bytes}")
        self.max_bytes = max_bytes
        #: the accounted size of the entries held, in bytes (never above ``max_bytes``)
        self.nbytes = 0
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._lock = allocate_lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def __repr__(self) -> str:
        return f"<BoundedCache {len(self._entries)} entries, {self.nbytes} of {self.max_bytes} bytes>"

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored under ``key`` (now the most recently used), or ``default``."""
        # Two C calls on a hit, one on a miss, and no exception raised on either: clients send new values
        # (terms, hosts) all the time, and a caught KeyError costs more than the lookup.
        entries = self._entries
        value = entries.get(key, _MISSING)
        if value is _MISSING:
            return default
        try:
            entries.move_to_end(key)
        except KeyError:  # another thread evicted it in between: still this caller's value
            pass
        return value

    def put(self, key: Hashable, value: Any, nbytes: int) -> Any:
        """Store ``value`` under ``key``, counted as ``nbytes`` (plus :data:`ENTRY_OVERHEAD`); returns
        ``value``.

        Older entries are evicted until the total fits; a value that alone exceeds
        ``max_bytes`` is not kept.
        """
        nbytes += ENTRY_OVERHEAD
        with self._lock:
            # Inline, and evicting only when over: a request stores each new value it brings (a search, a
            # quoted link part, a host) here, and this is what storing one costs it.
            sizes = self._sizes
            old = sizes.pop(key, None)
            if old is not None:
                self._entries.pop(key, None)
                self.nbytes -= old
            if nbytes > self.max_bytes:
                return value
            self._entries[key] = value
            sizes[key] = nbytes
            self.nbytes += nbytes
            if self.nbytes > self.max_bytes:
                self._evict()
        return value

    def charge(self, key: Hashable, nbytes: int) -> None:
        """Count ``nbytes`` more for the entry ``key`` (a value that grows in place), evicting as needed.

        Nothing happens when ``key`` is no longer held. An entry that grows past
        ``max_bytes`` is evicted itself: its holder may keep using it, the cache no longer does.
        """
        with self._lock:
            if key not in self._sizes:
                return
            self._sizes[key] += nbytes
            self.nbytes += nbytes
            self._entries.move_to_end(key)
            self._evict()

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
            self.nbytes = 0

    def _evict(self) -> None:
        entries, sizes = self._entries, self._sizes
        while self.nbytes > self.max_bytes and entries:
            key, _ = entries.popitem(last=False)
            self.nbytes -= sizes.pop(key)
