"""Only the model's own turns are scored in DPO: tool results and feedback are left out of the loss."""

from __future__ import annotations

import pytest
import torch

from fcdpo.training.assistant_loss import (
    AssistantOnlyCollator,
    UnmaskedPairError,
    add_loss_masks,
    assistant_token_mask,
)

PROMPT = [{"role": "system", "content": "Solve with calls."}, {"role": "user", "content": "Problem: 3 pens at $4?"}]
CHAIN = [
    {"role": "assistant", "content": "multiply(a=3, b=4)"},
    {"role": "user", "content": "Result: 12"},
    {"role": "assistant", "content": "final_answer(answer=12)"},
]


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from fcdpo.models.registry import checkpoint_dir

    return AutoTokenizer.from_pretrained(str(checkpoint_dir("smollm2-135m")))


def _ids(tokenizer, messages, **kwargs):
    return tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True, **kwargs)["input_ids"]


def test_mask_covers_the_assistant_turns_and_nothing_else(tokenizer):
    full = _ids(tokenizer, PROMPT + CHAIN)
    mask = assistant_token_mask(tokenizer, PROMPT, CHAIN)
    assert len(mask) == len(full)
    kept = tokenizer.decode([t for t, m in zip(full, mask, strict=True) if m])
    left = tokenizer.decode([t for t, m in zip(full, mask, strict=True) if not m])
    assert "multiply(a=3, b=4)" in kept and "final_answer(answer=12)" in kept
    assert "Result: 12" not in kept and "Result: 12" in left  # the tool result is input, not output
    assert "assistant" not in kept  # turn headers come from the generation prompt, never from the model
    assert sum(mask[: len(_ids(tokenizer, PROMPT, add_generation_prompt=True))]) == 0


def test_template_that_rewrites_earlier_turns_gives_no_mask():
    class Rewriting:
        """Renders each earlier turn differently once another follows (like templates that drop old reasoning)."""

        def apply_chat_template(self, messages, add_generation_prompt=False, **kwargs):
            ids = [len(m["content"]) + (100 if i < len(messages) - 1 else 0) for i, m in enumerate(messages)]
            return {"input_ids": ids + ([7] if add_generation_prompt else [])}

    assert assistant_token_mask(Rewriting(), PROMPT, CHAIN) is None


def test_example_masks_align_with_trl_ids_and_fail_loudly_unless_allowed(tokenizer):
    prompt_ids = _ids(tokenizer, PROMPT, add_generation_prompt=True)
    rejected = [{"role": "assistant", "content": "final_answer(answer=7)"}]
    example = {
        "prompt": PROMPT,
        "chosen": CHAIN,
        "rejected": rejected,
        "tools": "[]",
        "prompt_ids": prompt_ids,
        "chosen_ids": _ids(tokenizer, PROMPT + CHAIN)[len(prompt_ids) :],
        "rejected_ids": _ids(tokenizer, PROMPT + rejected)[len(prompt_ids) :],
    }
    masks = add_loss_masks(example, tokenizer)
    assert len(masks["chosen_loss_mask"]) == len(example["chosen_ids"]) and 0 in masks["chosen_loss_mask"]
    assert masks["rejected_loss_mask"] == [1] * len(example["rejected_ids"])  # one assistant turn: all of it
    misaligned = {**example, "id": "logic-7", "chosen_ids": example["chosen_ids"] + [0]}  # ids from elsewhere
    with pytest.raises(UnmaskedPairError, match="pair 'logic-7' .*--allow-unmasked"):
        add_loss_masks(misaligned, tokenizer)
    with pytest.warns(UserWarning, match="every completion token"):
        shifted = add_loss_masks(misaligned, tokenizer, allow_unmasked=True)
    assert shifted["chosen_loss_mask"] == [1] * (len(example["chosen_ids"]) + 1)


@pytest.mark.parametrize("max_length, mode", [(None, "keep_start"), (5, "keep_start"), (5, "keep_end")])
def test_collator_zeroes_completion_mask_outside_assistant_turns(max_length, mode):
    examples = [
        {
            "prompt_ids": [1, 2],
            "chosen_ids": [3, 4, 5, 6],
            "rejected_ids": [7, 8],
            "chosen_loss_mask": [1, 0, 0, 1],
            "rejected_loss_mask": [1, 1],
        },
        {
            "prompt_ids": [9],
            "chosen_ids": [10],
            "rejected_ids": [11, 12, 13],
            "chosen_loss_mask": [1],
            "rejected_loss_mask": [0, 1, 1],
        },
    ]
    out = AssistantOnlyCollator(pad_token_id=0, max_length=max_length, truncation_mode=mode)(examples)
    expected = [[0, 0, 1, 0, 0, 1], [0, 1, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0], [0, 0, 1, 1, 0, 0]]
    if max_length is not None:  # each sequence truncated the same way as its ids
        full = [[0, 0, 1, 0, 0, 1], [0, 1], [0, 0, 1, 1], [0, 0, 1, 1]]
        cut = [row[:max_length] if mode == "keep_start" else row[-max_length:] for row in full]
        expected = [row + [0] * (max(map(len, cut)) - len(row)) for row in cut]
    assert out["completion_mask"].tolist() == expected
    assert out["completion_mask"].shape == out["input_ids"].shape and out["completion_mask"].dtype == torch.long
