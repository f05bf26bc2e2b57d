"""The Live scoring page's queue: one thread scores answers in memory, in order, so the page never waits.

A ``LiveScoringQueue`` owns one judge and one embedder and a first-in-first-out queue of jobs. Pages
``submit`` a ``ScoringRequest``, get a job id back at once, and poll ``status(job_id)`` for the
queue position, the feedback streamed so far and, in the end, the ``AnswerAssessment`` or a readable
error. A failing job never stops the thread. No Streamlit here: ``ui.resources`` keeps one queue
per process. Its results are not stored; interview answers go through ``jobs.service``.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator

from jobs.status import JobPhase, JobState, JobStatus, QueueState, describe_failure, prime_before_first_job
from models.protocols import Embedder, Judge, RubricChecker
from scoring.engine import ScoringRequest, score_answer
from scoring.types import AnswerAssessment

log = logging.getLogger(__name__)

ScoreFunction = Callable[..., AnswerAssessment]
MAX_FINISHED_JOBS = 1000  # finished jobs kept for polling; the oldest are forgotten first


class _Job:
    """Mutable job record; only touched under the worker's lock."""

    def __init__(self, job_id: str, request: ScoringRequest, feedback: bool, owner: str) -> None:
        self.job_id = job_id
        self.request = request
        self.feedback = feedback
        self.owner = owner
        self.state = JobState.QUEUED
        self.phase = JobPhase.WAITING
        self.chunks: list[str] = []
        self.result: AnswerAssessment | None = None
        self.error: str | None = None
        self.submitted_at = time.time()
        self.started_at: float | None = None
        self.finished_at: float | None = None


class LiveScoringQueue:
    """Scores answers one at a time on a daemon thread, in submission order. Thread-safe.

    Args:
        judge: The judge every job uses.
        embedder: The embedder every job uses.
        checker: The rubric checker every job uses (``None``: the judge's per-point yes/no stands in).
        score: The scoring function (``score_answer``); tests may pass another.
        name: The thread's name.
    """

    def __init__(
        self,
        judge: Judge,
        embedder: Embedder,
        *,
        checker: RubricChecker | None = None,
        score: ScoreFunction = score_answer,
        name: str = "candid-scoring",
    ) -> None:
        self.judge = judge
        self.embedder = embedder
        self.checker = checker
        self._score = score
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self._queue: deque[_Job] = deque()
        self._running: _Job | None = None
        self._changed = threading.Condition(threading.Lock())
        self._ids = itertools.count(1)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(
        self,
        request: ScoringRequest,
        *,
        feedback: bool = True,
        owner: str = "",
        audio: bytes | None = None,
        audio_media_type: str = "",
    ) -> str:
        """Queue an answer for scoring.

        Args:
            request: The answer and what it is scored against.
            feedback: Whether the judge writes the feedback (streamed) or it is built from the rubric.
            owner: Who the job belongs to (shown nowhere else; lets a page count its own jobs).
            audio: A spoken answer's recording: not kept (results of this queue are never stored).
            audio_media_type: Its media type (unused).

        Returns:
            The job id, for ``status``.

        Raises:
            RuntimeError: The worker was closed.
        """
        del audio, audio_media_type  # nothing this queue scores is stored, recordings included
        with self._changed:
            if self._closed:
                raise RuntimeError("the Live scoring queue is closed")
            job = _Job(f"job-{next(self._ids)}", request, feedback, owner)
            self._jobs[job.job_id] = job
            self._queue.append(job)
            self._changed.notify_all()
            return job.job_id

    def status(self, job_id: str) -> JobStatus:
        """A snapshot of a job.

        Raises:
            KeyError: No such job (never submitted, or forgotten long after it finished).
        """
        with self._changed:
            return self._snapshot(self._jobs[job_id])

    def knows(self, job_id: str) -> bool:
        """Whether ``status(job_id)`` would answer (e.g. false after a restart of the process)."""
        with self._changed:
            return job_id in self._jobs

    def queue_state(self) -> QueueState:
        """How many jobs wait and whether one is running."""
        with self._changed:
            return QueueState(queued=len(self._queue), running=self._running is not None)

    def wait(self, job_id: str, timeout: float | None = None) -> JobStatus:
        """Block until a job has finished or ``timeout`` seconds have passed; return its status."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            job = self._jobs[job_id]
            while not job.state.finished:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._changed.wait(remaining)
            return self._snapshot(job)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job is queued or running; ``False`` when ``timeout`` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while self._queue or self._running is not None:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    def follow(self, job_id: str, *, poll_s: float = 0.25, timeout: float | None = None) -> Iterator[str]:
        """Yield a job's feedback text as it is generated, until the job finishes (or ``timeout``).

        Suited to ``st.write_stream``: the chunks joined are the job's whole feedback text.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        sent = 0
        while True:
            with self._changed:
                job = self._jobs[job_id]
                if len(job.chunks) == sent and not job.state.finished:
                    self._changed.wait(poll_s)
                new, sent, finished = job.chunks[sent:], len(job.chunks), job.state.finished
            yield from new
            if finished or (deadline is not None and time.monotonic() >= deadline):
                return

    def close(self, timeout: float | None = None) -> None:
        """Stop accepting jobs, let the queued ones finish, and stop the thread."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """Whether the scoring thread is running."""
        return self._thread.is_alive()

    def _run(self) -> None:
        prime_before_first_job(self.judge)
        while True:
            with self._changed:
                while not self._queue and not self._closed:
                    self._changed.wait()
                if not self._queue:
                    return  # closed and drained
                job = self._queue.popleft()
                self._running = job
                job.state, job.phase, job.started_at = JobState.RUNNING, JobPhase.CHECKING, time.time()
                self._changed.notify_all()
            self._score_job(job)

    def _score_job(self, job: _Job) -> None:
        def on_feedback(chunk: str) -> None:
            with self._changed:
                job.phase = JobPhase.WRITING_FEEDBACK
                job.chunks.append(chunk)
                self._changed.notify_all()

        result: AnswerAssessment | None = None
        error: str | None = None
        try:
            options = {} if self.checker is None else {"checker": self.checker}
            result = self._score(
                job.request, self.judge, self.embedder, feedback=job.feedback, on_feedback=on_feedback, **options
            )
        except Exception as exc:  # a bad job must never kill the thread that serves everyone
            error = describe_failure(exc)
        with self._changed:
            job.result, job.error = result, error
            job.state = JobState.DONE if error is None else JobState.FAILED
            job.phase, job.finished_at = JobPhase.FINISHED, time.time()
            self._running = None
            self._forget_old_jobs()
            self._changed.notify_all()

    def _forget_old_jobs(self) -> None:
        finished = [job_id for job_id, job in self._jobs.items() if job.state.finished]
        for job_id in finished[: max(0, len(finished) - MAX_FINISHED_JOBS)]:
            del self._jobs[job_id]

    def _snapshot(self, job: _Job) -> JobStatus:
        position = None
        if job.state is JobState.QUEUED:
            position = next(index for index, queued in enumerate(self._queue) if queued is job)
        return JobStatus(
            job_id=job.job_id,
            owner=job.owner,
            state=job.state,
            phase=job.phase,
            position=position,
            feedback_text="".join(job.chunks),
            result=job.result,
            error=job.error,
            submitted_at=job.submitted_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )
