"""KV-cache reuse across agent steps.

Every step of a chain re-sends the whole conversation, which only grew by the last reply and
its result. Prefilling ~1,000 prompt tokens again is most of a step's time on a CPU, so the
key/value cache of each generation is kept, keyed by the token ids it covers; the next call
starts from the longest cached prefix of its prompt and prefills only the new tokens.
Bounded (LRU over a few entries and a byte budget), thread-safe, and each caller gets a private copy.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

MIN_REUSE = 16  # shorter shared prefixes are not worth a cache copy
# Entries alone do not bound memory: one 5,000-token chain of a 1.5B model holds ~290 MB of fp32
# key/values, 16 of them 4.6 GB; an evaluation of such chains ran a 24 GB machine out of memory.
MAX_BYTES = 3 << 30


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the common prefix of two token sequences."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def cache_bytes(cache: Any) -> int:
    """Bytes of the key/value tensors a transformers cache holds (its `layers`' keys and values)."""
    return sum(
        tensor.nbytes
        for layer in getattr(cache, "layers", ())
        for tensor in (getattr(layer, "keys", None), getattr(layer, "values", None))
        if tensor is not None
    )


class PrefixCache:
    """An LRU of KV caches keyed by the token ids they hold, bounded in entries and in bytes."""

    def __init__(self, max_entries: int = 16, max_bytes: int = MAX_BYTES):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[tuple[int, ...], Any] = OrderedDict()
        self._sizes: dict[tuple[int, ...], int] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = self.reused_tokens = 0

    def take(self, ids: Sequence[int]) -> tuple[Any | None, int]:
        """A private cache covering the longest cached prefix of `ids` (at least one token is left
        to compute), and that prefix's length; (None, 0) when nothing useful is cached.
        """
        with self._lock:
            best, length = None, 0
            for key in self._entries:
                shared = min(common_prefix(key, ids), len(ids) - 1)
                if shared > length:
                    best, length = key, shared
            if best is None or length < MIN_REUSE:
                self.misses += 1
                return None, 0
            self._entries.move_to_end(best)
            cache = copy.deepcopy(self._entries[best])
            self.hits += 1
            self.reused_tokens += length
        cache.crop(length - cache.get_seq_length())  # a negative count drops that many tokens from the end
        return cache, length

    def put(self, ids: Sequence[int], cache: Any) -> None:
        """Keep `cache`, which holds the key/values of exactly `ids`; entries holding a prefix of
        `ids` go, since this one serves every prompt they could (so one chain keeps one entry).
        """
        key, size = tuple(ids), cache_bytes(cache)
        if size > self.max_bytes:
            return  # larger than the whole budget: keeping it would only flush every other chain's entry
        with self._lock:
            for old in [old for old in self._entries if len(old) <= len(key) and key[: len(old)] == old]:
                self._drop(old)
            self._entries[key], self._sizes[key] = cache, size
            while len(self._entries) > self.max_entries or sum(self._sizes.values()) > self.max_bytes:
                self._drop(next(iter(self._entries)))  # the least recently used

    def _drop(self, key: tuple[int, ...]) -> None:
        del self._entries[key], self._sizes[key]

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
