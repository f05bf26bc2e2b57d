"""The data the scorer produces: one ``AnswerAssessment`` per answer, and an ``InterviewSummary``.

These pydantic models are the single shape that feeds the UI, the exports, the command line and
the database (data in, data out). They serialize to JSON; everything but ``timings`` is a pure
function of the inputs, so the same inputs give a byte-identical ``canonical_json()``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class RubricStatus(StrEnum):
    """Whether an answer shows a rubric point (or says the opposite of it)."""

    MET = "met"
    PARTLY = "partly"
    MISSING = "missing"
    CONTRADICTED = "contradicted"


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
    HIDDEN_TEXT = "hidden_text"  # invisible characters or look-alike letters were removed
    PASTED_CODE = "pasted_code"  # pasted log or code lines were set aside
    LANGUAGE = "language"  # the answer is not in English (it is still judged on its content)
    UNINTELLIGIBLE = "unintelligible"  # fragments and fillers that do not make sense
    RED_FLAG = "red_flag"  # the answer states a bank red flag or contradicts a rubric point
    NO_SPECIFICS = "no_specifics"  # no number, named method, tool, metric or first-person action


class RubricCheck(BaseModel):
    """The verdict on one rubric point, with the evidence sentence from the answer."""

    model_config = ConfigDict(frozen=True)

    point: str
    status: RubricStatus
    confidence: float = Field(ge=0.0, le=1.0, description="How sure the scorer is of the status.")
    coverage: float = Field(ge=0.0, le=1.0, description="Evidence that the point is met (0-1): P(states) or combined.")
    evidence: str | None = Field(default=None, description="The answer sentence that shows the point, if any.")
    similarity: float = Field(description="Cosine similarity of the evidence sentence and the point.")
    judge_probability: float | None = Field(default=None, description="The judge's P(yes) for the point.")
    contradiction: float | None = Field(
        default=None, description="The rubric checker's P(contradicts) for the point's best passage, when it ran."
    )
    support: float | None = Field(
        default=None,
        description="The rubric checker's P(states) for the evidence sentence alone (P(contradicts) for a "
        "contradicted point), when it ran: what confirms a quoted strength.",
    )
    red_flag_reading: float | None = Field(
        default=None,
        description="The highest P(states) the rubric checker's lead gives any of the question's red flags for the "
        "evidence sentence of a met point, when it ran: a sentence that reads as an error is not quoted as a strength.",
    )
    tip: str = ""


class RedFlagFinding(BaseModel):
    """A bank red flag the answer states, with why it matters and the candidate's words that state it."""

    model_config = ConfigDict(frozen=True)

    flag: str
    reason: str = ""
    evidence: str = Field(default="", description="The answer passage that states it, verbatim.")
    probability: float = Field(ge=0.0, le=1.0, description="The rubric checker's P(states) for the flag.")


class StarStructure(BaseModel):
    """The STAR structure of an answer to a behavioural question (``scoring.star``)."""

    model_config = ConfigDict(frozen=True)

    sentences: dict[str, str | None] = Field(
        description="Per part (situation, task, action, result), the answer sentence that shows it, or None."
    )
    result_has_outcome: bool = Field(description="The result names a number, time, amount or before and after.")
    notes: list[str] = Field(default_factory=list, description="What to add, to the candidate.")
    lines: list[str] = Field(default_factory=list, description="One display line per part, for pages and exports.")


class DeliveryFigures(BaseModel):
    """What can be measured of how a spoken answer was said, from the transcript's word timestamps.

    Only observable figures (``scoring.delivery``): nothing about confidence, emotion or the face.
    They describe the recording, also when the candidate edited its transcript before submitting.
    """

    model_config = ConfigDict(frozen=True)

    recording_s: float = Field(ge=0.0, description="Length of the recording, seconds.")
    speaking_s: float = Field(ge=0.0, description="From the first word's start to the last word's end, seconds.")
    words: int = Field(ge=0, description="Words heard.")
    words_per_minute: float = Field(ge=0.0, description="Words heard per minute of speaking time.")
    fillers: int = Field(ge=0, description="Filler words heard (um, uh, like, you know, ...).")
    filler_counts: dict[str, int] = Field(default_factory=dict, description="Each filler heard, with its count.")
    fillers_per_minute: float = Field(ge=0.0)
    long_pauses: int = Field(ge=0, description="Silences between words of ``scoring.delivery.LONG_PAUSE_S`` or more.")
    longest_pause_s: float = Field(ge=0.0, description="The longest silence between two words, seconds.")
    transcriber: str = Field(default="", description="The speech-to-text model that heard it.")


class ScoreOverride(BaseModel):
    """An administrator's correction of a score: the model's own score and the reason given."""

    model_config = ConfigDict(frozen=True)

    model_score: int = Field(ge=0, le=100, description="The score the scorer gave, before the correction.")
    comment: str = Field(default="", description="The administrator's reason, as typed.")


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
    red_flags: list[RedFlagFinding] = Field(default_factory=list, description="Bank red flags the answer states.")
    star: StarStructure | None = Field(default=None, description="STAR structure, for a behavioural question.")
    follow_up: str | None = Field(
        default=None, description="The follow-up question asked; the answer then holds both answers, scored together."
    )
    delivery: DeliveryFigures | None = Field(
        default=None, description="Delivery figures of a spoken answer (``None`` for a typed one); not scored."
    )
    signals: dict[str, float] = Field(
        default_factory=dict, description="The answer-level signals the rubric score combines (for explanation)."
    )
    flags: list[Flag] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="Messages a candidate can act on (why a flag).")
    job_alignment: list[str] = Field(default_factory=list, description="Job requirements the answer speaks to.")
    model: str = ""
    embedder: str = ""
    checker: str = Field(default="", description="The rubric checker's name and version, when one scored.")
    score_model: str = Field(default="", description="The version of the fitted score combination.")
    language: str | None = Field(default=None, description="The answer's language when it is not English.")
    prompt_version: str = ""
    rubric_version: str = ""
    timings: Timings = Field(default_factory=Timings)
    override: ScoreOverride | None = Field(
        default=None, description="Set when an administrator corrected the score; ``score`` is then theirs."
    )

    def canonical_json(self) -> str:
        """JSON of everything that depends only on the inputs (timings excluded)."""
        return self.model_dump_json(exclude={"timings", "override"})

    def overridden(self, score: int, comment: str) -> AnswerAssessment:
        """This assessment as reported after an administrator's correction: their score, the model's kept beside.

        Raises:
            pydantic.ValidationError: ``score`` is outside 0-100.
        """
        model_score = self.override.model_score if self.override is not None else self.score
        return self.model_copy(
            update={"score": score, "override": ScoreOverride(model_score=model_score, comment=comment)}
        )

    def override_note(self) -> str:
        """One line saying the score was corrected, the model's score and the reason; ``""`` when not."""
        if self.override is None:
            return ""
        reason = " ".join(self.override.comment.split())
        return f"Score set by an administrator (the model scored {self.override.model_score}/100)" + (
            f": {reason}" if reason else "."
        )


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
