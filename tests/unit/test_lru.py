"""The bounded caches (persisted queries, costs, validation results, data keys, GPC signals) forget the
least recently used first."""

from __future__ import annotations

from renown.lru import Lru


def test_the_least_recently_used_entry_leaves_first() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("ada", 1)
    cache.put("grace", 2)
    assert cache.get("ada") == 1  # now grace is the least recently used
    cache.put("linus", 3)
    assert (cache.get("grace"), cache.get("ada"), cache.get("linus"), len(cache)) == (None, 1, 3, 2)


def test_writing_an_entry_again_replaces_it_and_keeps_it() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("ada", 1)
    cache.put("grace", 2)
    cache.put("ada", 10)  # grace is now the oldest
    cache.put("linus", 3)
    assert (cache.get("ada"), cache.get("grace"), cache.get("linus"), len(cache)) == (10, None, 3, 2)


def test_a_popped_entry_is_gone_and_popping_a_missing_one_is_harmless() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("ada", 1)
    cache.pop("ada")
    cache.pop("grace")
    assert (cache.get("ada"), len(cache)) == (None, 0)
