"""Every handed case (``tests/data/scoring-cases.jsonl``, from shared/cases) and more of each kind of our own
(``tests/data/more-cases.jsonl``) meets its expectation, with real models.

Each case stands for a kind of input the scorer once got wrong (a confidently wrong answer,
polished filler, a garbled transcript, a fake committee note, score lines, another language, a
pasted log, and two controls). The answers are scored as ``python -m scoring score --no-feedback
--bank "machine learning engineer"`` scores them (or with the bank a case names in ``"bank"``): real
embedder, the shipped rubric checker, the bank's rubric, red flags and anchors where the case names a
bank question. The judge is not used without feedback, except to translate an answer in another
language (five cases: Spanish, French, German, Portuguese, Italian): those need the default judge
(installed by ``make run``) and are skipped where only the tiny test judge is installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.cases import case_request, unmet
from evaluation.faithfulness import quotes
from question_banks.loader import load_banks
from scoring.engine import score_answer
from scoring.feedback import NO_STRENGTHS_AT_OR_BELOW, is_instruction
from scoring.types import RubricStatus

pytestmark = pytest.mark.real_model

DATA = Path(__file__).resolve().parents[1] / "data"
CASE_FILES = (DATA / "scoring-cases.jsonl", DATA / "more-cases.jsonl")  # handed cases, then more of each kind
CASES = [json.loads(line) for path in CASE_FILES for line in path.read_text(encoding="utf-8").splitlines() if line]
NEEDS_TRANSLATION = {"other_language"}
# Cases the shipped checker and combination do not meet yet (issue 11 stays open on them); strict, so a
# fix that makes one pass fails here until it is moved out of this list. Scores as of 2026-11-30.
NOT_YET: dict[str, str] = {}  # case id -> why it does not meet its expectation yet (a strict xfail)


@pytest.mark.parametrize(
    ("expect", "score", "flags", "failed"),
    [
        ("score<=25", 25, [], []),
        ("score<=25", 26, [], ["score<=25"]),
        ("score>=50 | flag:language | not_flag:keyword_stuffing", 60, ["language"], []),
        ("score>=50 | flag:language", 60, [], ["flag:language"]),
        (
            "score_between 40 85 | not_flag:keyword_stuffing",
            90,
            ["keyword_stuffing"],
            ["score_between 40 85", "not_flag:keyword_stuffing"],
        ),
    ],
)
def test_expect_grammar(expect, score, flags, failed):
    assert unmet(expect, score, flags) == failed


@pytest.fixture(scope="module")
def banks():
    return load_banks()


@pytest.fixture(scope="module")
def bank(banks):
    return banks.get("machine_learning_engineer")


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, marks=pytest.mark.xfail(reason=NOT_YET[case["id"]], strict=True))
        if case["id"] in NOT_YET
        else case
        for case in CASES
    ],
    ids=[case["id"] for case in CASES],
)
def test_case_meets_its_expectation(case, banks, tiny_judge, real_embedder, real_checker, request):
    judge = tiny_judge
    if case["kind"] in NEEDS_TRANSLATION:
        judge = request.getfixturevalue("default_judge")
    bank = banks.get(case.get("bank", "machine_learning_engineer"))  # a case names its bank, else as the CLI above
    assessment = score_answer(case_request(case, bank), judge, real_embedder, feedback=False, checker=real_checker)
    flags = [flag.value for flag in assessment.flags]
    assert unmet(case["expect"], assessment.score, flags) == [], (assessment.score, flags, case["right_behaviour"])


FEEDBACK_KINDS = {
    "confidently_wrong",
    "verbose_without_content",
    "unintelligible",
}  # issue 12's cases: feedback must invent nothing


def _plain(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] in FEEDBACK_KINDS], ids=lambda c: c["id"])
def test_case_feedback_is_true_to_the_answer(case, bank, tiny_judge, real_embedder, real_checker):
    """Strengths quote the answer verbatim and only for met points (none at <= 25), a met point is never a
    weakness, every tip is an instruction, and the justification states the score."""
    assessment = score_answer(case_request(case, bank), tiny_judge, real_embedder, feedback=True, checker=real_checker)
    met = {c.point.rstrip("."): c for c in assessment.rubric if c.status is RubricStatus.MET}
    if assessment.score <= NO_STRENGTHS_AT_OR_BELOW:
        assert assessment.strengths == []
    for strength in assessment.strengths:
        point = strength.split(": \u201c", 1)[0]
        assert point in met, strength
        assert all(_plain(q) in _plain(assessment.answer) for q in quotes(strength)), strength
    for weakness in assessment.weaknesses:
        assert not any(point.lower() in weakness.lower() for point in met), weakness
    assert assessment.tips and all(is_instruction(tip) for tip in assessment.tips), assessment.tips
    assert assessment.justification.startswith(f"The answer scores {assessment.score}/100")


FRAUD = next(c for c in CASES if c["id"] == "wrong-fraud-smote")


def test_the_wrong_fraud_answers_feedback_praises_neither_error(real_embedder, real_checker, tiny_judge):
    assessment = score_answer(case_request(FRAUD, None), tiny_judge, real_embedder, checker=real_checker)
    praise = " ".join([*assessment.strengths, assessment.justification]).lower()
    assert "smote" not in " ".join(assessment.strengths).lower()
    assert "accuracy" not in " ".join(assessment.strengths).lower()
    assert not any(word in praise for word in ("appropriate", "well-chosen", "good choice", "correctly"))


@pytest.mark.xfail(
    strict=True,
    reason="issue 11: the checker committee names the resampling error (two points contradicted by the SMOTE "
    "sentence) but not the accuracy one: it reads the accuracy point as partly met (P(states) 0.52, P(contradicts) "
    "0.40), listed 'not clearly shown'",
)
def test_the_wrong_fraud_answers_feedback_names_both_errors(real_embedder, real_checker, tiny_judge):
    assessment = score_answer(case_request(FRAUD, None), tiny_judge, real_embedder, checker=real_checker)
    errors = [w for w in assessment.weaknesses if w.startswith(("Red flag", "Contradicts"))]
    assert any("accuracy" in w.lower() for w in errors)
    assert any("resampl" in w.lower() or "smote" in w.lower() for w in errors)
