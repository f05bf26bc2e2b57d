"""Scoring from the database: a job's request, ``jobs.worker.ScoringWorker`` on a thread, streamed feedback.

The app and ``python -m jobs worker`` both use ``DatabaseScoringService``: it owns the judge, the
embedder and the rubric checker, claims queued jobs from the database (answers are committed before they are queued)
and keeps the feedback each running job has streamed so far in memory, keyed by job id, so the page
of the candidate who submitted it can show it live. ``DatabaseJobTracker`` answers the pages'
questions (queue position, state, result) from the database alone, so it works without the models.
No Streamlit here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator

from pydantic import ValidationError

from jobs.status import JobPhase, JobState, JobStatus, QueueState, prime_before_first_job
from jobs.worker import ScoringWorker
from models.protocols import Embedder, Judge, RubricChecker
from question_banks.loader import BankSet, load_banks
from question_banks.plans import InterviewPlan
from scoring.engine import ScoringRequest, question_request, score_answer
from scoring.follow_up import base_question_id
from scoring.types import AnswerAssessment, DeliveryFigures
from storage.errors import NotFoundError
from storage.records import ClaimedJob
from storage.repository import Repository
from storage.tables import JobStatus as StoredJobStatus

logger = logging.getLogger(__name__)

IN_PROCESS_POLL_S = 0.25  # an idle in-process worker looks for new jobs this often
MAX_BUFFERED_JOBS = 500  # feedback kept for polling; the oldest finished jobs are forgotten first
_STATES = {
    StoredJobStatus.QUEUED: JobState.QUEUED,
    StoredJobStatus.RUNNING: JobState.RUNNING,
    StoredJobStatus.DONE: JobState.DONE,
    StoredJobStatus.FAILED: JobState.FAILED,
}


def plan_request(
    banks: BankSet,
    plan: InterviewPlan,
    question_id: str,
    question_text: str,
    answer: str,
    *,
    delivery: DeliveryFigures | None = None,
) -> ScoringRequest:
    """What the scorer needs for one interview answer: the bank question and the plan's job requirements.

    A question that is no longer in its bank (edited or removed since) is scored on the question text
    as it was asked, without a rubric, rather than not at all. ``delivery`` (a spoken answer's pace,
    fillers and pauses) is carried into the assessment unscored.
    """
    try:  # a follow-up answer (``ML_Q1::follow-up``) is scored against its question's rubric
        request = question_request(banks.get(plan.bank_slug), base_question_id(question_id), answer)
    except (KeyError, LookupError):
        request = ScoringRequest(id=question_id, question=question_text, answer=answer)
    update = {"id": question_id, "job_requirements": list(plan.requirements), "delivery": delivery}
    return request.model_copy(update=update)


def stored_delivery(job: ClaimedJob) -> DeliveryFigures | None:
    """The delivery figures saved with a claimed job's answer; ``None`` for a typed answer.

    Figures that cannot be read back (corrupt JSON, or written by an incompatible version) must not
    stop the answer being scored: a warning naming the job and the answer is logged (never the
    stored text, which is candidate data) and the answer is scored without them.
    """
    if job.delivery_json is None:
        return None
    try:
        return DeliveryFigures.model_validate_json(job.delivery_json)
    except ValidationError as exc:
        logger.warning(
            "Job %d (answer %d): its stored delivery figures cannot be read (%d validation errors: %s); "
            "scoring it without them",
            job.job_id,
            job.answer_id,
            exc.error_count(),
            ", ".join(sorted({error["type"] for error in exc.errors()})),
        )
        return None


class FeedbackBuffer:
    """The feedback text each running job has produced so far, keyed by job id. Thread-safe."""

    def __init__(self, max_jobs: int = MAX_BUFFERED_JOBS) -> None:
        self._chunks: OrderedDict[int, list[str]] = OrderedDict()
        self._changed = threading.Condition(threading.Lock())
        self._max_jobs = max_jobs

    def append(self, job_id: int, chunk: str) -> None:
        """Add a chunk of a job's feedback."""
        with self._changed:
            self._chunks.setdefault(job_id, []).append(chunk)
            self._chunks.move_to_end(job_id)
            while len(self._chunks) > self._max_jobs:
                self._chunks.popitem(last=False)
            self._changed.notify_all()

    def chunks(self, job_id: int) -> list[str]:
        """A job's chunks so far (empty when it has produced none, or in another process)."""
        with self._changed:
            return list(self._chunks.get(job_id, ()))

    def wait(self, timeout: float) -> None:
        """Block until any job gets a chunk, or ``timeout`` seconds."""
        with self._changed:
            self._changed.wait(timeout)


