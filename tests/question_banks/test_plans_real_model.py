"""Tailoring a plan with the real all-MiniLM-L6-v2 embedder (opt-in: marked ``real_model``)."""

from __future__ import annotations

import pytest

from question_banks.loader import load_banks
from question_banks.plans import build_plan, extract_requirements, question_relevance, requirement_matches

pytestmark = pytest.mark.real_model

ML = load_banks().get("machine_learning_engineer")
MONITORING_JD = """Machine Learning Engineer, Model Quality

Requirements:
- Experience monitoring ML models in production and detecting data drift.
- You will design and analyse A/B tests of new models.
- Must set up alerting on model performance metrics.
"""


def test_monitoring_job_ranks_monitoring_questions_above_unrelated_ones(real_embedder):
    requirements = extract_requirements(MONITORING_JD, real_embedder)
    assert len(requirements) == 3
    relevance = question_relevance(ML.questions, requirements, real_embedder)
    assert relevance["MONITOR_Q1"] > relevance["COLLAB_Q2"] + 0.1  # monitoring vs. a disagreement with a teammate
    assert relevance["MONITOR_Q2"] > relevance["COLLAB_Q5"] + 0.1  # A/B testing vs. mentoring
    plan = build_plan(ML, num_questions=1, job_description=MONITORING_JD, embedder=real_embedder)
    assert ML.question(plan.question_ids[0]).competency == "MONITOR"
    assert plan.ranked_by == real_embedder.name
    monitor_only = build_plan(ML, num_questions=2, competencies=["MONITOR"], job_description=MONITORING_JD,
                              embedder=real_embedder)  # fmt: skip
    assert set(monitor_only.question_ids) == {"MONITOR_Q1", "MONITOR_Q2"}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            "I monitored our fraud model in production and set up data drift detection on its input features.",
            ["Experience monitoring ML models in production and detecting data drift"],
        ),
        (
            "We ran an A/B test comparing the new ranking model with the old one for two weeks.",
            ["You will design and analyse A/B tests of new models"],
        ),
        (
            "I set up alerts in Grafana that fired when the model's precision dropped below 0.8.",
            ["Must set up alerting on model performance metrics"],
        ),
        ("I enjoy cooking pasta with my family.", []),
    ],
)
def test_answer_matches_the_requirement_it_speaks_to(real_embedder, answer, expected):
    requirements = extract_requirements(MONITORING_JD, real_embedder)
    assert requirement_matches(requirements, answer, real_embedder) == expected


def test_similarity_finds_a_match_that_keywords_miss(real_embedder):
    requirements = extract_requirements(MONITORING_JD, real_embedder)
    answer = "I set up alerts in Grafana that fired when the model's precision dropped below 0.8."
    assert requirement_matches(requirements, answer, None) == []
    assert requirement_matches(requirements, answer, real_embedder) == [
        "Must set up alerting on model performance metrics"
    ]
