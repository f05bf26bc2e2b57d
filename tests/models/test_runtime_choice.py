"""Which runtime runs a local judge (``CANDID_JUDGE_RUNTIME``), and the names assessments carry."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from models.loader import LLAMACPP_SUFFIX, has_avx512_vnni, judge_name, judge_runtime, load_judge
from settings import Settings, get_settings

GGUF = Path("/models/judge.gguf")


def _settings(runtime: str) -> Settings:
    return replace(get_settings(), judge_runtime=runtime)


@pytest.mark.parametrize("runtime", ["torch", "llamacpp"])
def test_an_explicit_runtime_is_used_for_a_gguf_file(runtime):
    assert judge_runtime(GGUF, _settings(runtime)) == runtime


def test_a_hugging_face_folder_always_runs_on_torch():
    assert judge_runtime(Path("/models/my-instruct-7b"), _settings("llamacpp")) == "torch"


def test_auto_follows_the_cpu(tmp_path, monkeypatch):
    import models.loader

    with_vnni = tmp_path / "vnni"
    with_vnni.write_text("processor : 0\nflags : fpu sse avx2 avx512f avx512_vnni\n")
    without = tmp_path / "avx2"
    without.write_text("processor : 0\nflags : fpu sse avx2 fma\n")
    assert has_avx512_vnni(with_vnni) and not has_avx512_vnni(without)
    assert not has_avx512_vnni(tmp_path / "missing")  # unknown: treated as no VNNI
    monkeypatch.setattr(models.loader, "has_avx512_vnni", lambda: True)
    assert judge_runtime(GGUF, _settings("auto")) == "torch"
    monkeypatch.setattr(models.loader, "has_avx512_vnni", lambda: False)
    assert judge_runtime(GGUF, _settings("auto")) == "llamacpp"


def test_an_unknown_runtime_is_refused():
    with pytest.raises(ValueError, match="CANDID_JUDGE_RUNTIME must be auto, torch or llamacpp"):
        Settings.from_env({"CANDID_JUDGE_RUNTIME": "onnx"})


@pytest.mark.real_model
def test_the_llamacpp_runtime_loads_through_the_loader_and_says_so_in_its_name():
    settings = _settings("llamacpp")
    judge = load_judge("tiny", settings=settings)
    try:
        assert judge.name == judge_name("tiny", settings=settings) == f"smollm2-135m-instruct {LLAMACPP_SUFFIX}"
        text = "".join(judge.generate([{"role": "user", "content": "Say hello."}], max_new_tokens=8))
        assert text.strip()
        probabilities = judge.option_probabilities([{"role": "user", "content": "Is ice cold?"}], ["Yes", "No"])
        assert sum(probabilities.values()) == pytest.approx(1.0)
    finally:
        judge.close()
    assert judge_name("tiny", settings=_settings("torch")) == "smollm2-135m-instruct"
