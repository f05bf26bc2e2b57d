"""The totals of an interview (count, average, highest, lowest, per competency) from its assessments.

Pure functions over ``AnswerAssessment`` lists; the exports in ``reports.render`` and the UI both use
``summarize`` so every view of an interview shows the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from scoring.types import AnswerAssessment, CompetencyAverage, Flag, InterviewSummary

QUESTION_ID_SEPARATOR = "_Q"


def round_half_up(value: float) -> int:
    """Round to the nearest integer, halves away from zero (89.5 -> 90, 90.5 -> 91).

    Python's ``round`` rounds halves to the even neighbour (``round(90.5) == 90``), which is not what a
    reader of a score report expects; the reference report shows an average of 89.5 as 90. The float's
    shortest ``repr`` is rounded as a decimal, so ``89.5`` is treated as exactly 89.5.

    Args:
        value: The number to round.

    Returns:
        The rounded integer.
    """
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def competency_code(assessment: AnswerAssessment) -> str | None:
    """The competency an assessment belongs to.

    Args:
        assessment: One assessed answer.

    Returns:
        ``assessment.competency`` when set, else the id's prefix before ``_Q`` (``ML_Q1`` -> ``ML``),
        else ``None`` for an id without that pattern.
    """
    if assessment.competency:
        return assessment.competency
    prefix, separator, _ = assessment.id.rpartition(QUESTION_ID_SEPARATOR)
    return prefix if separator and prefix else None


def is_answered(assessment: AnswerAssessment) -> bool:
    """Whether the candidate gave an answer (not blank and not flagged empty).

    Args:
        assessment: One assessed answer.

    Returns:
        ``True`` when there is an answer to speak of.
    """
    return bool(assessment.answer.strip()) and Flag.EMPTY not in assessment.flags


def summarize(
    assessments: Sequence[AnswerAssessment],
    total_questions: int | None = None,
    competency_names: Mapping[str, str] | None = None,
) -> InterviewSummary:
    """Sum up an interview.

    The average, highest and lowest are taken over every assessment given, blank answers included
    (a skipped question scored 0 counts against the candidate, as it would in a real interview).
    ``average`` is the exact mean; round it with ``round_half_up`` for display.

    Args:
        assessments: The assessed answers, in interview order.
        total_questions: How many questions the interview had (some may not have been assessed);
            defaults to ``len(assessments)``.
        competency_names: Display names by competency code (``{"ML": "Machine learning"}``); codes
            without one fall back to the assessment's ``competency_name``, then to the code.

    Returns:
        The summary; ``average``, ``highest`` and ``lowest`` are ``None`` when there are no assessments.
        ``by_competency`` lists competencies in order of first appearance and leaves out assessments
        whose competency cannot be told (see ``competency_code``).

    Raises:
        ValueError: If ``total_questions`` is smaller than the number of assessments.
    """
    if total_questions is None:
        total_questions = len(assessments)
    if total_questions < len(assessments):
        raise ValueError(f"total_questions={total_questions} is less than the {len(assessments)} assessments given")
    scores = [assessment.score for assessment in assessments]
    return InterviewSummary(
        total_questions=total_questions,
        answered=sum(is_answered(assessment) for assessment in assessments),
        average=sum(scores) / len(scores) if scores else None,
        highest=max(scores, default=None),
        lowest=min(scores, default=None),
        by_competency=_competency_averages(assessments, competency_names or {}),
    )


def _competency_averages(
    assessments: Sequence[AnswerAssessment], competency_names: Mapping[str, str]
) -> list[CompetencyAverage]:
    """Average score per competency, in order of first appearance (dicts keep insertion order)."""
    scores: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for assessment in assessments:
        code = competency_code(assessment)
        if code is None:
            continue
        scores.setdefault(code, []).append(assessment.score)
        if assessment.competency_name and code not in names:
            names[code] = assessment.competency_name
    return [
        CompetencyAverage(
            code=code,
            name=competency_names.get(code) or names.get(code) or code,
            count=len(values),
            average=sum(values) / len(values),
        )
        for code, values in scores.items()
    ]
