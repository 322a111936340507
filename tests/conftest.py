"""Shared test fixtures: the scripted fake chat model and a small pairs dir."""

from __future__ import annotations

import pytest

from tests.scripted import scripted_model
from tests.scripted import small_pairs as build_small_pairs


@pytest.fixture
def scripted():
    """Factory: `scripted("add(a=1, b=2)", "final_answer(answer=3)")`."""
    return scripted_model


@pytest.fixture
def small_pairs(tmp_path):
    """Factory: `small_pairs("step")` → a PAIRS dir with 4 pairs."""
    return lambda mode="chain": build_small_pairs(tmp_path, mode)
