"""Crash test: SIGKILL ``python -m jobs worker`` while it scores, restart it, and every saved answer ends up scored.

Answers are submitted through the ``Repository`` (the same ``save_answer`` the pages use: committed
before scoring). The worker runs the tiny real judge on one thread against a temporary SQLite file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from question_banks.loader import load_banks
from question_banks.plans import build_plan
from storage import JobStatus, Repository, create_engine, upgrade

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = 5
CLAIM_TIMEOUT_S = 180
SCORE_TIMEOUT_S = 420

pytestmark = [pytest.mark.slow, pytest.mark.real_model, pytest.mark.crash]


def start_worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    """``python -m jobs worker`` with the tiny judge, one thread, quick requeue of a dead worker's job."""
    env = {**os.environ, "DATABASE_URL": url, "CANDID_JUDGE": "tiny", "CANDID_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "jobs", "worker", "--stale-after", "2", "--poll", "0.2"]
    with log.open("ab") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def wait_for(condition, timeout: float, worker: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode}:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


def test_answers_survive_a_killed_worker_and_are_all_scored(tmp_path):
    url = f"sqlite:///{tmp_path / 'candid.db'}"
    upgrade(url)
    repo = Repository(create_engine(url))
    bank = load_banks().get("data_engineer")
    plan = build_plan(bank, num_questions=ANSWERS, seed=3)
    interview = repo.create_interview(repo.create_plan(plan).id, None, "Crash test")
    answer_ids = [
        repo.save_answer(interview.id, question.id, question.text, f"Answer {n}: I used Airflow and dbt with tests.")
        for n, question in enumerate(plan.questions(bank), start=1)
    ]
    log = tmp_path / "worker.log"

    worker = start_worker(url, log)
    try:

        def scoring_started() -> bool:
            return any(repo.job_for_answer(answer_id).status is JobStatus.RUNNING for answer_id in answer_ids)

        wait_for(scoring_started, CLAIM_TIMEOUT_S, worker, log)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()

    assert [answer.id for answer in repo.answers(interview.id)] == answer_ids  # nothing lost
    assert repo.pending_answers(interview.id), "the kill came after everything was scored"

    restarted = start_worker(url, log)
    try:
        wait_for(lambda: not repo.pending_answers(interview.id), SCORE_TIMEOUT_S, restarted, log)
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(60) == 0  # a clean stop on SIGTERM
    finally:
        if restarted.poll() is None:
            restarted.kill()

    scored = repo.latest_assessments(interview.id)
    assert sorted(record.answer_id for record in scored) == answer_ids
    assert all(record.model and record.prompt_version and record.rubric_version for record in scored)
    repo.close()
