"""A tiny random Llama with a real byte-level BPE tokenizer and a ChatML template, saved as an `hf:DIR` model.

Made at test time in about a second (no packaged weights needed), so the fast suite can train, run the whole
pipeline and decode through the local chat model: what the model says is noise, but every stage runs for real.
"""

from __future__ import annotations

from pathlib import Path

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
CORPUS = [
    'lookup(attribute="big") query(subject="Anne", attribute="red") final_answer(answer=true)',
    "multiply(a=3, b=4) add(a=12, b=5) Result: 17 Error: no function call found",
    "If someone is big then they are red. Is the statement true or false? Problem: Functions: Example",
    "You solve logic problems about facts and rules step by step by calling functions. 0123456789",
]


def make_tiny_model(out: Path, seed: int = 0) -> str:
    """Write the tiny model and tokenizer to `out`; returns its model spec, `hf:OUT`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(CORPUS, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>", bos_token=None
    )
    tokenizer.chat_template = CHATML
    model = tiny_llama(len(tokenizer), seed, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return f"hf:{out}"


def tiny_llama(vocab_size: int, seed: int = 0, **config: object):
    """A randomly initialised two-layer Llama, 32 wide (seeded: the same weights every time)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    shape = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4)
    return LlamaForCausalLM(LlamaConfig(vocab_size=vocab_size, num_key_value_heads=2, **shape, **config))
