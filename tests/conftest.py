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


@pytest.fixture(scope="session")
def real_checker():
    """The rubric checker that ships in models/checker."""
    from models.loader import load_rubric_checker

    return load_rubric_checker(settings=get_settings())


@pytest.fixture(scope="session")
def default_judge():
    """The default judge (Qwen2.5-Coder-1.5B), where it is installed (`make run` installs it); else the test skips."""
    from models.errors import ModelNotInstalledError
    from models.loader import load_judge

    try:
        return load_judge("default", settings=get_settings(), log=lambda message: None)
    except ModelNotInstalledError as exc:
        pytest.skip(str(exc))
