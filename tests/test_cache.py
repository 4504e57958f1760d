"""The one cache type: least recently used out first, bounded by the bytes its entries are counted as."""

from __future__ import annotations

import threading

from spacecraft_data.cache import ENTRY_OVERHEAD, BoundedCache, size_of

ENTRY = 100 + ENTRY_OVERHEAD  # what an entry stored as 100 bytes counts for


def test_the_least_recently_used_entry_is_evicted_first():
    cache = BoundedCache(3 * ENTRY)
    for key in "abc":
        cache.put(key, key.upper(), 100)
    assert cache.get("a") == "A"  # now the most recent
    cache.put("d", "D", 100)
    assert "b" not in cache and [k for k in "acd" if k in cache] == ["a", "c", "d"]
    assert cache.nbytes == 3 * ENTRY <= cache.max_bytes


def test_a_value_larger_than_the_cache_is_returned_but_not_kept():
    cache = BoundedCache(ENTRY)
    assert cache.put("big", "x", 10 * ENTRY) == "x"
    assert "big" not in cache and cache.nbytes == 0


def test_an_entry_that_grows_in_place_is_charged_and_evicts_others():
    cache = BoundedCache(3 * ENTRY)
    cache.put("old", 1, 100)
    group = cache.put("group", {}, 100)
    cache.charge("group", 2 * ENTRY)
    assert "old" not in cache and "group" in cache and cache.nbytes <= cache.max_bytes
    cache.charge("group", 10 * ENTRY)  # past the whole cache: dropped, the holder keeps its object
    assert "group" not in cache and cache.nbytes == 0 and group == {}
    cache.charge("gone", 5)  # no longer held: nothing happens
    assert cache.nbytes == 0


def test_replacing_a_key_counts_it_once():
    cache = BoundedCache(10 * ENTRY)
    cache.put("k", 1, 100)
    cache.put("k", 2, 100)
    assert cache.get("k") == 2 and cache.nbytes == ENTRY and len(cache) == 1


def test_the_byte_count_stays_exact_under_threads():
    cache = BoundedCache(50 * ENTRY)

    def work(offset: int) -> None:
        for i in range(2_000):
            cache.put((offset, i), i, 100)
            cache.get((offset, i - 1))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.nbytes == len(cache) * ENTRY <= cache.max_bytes


def test_size_of_counts_the_items_of_a_tuple_key():
    assert size_of(("term", "x" * 1000)) > 1000
