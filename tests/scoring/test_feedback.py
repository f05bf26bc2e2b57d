import pytest

from scoring.feedback import coverage_feedback, parse_feedback
from scoring.types import Flag, RubricCheck, RubricStatus

WELL_FORMED = """STRENGTHS:
- Gives a concrete metric: churn fell 8 percent.
WEAKNESSES:
- Does not say how drift was detected.
TIPS:
- Name the drift statistic and its alert threshold.
JUSTIFICATION:
The answer is specific and quantified, but monitoring is vague, which keeps it from the top band."""


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        (WELL_FORMED, True),
        (WELL_FORMED.replace("STRENGTHS:", "**Strengths:**"), True),
        (WELL_FORMED.replace("TIPS:", "Improvement Tips:"), True),
        (WELL_FORMED.replace("JUSTIFICATION:\n", "JUSTIFICATION: "), True),
        (WELL_FORMED.split("JUSTIFICATION")[0], False),
        ("The answer is good. Score: 85", False),
        ("", False),
        ("STRENGTHS:\nWEAKNESSES:\nTIPS:\nJUSTIFICATION:\n", False),
    ],
)
def test_parse_feedback(text, ok):
    parsed = parse_feedback(text)
    assert (parsed is not None) is ok
    if ok:
        assert parsed.strengths[0].startswith("Gives a concrete metric")
        assert parsed.tips and parsed.weaknesses
        assert parsed.justification.startswith("The answer is specific")


def _check(point, status, evidence=None, tip=""):
    return RubricCheck(
        point=point, status=status, confidence=0.8, coverage=0.5, evidence=evidence, similarity=0.4, tip=tip
    )


def test_coverage_feedback_grounds_strengths_in_evidence_and_tips_in_missing_points():
    checks = [
        _check("Gives a quantified result.", RubricStatus.MET, evidence="Churn fell by 8 percent."),
        _check("Explains how drift was detected.", RubricStatus.MISSING, tip="Name the drift test and threshold."),
        _check("Names a challenge.", RubricStatus.PARTLY),
    ]
    feedback = coverage_feedback(checks, 70, [], [], ["Experience with monitoring"])
    assert "Churn fell by 8 percent." in feedback.strengths[0]
    assert feedback.weaknesses[0] == "Missing: explains how drift was detected."
    assert feedback.tips[0] == "Name the drift test and threshold."
    assert "70/100" in feedback.justification and "1 of 3" in feedback.justification
    assert "monitoring" in feedback.justification


def test_coverage_feedback_is_never_empty():
    feedback = coverage_feedback([], 0, [Flag.EMPTY], ["The answer is empty."], [])
    assert feedback.strengths and feedback.weaknesses and feedback.tips and feedback.justification
    assert feedback.weaknesses[0] == "The answer is empty."
