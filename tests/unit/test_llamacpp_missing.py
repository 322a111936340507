"""Without llama-cpp-python installed, a `@llamacpp` spec fails in one line naming the extra to install."""

from __future__ import annotations

import sys

import pytest

from fcdpo.errors import UserError
from fcdpo.models.llamacpp import open_llama


def test_missing_engine_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` raise ImportError
    with pytest.raises(UserError, match=r"pip install 'fcdpo\[llamacpp\]'"):
        open_llama("model.gguf")
