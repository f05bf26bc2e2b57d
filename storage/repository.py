"""``Repository``: every read and write of Candid's data, as typed methods that return plain records.

Each method runs in its own short transaction and commits before it returns, so a saved answer is
durable (and visible to every other process) before anything tries to score it. Candidate text is
stored verbatim as plain text through bound parameters; nothing here builds SQL from strings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine, Label, Select, case, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from question_banks.plans import InterviewPlan
from settings import Settings
from storage.db import create_engine, session_factory, unavailable_as_error, upgrade
from storage.errors import (
    ExpiredInviteError,
    InviteUsedUpError,
    JobStateError,
    NotFoundError,
    UnknownInviteError,
)
from storage.records import (
    AnswerRecord,
    AssessmentRecord,
    ClaimedJob,
    InterviewRecord,
    InviteRecord,
    JobRecord,
    OverrideRecord,
    PlanRecord,
    StorableAssessment,
    UserRecord,
)
from storage.redact import loggable_text
from storage.tables import (
    Answer,
    AnswerAudio,
    Assessment,
    Interview,
    InterviewMode,
    InterviewStatus,
    Invite,
    JobStatus,
    Plan,
    Role,
    ScoreOverride,
    ScoringJob,
    User,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 3
MAX_ERROR_CHARS = 4000
MAX_NAME_CHARS = 200
MAX_QUESTION_ID_CHARS = 100
MAX_AUDIO_BYTES = 64 * 1024 * 1024  # 64 MiB: over an hour of 16 kHz mono 16-bit WAV
MAX_DELIVERY_JSON_CHARS = 100_000
MAX_MEDIA_TYPE_CHARS = 100
# ``audio/<subtype>``, optionally with parameters (``audio/webm;codecs=opus``); printable ASCII only.
_AUDIO_MEDIA_TYPE = re.compile(r"audio/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;[ -~]*)?", re.IGNORECASE)
# NUL and unpaired surrogates cannot be stored by PostgreSQL (nor encoded as UTF-8 at all).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SKIP_SYNC = {"synchronize_session": False}
RowT = TypeVar("RowT")


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    """The sha256 (hex) under which an invite token is stored; the token itself never is."""
    return hashlib.sha256(token.strip().encode("utf-8", "replace")).hexdigest()


def storable_text(text: str) -> str:
    """``text`` unchanged, except characters no database can store (NUL, unpaired surrogates) become U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def assessment_json(assessment: StorableAssessment) -> str:
    """The assessment as JSON, with text no database can store replaced as in ``storable_text``."""
    return json.dumps(_storable(assessment.model_dump(mode="json")), ensure_ascii=False, separators=(",", ":"))


def _storable(value: object) -> object:
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, dict):
        return {key: _storable(item) for key, item in value.items()}
    return value


def open_repository(settings: Settings, *, migrate: bool = True) -> Repository:
    """The repository for ``settings.database_url``, with the schema migrated and the retention policy applied.

    The app and each worker call this once at start.

    Args:
        settings: The settings (database URL, debug flag, retention days).
        migrate: Run ``alembic upgrade head`` first.

    Raises:
        DatabaseUnavailableError: The database cannot be reached.
    """
    engine = create_engine(settings.database_url, debug=settings.debug)
    if migrate:
        upgrade(engine)
    repository = Repository(engine, debug=settings.debug)
    repository.apply_retention(settings.retention_days)
    return repository


