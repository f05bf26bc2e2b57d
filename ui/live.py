"""The Live scoring page's logic without Streamlit: build requests and describe the scorer's steps.

An instructor scores either a bank question (its rubric, keywords and competency) or a typed
question with rubric points (one per line) or a reference answer, optionally with graded example
answers (``+`` correct, ``-`` incorrect, one per line).
"""

from __future__ import annotations

from dataclasses import dataclass

from question_banks.schema import RubricPoint
from scoring.engine import ScoringRequest
from scoring.reference import EXAMPLES_PER_QUESTION, GradedExample
from scoring.types import AnswerAssessment, Flag, RubricStatus


def parse_graded_examples(text: str) -> list[GradedExample]:
    """Graded example answers typed one per line: ``+ answer`` for a correct one, ``- answer`` for an incorrect one.

    Raises:
        ValueError: a line that starts with neither ``+`` nor ``-`` (the message quotes its start).
    """
    examples = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line[0] not in "+-\u2212\u2013" or not line[1:].strip():
            raise ValueError(f"Start each graded example with + (correct) or - (incorrect): {line[:40]!r}")
        examples.append(GradedExample(answer=line[1:].strip(), correct=line[0] == "+"))
    return examples


def typed_question_request(
    question: str, rubric_text: str, reference: str, answer: str, examples_text: str = ""
) -> ScoringRequest:
    """A request for a typed question: rubric points one per line (bullets allowed), else a reference answer
    (with the first ``EXAMPLES_PER_QUESTION`` graded example answers typed, if any).

    Raises:
        ValueError: The question is empty, neither rubric points nor a reference answer are given, or
            a graded example line is malformed.
    """
    if not question.strip():
        raise ValueError("Type the question first.")
    points = [line.strip().lstrip("-*•").strip() for line in rubric_text.splitlines()]
    points = list(dict.fromkeys(point for point in points if point))
    if not points and not reference.strip():
        raise ValueError("Give at least one rubric point or a reference answer.")
    return ScoringRequest(
        id="LIVE_Q1",
        question=question.strip(),
        answer=answer,
        rubric=[RubricPoint(point=point) for point in points],
        reference_answers=[] if points else [reference.strip()],
        examples=[] if points else parse_graded_examples(examples_text)[:EXAMPLES_PER_QUESTION],
    )


@dataclass(frozen=True)
class Step:
    """One step of the scorer, as the Live page lists it."""

    name: str
    outcome: str
    seconds: float | None


def scoring_steps(assessment: AnswerAssessment) -> list[Step]:
    """The gate, rubric checks, score and feedback of an assessment, with their timings."""
    timings = assessment.timings
    gate_flags = [flag.value.replace("_", " ") for flag in assessment.flags if flag is not Flag.NO_DIRECT_EXPERIENCE]
    gate = "passed" if not gate_flags else "flagged: " + ", ".join(gate_flags)
    counts = {status: sum(check.status is status for check in assessment.rubric) for status in RubricStatus}
    rubric = (
        f"{counts[RubricStatus.MET]} met, {counts[RubricStatus.PARTLY]} partly, {counts[RubricStatus.MISSING]} missing"
        + (f", {counts[RubricStatus.CONTRADICTED]} contradicted" if counts[RubricStatus.CONTRADICTED] else "")
        if assessment.rubric
        else "no rubric points"
    )
    written = timings.first_feedback_token is not None
    first_token = f", first words after {timings.first_feedback_token:.1f} s" if written else ""
    feedback = ("written by the judge" if written else "built from the rubric check") + first_token
    return [
        Step("Gate", gate, timings.gate),
        Step("Rubric checks", rubric, timings.rubric),
        Step("Score", f"{assessment.score}/100", None),
        Step("Feedback", feedback, timings.feedback),
        Step("Total", assessment.model, timings.total),
    ]
