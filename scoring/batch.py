"""Bulk scoring input: turn one JSON line into a ``ScoringRequest``, using a bank's rubric when it matches.

Each line is ``{"id", "question", "answer"}`` plus optional ``"rubric"`` (a list of strings or of
``{"point", "tip"}``), ``"reference_answer"`` (or ``"reference_answers"``), ``"examples"`` (graded
example answers to the same question: ``[{"answer": "...", "correct": true}, ...]``, used with a
reference answer), ``"job_description"`` and ``"competency"``. With a bank, a question whose id or
text matches a bank question is scored against that question's rubric.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from question_banks.requirements import JobRequirement
from question_banks.schema import Question, QuestionBank, RubricPoint
from scoring.engine import ScoringRequest
from scoring.reference import GradedExample


class BatchInputError(ValueError):
    """A line that cannot be scored (the message names the line)."""


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def find_bank_question(bank: QuestionBank, question_id: str, text: str) -> Question | None:
    """The bank question with this id, or else with this text (whitespace and case ignored)."""
    for question in bank.questions:
        if question.id == question_id:
            return question
    wanted = _key(text)
    return next((q for q in bank.questions if _key(q.text) == wanted), None)


def request_from_line(
    data: Mapping[str, Any],
    line: int,
    *,
    bank: QuestionBank | None = None,
    requirements_for: Callable[[str], list[JobRequirement]] | None = None,
) -> ScoringRequest:
    """Build the scoring request for one input object.

    Args:
        data: the parsed JSON object.
        line: its line number, for error messages.
        bank: a bank whose matching questions lend their rubric.
        requirements_for: extracts job requirements from a job description.

    Returns:
        The request.

    Raises:
        BatchInputError: a required field is missing or has the wrong type.
    """
    for name in ("question", "answer"):
        if not isinstance(data.get(name), str):
            raise BatchInputError(f"line {line}: {name!r} is missing or is not a string")
    question_id = str(data.get("id") or f"Q{line}")
    fields: dict[str, Any] = {"id": question_id, "question": data["question"], "answer": data["answer"]}
    matched = find_bank_question(bank, question_id, data["question"]) if bank else None
    try:
        if matched is not None and bank is not None:
            fields |= {
                "rubric": matched.rubric,
                "competency": matched.competency,
                "competency_name": bank.competency(matched.competency).name,
                "keywords": matched.keywords,
                "rubric_version": f"{bank.slug}@{bank.version}",
            }
        elif data.get("rubric"):
            fields["rubric"] = [RubricPoint.model_validate(item) for item in data["rubric"]]
        references = data.get("reference_answers") or (
            [data["reference_answer"]] if data.get("reference_answer") else []
        )
        fields["reference_answers"] = [str(r) for r in references]
        if data.get("examples"):
            fields["examples"] = [GradedExample.model_validate(item) for item in data["examples"]]
        if data.get("competency") and "competency" not in fields:
            fields["competency"] = str(data["competency"])
        if data.get("job_description") and requirements_for is not None:
            fields["job_requirements"] = requirements_for(str(data["job_description"]))
        return ScoringRequest(**fields)
    except (ValidationError, TypeError) as error:
        raise BatchInputError(f"line {line}: {error}") from None
