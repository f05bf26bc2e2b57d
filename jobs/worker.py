"""A scoring worker: claims queued jobs from the database, scores them, stores the assessments.

It knows nothing about models: it is given a ``score`` function (a ``ClaimedJob`` in, an
``AnswerAssessment`` out). Several workers, in one process or many sharing a PostgreSQL server,
can run at once. At start, and then every ``stale_after_s``, it puts back jobs whose worker died.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable

from models.errors import JudgeUnavailableError
from scoring.types import AnswerAssessment
from storage.errors import DatabaseUnavailableError, JobStateError
from storage.records import ClaimedJob
from storage.repository import Repository

logger = logging.getLogger(__name__)

ScoreFunction = Callable[[ClaimedJob], AnswerAssessment]
DEFAULT_STALE_AFTER_S = 600.0
DEFAULT_POLL_INTERVAL_S = 1.0
HOUSEKEEPING_INTERVAL_S = 3600.0
JUDGE_RETRY_S = 10.0  # how long to wait before trying the judge server again after it was unreachable


def new_worker_id() -> str:
    """A worker id unique across hosts, processes and restarts, e.g. ``host:1234:5f2c9a1e``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ScoringWorker:
    """Claim, score and store, one job at a time.

    Args:
        repository: Where jobs, answers and assessments live.
        score: Scores a claimed job's answer (e.g. builds a ``ScoringRequest`` and calls ``score_answer``).
        worker_id: This worker's id (default: ``new_worker_id()``).
        stale_after_s: A job running longer than this is taken to belong to a dead worker.
        poll_interval_s: How long to wait when the queue is empty (or the database is down).
        retention_days: When set, interviews older than this are purged at start and then hourly.
    """

    def __init__(
        self,
        repository: Repository,
        score: ScoreFunction,
        *,
        worker_id: str | None = None,
        stale_after_s: float = DEFAULT_STALE_AFTER_S,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        retention_days: int | None = None,
    ) -> None:
        self.repository = repository
        self.score = score
        self.worker_id = worker_id or new_worker_id()
        self.stale_after_s = stale_after_s
        self.poll_interval_s = poll_interval_s
        self.retention_days = retention_days
        self._judge_back_at = 0.0  # monotonic time before which no job is claimed: the judge server is down

    def run_once(self) -> bool:
        """Claim and process one job.

        Returns:
            Whether a job was claimed (scored, failed, or dropped because it was taken away).

        Raises:
            DatabaseUnavailableError: The database cannot be reached.
        """
        if time.monotonic() < self._judge_back_at:
            return False
        job = self.repository.claim_next_job(self.worker_id)
        if job is None:
            return False
        try:
            assessment = self.score(job)
        except JudgeUnavailableError as exc:  # the team's judge server is down: the answer waits, it is not failed
            logger.warning("Scoring job %d put back: %s", job.job_id, exc.reason)
            self._judge_back_at = time.monotonic() + JUDGE_RETRY_S
            try:
                self.repository.release_job(job.job_id, worker_id=self.worker_id)
            except JobStateError as state_error:
                logger.warning("%s", state_error)
            return False
        except Exception as exc:  # any scorer failure fails this job, never the worker
            logger.error("Scoring job %d failed:\n%s", job.job_id, _describe(exc, debug=self.repository.debug))
            self._fail(job, f"{type(exc).__name__}: {exc}")
            return True
        try:
            self.repository.complete_job(job.job_id, assessment, worker_id=self.worker_id)
        except JobStateError as exc:
            logger.warning("%s", exc)
        return True

    def _fail(self, job: ClaimedJob, message: str) -> None:
        try:
            self.repository.fail_job(job.job_id, message, worker_id=self.worker_id)
        except JobStateError as exc:
            logger.warning("%s", exc)

    def drain(self) -> int:
        """Process jobs until the queue is empty.

        Returns:
            How many jobs were processed.
        """
        count = 0
        while self.run_once():
            count += 1
        return count

    def housekeeping(self) -> None:
        """Requeue jobs of dead workers, queue unscored answers that lack a job, apply retention."""
        self.repository.recover(self.stale_after_s)
        self.repository.apply_retention(self.retention_days)

    def run(self, stop: threading.Event) -> None:
        """Process jobs until ``stop`` is set; survives the database going away and coming back.

        Unexpected errors are logged and retried after ``poll_interval_s``, so the worker never dies silently.
        """
        logger.info("Scoring worker %s started", self.worker_id)
        next_housekeeping = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() >= next_housekeeping:
                    self.housekeeping()
                    next_housekeeping = time.monotonic() + min(self.stale_after_s, HOUSEKEEPING_INTERVAL_S)
                if self.run_once():
                    continue
            except DatabaseUnavailableError as exc:
                logger.warning("Scoring worker %s waiting for the database: %s", self.worker_id, exc.reason)
            except Exception as exc:  # e.g. a stored plan that no longer validates: keep serving, loudly
                logger.error("Scoring worker %s: %s", self.worker_id, _describe(exc, debug=self.repository.debug))
            stop.wait(self.poll_interval_s)
        logger.info("Scoring worker %s stopped", self.worker_id)


def _describe(exc: BaseException, *, debug: bool) -> str:
    """The traceback; the exception's message only in debug mode (validation errors quote their input)."""
    if debug:
        return "".join(traceback.format_exception(exc))
    stack = "".join(traceback.format_tb(exc.__traceback__))
    return f"{stack}{type(exc).__name__} (message hidden: it may quote the answer; CANDID_DEBUG=1 shows it)"
