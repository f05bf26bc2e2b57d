"""Shared fixtures: fakes for fast tests, and the real tiny models loaded once per session."""

from __future__ import annotations

import pytest

from settings import get_settings
from tests.fakes import FakeEmbedder, FakeJudge


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def fake_judge() -> FakeJudge:
    return FakeJudge()


@pytest.fixture(scope="session")
def tiny_judge():
    """The real SmolLM2-135M judge (installed by `make test`)."""
    from models.loader import load_judge

    return load_judge("tiny", settings=get_settings())


@pytest.fixture(scope="session")
def real_embedder():
    """The real all-MiniLM-L6-v2 embedder (installed by `make test`)."""
    from models.loader import load_embedder

    return load_embedder("embedder", settings=get_settings())
