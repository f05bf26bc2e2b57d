"""Real judges of every runtime on the tiny model (SmolLM2-135M), shared by the contract and runtime tests.

Session-scoped: each runtime loads the model once for all the test files that use it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TINY_HTTP_MODEL = "smollm2-135m"  # the model name the HTTP judge asks the server for


@pytest.fixture(scope="session")
def tiny_gguf() -> tuple[Path, str]:
    """The tiny model's GGUF file and its name."""
    from models.llamacpp import resolve_gguf

    return resolve_gguf("tiny")


@pytest.fixture(scope="session")
def llama_judge(tiny_gguf):
    """The llama.cpp judge (private socket) on the tiny model."""
    from models.llamacpp import LlamaCppJudge

    path, name = tiny_gguf
    judge = LlamaCppJudge(path, name=name, threads=max(1, min(4, os.cpu_count() or 1)))
    yield judge
    judge.close()


@pytest.fixture(scope="session")
def judge_server(tiny_gguf):
    """llama.cpp's HTTP server (xllamacpp, in process) with the tiny model on 127.0.0.1, ``/slots`` served."""
    from models.judge_server import LocalJudgeServer

    local = LocalJudgeServer(tiny_gguf[0], threads=2, n_ctx=2048, monitor=True)
    yield local
    local.stop()


@pytest.fixture(scope="session")
def http_judge(judge_server):
    """The OpenAI-compatible HTTP judge talking to ``judge_server``."""
    from models.http_judge import HttpJudge

    judge = HttpJudge(judge_server.url, model=TINY_HTTP_MODEL)
    yield judge
    judge.close()
