"""Bulk scoring input: turn one JSON line into a ``ScoringRequest``, using a bank's rubric when it matches.

Each line is ``{"id", "question", "answer"}`` plus optional ``"rubric"`` (a list of strings or of
``{"point", "tip"}``), ``"reference_answer"`` (or ``"reference_answers"``), ``"examples"`` (graded
example answers to the same question: ``[{"answer": "...", "correct": true}, ...]``, used with a
reference answer), ``"job_description"`` and ``"competency"``. With a bank, a question whose id or
text matches a bank question is scored against that question's rubric. ``read_graded_examples`` and
``attach_examples`` serve ``score --examples GRADED.jsonl``: graded answers shared by every line
that asks the same question.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from question_banks.requirements import JobRequirement
from question_banks.schema import Question, QuestionBank, RubricPoint
from scoring.engine import ScoringRequest
from scoring.reference import EXAMPLES_PER_QUESTION, GradedExample


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
                "red_flags": matched.red_flags,
                "anchors": matched.anchors,
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


def read_graded_examples(text: str, source: str = "examples") -> dict[str, list[GradedExample]]:
    """Graded answers from JSON Lines ``{"question", "answer", "correct"}``, grouped by question text.

    Raises:
        BatchInputError: a line that is not such an object (the message names the line).
    """
    grouped: dict[str, list[GradedExample]] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise BatchInputError(f"{source}: line {number}: not valid JSON: {error.msg}") from None
        if not isinstance(data, dict) or not isinstance(data.get("question"), str):
            raise BatchInputError(f"{source}: line {number}: expected an object with a 'question' string")
        if not isinstance(data.get("correct"), bool):
            raise BatchInputError(f"{source}: line {number}: 'correct' must be true or false")
        try:
            example = GradedExample(answer=data.get("answer"), correct=data["correct"])
        except ValidationError:
            raise BatchInputError(f"{source}: line {number}: 'answer' must be a non-empty string") from None
        grouped.setdefault(_key(data["question"]), []).append(example)
    return grouped


def attach_examples(
    request: ScoringRequest, graded: Mapping[str, list[GradedExample]], limit: int = EXAMPLES_PER_QUESTION
) -> ScoringRequest:
    """Give a reference-answer request the first ``limit`` graded answers to its question.

    A graded answer identical to the one being scored is left out, so scoring a graded set against
    itself never sees its own label. Requests that already carry examples, or have a rubric, are
    returned unchanged.
    """
    if request.examples or request.rubric or not request.reference_answers:
        return request
    answer = _key(request.answer)
    examples = [e for e in graded.get(_key(request.question), []) if _key(e.answer) != answer][:limit]
    return request.model_copy(update={"examples": examples}) if examples else request
