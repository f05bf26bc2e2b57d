"""Interview plans: balanced, deterministic, filtered and (with an embedder) tailored to a job description."""

from __future__ import annotations

from collections import Counter

import pytest
from pydantic import ValidationError

from question_banks.loader import QuestionRef, load_banks
from question_banks.plans import InterviewPlan, build_plan, question_relevance
from question_banks.schema import QuestionBank
from tests.question_banks.banks import bank_data, question_data

ML = load_banks().get("machine_learning_engineer")
ML_CODES = [competency.code for competency in ML.competencies]

DOCKER_JD = """Platform Engineer

Requirements:
- Experience deploying Docker containers on Kubernetes clusters in production.
- You will own our Kubernetes deployment pipelines.
"""


def _competency_counts(bank: QuestionBank, question_ids: list[str]) -> Counter[str]:
    return Counter(bank.question(qid).competency for qid in question_ids)


def _ranking_bank() -> QuestionBank:
    """One competency whose questions are plainly relevant, or not, to ``DOCKER_JD``."""
    data = bank_data(slug="ranking")
    data["questions"] = [
        question_data("AA_Q1", "AA", "Tell me about a disagreement with a colleague and how you resolved it."),
        question_data("AA_Q2", "AA", "Describe your favourite holiday and what you enjoyed about it."),
        question_data(
            "AA_Q3",
            "AA",
            "Tell me about deploying Docker containers on Kubernetes clusters in production.",
            keywords=["docker", "kubernetes", "deployment"],
        ),
        question_data("AA_Q4", "AA", "How do you plan a weekly team meeting agenda?"),
        question_data("BB_Q1", "BB", "How do you give feedback to a junior colleague?"),
        question_data("CC_Q1", "CC", "Tell me about a budget you managed."),
    ]
    return QuestionBank.model_validate(data)


@pytest.mark.parametrize("num_questions", [1, 3, 5, 7, 12, 29, 30])
def test_questions_are_balanced_across_competencies(num_questions):
    plan = build_plan(ML, num_questions=num_questions, seed=3)
    counts = _competency_counts(ML, plan.question_ids)
    assert len(plan.question_ids) == plan.num_questions == num_questions
    assert len(set(plan.question_ids)) == num_questions
    if num_questions >= len(ML_CODES):
        assert set(counts) == set(ML_CODES)
        assert max(counts.values()) - min(counts.values()) <= 1
    else:
        assert sorted(counts.values()) == [1] * num_questions


def test_more_questions_than_the_bank_holds_gives_the_whole_bank():
    plan = build_plan(ML, num_questions=500)
    assert sorted(plan.question_ids) == sorted(q.id for q in ML.questions)
    assert plan.num_questions == len(ML.questions)


def test_a_small_competency_gives_all_it_has_and_the_rest_stay_balanced():
    data = bank_data(per_competency=5)
    data["questions"] = [q for q in data["questions"] if q["competency"] != "AA" or q["id"] == "AA_Q1"]
    bank = QuestionBank.model_validate(data)
    counts = _competency_counts(bank, build_plan(bank, num_questions=7).question_ids)
    assert counts == Counter({"AA": 1, "BB": 3, "CC": 3})


def test_same_inputs_give_the_same_plan():
    first = build_plan(ML, num_questions=6, seed=11, time_limit_s=120, order="shuffled")
    second = build_plan(ML, num_questions=6, seed=11, time_limit_s=120, order="shuffled")
    assert first == second
    assert first.model_dump_json() == second.model_dump_json()


def test_a_different_seed_gives_a_different_plan():
    assert build_plan(ML, num_questions=6, seed=0).question_ids != build_plan(ML, num_questions=6, seed=1).question_ids


def test_rebuilding_from_the_plans_own_fields_gives_the_same_plan(fake_embedder):
    plan = build_plan(
        ML, num_questions=4, competencies=["MONITOR", "ML"], order="bank", job_description=DOCKER_JD,
        resume="Five years at Nokia.", seed=5, time_limit_s=90, embedder=fake_embedder,
    )  # fmt: skip
    again = build_plan(
        ML,
        num_questions=plan.num_questions,
        competencies=plan.competencies,
        order=plan.order,
        time_limit_s=plan.time_limit_s,
        job_description=plan.job_description,
        resume=plan.resume,
        seed=plan.seed,
        embedder=fake_embedder,
    )
    assert again == plan
    assert InterviewPlan.model_validate_json(plan.model_dump_json()) == plan


@pytest.mark.parametrize(
    ("competencies", "expected"),
    [
        (["ML", "DE"], {"ML", "DE"}),
        (["DE", "ML", "DE"], {"ML", "DE"}),
        ("MONITOR", {"MONITOR"}),
        ([], set(ML_CODES)),
    ],
)
def test_competency_filter(competencies, expected):
    plan = build_plan(ML, num_questions=10, competencies=competencies)
    counts = _competency_counts(ML, plan.question_ids)
    assert set(counts) == expected
    assert max(counts.values()) - min(counts.values()) <= 1
    assert plan.competencies == ([] if not competencies else [c for c in ML_CODES if c in expected])


def test_unknown_competency_is_refused():
    with pytest.raises(ValueError, match="has no competency NOPE"):
        build_plan(ML, num_questions=3, competencies=["ML", "NOPE"])


