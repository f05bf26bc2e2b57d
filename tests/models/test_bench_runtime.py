"""``python -m models.bench --runtime torch`` measures torch, whatever ``CANDID_JUDGE_RUNTIME=auto`` would pick."""

import pytest

from models import bench, loader


def test_the_torch_column_loads_the_torch_runtime_even_where_auto_picks_llama_cpp(monkeypatch: pytest.MonkeyPatch):
    seen = []
    monkeypatch.setenv("CANDID_JUDGE_RUNTIME", "llamacpp")  # what auto resolves to on a CPU without AVX-512 VNNI
    monkeypatch.setattr(loader, "load_judge", lambda spec, *, settings, log: seen.append(settings.judge_runtime))
    bench._load("default", "torch")
    assert seen == ["torch"]
