"""What changed between two assessments of (nearly) the same answer: score delta and flipped rubric points.

Used by the Live scoring page's "edit and rescore". Pure; belongs next to ``scoring.types`` once the
scoring package takes it over.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.types import AnswerAssessment, Flag, RubricStatus


@dataclass(frozen=True)
class FlippedPoint:
    """A rubric point whose status changed between two assessments."""

    point: str
    before: RubricStatus
    after: RubricStatus

    @property
    def improved(self) -> bool:
        """Whether the point moved towards met."""
        order = [RubricStatus.CONTRADICTED, RubricStatus.MISSING, RubricStatus.PARTLY, RubricStatus.MET]
        return order.index(self.after) > order.index(self.before)


@dataclass(frozen=True)
class AssessmentChange:
    """The difference between an earlier and a later assessment."""

    score_delta: int
    flipped: list[FlippedPoint]
    added_flags: list[Flag]
    removed_flags: list[Flag]

    @property
    def unchanged(self) -> bool:
        """Same score, same rubric verdicts, same flags."""
        return not (self.score_delta or self.flipped or self.added_flags or self.removed_flags)


def compare_assessments(before: AnswerAssessment, after: AnswerAssessment) -> AssessmentChange:
    """Compare two assessments of the same question.

    Rubric points are matched by their text, so a point present in only one of them is ignored.

    Args:
        before: The earlier assessment.
        after: The later one.

    Returns:
        The score delta (after minus before), the points whose status flipped, and flag changes.
    """
    earlier = {check.point: check.status for check in before.rubric}
    flipped = [
        FlippedPoint(check.point, earlier[check.point], check.status)
        for check in after.rubric
        if check.point in earlier and earlier[check.point] is not check.status
    ]
    before_flags, after_flags = set(before.flags), set(after.flags)
    return AssessmentChange(
        score_delta=after.score - before.score,
        flipped=flipped,
        added_flags=sorted(after_flags - before_flags),
        removed_flags=sorted(before_flags - after_flags),
    )