@pytest.mark.parametrize("time_limit_s", [None, 45, 180])
def test_time_limit_is_kept(time_limit_s):
    assert build_plan(ML, num_questions=2, time_limit_s=time_limit_s).time_limit_s == time_limit_s


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"num_questions": 0}, ValueError),
        ({"num_questions": 3, "order": "random"}, ValueError),
        ({"num_questions": 3, "time_limit_s": 0}, ValidationError),
        ({"num_questions": 3, "time_limit_s": -30}, ValidationError),
    ],
)
def test_bad_arguments_are_refused(kwargs, error):
    with pytest.raises(error):
        build_plan(ML, **kwargs)


def test_bank_order_follows_the_bank():
    plan = build_plan(ML, num_questions=8, order="bank", seed=2)
    position = {q.id: i for i, q in enumerate(ML.questions)}
    assert [position[qid] for qid in plan.question_ids] == sorted(position[qid] for qid in plan.question_ids)


def test_balanced_order_interleaves_competencies():
    plan = build_plan(ML, num_questions=10, seed=4)
    sequence = [ML.question(qid).competency for qid in plan.question_ids]
    assert sorted(sequence[:5]) == sorted(ML_CODES)
    assert sequence[5:] == sequence[:5]


def test_order_changes_the_sequence_but_never_the_choice():
    plans = {order: build_plan(ML, num_questions=8, order=order, seed=9) for order in ("balanced", "bank", "shuffled")}
    assert len({frozenset(plan.question_ids) for plan in plans.values()}) == 1
    shuffled = [build_plan(ML, num_questions=8, order="shuffled", seed=s) for s in range(5)]
    balanced = [build_plan(ML, num_questions=8, order="balanced", seed=s) for s in range(5)]
    assert any(s.question_ids != b.question_ids for s, b in zip(shuffled, balanced, strict=True))


def test_plan_resolves_its_questions_globally():
    plan = build_plan(ML, num_questions=3)
    assert [q.id for q in plan.questions(ML)] == plan.question_ids
    assert plan.refs() == [QuestionRef("machine_learning_engineer", qid) for qid in plan.question_ids]
    with pytest.raises(ValueError, match="not 'data_engineer'"):
        plan.questions(load_banks().get("data_engineer"))


def test_job_description_ranks_the_relevant_question_first(fake_embedder):
    bank = _ranking_bank()
    plan = build_plan(bank, num_questions=3, job_description=DOCKER_JD, embedder=fake_embedder)
    relevance = question_relevance(bank.questions, plan.requirements, fake_embedder)
    assert relevance["AA_Q3"] > relevance["AA_Q1"] and relevance["AA_Q3"] > relevance["AA_Q2"]
    assert plan.ranked_by == "fake-embedder"
    assert plan.relevance["AA_Q3"] == pytest.approx(relevance["AA_Q3"], abs=1e-4)
    for seed in range(5):
        tailored = build_plan(bank, num_questions=1, competencies=["AA"], job_description=DOCKER_JD,
                              embedder=fake_embedder, seed=seed)  # fmt: skip
        assert tailored.question_ids == ["AA_Q3"]
    untailored = {build_plan(bank, num_questions=1, competencies=["AA"], seed=s).question_ids[0] for s in range(8)}
    assert untailored != {"AA_Q3"}, "without a job description the seed, not relevance, should choose"


def test_fewer_questions_than_competencies_keeps_the_most_relevant_competencies(fake_embedder):
    bank = _ranking_bank()
    plan = build_plan(bank, num_questions=1, job_description=DOCKER_JD, embedder=fake_embedder)
    assert plan.question_ids == ["AA_Q3"]
    jd = "Requirements:\n- Experience managing a budget and reporting on it."
    assert build_plan(bank, num_questions=1, job_description=jd, embedder=fake_embedder).question_ids == ["CC_Q1"]


def test_job_description_without_an_embedder_keeps_the_seeded_choice():
    plain = build_plan(ML, num_questions=5, seed=7)
    with_jd = build_plan(ML, num_questions=5, seed=7, job_description=DOCKER_JD)
    assert with_jd.question_ids == plain.question_ids
    assert with_jd.requirements and with_jd.relevance == {} and with_jd.ranked_by is None


def test_job_description_and_resume_are_normalised_and_capped():
    huge = "Ｐｙｔｈｏｎ is required.\u200b " + "x" * 60_000
    plan = build_plan(ML, num_questions=2, job_description=huge, resume="ﬁne\r\nwork")
    assert plan.job_description.startswith("Python is required. ")
    assert 19_000 < len(plan.job_description) <= 20_000
    assert "\u200b" not in plan.job_description
    assert plan.resume == "fine\nwork"


@pytest.mark.parametrize(
    "change",
    [
        {"num_questions": 3},
        {"question_ids": ["ML_Q1", "ML_Q1"]},
        {"question_ids": []},
        {"order": "alphabetical"},
    ],
)
def test_inconsistent_plan_data_is_refused(change):
    data = build_plan(ML, num_questions=2).model_dump() | change
    with pytest.raises(ValidationError):
        InterviewPlan.model_validate(data)