class Repository:
    """Typed access to users, plans, invites, interviews, answers, scoring jobs, assessments and overrides.

    Safe to share between threads: each call opens its own session.

    Args:
        engine: The engine (``storage.db.create_engine``); the schema must be migrated.
        debug: Log answer text (never logged otherwise).
        clock: Source of the current UTC time (tests pass a fake one).
        max_attempts: How many times a job may be claimed before a worker crash on it counts as a failure.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        debug: bool = False,
        clock: Callable[[], datetime] = utc_now,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        self._engine = engine
        self._sessions = session_factory(engine)
        self._debug = debug
        self._clock = clock
        self._max_attempts = max_attempts

    @property
    def engine(self) -> Engine:
        """The engine this repository uses."""
        return self._engine

    @property
    def debug(self) -> bool:
        """Whether answer text may be logged."""
        return self._debug

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with unavailable_as_error(self._engine.url), self._sessions.begin() as session:
            yield session

    # Users and plans

    def create_user(self, name: str, *, email: str | None = None, role: Role = Role.CANDIDATE) -> UserRecord:
        """Add a user.

        Raises:
            ValueError: The name is too long, or another user has this email.
        """
        row = User(name=_name(name), email=email.strip().lower() if email else None, role=Role(role).value)
        row.created_at = self._clock()
        try:
            with self._transaction() as session:
                session.add(row)
                session.flush()
                return _user_record(row)
        except IntegrityError:
            raise ValueError(f"A user with the email {email!r} already exists.") from None

    def get_user(self, user_id: int) -> UserRecord:
        """The user with this id.

        Raises:
            NotFoundError: There is none.
        """
        with self._transaction() as session:
            return _user_record(_get(session, User, user_id, "user"))

    def find_user_by_email(self, email: str) -> UserRecord | None:
        """The user with this email (case-insensitive), if any."""
        with self._transaction() as session:
            row = session.scalars(select(User).where(User.email == email.strip().lower())).first()
            return _user_record(row) if row else None

    def create_plan(self, plan: InterviewPlan, *, title: str = "", created_by: int | None = None) -> PlanRecord:
        """Save an interview plan.

        Args:
            plan: The plan.
            title: A name for it (default: the bank and the number of questions).
            created_by: The user who made it.
        """
        row = Plan(
            title=_name(title or f"{plan.bank_slug}: {plan.num_questions} questions"),
            bank_slug=plan.bank_slug,
            plan_json=storable_text(plan.model_dump_json()),
            created_by_id=created_by,
            created_at=self._clock(),
        )
        with self._transaction() as session:
            if created_by is not None:
                _get(session, User, created_by, "user")
            session.add(row)
            session.flush()
            return _plan_record(row)

    def get_plan(self, plan_id: int) -> PlanRecord:
        """The plan with this id.

        Raises:
            NotFoundError: There is none.
        """
        with self._transaction() as session:
            return _plan_record(_get(session, Plan, plan_id, "plan"))

    def list_plans(self) -> list[PlanRecord]:
        """Every saved plan, newest first."""
        with self._transaction() as session:
            return [_plan_record(row) for row in session.scalars(select(Plan).order_by(Plan.id.desc()))]

    # Interviews and answers

    def create_interview(
        self,
        plan_id: int,
        user_id: int | None,
        candidate_name: str,
        mode: InterviewMode = InterviewMode.INTERVIEW,
    ) -> InterviewRecord:
        """Start an interview on a plan.

        Args:
            plan_id: The plan.
            user_id: The candidate's user id, or ``None`` for a guest.
            candidate_name: The name the candidate gave (stored as typed).
            mode: Practice (feedback after each answer) or interview (feedback at the end).

        Raises:
            NotFoundError: The plan or the user does not exist.
            ValueError: The name is too long.
        """
        with self._transaction() as session:
            return self._add_interview(session, plan_id, user_id, candidate_name, invite_id=None, mode=mode)

    def _add_interview(
        self,
        session: Session,
        plan_id: int,
        user_id: int | None,
        candidate_name: str,
        *,
        invite_id: int | None,
        mode: InterviewMode = InterviewMode.INTERVIEW,
    ) -> InterviewRecord:
        _get(session, Plan, plan_id, "plan")
        if user_id is not None:
            _get(session, User, user_id, "user")
        row = Interview(
            plan_id=plan_id,
            user_id=user_id,
            invite_id=invite_id,
            candidate_name=_name(candidate_name),
            status=InterviewStatus.IN_PROGRESS.value,
            mode=InterviewMode(mode).value,
            created_at=self._clock(),
        )
        session.add(row)
        session.flush()
        return _interview_record(row)

    def get_interview(self, interview_id: int, *, user_id: int | None = None) -> InterviewRecord:
        """The interview with this id.

        Args:
            interview_id: The interview.
            user_id: When given, the interview must belong to this user.

        Raises:
            NotFoundError: There is none (or it is someone else's).
        """
        with self._transaction() as session:
            return _interview_record(_owned_interview(session, interview_id, user_id))

    def list_interviews(self, user_id: int | None = None) -> list[InterviewRecord]:
        """Interviews, newest first: all of them, or one user's."""
        query = select(Interview).order_by(Interview.created_at.desc(), Interview.id.desc())
        if user_id is not None:
            query = query.where(Interview.user_id == user_id)
        with self._transaction() as session:
            return [_interview_record(row) for row in session.scalars(query)]

    def complete_interview(self, interview_id: int) -> InterviewRecord:
        """Mark an interview completed (its answers may still be waiting to be scored).

        Raises:
            NotFoundError: There is no such interview.
        """
        with self._transaction() as session:
            row = _get(session, Interview, interview_id, "interview")
            if row.status != InterviewStatus.COMPLETED:
                row.status = InterviewStatus.COMPLETED.value
                row.completed_at = self._clock()
            session.flush()
            return _interview_record(row)

    def save_drafts(self, interview_id: int, drafts: dict[str, str]) -> None:
        """Keep the answers typed but not submitted yet ({question id: text}, stored as typed).

        Raises:
            NotFoundError: There is no such interview.
        """
        kept = {str(k): storable_text(str(v)) for k, v in drafts.items() if str(v).strip()}
        with self._transaction() as session:
            _get(session, Interview, interview_id, "interview").drafts_json = json.dumps(kept) if kept else None

    def drafts(self, interview_id: int) -> dict[str, str]:
        """The answers typed but not submitted yet ({question id: text}); ``{}`` when none.

        Raises:
            NotFoundError: There is no such interview.
        """
        return self.get_interview(interview_id).drafts

    def save_answer(
        self,
        interview_id: int,
        question_id: str,
        question_text: str,
        answer_text: str,
        *,
        delivery_json: str | None = None,
        audio: bytes | None = None,
        audio_media_type: str = "",
    ) -> int:
        """Store an answer (with its delivery figures and recording, if any) and queue it for scoring.

        Everything is written in one transaction, committed before this returns. The answer is kept
        exactly as typed (only NUL and unpaired surrogates, which no database can store, become
        U+FFFD). Answering a question again adds another answer; both are kept. Neither the recording
        nor the delivery figures are ever logged (only the recording's size).

        Args:
            interview_id: The interview.
            question_id: The question's id in the plan's bank, e.g. ``ML_Q1``.
            question_text: The question as asked.
            answer_text: The candidate's answer (a spoken answer: its transcript as submitted).
            delivery_json: A spoken answer's delivery figures as a JSON object
                (``DeliveryFigures.model_dump_json()``), stored as given; at most 100,000 characters.
            audio: The answer's recording, kept until the interview is deleted; 1 byte to 64 MiB.
            audio_media_type: The recording's media type, ``audio/<subtype>`` (``audio/wav``,
                ``audio/webm;codecs=opus``), at most 100 characters; required with ``audio``.

        Returns:
            The answer's id (its scoring job is ``job_for_answer(answer_id)``).

        Raises:
            NotFoundError: There is no such interview.
            ValueError: ``question_id`` is longer than 100 characters; ``delivery_json`` is not a JSON
                object or is too long; ``audio`` is empty, over 64 MiB, or its media type is not
                ``audio/*``. Nothing was saved.
            DatabaseUnavailableError: Nothing was saved; keep the answer and let the user retry.
        """
        if len(question_id) > MAX_QUESTION_ID_CHARS:
            raise ValueError(f"question_id is longer than {MAX_QUESTION_ID_CHARS} characters")
        delivery = _delivery_json(delivery_json)
        media_type = _audio_media_type(audio, audio_media_type)
        now = self._clock()
        with self._transaction() as session:
            _get(session, Interview, interview_id, "interview")
            answer = Answer(
                interview_id=interview_id,
                question_id=question_id,
                question_text=storable_text(question_text),
                answer_text=storable_text(answer_text),
                delivery_json=delivery,
                created_at=now,
            )
            session.add(answer)
            session.flush()
            if audio is not None:
                session.add(AnswerAudio(answer_id=answer.id, media_type=media_type, data=bytes(audio), created_at=now))
            job = ScoringJob(answer_id=answer.id, status=JobStatus.QUEUED.value, attempts=0, queued_at=now)
            session.add(job)
            session.flush()
            answer_id, job_id = answer.id, job.id
        extras = "".join(
            (
                ", with delivery figures" if delivery is not None else "",
                f", with a {len(audio)}-byte recording" if audio is not None else "",
            )
        )
        logger.info(
            "Saved answer %d to %s in interview %d%s, queued as job %d: %s",
            answer_id,
            question_id,
            interview_id,
            extras,
            job_id,
            loggable_text(answer_text, debug=self._debug),
        )
        return answer_id

    def get_answer(self, answer_id: int) -> AnswerRecord:
        """The answer with this id.

        Raises:
            NotFoundError: There is none.
        """
        with self._transaction() as session:
            row = session.execute(_answers_query().where(Answer.id == answer_id)).first()
            if row is None:
                raise NotFoundError("answer", answer_id)
            return _answer_record(*row)

    def answers(self, interview_id: int) -> list[AnswerRecord]:
        """An interview's answers, in the order they were saved."""
        query = _answers_query().where(Answer.interview_id == interview_id).order_by(Answer.id)
        with self._transaction() as session:
            return [_answer_record(*row) for row in session.execute(query)]

    def pending_answers(self, interview_id: int | None = None) -> list[AnswerRecord]:
        """Answers saved but not scored yet (queued or being scored), oldest first; failed ones are not pending."""
        no_assessment = ~exists().where(Assessment.answer_id == Answer.id)
        active_job = exists().where(
            ScoringJob.answer_id == Answer.id, ScoringJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])
        )
        no_job = ~exists().where(ScoringJob.answer_id == Answer.id)
        query = _answers_query().where(no_assessment, or_(active_job, no_job)).order_by(Answer.id)
        if interview_id is not None:
            query = query.where(Answer.interview_id == interview_id)
        with self._transaction() as session:
            return [_answer_record(*row) for row in session.execute(query)]

    def answer_audio(self, answer_id: int, *, user_id: int | None = None) -> tuple[bytes, str] | None:
        """The recording kept with a spoken answer: ``(data, media type)``, e.g. ``(b"RIFF...", "audio/wav")``.

        Args:
            answer_id: The answer.
            user_id: When given, the answer's interview must belong to this user (a candidate);
                administrators pass ``None``.

        Returns:
            The recording's bytes and its media type, or ``None`` when the answer has no kept recording
            (a typed answer, ``Settings.keep_audio`` off, or discarded).

        Raises:
            NotFoundError: There is no such answer (or it is in someone else's interview).
        """
        query = (
            select(Interview.user_id, AnswerAudio.data, AnswerAudio.media_type)
            .select_from(Answer)
            .join(Interview, Interview.id == Answer.interview_id)
            .outerjoin(AnswerAudio, AnswerAudio.answer_id == Answer.id)
            .where(Answer.id == answer_id)
        )
        with self._transaction() as session:
            row = session.execute(query).first()
        if row is None or (user_id is not None and row.user_id != user_id):
            raise NotFoundError("answer", answer_id)
        if row.data is None:
            return None
        return bytes(row.data), row.media_type

    def discard_audio(self, answer_id: int) -> bool:
        """Delete the recording kept with an answer (the answer, its transcript and figures stay).

        Returns:
            Whether there was a recording to delete.
        """
        with self._transaction() as session:
            deleted = session.execute(
                delete(AnswerAudio).where(AnswerAudio.answer_id == answer_id), execution_options=_SKIP_SYNC
            ).rowcount
        if deleted:
            logger.info("Discarded the recording of answer %d", answer_id)
        return bool(deleted)

    # Scoring jobs

    def claim_next_job(self, worker_id: str) -> ClaimedJob | None:
        """Take the oldest queued job, if any, for ``worker_id``; no two workers ever get the same job.

        PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED``, so workers in several processes claim in
        parallel. SQLite: one atomic ``UPDATE ... WHERE status = 'queued'`` (SQLite has one writer).

        Returns:
            The claimed job with its answer and plan, or ``None`` when nothing is queued.
        """
        now = self._clock()
        with self._transaction() as session:
            job_id = self._claim_job_id(session, worker_id, now)
            if job_id is None:
                return None
            query = (
                select(ScoringJob.attempts, Answer, Plan)
                .join(Answer, Answer.id == ScoringJob.answer_id)
                .join(Interview, Interview.id == Answer.interview_id)
                .join(Plan, Plan.id == Interview.plan_id)
                .where(ScoringJob.id == job_id)
            )
            attempts, answer, plan = session.execute(query).one()
            claimed = ClaimedJob(
                job_id=job_id,
                worker_id=worker_id,
                attempt=attempts,
                answer_id=answer.id,
                interview_id=answer.interview_id,
                plan_id=plan.id,
                question_id=answer.question_id,
                question_text=answer.question_text,
                answer_text=answer.answer_text,
                plan=InterviewPlan.model_validate_json(plan.plan_json),
                delivery_json=answer.delivery_json,
            )
        logger.info("Worker %s claimed job %d (answer %d, attempt %d)", worker_id, job_id, claimed.answer_id, attempts)
        return claimed

    def _claim_job_id(self, session: Session, worker_id: str, now: datetime) -> int | None:
        claim = {"status": JobStatus.RUNNING.value, "worker_id": worker_id, "claimed_at": now, "finished_at": None}
        if session.get_bind().dialect.name == "postgresql":
            query = (
                select(ScoringJob)
                .where(ScoringJob.status == JobStatus.QUEUED)
                .order_by(ScoringJob.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            job = session.scalars(query).first()
            if job is None:
                return None
            for name, value in claim.items():
                setattr(job, name, value)
            job.attempts += 1
            session.flush()
            return job.id
        oldest = (
            select(ScoringJob.id)
            .where(ScoringJob.status == JobStatus.QUEUED)
            .order_by(ScoringJob.id)
            .limit(1)
            .scalar_subquery()
        )
        statement = (
            update(ScoringJob)
            .where(ScoringJob.id == oldest, ScoringJob.status == JobStatus.QUEUED)
            .values(**claim, attempts=ScoringJob.attempts + 1)
            .returning(ScoringJob.id)
        )
        return session.execute(statement, execution_options=_SKIP_SYNC).scalar_one_or_none()

    def complete_job(
        self, job_id: int, assessment: StorableAssessment, *, worker_id: str | None = None
    ) -> AssessmentRecord:
        """Store a job's assessment (a new row: earlier assessments of the answer are kept) and mark it done.

        Args:
            job_id: The running job.
            assessment: What the scorer said; its model, prompt and rubric versions get their own columns.
            worker_id: When given, the job must still be held by this worker.

        Raises:
            JobStateError: The job is not running (for this worker) any more: it was requeued after a
                timeout and claimed again, or its interview was deleted. Nothing is stored.
        """
        now = self._clock()
        with self._transaction() as session:
            answer_id = self._finish_job(session, job_id, worker_id, JobStatus.DONE, now, error=None)
            row = Assessment(
                answer_id=answer_id,
                job_id=job_id,
                score=assessment.score,
                model=assessment.model,
                embedder=assessment.embedder,
                prompt_version=assessment.prompt_version,
                rubric_version=assessment.rubric_version,
                assessment_json=assessment_json(assessment),
                created_at=now,
            )
            session.add(row)
            session.flush()
            record = _assessment_record(row, None)
        logger.info("Job %d done: answer %d scored %d by %s", job_id, answer_id, assessment.score, assessment.model)
        return record

    def fail_job(self, job_id: int, message: str, *, worker_id: str | None = None) -> None:
        """Mark a running job failed, keeping the message; ``rescore`` queues the answer again.

        Raises:
            JobStateError: The job is not running (for this worker) any more.
        """
        now = self._clock()
        error = storable_text(message)[:MAX_ERROR_CHARS]
        with self._transaction() as session:
            answer_id = self._finish_job(session, job_id, worker_id, JobStatus.FAILED, now, error=error)
        # The message may quote the answer (validation errors do), so it is logged only in debug mode.
        shown = message if self._debug else "message hidden; see scoring_jobs.error"
        logger.warning("Job %d (answer %d) failed: %s", job_id, answer_id, shown)

    def release_job(self, job_id: int, *, worker_id: str | None = None) -> None:
        """Put a running job back in the queue without counting the claim: the worker could not score it
        for a reason that is not the answer's (the team's judge server is down), so it waits its turn again.

        Raises:
            JobStateError: The job is not running (for this worker) any more.
        """
        statement = update(ScoringJob).where(ScoringJob.id == job_id, ScoringJob.status == JobStatus.RUNNING)
        if worker_id is not None:
            statement = statement.where(ScoringJob.worker_id == worker_id)
        statement = statement.values(
            status=JobStatus.QUEUED.value,
            worker_id=None,
            claimed_at=None,
            attempts=case((ScoringJob.attempts > 0, ScoringJob.attempts - 1), else_=0),  # the claim is not counted
        ).returning(ScoringJob.answer_id)
        with self._transaction() as session:
            answer_id = session.execute(statement, execution_options=_SKIP_SYNC).scalar_one_or_none()
        if answer_id is None:
            raise JobStateError(f"Scoring job {job_id} is no longer held; it was not put back in the queue.")
        logger.info("Job %d (answer %d) put back in the queue", job_id, answer_id)

    def _finish_job(
        self,
        session: Session,
        job_id: int,
        worker_id: str | None,
        status: JobStatus,
        now: datetime,
        *,
        error: str | None,
    ) -> int:
        statement = update(ScoringJob).where(ScoringJob.id == job_id, ScoringJob.status == JobStatus.RUNNING)
        if worker_id is not None:
            statement = statement.where(ScoringJob.worker_id == worker_id)
        statement = statement.values(status=status.value, finished_at=now, error=error).returning(ScoringJob.answer_id)
        answer_id = session.execute(statement, execution_options=_SKIP_SYNC).scalar_one_or_none()
        if answer_id is None:
            holder = f" by worker {worker_id}" if worker_id else ""
            raise JobStateError(
                f"Scoring job {job_id} is no longer held{holder}: it was requeued after a timeout, claimed by "
                "another worker, or its interview was deleted. Its result was not stored."
            )
        _complete_when_all_scored(session, answer_id, now)
        return answer_id

    def requeue_stale_jobs(self, older_than_s: float) -> int:
        """Put back jobs whose worker died: running for more than ``older_than_s`` seconds.

        A job already claimed ``max_attempts`` times is marked failed instead, so an answer that
        crashes the scorer cannot stop the queue.

        Returns:
            How many jobs were queued again.
        """
        now = self._clock()
        stale = (ScoringJob.status == JobStatus.RUNNING, ScoringJob.claimed_at < now - timedelta(seconds=older_than_s))
        gave_up = (
            f"The worker scoring this answer stopped responding {self._max_attempts} times; "
            "not retried automatically (rescore it to try again)."
        )
        with self._transaction() as session:
            failed = session.execute(
                update(ScoringJob)
                .where(*stale, ScoringJob.attempts >= self._max_attempts)
                .values(status=JobStatus.FAILED.value, finished_at=now, error=gave_up),
                execution_options=_SKIP_SYNC,
            ).rowcount
            requeued = session.execute(
                update(ScoringJob).where(*stale).values(status=JobStatus.QUEUED.value, worker_id=None, claimed_at=None),
                execution_options=_SKIP_SYNC,
            ).rowcount
        if failed or requeued:
            logger.warning("Stale scoring jobs: %d queued again, %d failed after repeated crashes", requeued, failed)
        return requeued

    def recover(self, stale_after_s: float) -> int:
        """After a crash or restart: requeue stale jobs and queue a job for any unscored answer without one.

        Returns:
            How many answers were put (back) in the queue.
        """
        requeued = self.requeue_stale_jobs(stale_after_s)
        now = self._clock()
        orphans = select(Answer.id).where(
            ~exists().where(ScoringJob.answer_id == Answer.id), ~exists().where(Assessment.answer_id == Answer.id)
        )
        with self._transaction() as session:
            answer_ids = list(session.scalars(orphans.order_by(Answer.id)))
            session.add_all(
                ScoringJob(answer_id=answer_id, status=JobStatus.QUEUED.value, attempts=0, queued_at=now)
                for answer_id in answer_ids
            )
        if answer_ids:
            logger.warning("Queued %d saved answers that had no scoring job", len(answer_ids))
        return requeued + len(answer_ids)

    def rescore(self, answer_id: int) -> int:
        """Queue an answer to be scored again (after a model or rubric change); its old assessments are kept.

        Returns:
            The id of the queued job (the existing one if the answer is already queued or being scored).

        Raises:
            NotFoundError: There is no such answer.
        """
        with self._transaction() as session:
            _get(session, Answer, answer_id, "answer")
            return self._queue(session, answer_id)

    def _queue(self, session: Session, answer_id: int) -> int:
        active = select(ScoringJob.id).where(
            ScoringJob.answer_id == answer_id, ScoringJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])
        )
        existing = session.scalars(active.order_by(ScoringJob.id)).first()
        if existing is not None:
            return existing
        job = ScoringJob(answer_id=answer_id, status=JobStatus.QUEUED.value, attempts=0, queued_at=self._clock())
        session.add(job)
        session.flush()
        return job.id

    def rescore_outdated(self, *, model: str, prompt_version: str) -> int:
        """Queue every answer whose latest assessment used another model or prompt version.

        Returns:
            How many answers were queued.
        """
        latest = select(func.max(Assessment.id)).group_by(Assessment.answer_id)
        query = select(Assessment.answer_id).where(
            Assessment.id.in_(latest), or_(Assessment.model != model, Assessment.prompt_version != prompt_version)
        )
        with self._transaction() as session:
            answer_ids = list(session.scalars(query.order_by(Assessment.answer_id)))
            for answer_id in answer_ids:
                self._queue(session, answer_id)
        if answer_ids:
            logger.info("Queued %d answers for rescoring with %s (prompt %s)", len(answer_ids), model, prompt_version)
        return len(answer_ids)

    def get_job(self, job_id: int) -> JobRecord:
        """The scoring job with this id.

        Raises:
            NotFoundError: There is none.
        """
        with self._transaction() as session:
            return _job_record(_get(session, ScoringJob, job_id, "scoring job"))

    def job_for_answer(self, answer_id: int) -> JobRecord | None:
        """The answer's newest scoring job, if it has one."""
        query = select(ScoringJob).where(ScoringJob.answer_id == answer_id).order_by(ScoringJob.id.desc())
        with self._transaction() as session:
            row = session.scalars(query).first()
            return _job_record(row) if row else None

    def queue_position(self, job_id: int) -> int | None:
        """Where a queued job stands: 1 means it is the next to be claimed.

        Returns:
            The 1-based position, or ``None`` when the job is not waiting (running, done or failed).

        Raises:
            NotFoundError: There is no such job.
        """
        with self._transaction() as session:
            status = session.scalar(select(ScoringJob.status).where(ScoringJob.id == job_id))
            if status is None:
                raise NotFoundError("scoring job", job_id)
            if status != JobStatus.QUEUED:
                return None
            ahead = select(func.count()).where(ScoringJob.status == JobStatus.QUEUED, ScoringJob.id < job_id)
            return int(session.scalar(ahead) or 0) + 1

    def queue_counts(self) -> tuple[int, int]:
        """How many jobs are queued and how many are running, across every worker."""
        query = (
            select(ScoringJob.status, func.count())
            .where(ScoringJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
            .group_by(ScoringJob.status)
        )
        with self._transaction() as session:
            counts = {status: int(count) for status, count in session.execute(query)}
        return counts.get(JobStatus.QUEUED.value, 0), counts.get(JobStatus.RUNNING.value, 0)

    def answer_states(self, interview_id: int) -> list[tuple[AnswerRecord, JobRecord | None, AssessmentRecord | None]]:
        """Each answer of an interview with its newest job and newest assessment, in the order they were saved."""
        answers_query = _answers_query().where(Answer.interview_id == interview_id).order_by(Answer.id)
        answer_ids = select(Answer.id).where(Answer.interview_id == interview_id)
        jobs_query = select(ScoringJob).where(ScoringJob.answer_id.in_(answer_ids)).order_by(ScoringJob.id)
        assessed = select(Assessment).where(Assessment.answer_id.in_(answer_ids)).order_by(Assessment.id)
        with self._transaction() as session:
            answers = [_answer_record(*row) for row in session.execute(answers_query)]
            jobs = {row.answer_id: _job_record(row) for row in session.scalars(jobs_query)}
            latest = {row.answer_id: row for row in session.scalars(assessed)}
            scored = {record.answer_id: record for record in _with_overrides(session, list(latest.values()))}
        return [(answer, jobs.get(answer.id), scored.get(answer.id)) for answer in answers]

    def overridden_assessments(self) -> list[AssessmentRecord]:
        """Every assessment an administrator overrode, with its newest override, oldest first."""
        overridden = select(ScoreOverride.assessment_id)
        query = select(Assessment).where(Assessment.id.in_(overridden)).order_by(Assessment.id)
        with self._transaction() as session:
            return _with_overrides(session, list(session.scalars(query)))

    # Assessments and overrides

    def latest_assessments(self, interview_id: int) -> list[AssessmentRecord]:
        """The newest assessment of each scored answer of an interview, in answer order.

        Raises:
            NotFoundError: There is no such interview.
        """
        latest = (
            select(func.max(Assessment.id))
            .join(Answer, Answer.id == Assessment.answer_id)
            .where(Answer.interview_id == interview_id)
            .group_by(Assessment.answer_id)
        )
        with self._transaction() as session:
            _get(session, Interview, interview_id, "interview")
            rows = list(
                session.scalars(select(Assessment).where(Assessment.id.in_(latest)).order_by(Assessment.answer_id))
            )
            return _with_overrides(session, rows)

    def assessment_history(self, answer_id: int) -> list[AssessmentRecord]:
        """Every assessment of an answer, oldest first.

        Raises:
            NotFoundError: There is no such answer.
        """
        query = select(Assessment).where(Assessment.answer_id == answer_id).order_by(Assessment.id)
        with self._transaction() as session:
            _get(session, Answer, answer_id, "answer")
            return _with_overrides(session, list(session.scalars(query)))

    def add_override(self, assessment_id: int, score: int, comment: str, admin_id: int) -> OverrideRecord:
        """Record an administrator's corrected score for an assessment (the assessment itself is unchanged).

        Raises:
            ValueError: The score is not 0-100.
            NotFoundError: The assessment or the administrator does not exist.
            PermissionError: The user is not an administrator.
        """
        if isinstance(score, bool) or not 0 <= score <= 100:
            raise ValueError(f"An overriding score must be 0-100, not {score!r}")
        with self._transaction() as session:
            _get(session, Assessment, assessment_id, "assessment")
            admin = _get(session, User, admin_id, "user")
            if admin.role != Role.ADMIN:
                raise PermissionError(f"User {admin_id} is not an administrator and cannot override scores.")
            row = ScoreOverride(
                assessment_id=assessment_id,
                score=score,
                comment=storable_text(comment),
                admin_id=admin_id,
                created_at=self._clock(),
            )
            session.add(row)
            session.flush()
            record = _override_record(row)
        logger.info("Administrator %d set the score of assessment %d to %d", admin_id, assessment_id, score)
        return record

    # Invites

    def create_invite(
        self, plan_id: int, expires_at: datetime, max_uses: int = 1, *, created_by: int | None = None
    ) -> str:
        """Make an invite link token for a plan: 128 random bits, of which only the sha256 is stored.

        Args:
            plan_id: The plan the invitee will take.
            expires_at: When the link stops working (timezone-aware).
            max_uses: How many interviews the link may start.
            created_by: The user who made it.

        Returns:
            The token (URL-safe, 22 characters). It cannot be recovered later: show it now.

        Raises:
            ValueError: ``expires_at`` is naive or not in the future, or ``max_uses`` is below 1.
            NotFoundError: There is no such plan.
        """
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        if expires_at <= self._clock():
            raise ValueError("expires_at must be in the future")
        if isinstance(max_uses, bool) or max_uses < 1:
            raise ValueError(f"max_uses must be at least 1, not {max_uses!r}")
        token = secrets.token_urlsafe(16)
        with self._transaction() as session:
            _get(session, Plan, plan_id, "plan")
            row = Invite(
                plan_id=plan_id,
                token_hash=hash_token(token),
                expires_at=expires_at,
                max_uses=max_uses,
                uses=0,
                created_by_id=created_by,
                created_at=self._clock(),
            )
            session.add(row)
            session.flush()
            invite_id = row.id
        logger.info("Invite %d to plan %d created (expires %s, %d uses)", invite_id, plan_id, expires_at, max_uses)
        return token

    def list_invites(self, plan_id: int) -> list[InviteRecord]:
        """A plan's invites, newest first (without tokens, which are not stored)."""
        query = select(Invite).where(Invite.plan_id == plan_id).order_by(Invite.id.desc())
        with self._transaction() as session:
            return [_invite_record(row) for row in session.scalars(query)]

    def check_invite(self, token: str) -> InviteRecord:
        """The invite with this token if it can still be redeemed (nothing is counted).

        Raises:
            UnknownInviteError: No invite has this token.
            ExpiredInviteError: The invite has expired.
            InviteUsedUpError: The invite has been used ``max_uses`` times.
        """
        with self._transaction() as session:
            invite = session.scalars(select(Invite).where(Invite.token_hash == hash_token(token or ""))).first()
            if invite is None:
                raise UnknownInviteError()
            if invite.expires_at <= self._clock():
                raise ExpiredInviteError(invite.expires_at)
            if invite.uses >= invite.max_uses:
                raise InviteUsedUpError(invite.max_uses)
            return _invite_record(invite)

    def redeem_invite(self, token: str, candidate_name: str, *, user_id: int | None = None) -> InterviewRecord:
        """Use an invite link: count one use and start an interview on its plan.

        Args:
            token: The token from the link.
            candidate_name: The invitee's name.
            user_id: The invitee's user id, if signed in.

        Raises:
            UnknownInviteError: No invite has this token.
            ExpiredInviteError: The invite has expired.
            InviteUsedUpError: The invite has been used ``max_uses`` times.
        """
        now = self._clock()
        with self._transaction() as session:
            invite = session.scalars(select(Invite).where(Invite.token_hash == hash_token(token or ""))).first()
            if invite is None:
                raise UnknownInviteError()
            if invite.expires_at <= now:
                raise ExpiredInviteError(invite.expires_at)
            # Counted in one conditional UPDATE, so concurrent redeemers cannot exceed max_uses.
            counted = session.execute(
                update(Invite)
                .where(Invite.id == invite.id, Invite.uses < Invite.max_uses)
                .values(uses=Invite.uses + 1),
                execution_options=_SKIP_SYNC,
            ).rowcount
            if counted != 1:
                raise InviteUsedUpError(invite.max_uses)
            interview = self._add_interview(session, invite.plan_id, user_id, candidate_name, invite_id=invite.id)
        logger.info("Invite %d redeemed: interview %d", interview.invite_id, interview.id)
        return interview

    # Deletion and retention

    def delete_interview(self, interview_id: int, *, user_id: int | None = None) -> None:
        """Delete an interview with its answers, recordings, jobs, assessments and overrides ("delete my interview").

        Args:
            interview_id: The interview.
            user_id: When given, only this user's interview is deleted.

        Raises:
            NotFoundError: There is no such interview (or it is someone else's).
        """
        statement = delete(Interview).where(Interview.id == interview_id)
        if user_id is not None:
            statement = statement.where(Interview.user_id == user_id)
        with self._transaction() as session:
            deleted = session.execute(statement, execution_options=_SKIP_SYNC).rowcount
            if deleted != 1:
                raise NotFoundError("interview", interview_id)
        logger.info("Deleted interview %d and everything in it", interview_id)

    def purge_older_than(self, days: int) -> int:
        """Delete interviews started more than ``days`` days ago, with everything in them (recordings too).

        Returns:
            How many interviews were deleted.

        Raises:
            ValueError: ``days`` is below 1.
        """
        if days < 1:
            raise ValueError(f"days must be at least 1, not {days}")
        cutoff = self._clock() - timedelta(days=days)
        with self._transaction() as session:
            deleted = session.execute(
                delete(Interview).where(Interview.created_at < cutoff), execution_options=_SKIP_SYNC
            ).rowcount
        if deleted:
            logger.info("Retention: deleted %d interviews older than %d days", deleted, days)
        return deleted

    def apply_retention(self, days: int | None) -> int:
        """``purge_older_than(days)`` when a retention period is set (``Settings.retention_days``), else nothing."""
        return self.purge_older_than(days) if days is not None else 0


def _get(session: Session, table: type[RowT], key: int, kind: str) -> RowT:
    row = session.get(table, key)
    if row is None:
        raise NotFoundError(kind, key)
    return row


def _owned_interview(session: Session, interview_id: int, user_id: int | None) -> Interview:
    row = session.get(Interview, interview_id)
    if row is None or (user_id is not None and row.user_id != user_id):
        raise NotFoundError("interview", interview_id)
    return row


def _name(name: str) -> str:
    name = storable_text(name).strip()
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"A name may have at most {MAX_NAME_CHARS} characters, not {len(name)}")
    return name


