"""Packaged-model pulls with a fake fetcher: assembly, sha256 check, nothing half-written left; spec parsing."""

from __future__ import annotations

import hashlib
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from fcdpo.errors import UserError
from fcdpo.models import ModelSpec, load_chat_model, parse_spec, registry
from fcdpo.models.reference import solver_model
from fcdpo.types import Problem

PARTS = [b"GGUF-part-one|", b"part-two"]


@pytest.fixture
def fake_model(monkeypatch, tmp_path):
    monkeypatch.setenv("FCDPO_CACHE", str(tmp_path / "cache"))
    entry = registry.PackagedModel(
        "tiny-test",
        "test",
        ("tiny-part1==1", "tiny-part2==1"),
        ("tiny_part1/data/part01.bin", "tiny_part2/data/part02.bin"),
        hashlib.sha256(b"".join(PARTS)).hexdigest(),
        1,
    )
    monkeypatch.setitem(registry.MODELS, entry.name, entry)
    return entry


def fetch_parts(parts):
    def fetch(packages, dest):
        for i, (package, data) in enumerate(zip(packages, parts, strict=False), start=1):
            with zipfile.ZipFile(dest / f"{package.split('==')[0]}-1-py3-none-any.whl", "w") as wheel:
                wheel.writestr(f"tiny_part{i}/data/part{i:02d}.bin", data)

    return fetch


def test_pull_assembles_parts_in_order(fake_model):
    registry.pull(fake_model.name, fetch=fetch_parts(PARTS), convert=False)
    assert registry.gguf_path(fake_model.name).read_bytes() == b"".join(PARTS)
    # A second pull finds it and fetches nothing.
    registry.pull(fake_model.name, fetch=lambda *a: pytest.fail("fetched again"), convert=False)


def test_sha_mismatch_leaves_nothing_valid(fake_model):
    with pytest.raises(UserError, match="sha256 mismatch"):
        registry.pull(fake_model.name, fetch=fetch_parts([b"tampered", b"bytes"]), convert=False)
    leftovers = [p.name for p in registry.model_dir(fake_model.name).iterdir()]
    assert leftovers == []
    assert not registry.is_cached(fake_model.name)


def test_missing_part_is_reported(fake_model):
    with pytest.raises(UserError, match="lack tiny_part2"):
        registry.pull(fake_model.name, fetch=fetch_parts(PARTS[:1]), convert=False)


def test_unknown_packaged_model():
    with pytest.raises(UserError, match="unknown packaged model 'gpt-9'"):
        registry.pull("gpt-9")


def test_cache_dir_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("FCDPO_CACHE", str(tmp_path))
    assert registry.checkpoint_dir("smollm2-135m") == tmp_path / "models" / "smollm2-135m" / "hf"


def test_parse_spec(tmp_path):
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    assert parse_spec("smollm2-135m") == ModelSpec("packaged", "smollm2-135m")
    assert parse_spec("hf:/models/x") == ModelSpec("hf", "/models/x")
    assert parse_spec("openai:gpt-4o-mini") == ModelSpec("openai", "gpt-4o-mini")
    assert parse_spec("reference") == ModelSpec("solver", "reference")
    assert parse_spec("scripted") == ModelSpec("solver", "scripted")
    assert parse_spec("my_dir/gold.py:demonstrate") == ModelSpec("solver", "my_dir/gold.py:demonstrate")
    assert parse_spec(f"qwen2.5-coder-0.5b+{adapter}") == ModelSpec("packaged", "qwen2.5-coder-0.5b", str(adapter))
    assert parse_spec(f"qwen2.5-coder-0.5b@llamacpp+{adapter}") == ModelSpec(
        "packaged", "qwen2.5-coder-0.5b", str(adapter), "llamacpp"
    )
    assert parse_spec("smollm2-135m@transformers") == ModelSpec("packaged", "smollm2-135m")
    assert parse_spec("hf:/models/x.gguf@llamacpp") == ModelSpec("hf", "/models/x.gguf", None, "llamacpp")
    for bad, message in {
        "gpt-9": "unknown model spec",
        "hf:": "needs a path",
        "openai:": "needs a model name",
        f"openai:x+{adapter}": "adapters need a local model",
        f"reference+{adapter}": "takes no adapter",
        f"gold.py:demonstrate+{adapter}": "takes no adapter",
        "smollm2-135m+/nonexistent": "no adapter_config.json",
        "smollm2-135m@vllm": "unknown backend 'vllm'",
        "hf:/models/x@llamacpp": "llama.cpp reads GGUF weights",
    }.items():
        with pytest.raises(UserError, match=message):
            parse_spec(bad)


def test_concurrent_pulls_fetch_once(fake_model):
    """The parallel chains of a run all ask for the model at once: one fetch, the others wait for it."""
    fetches = []

    def slow_fetch(packages, dest):
        fetches.append(packages)
        time.sleep(0.2)  # long enough for every other thread to arrive while the first is fetching
        fetch_parts(PARTS)(packages, dest)

    with ThreadPoolExecutor(8) as pool:
        paths = list(pool.map(lambda _: registry.pull(fake_model.name, fetch=slow_fetch, convert=False), range(8)))
    assert len(fetches) == 1
    assert len(set(paths)) == 1
    assert registry.gguf_path(fake_model.name).read_bytes() == b"".join(PARTS)


def test_a_program_spec_answers_each_problem_with_the_model_it_returns(tmp_path):
    """`FILE.py:NAME` is the user's program in the model's seat: NAME(problem) gives that problem's chat model."""
    program = tmp_path / "gold.py"
    program.write_text(
        "from langchain_core.language_models.fake_chat_models import GenericFakeChatModel\n"
        "from langchain_core.messages import AIMessage\n"
        "def demonstrate(problem):\n"
        "    return GenericFakeChatModel(messages=iter([AIMessage(problem.answer)]))\n"
        "def broken(problem):\n"
        "    return problem.answer\n"
    )
    problem = Problem(id="p1", task="math", question="What is 2 + 2?", answer="4")
    assert solver_model(f"{program}:demonstrate", problem).invoke("hi").content == "4"
    with pytest.raises(UserError, match="expected a chat model for problem p1, got str"):
        solver_model(f"{program}:broken", problem)
    with pytest.raises(UserError, match="answers one problem at a time"):
        load_chat_model(f"{program}:demonstrate")
