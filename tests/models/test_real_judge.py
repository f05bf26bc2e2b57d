"""The real tiny model (SmolLM2-135M) through the torch runtime: what only it has (the ``Judge`` contract on every
runtime is ``test_judge_contract.py``)."""

import pytest

from models.errors import ModelLoadError

pytestmark = pytest.mark.real_model

QUESTION = [
    {"role": "system", "content": "You check facts. Reply with Yes or No."},
    {"role": "user", "content": "Is water wet?"},
]


def _torch_settings():
    """The settings with the torch runtime asked for by name: ``auto`` picks llama.cpp on CPUs without AVX-512
    VNNI (an AVX2-only machine), and these tests are about the torch runtime whatever the CPU."""
    from dataclasses import replace

    from settings import get_settings

    return replace(get_settings(), judge_runtime="torch")


@pytest.fixture(scope="module")
def tiny_judge():
    """The real SmolLM2-135M judge on the torch runtime (shadows the conftest fixture, which follows ``auto``)."""
    from models.loader import load_judge

    return load_judge("tiny", settings=_torch_settings())


def test_prefix_reuse_saves_work_and_changes_nothing(tiny_judge):
    shared = "The candidate answered at length about pipelines and monitoring. " * 12
    prompts = [
        [
            {"role": "system", "content": "Grade answers."},
            {"role": "user", "content": f"{shared}\nPoint {i}: yes or no?"},
        ]
        for i in range(3)
    ]
    tiny_judge.clear_cache()
    cold = []
    for prompt in prompts:
        tiny_judge.clear_cache()
        cold.append(tiny_judge.option_probabilities(prompt, ["Yes", "No"]))
    tiny_judge.clear_cache()
    before = dict(tiny_judge.stats)
    warm = [tiny_judge.option_probabilities(prompt, ["Yes", "No"]) for prompt in prompts]
    reused = tiny_judge.stats["reused_tokens"] - before["reused_tokens"]
    assert reused >= 2 * 64  # the shared prefix was computed once, reused twice
    assert warm == cold  # byte-identical whatever the cache held


def test_real_embedder_ranks_related_text_higher(real_embedder):
    vectors = real_embedder.encode(
        ["We monitored data drift with a PSI threshold.", "Drift in the input data was tracked.", "I like pizza."]
    )
    related, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert related > unrelated + 0.2


def test_a_corrupt_gguf_file_gives_a_clear_error(tmp_path):
    from models.runtime import prepare

    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(ModelLoadError, match="could not load .*broken.gguf"):
        prepare(bad, tmp_path / "out", log=lambda m: None)
    assert not (tmp_path / "out").exists()


def test_a_corrupt_runtime_form_gives_a_clear_error(tmp_path):
    from models.runtime import MANIFEST, MODULE_FILE, load_prepared

    (tmp_path / MANIFEST).write_text("{}")
    (tmp_path / MODULE_FILE).write_bytes(b"not a torch file")
    with pytest.raises(ModelLoadError, match="is corrupt.*python -m models install"):
        load_prepared(tmp_path, "tiny", threads=1)


def test_embedder_memo_eviction_never_loses_rows_of_the_current_call(real_embedder):
    from models.embedder import SentenceTransformerEmbedder

    small = SentenceTransformerEmbedder(real_embedder.model, name="small", memo_size=3)
    small.encode(["old one", "old two", "old three"])
    vectors = small.encode(["old one", "new a", "new b", "new c", "new d"])
    assert vectors.shape == (5, 384)
    assert len(small._memo) == 3
    assert float(vectors[0] @ small.encode(["old one"])[0]) > 0.999


def test_a_cleared_embedder_memo_computes_the_same_vectors_again(real_embedder):
    from models.embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(real_embedder.model, name="fresh")
    first = embedder.encode(["a rubric point", "an answer sentence"])
    embedder.clear_memo()
    assert len(embedder._memo) == 0
    again = embedder.encode(["an answer sentence", "a rubric point"])
    assert len(embedder._memo) == 2
    assert float(first[0] @ again[1]) > 0.999 and float(first[1] @ again[0]) > 0.999


def test_bring_your_own_model_path_takes_the_same_code_path(tmp_path):
    """A local GGUF file (here the tiny model's own file) is prepared once and loaded like a registry model."""
    from dataclasses import replace

    from models.install import artifact_path
    from models.loader import load_judge
    from models.registry import load_registry

    settings = _torch_settings()
    source = artifact_path(load_registry().get("tiny"), settings.model_dir)
    byo = replace(settings, model_dir=tmp_path, judge=str(source))
    judge = load_judge(settings=byo, log=lambda m: None)
    assert judge.name == source.name
    assert list((tmp_path / "custom").glob("*/runtime-*/model.pt"))  # prepared under the configured model dir
    probs = judge.option_probabilities(QUESTION, ["Yes", "No"])
    assert sum(probs.values()) == pytest.approx(1.0)


def test_an_assistant_prefill_is_continued_not_restarted(tiny_judge):
    prefill = [*QUESTION, {"role": "assistant", "content": "Yes, because"}]
    ids = tiny_judge.prompt_ids(prefill)
    text = tiny_judge.tokenizer.decode(ids)
    assert text.rstrip().endswith("Yes, because")  # no new assistant turn after the prefill
    assert "".join(tiny_judge.generate(prefill, max_new_tokens=8)).strip()


def test_chunk_boundaries_inside_a_shared_prefix_do_not_depend_on_what_follows(tiny_judge):
    base = "Question: what changed?\n\nAnswer: the latency fell.\n\nThe rest"
    short = tiny_judge.prompt_ids([{"role": "user", "content": base}])
    longer = tiny_judge.prompt_ids([{"role": "user", "content": base + " and more.\n\nCriterion: names a metric."}])
    common = next(i for i, (a, b) in enumerate(zip(short, longer, strict=False)) if a != b)
    inside = [b for b in tiny_judge._chunk_boundaries(short) if b < common - 1]
    assert inside == [b for b in tiny_judge._chunk_boundaries(longer) if b < common - 1]
    assert len(inside) >= 2  # the start and at least one blank line


def test_scores_stay_identical_when_the_prefix_cache_is_cycled(tiny_judge):
    prompts = [
        [{"role": "user", "content": f"Shared context about pipelines.\n\nSection {i}.\n\nPoint {j}: yes or no?"}]
        for i in range(3)
        for j in range(4)
    ]
    tiny_judge.clear_cache()
    first = [tiny_judge.option_probabilities(p, ["Yes", "No"]) for p in prompts]
    again = [tiny_judge.option_probabilities(p, ["Yes", "No"]) for p in reversed(prompts)]
    assert first == list(reversed(again))


def test_a_lazy_judge_loads_on_first_use_and_answers_as_the_judge_does(tiny_judge):
    from models.loader import LazyJudge

    lazy = LazyJudge("tiny", settings=_torch_settings(), log=lambda message: None)
    assert lazy.name == tiny_judge.name and not lazy.loaded
    assert lazy.option_probabilities(QUESTION, ["Yes", "No"]) == tiny_judge.option_probabilities(
        QUESTION, ["Yes", "No"]
    )
    assert lazy.loaded
    assert list(lazy.generate(QUESTION, 8)) == list(tiny_judge.generate(QUESTION, 8))


def test_a_lazy_judge_of_a_model_not_installed_fails_at_once(tmp_path):
    from models.errors import ModelNotInstalledError
    from models.loader import LazyJudge

    with pytest.raises(ModelNotInstalledError):
        LazyJudge(str(tmp_path / "missing.gguf"))
