"""The checker's training pairs: sources, labels and the development set's questions kept out (no training run)."""

from __future__ import annotations

from collections import Counter

import pytest

from models.train_checker import anchor_pairs, bank_pairs, example_pairs, split_by_question
from question_banks.loader import load_banks
from scoring.devset import load_devset


def test_red_flag_examples_become_states_and_silent_pairs_for_trained_questions_only():
    written = bank_pairs()
    pairs = example_pairs(written)
    labels = Counter(pair.label for pair in pairs)
    assert labels["states"] > 500 and labels["silent"] > 500 and set(labels) == {"states", "silent"}
    trained = {pair.group for pair in written}
    assert {pair.group for pair in pairs} <= trained
    devset = {f"bank:{item.bank}:{item.question_id}" for item in load_devset()}
    assert not devset & {pair.group for pair in pairs}
    banks = load_banks().banks
    questions = [question for bank in banks.values() for question in bank.questions]
    flags = {flag.flag: flag.examples for question in questions for flag in question.red_flags}
    for pair in pairs:
        if pair.claim in flags:  # (flag, one of its own examples)
            assert pair.label == "states" and pair.passage in flags[pair.claim]


def test_anchor_and_example_pairs_share_the_questions_held_out():
    written = bank_pairs()
    train, held = split_by_question([*written, *anchor_pairs(written), *example_pairs(written)], seed=2013)
    assert held and train
    assert not {pair.group for pair in train} & {pair.group for pair in held}
    assert {pair.source for pair in held} >= {"bank", "bank-example"}


def _answer_file(folder, question_id: str, sentences: list[dict], kind: str = "strong") -> None:
    import json

    folder.mkdir(exist_ok=True)
    line = json.dumps({"question_id": question_id, "kind": kind, "sentences": sentences})
    (folder / "data_engineer.jsonl").write_text(line + "\n", encoding="utf-8")


def _trained_question_id() -> str:
    return next(pair.group.split(":")[2] for pair in bank_pairs() if pair.group.startswith("bank:data_engineer:"))


def test_annotated_answers_label_each_window_by_its_sentences(tmp_path):
    from models.train_checker import answer_pairs, load_annotated_answers

    question_id = _trained_question_id()
    sentences = [
        {"text": "Context that says nothing checkable.", "states": []},
        {"text": "This sentence states the first point.", "states": [0]},
        {"text": "This one contradicts the second point.", "contradicts": [1]},
        {"text": "This one commits the first red flag.", "commits": [0]},
        {"text": "This one only hints at the third point.", "partly": [2]},
    ]
    _answer_file(tmp_path / "answers", question_id, sentences)
    answers = load_annotated_answers(tmp_path / "answers")
    pairs = answer_pairs(answers, seed=1, silent_per_claim=10)
    question = answers[0]["question"]
    point = [item["point"] for item in question["rubric"]]
    flag = question["red_flags"][0]["flag"]

    def label(claim: str, window: str) -> str | None:
        found = {p.label for p in pairs if p.claim == claim and p.passage == window}
        assert len(found) <= 1
        return found.pop() if found else None

    texts = [s["text"] for s in sentences]
    assert label(point[0], texts[1]) == "states"
    assert label(point[0], f"{texts[0]} {texts[1]}") == "states"  # a pair window stating it through one sentence
    assert label(point[0], texts[0]) == "silent"
    assert label(point[1], texts[2]) == "contradicts"
    assert label(point[1], f"{texts[1]} {texts[2]}") == "contradicts"
    assert label(flag, texts[3]) == "states"
    assert label(flag, texts[1]) == "silent"
    assert label(point[2], texts[4]) is None  # partly: neither label is right, so left out
    assert label(point[2], texts[0]) == "silent"
    assert {p.group for p in pairs} == {f"bank:data_engineer:{question_id}"}
    assert {p.source for p in pairs} == {"bank-answer"}


def test_annotated_answers_keep_few_silent_windows_per_claim_the_hardest_first(tmp_path):
    from models.train_checker import answer_pairs, load_annotated_answers

    question_id = _trained_question_id()
    sentences = [{"text": f"Filler sentence number {i} about lunch."} for i in range(8)]
    _answer_file(tmp_path / "answers", question_id, sentences)
    answers = load_annotated_answers(tmp_path / "answers")
    point = answers[0]["question"]["rubric"][0]["point"]
    sentences[5]["text"] = f"Filler that repeats the words: {point}"
    _answer_file(tmp_path / "answers", question_id, sentences)
    pairs = answer_pairs(load_annotated_answers(tmp_path / "answers"), seed=1, silent_per_claim=2)
    mine = [p for p in pairs if p.claim == point]
    assert len(mine) == 2 and all(p.label == "silent" for p in mine)
    assert any(sentences[5]["text"] in p.passage for p in mine)  # the on-topic window is always kept


def test_annotated_answers_refuse_development_questions_bad_indexes_and_kinds(tmp_path):
    import pytest

    from models.train_checker import load_annotated_answers

    development = next(item.question_id for item in load_devset() if item.bank == "data_engineer")
    _answer_file(tmp_path / "a", development, [{"text": "Anything."}])
    with pytest.raises(ValueError, match="development-set question"):
        load_annotated_answers(tmp_path / "a")
    question_id = _trained_question_id()
    _answer_file(tmp_path / "b", question_id, [{"text": "Anything.", "states": [99]}])
    with pytest.raises(ValueError, match=r"states \[99\] out of range"):
        load_annotated_answers(tmp_path / "b")
    _answer_file(tmp_path / "c", question_id, [{"text": "Anything."}], kind="brilliant")
    with pytest.raises(ValueError, match="kind 'brilliant'"):
        load_annotated_answers(tmp_path / "c")
    _answer_file(tmp_path / "d", "NO_SUCH_Q", [{"text": "Anything."}])
    with pytest.raises(ValueError, match="no question 'NO_SUCH_Q'"):
        load_annotated_answers(tmp_path / "d")


