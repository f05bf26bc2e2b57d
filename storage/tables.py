"""The database tables, as SQLAlchemy typed ORM classes (the schema Alembic migrates to).

Deleting an interview deletes its answers, the recordings of spoken answers, scoring jobs,
assessments and overrides through ``ON DELETE CASCADE`` foreign keys, so one ``DELETE`` statement
removes everything a candidate wrote or said.
Times are stored in UTC and read back as timezone-aware datetimes on every backend.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Fixed constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite has no time zones: it stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC (naive on SQLite); refuse naive datetimes, whose zone is a guess."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing naive datetime {value!r}: pass a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read back as an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Role(StrEnum):
    """What a user may do."""

    CANDIDATE = "candidate"
    ADMIN = "admin"


class InterviewMode(StrEnum):
    """How an interview is taken: feedback after each answer (practice) or at the end (interview)."""

    INTERVIEW = "interview"
    PRACTICE = "practice"


class InterviewStatus(StrEnum):
    """Where an interview stands."""

    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class JobStatus(StrEnum):
    """Where a scoring job stands: queued -> running -> done or failed (running -> queued if its worker died)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def _one_of(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(value)) for value in values)})"


class Base(DeclarativeBase):
    """Declarative base with the naming convention and UTC datetimes."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 (SQLAlchemy reads a plain dict)


class User(Base):
    """Someone who takes interviews or administers them."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_one_of("role", Role), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.CANDIDATE.value)
    created_at: Mapped[datetime]


class Plan(Base):
    """A saved ``InterviewPlan`` (stored as its JSON)."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    bank_slug: Mapped[str] = mapped_column(String(100))
    plan_json: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Invite(Base):
    """An invite link to a plan; only the sha256 of its token is stored."""

    __tablename__ = "invites"
    __table_args__ = (
        CheckConstraint("max_uses >= 1", name="max_uses_positive"),
        CheckConstraint("uses >= 0 AND uses <= max_uses", name="uses_in_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


def new_resume_token() -> str:
    """A fresh random interview secret (128 bits, hex)."""
    return secrets.token_hex(16)


class Interview(Base):
    """One run of a plan by one candidate."""

    __tablename__ = "interviews"
    __table_args__ = (CheckConstraint(_one_of("status", InterviewStatus), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invites.id", ondelete="SET NULL"))
    candidate_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=InterviewStatus.IN_PROGRESS.value)
    created_at: Mapped[datetime] = mapped_column(index=True)
    completed_at: Mapped[datetime | None]
    # A random secret per interview that resume links are bound to: a link never opens another
    # interview that comes to have the same id (SQLite reuses the highest id after a delete).
    resume_token: Mapped[str | None] = mapped_column(String(64), default=new_resume_token)
    mode: Mapped[str] = mapped_column(
        String(20), default=InterviewMode.INTERVIEW.value, server_default=InterviewMode.INTERVIEW.value
    )
    # Answers typed but not submitted yet, {question id: text}, so a reload loses nothing sent to the server.
    drafts_json: Mapped[str | None] = mapped_column(Text)


class Answer(Base):
    """A candidate's answer to one question, stored verbatim as plain text (a spoken one as its transcript)."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(100))
    question_text: Mapped[str] = mapped_column(Text)
    answer_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    # A spoken answer's delivery figures (pace, fillers, pauses) as the scorer's JSON; storage never reads it.
    delivery_json: Mapped[str | None] = mapped_column(Text)


class AnswerAudio(Base):
    """The recording of a spoken answer (at most one per answer), kept only when ``Settings.keep_audio`` is on."""

    __tablename__ = "answer_audio"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), unique=True, index=True)
    media_type: Mapped[str] = mapped_column(String(100))  # e.g. "audio/wav"
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class ScoringJob(Base):
    """A request to score one answer; workers claim queued jobs."""

    __tablename__ = "scoring_jobs"
    __table_args__ = (
        CheckConstraint(_one_of("status", JobStatus), name="status"),
        Index("ix_scoring_jobs_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED.value)
    worker_id: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Assessment(Base):
    """One scoring of one answer; rescoring adds a row and keeps the earlier ones."""

    __tablename__ = "assessments"
    __table_args__ = (CheckConstraint("score >= 0 AND score <= 100", name="score_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("scoring_jobs.id", ondelete="SET NULL"))
    score: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(String(300))
    embedder: Mapped[str] = mapped_column(String(300))
    prompt_version: Mapped[str] = mapped_column(String(100))
    rubric_version: Mapped[str] = mapped_column(String(100))
    assessment_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class ScoreOverride(Base):
    """An administrator's correction of an assessment's score, with the reason."""

    __tablename__ = "score_overrides"
    __table_args__ = (CheckConstraint("score >= 0 AND score <= 100", name="score_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text)
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
