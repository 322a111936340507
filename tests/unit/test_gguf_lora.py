"""A PEFT LoRA adapter converted for llama.cpp: names from gguf-py's map, A/B as PEFT stores them, llama's
q/k rows permuted for GGUF's rope layout, alpha in the metadata, and what cannot be converted refused.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from safetensors.numpy import save_file

from fcdpo.errors import UserError
from fcdpo.models.gguf_lora import convert_adapter, gguf_adapter
from fcdpo.models.registry import gguf_path, pull


@pytest.fixture(scope="module")
def smol_gguf() -> str:
    pull("smollm2-135m", convert=False)
    return str(gguf_path("smollm2-135m"))


def write_adapter(path, tensors, **config):
    path.mkdir()
    (path / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "lora_alpha": 8, "r": 4, **config}))
    save_file(tensors, str(path / "adapter_model.safetensors"))
    return path


def lora(module: str, out: int, inp: int, rng) -> dict[str, np.ndarray]:
    prefix = f"base_model.model.model.layers.0.{module}"
    return {
        f"{prefix}.lora_A.weight": rng.standard_normal((4, inp)).astype("float32"),
        f"{prefix}.lora_B.weight": rng.standard_normal((out, 4)).astype("float32"),
    }


def test_conversion_maps_names_permutes_llama_qk_and_keeps_alpha(tmp_path, smol_gguf):
    import gguf

    rng = np.random.default_rng(0)
    tensors = {**lora("self_attn.q_proj", 576, 576, rng), **lora("self_attn.v_proj", 192, 576, rng)}
    adapter = write_adapter(tmp_path / "a", tensors)
    out = tmp_path / "a.gguf"
    convert_adapter(str(adapter), smol_gguf, out)
    reader = gguf.GGUFReader(str(out))
    assert reader.fields["general.type"].contents() == "adapter"
    assert reader.fields["adapter.type"].contents() == "lora"
    assert reader.fields["adapter.lora.alpha"].contents() == 8.0
    written = {t.name: np.array(t.data).reshape(list(reversed(t.shape.tolist()))) for t in reader.tensors}
    assert set(written) == {f"blk.0.attn_{m}.weight.lora_{p}" for m in "qv" for p in "ab"}
    prefix = "base_model.model.model.layers.0.self_attn"
    np.testing.assert_array_equal(written["blk.0.attn_q.weight.lora_a"], tensors[f"{prefix}.q_proj.lora_A.weight"])
    np.testing.assert_array_equal(written["blk.0.attn_v.weight.lora_b"], tensors[f"{prefix}.v_proj.lora_B.weight"])
    q_b = tensors[f"{prefix}.q_proj.lora_B.weight"]
    assert not np.array_equal(written["blk.0.attn_q.weight.lora_b"], q_b)  # rows permuted for rope...
    assert sorted(map(tuple, written["blk.0.attn_q.weight.lora_b"])) == sorted(map(tuple, q_b))  # ...not changed


def test_conversion_is_cached_by_contents(tmp_path, smol_gguf, monkeypatch):
    monkeypatch.setenv("FCDPO_CACHE", str(tmp_path / "cache"))
    adapter = write_adapter(tmp_path / "a", lora("mlp.down_proj", 576, 1536, np.random.default_rng(1)))
    first = gguf_adapter(str(adapter), smol_gguf)
    assert first.is_file() and gguf_adapter(str(adapter), smol_gguf) == first
    assert not list(first.parent.glob("*.partial"))


@pytest.mark.parametrize(
    "tensors, config, message",
    [
        ({}, {"use_dora": True}, "plain LoRA adapters only"),
        ({"base_model.model.lm_head.modules_to_save.weight": np.zeros((2, 2), "float32")}, {}, "not a LoRA A/B"),
        (
            {
                "base_model.model.model.layers.99.self_attn.q_proj.lora_A.weight": np.zeros((4, 576), "float32"),
            },
            {},
            "no counterpart",
        ),
    ],
)
def test_what_cannot_be_converted_is_refused(tmp_path, smol_gguf, tensors, config, message):
    adapter = write_adapter(tmp_path / "a", tensors or {"x": np.zeros(1, "float32")}, **config)
    with pytest.raises(UserError, match=message):
        convert_adapter(str(adapter), smol_gguf, tmp_path / "out.gguf")
