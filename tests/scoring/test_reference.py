"""Reference-answer scoring: its signals, graded examples, the fitted models and the calibration run."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from scoring import calibrate
from scoring.engine import ScoreModel, ScoringRequest, score_answer
from scoring.reference import (
    EXAMPLE_FEATURES,
    REFERENCE_FEATURES,
    GradedExample,
    LinearModel,
    ReferenceScorer,
    best_reference,
    reference_features,
)
from tests.fakes import FakeEmbedder, FakeJudge

QUESTION = "How did you separate the salt from the water?"
REFERENCE = "The water was evaporated, leaving the salt."


def test_linear_model_is_a_logistic_function_of_its_weighted_features():
    model = LinearModel(bias=-1.0, weights={"a": 2.0, "b": -1.0})
    assert model.probability({"a": 0.5, "b": 0.0}) == pytest.approx(0.5)
    assert model.probability({"a": 1.0, "b": 0.0}) == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert model.probability({}) < 0.5  # a missing feature counts as zero
    assert LinearModel.from_dict(json.loads(json.dumps(model.to_dict()))) == model
    assert 0.0 < LinearModel(bias=1e6).probability({}) <= 1.0  # no overflow


def test_restating_the_question_is_not_answering_it():
    embedder = FakeEmbedder()
    restated = reference_features(QUESTION, "I did separate the salt from the water.", [REFERENCE], embedder)[0]
    answered = reference_features(QUESTION, "I let the water evaporate so the salt stays.", [REFERENCE], embedder)[0]
    assert restated["nothing_new"] == 1.0 and answered["nothing_new"] == 0.0
    assert answered["recall_demoted"] > restated["recall_demoted"] == 0.0
    assert answered["similarity_demoted"] > restated["similarity_demoted"]
    assert set(REFERENCE_FEATURES) == set(answered)


def test_negation_on_one_side_only_is_a_signal():
    embedder = FakeEmbedder()
    same = reference_features(QUESTION, "The water evaporated and left the salt.", [REFERENCE], embedder)[0]
    negated = reference_features(QUESTION, "The water was not evaporated.", [REFERENCE], embedder)[0]
    assert same["negation_mismatch"] == 0.0 and negated["negation_mismatch"] == 1.0


def test_the_best_matching_alternative_reference_counts():
    references = ["The bulb is in a closed path with the battery.", "The water was evaporated, leaving the salt."]
    features = reference_features(QUESTION, "The water evaporated and the salt was left.", references, FakeEmbedder())
    assert best_reference(features) == 1
    with pytest.raises(ValueError):
        best_reference([])


def test_graded_examples_add_their_signals_and_select_the_example_model():
    examples = [
        GradedExample(answer="Evaporate the water and the salt is left.", correct=True),
        GradedExample(answer="Use a magnet to pull the salt out.", correct=False),
    ]
    near_good = reference_features(
        QUESTION, "Evaporate the water; salt is left.", [REFERENCE], FakeEmbedder(), examples
    )
    near_bad = reference_features(QUESTION, "A magnet pulls the salt out.", [REFERENCE], FakeEmbedder(), examples)
    assert near_good[0]["example_correct"] > near_good[0]["example_incorrect"]
    assert near_bad[0]["example_incorrect"] > near_bad[0]["example_correct"]
    scorer = ReferenceScorer(LinearModel(0.0, {"similarity": 1.0}), LinearModel(0.0, {"example_correct": 5.0}))
    assert scorer.model_for(near_good[0]) is scorer.with_examples
    assert scorer.model_for({"similarity": 1.0}) is scorer.reference
    with pytest.raises(ValueError):
        GradedExample(answer="", correct=True)


def test_engine_uses_graded_examples_when_the_request_has_them():
    model = ScoreModel(
        reference=ReferenceScorer(
            LinearModel(0.0, {}),  # 50 whatever the answer
            LinearModel(-2.0, {"example_correct": 4.0, "example_incorrect": -4.0}),
        )
    )
    request = ScoringRequest(
        question=QUESTION, answer="Evaporate the water and the salt is left.", reference_answers=[REFERENCE]
    )
    plain = score_answer(request, FakeJudge(), FakeEmbedder(), feedback=False, model=model)
    assert plain.score == 50
    graded = request.model_copy(
        update={"examples": [GradedExample(answer="Evaporate the water and the salt is left.", correct=True)]}
    )
    assert score_answer(graded, FakeJudge(), FakeEmbedder(), feedback=False, model=model).score == 88


def test_reference_mode_does_not_ask_the_judge_for_the_score():
    judge = FakeJudge()
    request = ScoringRequest(question=QUESTION, answer="I let the water evaporate.", reference_answers=[REFERENCE])
    assessment = score_answer(request, judge, FakeEmbedder(), feedback=False)
    assert judge.prompts == []
    assert all(check.judge_probability is None for check in assessment.rubric)


def test_score_model_reads_both_fitted_models(tmp_path):
    path = tmp_path / "calibration.json"
    path.write_text(
        json.dumps(
            {
                "parameters": {"penalty": 10, "unknown": 1},
                "reference_model": {"bias": -1.5, "weights": {"similarity": 3.0}},
                "example_model": {"bias": -2.5, "weights": {"example_correct": 3.0}},
            }
        )
    )
    model = ScoreModel.load(path)
    assert model.penalty == 10
    assert model.reference.reference == LinearModel(-1.5, {"similarity": 3.0})
    assert model.reference.with_examples == LinearModel(-2.5, {"example_correct": 3.0})
    assert ScoreModel.load(tmp_path / "missing.json") == ScoreModel()


def test_the_shipped_calibration_loads_and_prefers_matching_answers():
    model = ScoreModel.load()
    assert set(model.reference.reference.weights) == set(REFERENCE_FEATURES)
    assert set(model.reference.with_examples.weights) == set(REFERENCE_FEATURES) | set(EXAMPLE_FEATURES)
    assert model.reference.reference.weights["similarity"] > 0
    assert (
        model.reference.with_examples.weights["example_correct"]
        > 0
        > model.reference.with_examples.weights["example_incorrect"]
    )


def _synthetic_corpus(tmp_path):
    rows = []
    for q in range(6):
        question = f"Which gas do plants number {q} take in for photosynthesis?"
        reference = "Plants take in carbon dioxide from the air."
        for a in range(12):
            correct = a % 2 == 0
            answer = f"They absorb carbon dioxide gas, sample {a}." if correct else f"They take in oxygen, sample {a}."
            rows.append(
                {
                    "split": "train",
                    "question_id": f"Q{q}",
                    "module": "X",
                    "question": question,
                    "reference_answer": reference,
                    "all_reference_answers": reference,
                    "answer_id": f"Q{q}.{a}",
                    "student_answer": answer,
                    "label_3way": "correct" if correct else "incorrect",
                    "label_2way": "correct" if correct else "incorrect",
                    "score_0_100_2way": "100" if correct else "0",
                }
            )
    pd.DataFrame(rows).to_csv(tmp_path / "sciEntsBank_train.csv", index=False)
    return calibrate.load_sample("sciEntsBank", 0, dataset_dir=tmp_path)


def test_graded_examples_for_calibration_exclude_the_answer_itself_and_are_seeded(tmp_path):
    frame = _synthetic_corpus(tmp_path)
    examples = calibrate.graded_examples(frame, 0, 5)
    assert len(examples) == 5
    assert frame.at[0, "student_answer"] not in [e.answer for e in examples]
    assert calibrate.graded_examples(frame, 0, 5) == examples
    assert len(calibrate.graded_examples(frame, 0, 50)) == 11  # the question's other answers


def test_calibration_fits_and_reports_out_of_fold_figures(tmp_path):
    frame = _synthetic_corpus(tmp_path)
    features = pd.DataFrame([calibrate.features_for(frame, i, FakeEmbedder(), 4) for i in range(len(frame))])
    fitted = calibrate.fit(features)
    assert fitted.reference.weights["similarity"] > 0
    figures = calibrate.report(features, fitted)["sciEntsBank"]
    assert figures["n"] == 72
    assert figures["reference_out_of_fold"] > 0.9  # the synthetic labels follow the reference exactly
    assert figures["with_examples_out_of_fold"] > 0.9


def test_bulk_input_lines_carry_graded_examples():
    from scoring.batch import BatchInputError, request_from_line

    line = {
        "question": QUESTION,
        "answer": "Evaporate it.",
        "reference_answer": REFERENCE,
        "examples": [{"answer": "Boil the water off.", "correct": True}, {"answer": "Filter it.", "correct": False}],
    }
    request = request_from_line(line, 1)
    assert [e.correct for e in request.examples] == [True, False]
    with pytest.raises(BatchInputError, match="line 3"):
        request_from_line(line | {"examples": [{"answer": "x"}]}, 3)


def test_graded_example_files_are_read_by_question_and_attached_without_the_answer_itself():
    from scoring.batch import BatchInputError, attach_examples, read_graded_examples

    text = "\n".join(
        json.dumps(x)
        for x in [
            {"question": QUESTION, "answer": "Boil the water off.", "correct": True},
            {"question": "  how did you SEPARATE the salt from the water? ", "answer": "Filter it.", "correct": False},
            {"question": "Another question?", "answer": "Something.", "correct": True},
        ]
    )
    graded = read_graded_examples(text + "\n\n")
    request = ScoringRequest(question=QUESTION, answer="boil the water off.", reference_answers=[REFERENCE])
    attached = attach_examples(request, graded)
    assert [e.answer for e in attached.examples] == ["Filter it."]  # the identical answer is left out
    assert attach_examples(request, graded, limit=0) == request
    with_rubric = ScoringRequest(question=QUESTION, answer="x", rubric=["Names the method."])
    assert attach_examples(with_rubric, graded) == with_rubric
    for bad, message in [
        ("{", "line 1: not valid JSON"),
        ('{"answer": "a", "correct": true}', "'question'"),
        ('{"question": "q", "answer": "a", "correct": 1}', "'correct'"),
        ('{"question": "q", "answer": "", "correct": true}', "'answer'"),
    ]:
        with pytest.raises(BatchInputError, match=message):
            read_graded_examples(bad)