def test_the_shipped_annotated_answers_are_valid_and_on_trained_questions_only():
    from models.train_checker import ANSWERS_DIR, answer_pairs, load_annotated_answers

    answers = load_annotated_answers(ANSWERS_DIR)
    trained = {pair.group for pair in bank_pairs()}
    assert {answer["group"] for answer in answers} <= trained
    labels = Counter(pair.label for pair in answer_pairs(answers, seed=2013))
    assert not answers or set(labels) == {"states", "contradicts", "silent"}


def test_a_focused_fine_tune_trains_on_every_focus_pair_and_replays_the_others():
    from models.train_checker import FOCUS_SOURCE, Pair, focus_mix

    focus = [Pair(f"claim {i}", "passage", "states", f"bank:b:Q{i}", FOCUS_SOURCE) for i in range(10)]
    rest = [Pair(f"other {i}", "passage", "silent", f"bank:b:R{i}", "bank-answer") for i in range(100)]
    mixed = focus_mix(rest[:50] + focus + rest[50:], 1.5, seed=7)
    assert [p for p in mixed if p.source == FOCUS_SOURCE] == focus
    replayed = [p for p in mixed if p.source != FOCUS_SOURCE]
    assert len(replayed) == 15 and len(set(replayed)) == 15 and set(replayed) <= set(rest)
    assert focus_mix(rest + focus, 1.5, seed=7) == focus_mix(rest + focus, 1.5, seed=7)  # seeded
    written = [Pair(f"point {i}", "passage", "states", f"bank:b:W{i}", "bank") for i in range(30)]
    kept = focus_mix(rest + written + focus, 1.0, seed=7, keep=("bank",))
    assert set(written) <= set(kept) and len(kept) == 10 + 30 + 10  # every written passage, then the replay
    with pytest.raises(ValueError, match="--focus"):
        focus_mix(rest, 1.0, seed=7)


def test_written_passage_files_matching_focus_become_focus_pairs(tmp_path):
    import json

    from models.train_checker import BANK_FOCUS_SOURCE, focus_mix

    def line(passage: str, label: str) -> str:
        item = {"question_id": "Q1", "target_kind": "point", "target_index": 0, "target": "Names the metric."}
        return json.dumps(item | {"passage": passage, "label": label}) + "\n"

    (tmp_path / "data_engineer.jsonl").write_text(line("I used PR-AUC.", "states"), encoding="utf-8")
    (tmp_path / "data_engineer.negation.jsonl").write_text(
        line("I did not use accuracy; PR-AUC instead.", "states") + line("Accuracy, 99.5%, done.", "contradicts"),
        encoding="utf-8",
    )
    plain = bank_pairs(tmp_path)
    assert {p.source for p in plain} == {"bank"} and len(plain) == 3  # without --focus they are ordinary passages
    focused = bank_pairs(tmp_path, focus=["*.3*.jsonl", "*.negation.jsonl"])
    assert Counter(p.source for p in focused) == {BANK_FOCUS_SOURCE: 2, "bank": 1}
    assert {p.group for p in focused} == {"bank:data_engineer:Q1"}  # held out with their question
    mixed = focus_mix(focused, 0.5, seed=1)
    assert Counter(p.source for p in mixed) == {BANK_FOCUS_SOURCE: 2, "bank": 1}


NEGATION_FORMS = {  # (target kind, form) -> label, as models/checker_data/<bank>.negation.jsonl is written
    ("point", "negated-wrong"): "states",
    ("point", "wrong-affirmed"): "contradicts",
    ("red_flag", "avoids-by-negation"): "contradicts",
    ("red_flag", "avoids-as-warning"): "contradicts",
    ("red_flag", "commits"): "states",
}


def test_the_written_passages_name_their_claims_exactly_and_the_negation_files_cover_every_claim():
    import json

    from models.train_checker import PAIRS_DIR

    banks = load_banks().banks
    devset = {(item.bank, item.question_id) for item in load_devset()}
    assert len(list(PAIRS_DIR.glob("*.negation.jsonl"))) == len(banks)
    for path in sorted(PAIRS_DIR.glob("*.jsonl")):
        bank = banks[path.name.split(".")[0]]
        questions = {question.id: question for question in bank.questions}
        negation = path.name.endswith(".negation.jsonl")
        covered: Counter = Counter()
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            question = questions[item["question_id"]]
            assert (bank.slug, question.id) not in devset, (path.name, question.id)
            point = item["target_kind"] == "point"
            claims = [p.point for p in question.rubric] if point else [f.flag for f in question.red_flags]
            assert item["target"] == claims[item["target_index"]], (path.name, item["passage"])
            if negation:
                assert NEGATION_FORMS[(item["target_kind"], item["form"])] == item["label"], item
                covered[(question.id, item["target_kind"], item["target_index"], item["form"])] += 1
        if negation:
            main = PAIRS_DIR / f"{bank.slug}.jsonl"
            trained = {json.loads(line)["question_id"] for line in main.read_text(encoding="utf-8").splitlines()}
            assert {question_id for question_id, *_ in covered} == trained  # every question the checker trains on
            for question_id in trained:
                question = questions[question_id]
                for kind, form in NEGATION_FORMS:
                    count = len(question.rubric) if kind == "point" else len(question.red_flags)
                    assert all(covered[(question_id, kind, i, form)] == 1 for i in range(count)), (question_id, form)