class DatabaseJobTracker:
    """Job status for the pages, read from the database (plus live feedback when it is scored in this process).

    Speaks the same language as ``jobs.live_queue.LiveScoringQueue`` (``status``, ``knows``,
    ``queue_state``, ``wait_idle``, ``follow``), with job ids as strings.
    """

    def __init__(self, repository: Repository, feedback: FeedbackBuffer | None = None) -> None:
        self.repository = repository
        self.feedback = feedback or FeedbackBuffer()

    def knows(self, job_id: str) -> bool:
        """Whether the database has this job."""
        if not job_id.isdigit():
            return False
        try:
            self.repository.get_job(int(job_id))
        except NotFoundError:
            return False
        return True

    def status(self, job_id: str) -> JobStatus:
        """A snapshot of one job; ``position`` counts the jobs ahead of it (0 = next).

        Raises:
            KeyError: No such job.
            DatabaseUnavailableError: The database cannot be reached.
        """
        try:
            job = self.repository.get_job(int(job_id))
        except (ValueError, NotFoundError):
            raise KeyError(job_id) from None
        state = _STATES[job.status]
        chunks = self.feedback.chunks(job.id)
        position = self.repository.queue_position(job.id) if state is JobState.QUEUED else None
        result = None
        if state is JobState.DONE:
            scored = [record for record in self.repository.assessment_history(job.answer_id) if record.job_id == job.id]
            result = AnswerAssessment.model_validate_json(scored[-1].assessment_json) if scored else None
        if state.finished:
            phase = JobPhase.FINISHED
        elif state is JobState.RUNNING:
            phase = JobPhase.WRITING_FEEDBACK if chunks else JobPhase.CHECKING
        else:
            phase = JobPhase.WAITING
        return JobStatus(
            job_id=job_id,
            owner="",
            state=state,
            phase=phase,
            position=None if position is None else position - 1,
            feedback_text="".join(chunks),
            result=result,
            error=job.error,
            submitted_at=job.queued_at.timestamp(),
            started_at=job.claimed_at.timestamp() if job.claimed_at else None,
            finished_at=job.finished_at.timestamp() if job.finished_at else None,
        )

    def queue_state(self) -> QueueState:
        """Jobs waiting in the database and whether one is being scored (by any worker)."""
        queued, running = self.repository.queue_counts()
        return QueueState(queued=queued, running=running > 0)

    def wait_idle(self, timeout: float | None = None, poll_s: float = 0.1) -> bool:
        """Block until no job is queued or running; ``False`` when ``timeout`` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.queue_state().idle:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(poll_s)
        return True

    def follow(self, job_id: str, *, poll_s: float = 0.25, timeout: float | None = None) -> Iterator[str]:
        """Yield a job's feedback as it is generated, until it finishes (or ``timeout``); for ``st.write_stream``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        sent = 0
        while True:
            chunks = self.feedback.chunks(int(job_id))
            yield from chunks[sent:]
            sent = len(chunks)
            if self.status(job_id).finished or (deadline is not None and time.monotonic() >= deadline):
                yield from self.feedback.chunks(int(job_id))[sent:]
                return
            self.feedback.wait(poll_s)


def make_score_function(
    judge: Judge,
    embedder: Embedder,
    *,
    checker: RubricChecker | None = None,
    banks: Callable[[], BankSet] = load_banks,
    feedback: FeedbackBuffer | None = None,
) -> Callable[[ClaimedJob], AnswerAssessment]:
    """The ``score`` function of a ``jobs.worker.ScoringWorker``: a claimed job in, its assessment out.

    Args:
        judge: The judge.
        embedder: The embedder.
        checker: The rubric checker (``None``: the judge's per-point yes/no stands in).
        banks: Where the bank questions come from (read per job, so edited banks take effect).
        feedback: Where the streamed feedback goes, keyed by job id.
    """

    def score(job: ClaimedJob) -> AnswerAssessment:
        request = plan_request(
            banks(), job.plan, job.question_id, job.question_text, job.answer_text, delivery=stored_delivery(job)
        )

        def on_feedback(chunk: str) -> None:
            if feedback is not None:
                feedback.append(job.job_id, chunk)

        return score_answer(request, judge, embedder, feedback=True, on_feedback=on_feedback, checker=checker)

    return score


class DatabaseScoringService:
    """One scoring worker per process over the database, on a daemon thread, plus its job tracker.

    At start (and then periodically) it requeues jobs of dead workers and queues saved answers that
    have no job, so answers left unscored by a crash or restart get scored.

    Args:
        repository: The database.
        judge: The judge this process owns.
        embedder: The embedder.
        checker: The rubric checker.
        banks: Where the bank questions come from.
        poll_interval_s: How long the idle worker waits before looking for jobs again.
        retention_days: Purge interviews older than this (``Settings.retention_days``).
        stale_after_s: A job running longer than this is taken to belong to a dead worker.
    """

    def __init__(
        self,
        repository: Repository,
        judge: Judge,
        embedder: Embedder,
        *,
        checker: RubricChecker | None = None,
        banks: Callable[[], BankSet] = load_banks,
        poll_interval_s: float = IN_PROCESS_POLL_S,
        retention_days: int | None = None,
        stale_after_s: float | None = None,
    ) -> None:
        self.feedback = FeedbackBuffer()
        self.tracker = DatabaseJobTracker(repository, self.feedback)
        options = {} if stale_after_s is None else {"stale_after_s": stale_after_s}
        self.worker = ScoringWorker(
            repository,
            make_score_function(judge, embedder, checker=checker, banks=banks, feedback=self.feedback),
            poll_interval_s=poll_interval_s,
            retention_days=retention_days,
            **options,
        )
        self._judge = judge
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="candid-db-scoring", daemon=True)

    def start(self) -> DatabaseScoringService:
        """Start the worker thread (it recovers unscored answers first); returns ``self``."""
        self._thread.start()
        return self

    def run(self) -> None:
        """Run the worker in the calling thread until ``close`` (for ``python -m jobs worker``)."""
        prime_before_first_job(self._judge)
        self.worker.run(self._stop)

    def close(self, timeout: float | None = 30.0) -> None:
        """Stop after the job in hand (if any)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """Whether the worker thread is running."""
        return self._thread.is_alive()
