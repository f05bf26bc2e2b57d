"""Follow-up questions: which rubric point they target and how the point becomes a question (issue 14)."""

import pytest

from scoring.follow_up import (
    base_question_id,
    combined_answer,
    follow_up_id,
    follow_up_part,
    follow_up_question,
    is_follow_up,
    question_from_point,
    target_point,
)
from scoring.types import RubricCheck, RubricStatus


def _check(point, status):
    return RubricCheck(point=point, status=status, confidence=0.8, coverage=0.5, similarity=0.4)


@pytest.mark.parametrize(
    ("point", "question"),
    [
        (
            "Describes how they worked with other teams or roles during deployment and what each contributed.",
            "Can you describe how you worked with other teams or roles during deployment and what each contributed?",
        ),
        (
            "Names the statistical test and the significance level.",
            "Can you name the statistical test and the significance level?",
        ),
        ("Quantifies the result in their own team's terms.", "Can you quantify the result in your own team's terms?"),
        ("A rollback plan.", "Can you tell me more about this: a rollback plan?"),
    ],
)
def test_a_point_becomes_a_question_to_the_candidate(point, question):
    assert question_from_point(point) == question


@pytest.mark.parametrize(
    ("statuses", "target"),
    [
        (["met", "partly", "missing", "contradicted"], 3),  # an error first
        (["met", "partly", "missing", "missing"], 2),  # then the first missing point (banks list the key ones first)
        (["met", "partly", "met"], 1),
        (["met", "met"], None),
        ([], None),
    ],
)
def test_the_follow_up_targets_the_most_important_missed_point(statuses, target):
    checks = [_check(f"Point {i}.", RubricStatus(s)) for i, s in enumerate(statuses)]
    found = target_point(checks)
    assert (checks.index(found) if found is not None else None) == target
    asked = follow_up_question(checks)
    assert (asked is None) is (target is None)
    if asked is not None:
        assert asked == (question_from_point(checks[target].point), checks[target].point)


def test_ids_and_combined_answers_round_trip():
    assert follow_up_id("ML_Q1") == "ML_Q1::follow-up" and is_follow_up("ML_Q1::follow-up")
    assert base_question_id("ML_Q1::follow-up") == "ML_Q1" == base_question_id("ML_Q1")
    combined = combined_answer("First answer.\n", "  The follow-up.  ")
    assert combined == "First answer.\n\nThe follow-up."
    assert follow_up_part(combined, "First answer.\n") == "The follow-up."
    assert follow_up_part("unrelated", "First answer.") == "unrelated"
