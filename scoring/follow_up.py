"""Follow-up questions: the interviewer digs into the most important rubric point an answer missed.

Deterministic and instant (no model call): the target is the first contradicted point in rubric
order, else the first missing one, else the first partly shown one (a bank lists its rubric points
most important first); the question is that point turned into a question to the candidate. The
follow-up answer is scored together with the first answer (``combined_answer``), so a point met
in either counts, and it is stored under ``follow_up_id(question_id)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from scoring.feedback import point_instruction
from scoring.types import RubricCheck, RubricStatus

FOLLOW_UP_SUFFIX = "::follow-up"


def follow_up_id(question_id: str) -> str:
    """The id a question's follow-up answer is stored under: ``ML_Q1::follow-up``."""
    return question_id + FOLLOW_UP_SUFFIX


def is_follow_up(question_id: str) -> bool:
    """Whether an answer's question id is a follow-up's."""
    return question_id.endswith(FOLLOW_UP_SUFFIX)


def base_question_id(question_id: str) -> str:
    """The bank question a (follow-up) id belongs to: ``ML_Q1::follow-up`` -> ``ML_Q1``."""
    return question_id.removesuffix(FOLLOW_UP_SUFFIX)


def target_point(checks: Sequence[RubricCheck]) -> RubricCheck | None:
    """The point to follow up on: the first contradicted, else missing, else partly shown; ``None`` when all met."""
    for status in (RubricStatus.CONTRADICTED, RubricStatus.MISSING, RubricStatus.PARTLY):
        for check in checks:
            if check.status is status:
                return check
    return None


def question_from_point(point: str) -> str:
    """A rubric point as a question to the candidate (``point_instruction``, which speaks to "you", asked).

    ``Describes how they worked with other teams.`` -> ``Can you describe how you worked with other
    teams?``; a point that does not start with a verb -> ``Can you tell me more about this: ...?``
    """
    instruction = point_instruction(point)
    if instruction.startswith("Add this: "):
        body = f"tell me more about this: {instruction.removeprefix('Add this: ')}"
    else:
        body = instruction[:1].lower() + instruction[1:]
    return f"Can you {body.rstrip('.!? ')}?"


def follow_up_question(checks: Sequence[RubricCheck]) -> tuple[str, str] | None:
    """The follow-up for an answer's checks: ``(question, the rubric point it targets)``, or ``None`` when every
    point is met."""
    target = target_point(checks)
    if target is None:
        return None
    return question_from_point(target.point), target.point


def combined_answer(first: str, follow_up: str) -> str:
    """The text scored for a question with a follow-up: the first answer, a blank line, the follow-up answer."""
    return f"{first.rstrip()}\n\n{follow_up.strip()}"


def follow_up_part(combined: str, first: str) -> str:
    """The follow-up answer inside ``combined_answer(first, ...)`` (the whole text when it is not one)."""
    prefix = first.rstrip() + "\n\n"
    return combined[len(prefix) :] if combined.startswith(prefix) else combined
