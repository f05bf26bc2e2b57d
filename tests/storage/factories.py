"""Test data for the storage tests: a settable clock, plans and assessments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from question_banks.plans import InterviewPlan
from scoring.types import AnswerAssessment

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class FakeClock:
    """A settable clock for expiry, staleness and retention."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_plan(*question_ids: str) -> InterviewPlan:
    ids = list(question_ids or ("BE_Q1", "BE_Q2"))
    return InterviewPlan(bank_slug="software_engineer_backend", num_questions=len(ids), question_ids=ids)


def make_assessment(
    score: int = 70, *, model: str = "judge-a", prompt_version: str = "p1", **fields
) -> AnswerAssessment:
    base = {
        "id": "BE_Q1",
        "question": "Tell me about a time you fixed a slow query.",
        "answer": "I added an index.",
        "score": score,
        "model": model,
        "embedder": "embedder-a",
        "prompt_version": prompt_version,
        "rubric_version": "r1",
        "strengths": ["Concrete"],
    }
    return AnswerAssessment(**(base | fields))
