"""The micro-batcher on a tiny randomly initialised Llama: batched results equal solo ones."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from fcdpo.models.batching import Batcher, GenerationRequest
from fcdpo.models.prefix_cache import PrefixCache
from tests.tiny_model import tiny_llama

STOP = 3


@pytest.fixture(scope="module")
def tiny():
    return tiny_llama(64).eval()


def prompts():
    rng = torch.Generator().manual_seed(1)
    return [torch.randint(4, 64, (n,), generator=rng).tolist() for n in (5, 30, 12, 48, 7, 21)]


def request(prompt, i, temperature=0.0):
    return GenerationRequest(
        prompt=prompt, max_new_tokens=6 + 5 * i, temperature=temperature, top_p=0.9, seed=100 + i, reuse_prefix=False
    )


def run(model, requests, threads):
    batcher = Batcher(model, [STOP], PrefixCache())
    with ThreadPoolExecutor(threads) as pool:
        done = list(pool.map(batcher.generate, requests))
    return [(r.tokens, r.finish) for r in done], batcher


@pytest.mark.parametrize("temperature", [0.0, 0.8])
def test_batched_results_equal_solo_results(tiny, temperature):
    solo, solo_batcher = run(tiny, [request(p, i, temperature) for i, p in enumerate(prompts())], threads=1)
    together, batcher = run(tiny, [request(p, i, temperature) for i, p in enumerate(prompts())], threads=6)
    assert solo_batcher.row_steps == solo_batcher.steps  # one row per forward pass when alone
    assert batcher.row_steps > batcher.steps  # rows really shared forward passes
    assert together == solo
    assert {finish for _, finish in solo} <= {"stop", "length"}


def test_stop_token_and_text_stop_end_a_row(tiny):
    solo, _ = run(tiny, [request(p, i) for i, p in enumerate(prompts())], threads=1)
    first = solo[3][0]
    stop_at = GenerationRequest(
        prompt=prompts()[3], max_new_tokens=30, reuse_prefix=False, should_stop=lambda t: len(t) == 2
    )
    [(tokens, finish)], _ = run(tiny, [stop_at], threads=1)
    assert tokens == first[:2] and finish == "stop"


def test_prefix_reuse_gives_the_same_tokens(tiny):
    cache = PrefixCache()
    batcher = Batcher(tiny, [STOP], cache)
    base = prompts()[3]
    first = batcher.generate(GenerationRequest(prompt=base, max_new_tokens=8))
    follow = base + first.tokens + [5, 6, 7]
    reused = batcher.generate(GenerationRequest(prompt=follow, max_new_tokens=8)).tokens
    assert cache.hits >= 1
    fresh = (
        Batcher(tiny, [STOP], PrefixCache())
        .generate(GenerationRequest(prompt=follow, max_new_tokens=8, reuse_prefix=False))
        .tokens
    )
    assert reused == fresh


def test_a_failing_forward_fails_every_caller_and_the_batcher_recovers(tiny):
    calls = {"n": 0}
    lock = threading.Lock()

    class Flaky(torch.nn.Module):
        device = tiny.device

        def forward(self, **kwargs):
            with lock:
                calls["n"] += 1
                if calls["n"] == 3:
                    raise RuntimeError("out of memory")
            return tiny(**kwargs)

    batcher = Batcher(Flaky(), [STOP], PrefixCache())
    requests = [request(p, i) for i, p in enumerate(prompts())]

    def attempt(r):
        try:
            return batcher.generate(r).tokens
        except RuntimeError as exc:
            return str(exc)

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(attempt, requests))
    assert "out of memory" in outcomes
    assert all(r.done for r in requests)
    again = batcher.generate(request(prompts()[0], 0))
    assert again.done and again.error is None and again.tokens
