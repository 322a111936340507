"""A PEFT LoRA adapter as a GGUF LoRA adapter, so llama.cpp applies it natively to the quantized base.

llama.cpp reads LoRA adapters in its own GGUF form (what llama.cpp's `convert_lora_to_gguf.py`
writes; that script lives in llama.cpp's source tree, not in any package): `general.type =
adapter`, `adapter.type = lora`, `adapter.lora.alpha`, and for each adapted weight `W` of the base
GGUF the tensors `W.lora_a` (PEFT's `lora_A`, r × in) and `W.lora_b` (PEFT's `lora_B`, out × r).
Tensor names come from gguf-py's own HF → GGUF name map. For the `llama` architecture, GGUF
stores the query and key projections with their rows permuted for llama.cpp's rope (transformers
undoes it when it loads a GGUF), so `lora_B` of `q_proj` / `k_proj` gets the same permutation.

Conversions are cached by the adapter's contents: a tuned student is converted once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

from fcdpo.errors import UserError
from fcdpo.models.registry import cache_dir

SUPPORTED_ARCHS = ("llama", "qwen2")
_LORA_NAME = re.compile(r"^base_model\.model\.(?P<module>.+)\.lora_(?P<part>[AB])\.weight$")


def gguf_adapter(adapter_dir: str, base_gguf: str) -> Path:
    """The GGUF form of the PEFT adapter in `adapter_dir` for the base model `base_gguf`, converted once."""
    files = [Path(adapter_dir) / "adapter_config.json", Path(adapter_dir) / "adapter_model.safetensors"]
    for file in files:
        if not file.is_file():
            raise UserError(f"{adapter_dir}: not a PEFT adapter dir (no {file.name})")
    digest = hashlib.sha256(Path(base_gguf).name.encode())
    for file in files:
        digest.update(file.read_bytes())
    target = cache_dir() / "gguf-lora" / f"{digest.hexdigest()[:16]}.gguf"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        print(f"fcdpo: converting adapter {adapter_dir} for llama.cpp → {target}", file=sys.stderr)
        partial = target.with_name(f"{target.stem}.{os.getpid()}.partial")
        try:
            convert_adapter(adapter_dir, base_gguf, partial)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return target


def convert_adapter(adapter_dir: str, base_gguf: str, out: Path) -> None:
    """Write the GGUF LoRA adapter of a PEFT adapter; a UserError names what cannot be converted."""
    import gguf
    from safetensors.numpy import load_file

    config = json.loads((Path(adapter_dir) / "adapter_config.json").read_text())
    unsupported = [
        key
        for key in ("use_dora", "use_rslora", "rank_pattern", "alpha_pattern", "modules_to_save")
        if config.get(key)
    ]
    if config.get("peft_type", "LORA") != "LORA" or unsupported:
        raise UserError(
            f"{adapter_dir}: llama.cpp applies plain LoRA adapters only (this one sets "
            f"{', '.join(unsupported) or config.get('peft_type')}); use the transformers backend"
        )
    base = gguf.GGUFReader(base_gguf)
    arch = _field(base, "general.architecture")
    if arch not in SUPPORTED_ARCHS:
        raise UserError(
            f"{base_gguf}: llama.cpp adapters support the {' and '.join(SUPPORTED_ARCHS)} architectures, not "
            f"{arch!r}; use the transformers backend"
        )
    blocks = int(_field(base, f"{arch}.block_count"))
    names = gguf.get_tensor_name_map({v: k for k, v in gguf.MODEL_ARCH_NAMES.items()}[arch], blocks)
    in_base = {t.name for t in base.tensors}
    heads = int(_field(base, f"{arch}.attention.head_count"))
    kv_heads = int(_field(base, f"{arch}.attention.head_count_kv", heads))

    writer = gguf.GGUFWriter(str(out), arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(config["lora_alpha"]))
    for key, tensor in sorted(load_file(str(Path(adapter_dir) / "adapter_model.safetensors")).items()):
        match = _LORA_NAME.match(key)
        if match is None:
            raise UserError(f"{adapter_dir}: tensor {key!r} is not a LoRA A/B weight; use the transformers backend")
        module = match["module"]
        target = names.get_name(f"{module}.weight", try_suffixes=(".weight",))
        if target is None or target not in in_base:
            raise UserError(f"{adapter_dir}: {module} has no counterpart in {Path(base_gguf).name}")
        if arch == "llama" and match["part"] == "B" and module.endswith(("q_proj", "k_proj")):
            tensor = _rope_permute(tensor, heads if module.endswith("q_proj") else kv_heads)
        writer.add_tensor(f"{target}.lora_{match['part'].lower()}", tensor.astype("float32"))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _rope_permute(rows, heads: int):
    """The row permutation llama.cpp's converter applies to llama's q/k projections (here to LoRA's B)."""
    return rows.reshape(heads, 2, rows.shape[0] // heads // 2, *rows.shape[1:]).swapaxes(1, 2).reshape(rows.shape)


def _field(reader, key: str, default=None):
    field = reader.fields.get(key)
    if field is None:
        if default is None:
            raise UserError(f"GGUF file lacks {key}")
        return default
    return field.contents()
