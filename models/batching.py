"""Dynamic micro-batching: concurrent generations on one model copy decode together.

Batch-1 decode on a CPU is memory-bound (every token reads all the weights), so requests
that are in flight at the same time — the threads of `--concurrency`, `graph.batch`, async
callers — share each forward pass. A request is prefilled alone (starting from the KV
prefix cache), then joins the running batch: the caches are left-padded to one length and
each row gets its own attention mask and positions. A row leaves as soon as it stops and
its caller gets the result at once; new requests join at the next step (continuous
batching), so no one waits for the slowest row.

There is no worker thread: whichever waiting caller finds the batcher idle runs decode steps
until its own request is done, then hands over to the next waiting caller. The batch state
lives here, not in the leader's frame.

Sampling uses one seeded generator per request, so a caller gets the same tokens whether it
ran alone or in a batch (up to the float differences of batched kernels; see the tests).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

GATHER_S = 0.005  # how long a fresh batch waits for concurrent requests to arrive


@dataclass
class GenerationRequest:
    """One prompt to continue, and its result once `done`."""

    prompt: list[int]
    max_new_tokens: int
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    reuse_prefix: bool = True
    should_stop: Callable[[list[int]], bool] | None = None  # text-level stops, checked after each token
    tokens: list[int] = field(default_factory=list)
    finish: str = ""  # "stop" or "length"
    error: BaseException | None = None
    done: bool = False
    cached: int = 0  # positions of this request held in the KV cache
    generator: Any = None


class Batcher:
    """Runs the generation requests of one loaded model, batching those that overlap in time."""

    def __init__(self, model, stop_token_ids: list[int], prefix_cache, max_batch: int = 16):
        self.model, self.stop_token_ids, self.prefix_cache, self.max_batch = (
            model,
            set(stop_token_ids),
            prefix_cache,
            max_batch,
        )
        self._cond = threading.Condition()
        self._queue: list[GenerationRequest] = []
        self._rows: list[GenerationRequest] = []
        self._admitting: list[GenerationRequest] = []  # taken from the queue, being prefilled
        self._cache = None  # the batch's KV cache, rows left-padded to one length
        self._busy = False
        # Counters for benchmarks: decode forward passes, rows decoded in them, seconds in each phase.
        self.steps = self.row_steps = 0
        self.prefill_s = self.decode_s = 0.0

    def generate(self, request: GenerationRequest) -> GenerationRequest:
        """Block until `request` is done (raising its error, if any) and return it."""
        with self._cond:
            self._queue.append(request)
        while True:
            with self._cond:
                while not request.done and self._busy:
                    self._cond.wait()
                if request.done:
                    break
                self._busy = True
            try:
                self._lead(request)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
        if request.error is not None:
            raise request.error
        return request

    def _lead(self, request: GenerationRequest) -> None:
        import torch

        if not self._rows:
            time.sleep(GATHER_S)
        try:
            with torch.inference_mode():
                while not request.done:
                    self._admit()
                    if self._rows:
                        started = time.perf_counter()
                        self._decode_step()
                        self.decode_s += time.perf_counter() - started
        except BaseException as exc:  # fail every request in flight rather than leave callers hanging
            with self._cond:
                for row in [*self._rows, *self._admitting, *self._queue]:
                    if not row.done:
                        row.error, row.done = exc, True
                self._rows, self._admitting, self._queue, self._cache = [], [], [], None
            raise

    def _admit(self) -> None:
        """Prefill queued requests one by one and add those still running to the batch."""
        with self._cond:
            room = self.max_batch - len(self._rows)
            self._admitting, self._queue = self._queue[:room], self._queue[room:]
        joined = []
        for request in self._admitting:
            started = time.perf_counter()
            cache = self._prefill(request)
            self.prefill_s += time.perf_counter() - started
            if request.done:
                self._finish(request, cache, 0)
            else:
                joined.append((request, cache))
        if joined:
            self._join(joined)
        self._admitting = []

    def _prefill(self, request: GenerationRequest):
        import torch
        from transformers import DynamicCache

        ids = request.prompt
        cache, reused = self.prefix_cache.take(ids) if request.reuse_prefix else (None, 0)
        cache = cache if cache is not None else DynamicCache()
        device = self.model.device
        # logits_to_keep=1: only the last position's logits are needed; over a 1,000-token
        # prompt the full vocabulary projection would cost more than the rest of the prefill.
        out = self.model(
            input_ids=torch.tensor([ids[reused:]], device=device),
            past_key_values=cache,
            use_cache=True,
            logits_to_keep=1,
        )
        request.cached = len(ids)
        if request.reuse_prefix:  # now, not when done: requests admitted next share the system prompt
            self.prefix_cache.put(ids, _row_cache(out.past_key_values, 0, 0))
        if request.temperature > 0:
            request.generator = torch.Generator(device=device).manual_seed(request.seed)
        self._choose(request, out.logits[0, -1])
        return out.past_key_values

    def _decode_step(self) -> None:
        import torch

        device = self.model.device
        padded = self._cache.get_seq_length()
        mask = torch.zeros(len(self._rows), padded + 1, dtype=torch.long, device=device)
        for i, row in enumerate(self._rows):
            mask[i, padded - row.cached :] = 1
        out = self.model(
            input_ids=torch.tensor([[row.tokens[-1]] for row in self._rows], device=device),
            attention_mask=mask,
            position_ids=torch.tensor([[row.cached] for row in self._rows], device=device),
            past_key_values=self._cache,
            use_cache=True,
        )
        self._cache = out.past_key_values
        self.steps += 1
        self.row_steps += len(self._rows)
        for i, row in enumerate(self._rows):
            row.cached += 1
            self._choose(row, out.logits[i, -1])
        finished = [i for i, row in enumerate(self._rows) if row.done]
        if finished:
            self._leave(finished)

    def _choose(self, request: GenerationRequest, logits) -> None:
        """Pick the next token (greedy, or sampled with the request's own generator) and check the stops."""
        import torch

        if request.temperature > 0:
            scores = logits.float() / request.temperature
            if request.top_p < 1:
                from transformers import TopPLogitsWarper

                scores = TopPLogitsWarper(request.top_p)(None, scores[None])[0]
            token = int(torch.multinomial(torch.softmax(scores, -1), 1, generator=request.generator))
        else:
            token = int(logits.argmax())
        request.tokens.append(token)
        if token in self.stop_token_ids or (request.should_stop and request.should_stop(request.tokens)):
            request.finish = "stop"
        elif len(request.tokens) >= request.max_new_tokens:
            request.finish = "length"
        else:
            return
        request.done = True

    def _join(self, joined: list) -> None:
        """Left-pad the running batch and the new rows to one length and stack them."""
        import torch
        from transformers import DynamicCache

        parts = [(self._rows, self._cache)] if self._rows else []
        parts += [([request], cache) for request, cache in joined]
        length = max(cache.get_seq_length() for _, cache in parts)
        layers = []
        for layer in range(len(parts[0][1].layers)):
            keys, values = [], []
            for _, cache in parts:
                pad = length - cache.get_seq_length()
                keys.append(torch.nn.functional.pad(cache.layers[layer].keys, (0, 0, pad, 0)))
                values.append(torch.nn.functional.pad(cache.layers[layer].values, (0, 0, pad, 0)))
            layers.append((torch.cat(keys), torch.cat(values)))
        self._rows = [row for rows, _ in parts for row in rows]
        self._cache = DynamicCache(ddp_cache_data=layers)

    def _leave(self, finished: list[int]) -> None:
        """Hand finished rows to their callers and drop them (and padding no row needs) from the batch."""
        import torch

        padded = self._cache.get_seq_length()
        for i in finished:
            self._finish(self._rows[i], self._cache, i, padded - self._rows[i].cached)
        keep = [i for i in range(len(self._rows)) if i not in finished]
        self._rows = [self._rows[i] for i in keep]
        if not self._rows:
            self._cache = None
            return
        self._cache.batch_select_indices(torch.tensor(keep, device=self.model.device))
        unused = padded - max(row.cached for row in self._rows)
        if unused:
            for layer in self._cache.layers:
                layer.keys, layer.values = layer.keys[:, :, unused:], layer.values[:, :, unused:]

    def _finish(self, request: GenerationRequest, cache, row: int, pad: int = 0) -> None:
        """Keep the row's KV cache for later prompts sharing its prefix, and wake its caller."""
        if request.reuse_prefix:
            self.prefix_cache.put((request.prompt + request.tokens)[: request.cached], _row_cache(cache, row, pad))
        with self._cond:
            request.done = True
            self._cond.notify_all()


def _row_cache(cache, row: int, pad: int):
    """A private copy of one row of a batch's KV cache, without its left padding."""
    from transformers import DynamicCache

    return DynamicCache(
        ddp_cache_data=[
            (layer.keys[row : row + 1, :, pad:].clone(), layer.values[row : row + 1, :, pad:].clone())
            for layer in cache.layers
        ]
    )