def _user_record(row: User) -> UserRecord:
    return UserRecord(id=row.id, name=row.name, email=row.email, role=Role(row.role), created_at=row.created_at)


def _plan_record(row: Plan) -> PlanRecord:
    return PlanRecord(
        id=row.id,
        title=row.title,
        plan=InterviewPlan.model_validate_json(row.plan_json),
        created_by=row.created_by_id,
        created_at=row.created_at,
    )


def _invite_record(row: Invite) -> InviteRecord:
    return InviteRecord(
        id=row.id,
        plan_id=row.plan_id,
        expires_at=row.expires_at,
        max_uses=row.max_uses,
        uses=row.uses,
        created_by=row.created_by_id,
        created_at=row.created_at,
    )


def _complete_when_all_scored(session: Session, answer_id: int, now: datetime) -> None:
    """Mark the answer's interview completed once every question of its plan has an answer and no
    scoring job of it is still queued or running (the last one finishing is in ``session``)."""
    interview = session.get(Interview, session.scalar(select(Answer.interview_id).where(Answer.id == answer_id)))
    if interview is None or interview.status == InterviewStatus.COMPLETED:
        return
    plan = session.get(Plan, interview.plan_id)
    wanted = set(json.loads(plan.plan_json).get("question_ids", [])) if plan is not None else set()
    answered = set(session.scalars(select(Answer.question_id).where(Answer.interview_id == interview.id)))
    if not wanted or not wanted <= answered:
        return
    waiting = session.scalar(
        select(func.count())
        .select_from(ScoringJob)
        .join(Answer, ScoringJob.answer_id == Answer.id)
        .where(Answer.interview_id == interview.id, ScoringJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
    )
    if not waiting:
        interview.status = InterviewStatus.COMPLETED.value
        interview.completed_at = now


def _interview_record(row: Interview) -> InterviewRecord:
    return InterviewRecord(
        id=row.id,
        plan_id=row.plan_id,
        user_id=row.user_id,
        invite_id=row.invite_id,
        candidate_name=row.candidate_name,
        status=InterviewStatus(row.status),
        created_at=row.created_at,
        completed_at=row.completed_at,
        resume_token=row.resume_token or "",
        mode=InterviewMode(row.mode),
        drafts=_drafts(row.drafts_json),
    )


def _drafts(raw: str | None) -> dict[str, str]:
    """The stored drafts ({question id: text}); ``{}`` for none or for anything that is not such a mapping."""
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _answers_query() -> Select[tuple[Answer, bool]]:
    """Answers, each with whether a recording is kept with it (rows for ``_answer_record``)."""
    return select(Answer, _has_audio())


def _has_audio() -> Label[bool]:
    return exists().where(AnswerAudio.answer_id == Answer.id).label("has_audio")


def _answer_record(row: Answer, has_audio: bool = False) -> AnswerRecord:
    return AnswerRecord(
        id=row.id,
        interview_id=row.interview_id,
        question_id=row.question_id,
        question_text=row.question_text,
        answer_text=row.answer_text,
        created_at=row.created_at,
        delivery_json=row.delivery_json,
        has_audio=bool(has_audio),
    )


def _delivery_json(raw: str | None) -> str | None:
    """``raw`` ready to store (see ``storable_text``), after checking it is a JSON object of bounded size.

    Raises:
        ValueError: It is too long or not a JSON object (the message never quotes it: candidate data).
    """
    if raw is None:
        return None
    if len(raw) > MAX_DELIVERY_JSON_CHARS:
        raise ValueError(f"delivery_json has {len(raw)} characters; at most {MAX_DELIVERY_JSON_CHARS} are stored")
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise ValueError("delivery_json is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"delivery_json must be a JSON object, not a JSON {type(parsed).__name__}")
    return storable_text(raw)


def _audio_media_type(audio: bytes | None, media_type: str) -> str:
    """The recording's media type, checked (``""`` without a recording).

    Raises:
        ValueError: The recording is empty or over ``MAX_AUDIO_BYTES``, or its media type is not ``audio/*``.
    """
    if audio is None:
        return ""
    if not isinstance(audio, bytes | bytearray):
        raise ValueError(f"audio must be bytes, not {type(audio).__name__}")
    if len(audio) == 0:
        raise ValueError("The recording is empty: nothing to store.")
    if len(audio) > MAX_AUDIO_BYTES:
        raise ValueError(
            f"The recording is {len(audio) / 2**20:.1f} MiB; at most {MAX_AUDIO_BYTES // 2**20} MiB is stored. "
            "Record a shorter answer."
        )
    media_type = (media_type or "").strip()
    if len(media_type) > MAX_MEDIA_TYPE_CHARS or not _AUDIO_MEDIA_TYPE.fullmatch(media_type):
        shown = repr(media_type[:40]) if media_type else "none"
        raise ValueError(f"A recording needs an audio/* media type such as 'audio/wav', not {shown}.")
    return media_type


def _job_record(row: ScoringJob) -> JobRecord:
    return JobRecord(
        id=row.id,
        answer_id=row.answer_id,
        status=JobStatus(row.status),
        worker_id=row.worker_id,
        attempts=row.attempts,
        error=row.error,
        queued_at=row.queued_at,
        claimed_at=row.claimed_at,
        finished_at=row.finished_at,
    )


def _override_record(row: ScoreOverride) -> OverrideRecord:
    return OverrideRecord(
        id=row.id,
        assessment_id=row.assessment_id,
        score=row.score,
        comment=row.comment,
        admin_id=row.admin_id,
        created_at=row.created_at,
    )


def _assessment_record(row: Assessment, override: OverrideRecord | None) -> AssessmentRecord:
    return AssessmentRecord(
        id=row.id,
        answer_id=row.answer_id,
        job_id=row.job_id,
        score=row.score,
        model=row.model,
        embedder=row.embedder,
        prompt_version=row.prompt_version,
        rubric_version=row.rubric_version,
        assessment_json=row.assessment_json,
        created_at=row.created_at,
        override=override,
    )


def _with_overrides(session: Session, rows: Sequence[Assessment]) -> list[AssessmentRecord]:
    """Records of ``rows``, each with its newest override."""
    ids = [row.id for row in rows]
    newest: dict[int, OverrideRecord] = {}
    if ids:
        query = select(ScoreOverride).where(ScoreOverride.assessment_id.in_(ids)).order_by(ScoreOverride.id)
        newest = {override.assessment_id: _override_record(override) for override in session.scalars(query)}
    return [_assessment_record(row, newest.get(row.id)) for row in rows]
