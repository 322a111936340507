"""The prefix cache's bookkeeping, with a stand-in for transformers' DynamicCache."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from fcdpo.models.prefix_cache import MIN_REUSE, PrefixCache, cache_bytes, common_prefix


class FakeKV:
    """Holds the token ids it covers; crop(-n) drops n from the end, as DynamicCache does."""

    def __init__(self, ids, bytes_per_token=0):
        self.ids = list(ids)
        # One layer whose keys and values take bytes_per_token together, as a real cache's tensors would.
        half = torch.zeros(len(self.ids), bytes_per_token // 2, dtype=torch.uint8)
        self.layers = [SimpleNamespace(keys=half, values=half.clone())]

    def get_seq_length(self):
        return len(self.ids)

    def crop(self, count):
        assert count <= 0
        self.ids = self.ids[: len(self.ids) + count]


def test_common_prefix():
    assert common_prefix([1, 2, 3], [1, 2, 4]) == 2
    assert common_prefix([], [1]) == 0 and common_prefix([1, 2], [1, 2]) == 2


def test_longest_prefix_is_reused_as_a_private_copy():
    cache = PrefixCache()
    short, long = list(range(40)), list(range(100))
    cache.put(short, FakeKV(short))
    cache.put(long, FakeKV(long))
    prompt = list(range(60)) + [999] * 5
    kv, length = cache.take(prompt)
    assert length == 60 and kv.ids == list(range(60))
    assert cache._entries[tuple(long)].ids == long  # the stored entry is untouched
    assert (cache.hits, cache.misses, cache.reused_tokens) == (1, 0, 60)


def test_at_least_one_token_is_left_to_compute():
    cache = PrefixCache()
    ids = list(range(50))
    cache.put(ids, FakeKV(ids))
    kv, length = cache.take(ids)
    assert length == 49 and kv.get_seq_length() == 49


def test_short_or_missing_prefixes_are_misses_and_lru_bounds_memory():
    cache = PrefixCache(max_entries=2)
    assert cache.take(list(range(30))) == (None, 0)
    cache.put(list(range(MIN_REUSE - 1)) + [7], FakeKV(range(MIN_REUSE)))
    assert cache.take(list(range(MIN_REUSE - 1)) + [8, 9]) == (None, 0)
    for start in (100, 200, 300):
        ids = list(range(start, start + 30))
        cache.put(ids, FakeKV(ids))
    assert len(cache._entries) == 2 and cache.take(list(range(100, 140)))[0] is None  # oldest evicted


def test_an_entry_replaces_the_entries_it_extends():
    cache = PrefixCache()
    step1, step2, other = list(range(30)), list(range(45)), list(range(20)) + [5] * 20
    for ids in (step1, other, step2):
        cache.put(ids, FakeKV(ids))
    assert list(cache._entries) == [tuple(other), tuple(step2)]


def test_the_byte_budget_evicts_the_oldest_and_an_entry_larger_than_all_of_it_is_not_kept():
    cache = PrefixCache(max_bytes=10_000)
    first, second, third = (list(range(start, start + 40)) for start in (100, 200, 300))
    cache.put(first, FakeKV(first, bytes_per_token=100))  # 4,000 bytes
    cache.put(second, FakeKV(second, bytes_per_token=100))  # 8,000 in all
    assert cache_bytes(cache._entries[tuple(first)]) == 4_000
    cache.put(third, FakeKV(third, bytes_per_token=100))  # 12,000: the oldest goes
    assert list(cache._entries) == [tuple(second), tuple(third)]
    huge = list(range(1000, 1200))
    cache.put(huge, FakeKV(huge, bytes_per_token=100))  # 20,000 alone: nothing can hold it, nothing is flushed
    assert list(cache._entries) == [tuple(second), tuple(third)] and cache.take(huge) == (None, 0)


def test_cache_bytes_reads_a_real_transformers_cache():
    from transformers import DynamicCache

    kv = DynamicCache()
    kv.update(torch.zeros(1, 2, 5, 64), torch.zeros(1, 2, 5, 64), 0)  # fp32 keys and values of 5 tokens
    assert cache_bytes(kv) == 2 * 2 * 5 * 64 * 4
