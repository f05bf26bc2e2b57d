"""What the repository returns: frozen, session-free records (never live ORM objects).

Fields holding candidate text are left out of ``repr`` so a record that ends up in a log line or a
traceback does not carry an answer with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from question_banks.plans import InterviewPlan
from storage.tables import InterviewMode, InterviewStatus, JobStatus, Role


class StorableAssessment(Protocol):
    """What storage needs of a scorer's assessment (``scoring.types.AnswerAssessment`` is one).

    Storage keeps the columns it indexes and the whole assessment as JSON; it never imports the
    scorer's types. The layer above turns ``AssessmentRecord.assessment_json`` back into its type.
    """

    score: int
    model: str
    embedder: str
    prompt_version: str
    rubric_version: str

    def model_dump(self, *, mode: str) -> dict[str, Any]:
        """The assessment as JSON-ready data (``mode="json"``)."""
        ...


@dataclass(frozen=True)
class UserRecord:
    """A user."""

    id: int
    name: str
    email: str | None
    role: Role
    created_at: datetime


@dataclass(frozen=True)
class PlanRecord:
    """A saved interview plan."""

    id: int
    title: str
    plan: InterviewPlan = field(repr=False)
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class InviteRecord:
    """An invite link's limits and use (its token is never stored, so never returned)."""

    id: int
    plan_id: int
    expires_at: datetime
    max_uses: int
    uses: int
    created_by: int | None
    created_at: datetime

    def usable(self, now: datetime) -> bool:
        """Whether the invite can still be redeemed at ``now``."""
        return self.uses < self.max_uses and now < self.expires_at


@dataclass(frozen=True)
class InterviewRecord:
    """An interview of one candidate on one plan."""

    id: int
    plan_id: int
    user_id: int | None
    invite_id: int | None
    candidate_name: str = field(repr=False)
    status: InterviewStatus
    created_at: datetime
    completed_at: datetime | None
    resume_token: str = field(default="", repr=False)  # the secret resume links are bound to
    mode: InterviewMode = InterviewMode.INTERVIEW
    drafts: dict[str, str] = field(default_factory=dict, repr=False)  # typed, not submitted: {question id: text}


@dataclass(frozen=True)
class AnswerRecord:
    """An answer exactly as the candidate typed it (a spoken answer: its transcript as submitted).

    ``delivery_json`` is a spoken answer's delivery figures as the scorer wrote them (storage never
    parses it; ``scoring.types.DeliveryFigures`` reads it), ``None`` for a typed answer. ``has_audio``
    says whether its recording was kept (``Repository.answer_audio`` returns it).
    """

    id: int
    interview_id: int
    question_id: str
    question_text: str = field(repr=False)
    answer_text: str = field(repr=False)
    created_at: datetime
    delivery_json: str | None = field(default=None, repr=False)
    has_audio: bool = False


@dataclass(frozen=True)
class OverrideRecord:
    """An administrator's correction of a score."""

    id: int
    assessment_id: int
    score: int
    comment: str
    admin_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class AssessmentRecord:
    """One stored scoring of an answer, with the newest override of its score, if any."""

    id: int
    answer_id: int
    job_id: int | None
    score: int
    model: str
    embedder: str
    prompt_version: str
    rubric_version: str
    assessment_json: str = field(repr=False)  # the whole assessment, as the scorer wrote it
    created_at: datetime
    override: OverrideRecord | None = None

    @property
    def final_score(self) -> int:
        """The score to show: the override's when an administrator corrected it, else the scorer's."""
        return self.override.score if self.override is not None else self.score


@dataclass(frozen=True)
class JobRecord:
    """Where the scoring of an answer stands."""

    id: int
    answer_id: int
    status: JobStatus
    worker_id: str | None
    attempts: int
    error: str | None
    queued_at: datetime
    claimed_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class ClaimedJob:
    """A job a worker now holds, with everything needed to score its answer."""

    job_id: int
    worker_id: str
    attempt: int
    answer_id: int
    interview_id: int
    plan_id: int
    question_id: str
    question_text: str = field(repr=False)
    answer_text: str = field(repr=False)
    plan: InterviewPlan = field(repr=False)
    delivery_json: str | None = field(default=None, repr=False)  # the answer's delivery figures, as stored
