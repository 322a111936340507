"""Train only on the model's own turns: tool results inside a chain stay out of DPO's loss.

A chain-mode pair's completion is the whole rest of the chain: the student's calls *and* the
tool results and verifier feedback between them (user turns `Result: 55`). TRL's DPOTrainer
scores every completion token, so it would raise the likelihood of the chosen chain's tool
results (and, with an SFT term, teach the student to write them itself — row 10 of
docs/experiments.md: `Result: noted` as a reply in 40 of 213 math turns). Chat templates here
have no `{% generation %}` markers, so `return_assistant_tokens_mask` cannot find the turns;
instead each assistant turn's tokens are found by rendering the chain turn by turn, and a thin
collator zeroes TRL's `completion_mask` everywhere else.

A template that does not render a chain as a growing prefix hides the turn boundaries. Training
then stops with one line (`UnmaskedPairError`) rather than quietly scoring tool results again;
`--allow-unmasked` accepts TRL's own mask (every completion token) for such pairs.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

import torch
from trl import DPOTrainer
from trl.trainer.dpo_trainer import DataCollatorForPreference

from fcdpo.errors import UserError

MASKS = ("chosen_loss_mask", "rejected_loss_mask")


class UnmaskedPairError(UserError):
    """The student's turns of a pair cannot be told from tool results, and unmasked training was not allowed."""


def _render(tokenizer, messages: list[dict[str, Any]], tools, generation_prompt: bool = False) -> list[int]:
    encoded = tokenizer.apply_chat_template(
        messages, tools=tools, tokenize=True, return_dict=True, add_generation_prompt=generation_prompt
    )
    return list(encoded["input_ids"])


def assistant_token_mask(
    tokenizer, prompt: list[dict[str, Any]], completion: list[dict[str, Any]], tools=None
) -> list[int] | None:
    """1 for each token of `prompt + completion` that an assistant turn of `completion` wrote, else 0.

    An assistant turn spans from after its header (what `add_generation_prompt` adds: the model
    never writes it) to the end of its rendering. None when the template does not render the chain
    as a growing prefix (then the turn boundaries are unknown).
    """
    full = _render(tokenizer, prompt + completion, tools)
    mask = [0] * len(full)
    for i, turn in enumerate(completion):
        if turn["role"] != "assistant":
            continue
        start = len(_render(tokenizer, prompt + completion[:i], tools, generation_prompt=True))
        upto = _render(tokenizer, prompt + completion[: i + 1], tools)
        if upto != full[: len(upto)] or start > len(upto):
            return None
        mask[start : len(upto)] = [1] * (len(upto) - start)
    return mask


def add_loss_masks(example: dict[str, Any], tokenizer, allow_unmasked: bool = False) -> dict[str, list[int]]:
    """The chosen/rejected loss masks of one tokenized TRL example, aligned with its `*_ids`.

    Where the turns cannot be found, raises `UnmaskedPairError`, or with `allow_unmasked` falls back
    to TRL's own mask (every completion token) with a warning.
    """
    tools = json.loads(example["tools"]) if isinstance(example.get("tools"), str) else example.get("tools")
    prompt_len = len(example["prompt_ids"])
    out = {}
    for side, key in (("chosen", "chosen_loss_mask"), ("rejected", "rejected_loss_mask")):
        ids = example[f"{side}_ids"]
        mask = assistant_token_mask(tokenizer, example["prompt"], example[side], tools)  # as TRL rendered the ids
        if mask is not None and len(mask) == prompt_len + len(ids):
            out[key] = mask[prompt_len:]
            continue
        if not allow_unmasked:
            raise UnmaskedPairError(
                f"the chat template renders pair {example.get('id', '?')!r} differently turn by turn, so its tool "
                "results cannot be kept out of the loss; use a prefix-stable template, or --allow-unmasked to score "
                "every completion token"
            )
        warnings.warn(
            "fcdpo: --allow-unmasked: the chat template renders a chain differently turn by turn; "
            "training on every completion token of such pairs",
            stacklevel=1,
        )  # shown once
        out[key] = [1] * len(ids)
    return out


@dataclass
class AssistantOnlyCollator(DataCollatorForPreference):
    """TRL's preference collator whose completion mask also leaves out non-assistant tokens."""

    def torch_call(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        """TRL's batch, with the completion mask cut down to the assistant's own tokens."""
        output = super().torch_call(examples)
        rows = [(e["prompt_ids"], e["chosen_loss_mask"]) for e in examples] + [
            (e["prompt_ids"], e["rejected_loss_mask"]) for e in examples
        ]
        keep = torch.zeros_like(output["completion_mask"])
        for row, (prompt_ids, mask) in enumerate(rows):
            # The same per-sequence truncation the parent applied to ids and completion mask.
            sequence = [0] * len(prompt_ids) + list(mask)
            if self.max_length is not None:
                sequence = (
                    sequence[: self.max_length]
                    if self.truncation_mode == "keep_start"
                    else sequence[-self.max_length :]
                )
            keep[row, : len(sequence)] = torch.tensor(sequence, dtype=keep.dtype)
        output["completion_mask"] = output["completion_mask"] * keep
        return output


class AssistantOnlyDPOTrainer(DPOTrainer):
    """DPOTrainer that scores only assistant turns (see the module docstring); the rest is TRL's."""

    def __init__(self, *args, allow_unmasked: bool = False, **kwargs):
        self.allow_unmasked = allow_unmasked  # read while the parent's __init__ prepares the dataset
        super().__init__(*args, **kwargs)

    def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
        dataset = super()._prepare_dataset(dataset, processing_class, args, dataset_name)
        return dataset.map(
            add_loss_masks,
            fn_kwargs={"tokenizer": self._tokenizer, "allow_unmasked": self.allow_unmasked},
            desc=f"Masking tool turns of {dataset_name} dataset",
        )

    def _set_signature_columns_if_needed(self):
        super()._set_signature_columns_if_needed()
        self._signature_columns = [*self._signature_columns, *(c for c in MASKS if c not in self._signature_columns)]


def assistant_only_collator(tokenizer, model, args) -> AssistantOnlyCollator:
    """The collator TRL would build (same pad token, mirrored onto the model), masking non-assistant turns."""
    tokenizer.pad_token = args.pad_token or tokenizer.pad_token or tokenizer.eos_token
    model.config.get_text_config().pad_token_id = tokenizer.pad_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return AssistantOnlyCollator(
        pad_token_id=tokenizer.pad_token_id,
        max_length=args.max_length,
        truncation_mode=args.truncation_mode,
        pad_to_multiple_of=args.pad_to_multiple_of,
    )
