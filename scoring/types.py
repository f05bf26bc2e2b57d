"""The data the scorer produces: one ``AnswerAssessment`` per answer, and an ``InterviewSummary``.

These pydantic models are the single shape that feeds the UI, the exports, the command line and
the database (data in, data out). They serialize to JSON; everything but ``timings`` is a pure
function of the inputs, so the same inputs give a byte-identical ``canonical_json()``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class RubricStatus(StrEnum):
    """Whether an answer shows a rubric point."""

    MET = "met"
    PARTLY = "partly"
    MISSING = "missing"


class Flag(StrEnum):
    """Problems the gate (or the scorer) found in an answer."""

    EMPTY = "empty"
    TOO_SHORT = "too_short"
    GIBBERISH = "gibberish"
    OFF_TOPIC = "off_topic"
    COPIES_QUESTION = "copies_question"
    KEYWORD_STUFFING = "keyword_stuffing"
    INSTRUCTS_GRADER = "instructs_grader"
    TRUNCATED = "truncated"
    NO_DIRECT_EXPERIENCE = "no_direct_experience"


class RubricCheck(BaseModel):
    """The verdict on one rubric point, with the evidence sentence from the answer."""

    model_config = ConfigDict(frozen=True)

    point: str
    status: RubricStatus
    confidence: float = Field(ge=0.0, le=1.0, description="How sure the scorer is of the status.")
    coverage: float = Field(ge=0.0, le=1.0, description="Combined evidence that the point is met (0-1).")
    evidence: str | None = Field(default=None, description="The answer sentence that shows the point, if any.")
    similarity: float = Field(description="Cosine similarity of the evidence sentence and the point.")
    judge_probability: float | None = Field(default=None, description="The judge's P(yes) for the point.")
    tip: str = ""


class Timings(BaseModel):
    """Seconds spent in each step (not part of the canonical form)."""

    gate: float = 0.0
    rubric: float = 0.0
    feedback: float = 0.0
    total: float = 0.0
    first_feedback_token: float | None = None


class AnswerAssessment(BaseModel):
    """Everything Candid says about one answer."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Question id, e.g. ML_Q1.")
    question: str
    answer: str
    competency: str | None = Field(default=None, description="Competency code, e.g. ML.")
    competency_name: str | None = None
    score: int = Field(ge=0, le=100)
    strengths: list[str] = Field(default_factory=list)
    weaknesses: list[str] = Field(default_factory=list)
    tips: list[str] = Field(default_factory=list)
    justification: str = ""
    rubric: list[RubricCheck] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="Messages a candidate can act on (why a flag).")
    job_alignment: list[str] = Field(default_factory=list, description="Job requirements the answer speaks to.")
    model: str = ""
    embedder: str = ""
    prompt_version: str = ""
    rubric_version: str = ""
    timings: Timings = Field(default_factory=Timings)

    def canonical_json(self) -> str:
        """JSON of everything that depends only on the inputs (timings excluded)."""
        return self.model_dump_json(exclude={"timings"})


class CompetencyAverage(BaseModel):
    """Average score of one competency in an interview."""

    code: str
    name: str
    count: int
    average: float


class InterviewSummary(BaseModel):
    """Totals of an interview: count, average, highest, lowest, per competency."""

    total_questions: int
    answered: int
    average: float | None
    highest: int | None
    lowest: int | None
    by_competency: list[CompetencyAverage] = Field(default_factory=list)
