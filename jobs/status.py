"""What a scoring job is doing, as both queues report it: states, phases and snapshots.

Shared by ``jobs.live_queue`` (in memory) and ``jobs.service`` (database), so pages read either the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from models.protocols import Judge
from scoring.engine import prime_judge
from scoring.types import AnswerAssessment

log = logging.getLogger(__name__)


class JobState(StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        """Whether the job will not change any more."""
        return self in (JobState.DONE, JobState.FAILED)


class JobPhase(StrEnum):
    """What a running job is doing (the scorer's steps, as far as the worker can see them)."""

    WAITING = "waiting"
    CHECKING = "checking"  # gate, rubric checks and score
    WRITING_FEEDBACK = "writing_feedback"
    FINISHED = "finished"


@dataclass(frozen=True)
class JobStatus:
    """A snapshot of one job.

    Attributes:
        job_id: The id ``submit`` returned.
        owner: Who submitted it (e.g. a session id), for the queue display.
        state: Queued, running, done or failed.
        phase: The step a running job is in.
        position: For a queued job, how many jobs run before it (0 = next); else ``None``.
        feedback_text: The judge's feedback text streamed so far.
        result: The assessment, once done.
        error: A readable message, once failed.
        submitted_at: ``time.time()`` at submission.
        started_at: When scoring started, if it has.
        finished_at: When scoring ended, if it has.
    """

    job_id: str
    owner: str
    state: JobState
    phase: JobPhase
    position: int | None
    feedback_text: str
    result: AnswerAssessment | None
    error: str | None
    submitted_at: float
    started_at: float | None
    finished_at: float | None

    @property
    def finished(self) -> bool:
        """Whether the job is done or failed."""
        return self.state.finished


@dataclass(frozen=True)
class QueueState:
    """How busy the worker is: jobs waiting and whether one is being scored."""

    queued: int
    running: bool

    @property
    def idle(self) -> bool:
        """Nothing waiting and nothing running."""
        return not self.queued and not self.running


def describe_failure(exc: BaseException) -> str:
    """A sentence for the candidate about a scoring failure (the answer itself is kept elsewhere)."""
    detail = str(exc).strip() or type(exc).__name__
    return f"Scoring failed: {detail[:300]}. Your answer is saved; try scoring it again."


def prime_before_first_job(judge: Judge) -> None:
    """Prime the judge's shared system prompt before the first job; a failure here only costs speed."""
    try:
        prime_judge(judge)
    except Exception:
        log.warning("could not prime the judge", exc_info=True)
