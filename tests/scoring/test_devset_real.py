"""A few development-set answers of every kind, scored with the real embedder and the shipped rubric checker.

The full development-set figures (out of fold, all 450 answers) come from ``python -m scoring.calibrate
--rubric`` and ``python -m evaluation.bench``; this test keeps the shipped combination honest on
three questions from three banks: strong answers above the rest, wrong and empty ones at the bottom.
"""

from __future__ import annotations

import statistics

import pytest

from question_banks.loader import load_banks
from scoring.devset import KINDS, dev_request, load_devset
from scoring.engine import anchor_checks, score_answer
from scoring.types import RubricStatus

pytestmark = pytest.mark.real_model

QUESTIONS = {"machine_learning_engineer/MONITOR_Q1", "data_engineer/PIPE_Q1", "behavioural/TEAM_Q1"}


@pytest.fixture(scope="module")
def scored(tiny_judge, real_embedder, real_checker):
    banks = load_banks()
    items = [item for item in load_devset() if item.group in QUESTIONS]
    assert len(items) == 10 * len(QUESTIONS)  # seven kinds, plus a concise strong, a long good and a long wrong one
    return {
        item.id: (
            item,
            score_answer(dev_request(banks, item), tiny_judge, real_embedder, feedback=False, checker=real_checker),
        )
        for item in items
    }


def test_every_kind_is_scored_with_the_checker_and_the_fitted_combination(scored):
    for item, assessment in scored.values():
        assert item.kind in KINDS
        if assessment.signals:
            assert assessment.checker.startswith("candid-checker@")
            assert assessment.score_model.startswith("devset-")


def test_strong_answers_score_well_above_vague_wrong_and_contradicting_ones(scored):
    by_kind: dict[str, list[int]] = {}
    for item, assessment in scored.values():
        by_kind.setdefault(item.kind, []).append(assessment.score)
    weak = by_kind["vague_or_verbose"] + by_kind["confidently_wrong"] + by_kind["contradicting"]
    assert statistics.mean(by_kind["strong"]) - statistics.mean(weak) >= 30
    assert min(by_kind["strong"]) > max(by_kind["vague_or_verbose"])
    assert statistics.mean(by_kind["contradicting"]) <= 35


@pytest.mark.parametrize(
    ("slug", "question_id"), [("machine_learning_engineer", "ML_Q1"), ("data_engineer", "PIPE_Q1")]
)
def test_the_strong_anchor_answer_shows_its_rubric(slug, question_id, real_embedder, real_checker):
    """The strong answer shown to compare with marks the points it shows: nearly all, with a sentence each."""
    checks = anchor_checks(load_banks().get(slug), question_id, real_embedder, real_checker)
    met = [c for c in checks if c.status is RubricStatus.MET]
    assert len(met) >= len(checks) - 1
    assert all(c.evidence for c in met)


@pytest.mark.parametrize(
    ("key", "praised"),
    [
        ("data_scientist/MODEL_Q1-strong_with_error", True),
        ("machine_learning_engineer/ML_Q4-strong_with_error", False),  # every point's quote is its erring sentence
    ],
)
def test_the_erring_sentence_of_a_strong_answer_is_never_praised(key, praised, tiny_judge, real_embedder, real_checker):
    """Its sentences that the error-free twin lacks hold the error (a random split of time-ordered claims, a
    metric compared across different measures): the checks may call a point met there, but no strength quotes
    them (``PRAISE_RED_FLAG_BELOW``); each such strength was listed before 2026-12-01."""
    from scoring.feedback import quote
    from scoring.text import split_sentences

    banks = load_banks()
    items = {item.key: item for item in load_devset()}
    item = items[key]
    twin = items[item.twin_key].answer
    erring = [s for s in split_sentences(item.answer) if s not in twin]
    assert erring
    assessment = score_answer(dev_request(banks, item), tiny_judge, real_embedder, feedback=False, checker=real_checker)
    assert bool(assessment.strengths) is praised  # the rest of the answer is still praised where it shows a point
    for strength in assessment.strengths:
        assert not any(quote(sentence) in strength for sentence in erring), strength


@pytest.mark.parametrize("key", ["behavioural/LEAD_Q1-vague_or_verbose", "data_scientist/PRODUCT_Q1-vague_or_verbose"])
def test_an_answer_whose_checklist_shows_no_point_met_scores_as_vague_at_most(
    key, tiny_judge, real_embedder, real_checker
):
    """Twenty-odd words with no point made ("I led a project last year. I organised the team and we got it done.")
    scored 46-54 out of fold before 2026-12-01: the combination credited what they lack (no error, nothing of the
    wrong anchor said). The no-point cap (``RubricScoreModel.none_met_cap``) holds them at the vague band's top."""
    item = next(item for item in load_devset() if item.key == key)
    assessment = score_answer(
        dev_request(load_banks(), item), tiny_judge, real_embedder, feedback=False, checker=real_checker
    )
    assert assessment.rubric and not any(c.status is RubricStatus.MET for c in assessment.rubric)
    assert assessment.score <= 30
    assert not assessment.strengths


def test_a_flags_examples_tell_a_sentence_committing_it_from_one_sharing_its_topic(real_checker):
    """The checker reads "Chooses a vanity metric ... as the primary metric" into any sentence naming a primary
    metric; the flag's written examples ("success was page views; we aimed for 100,000 ...") read far lower on the
    one that names a metric of user value (``flag_example_readings``, weighed by the red-flag model)."""
    from scoring.rubric import ClaimVerdict, flag_example_readings, lead_checker

    flag = next(f for f in load_banks().question("product_manager", "METRICS_Q1").red_flags if "vanity" in f.flag)
    topical = (
        "For primary metric I chose the share of users who enable round-ups and still have it on, with at least "
        "20 pounds saved, after 30 days."
    )
    committed = "For the round-ups launch the primary metric was page views of the savings screen, which rose 40%."
    lead = lead_checker(real_checker)
    (on_topic,) = lead.check([(flag.flag, topical)])
    assert on_topic.states > 0.5  # the flag alone: the topical sentence reads as committing it
    readings = flag_example_readings(
        lead,
        [ClaimVerdict(0.8, 0.0, topical, topical), ClaimVerdict(0.8, 0.0, committed, committed)],
        [flag.examples] * 2,
    )
    mean_topical, mean_committed = (sum(r) / len(r) for r in readings)
    assert mean_committed > mean_topical + 0.15  # 0.40 against 0.14 on 2026-12-01
