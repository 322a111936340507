"""Fold a LoRA adapter into its base weights: a plain transformers checkpoint any server can load."""

from __future__ import annotations

from pathlib import Path

# A merged model dir keeps the train config it came from under this name (provenance, decontamination).
TRAIN_RECORD = "fcdpo-train.yaml"


def merge_adapter(base: str, adapter: str | Path, out: Path) -> Path:
    """Save `base` with the LoRA `adapter` merged in (and the adapter's tokenizer) to `out`."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    out.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(str(out))
    tokenizer_source = adapter if (Path(adapter) / "tokenizer_config.json").is_file() else base
    AutoTokenizer.from_pretrained(str(tokenizer_source)).save_pretrained(str(out))
    return out
