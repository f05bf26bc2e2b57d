"""The scoring worker, with a fake scorer: restart recovery, failures, and several workers sharing a queue."""

from __future__ import annotations

import threading

from jobs.worker import ScoringWorker, new_worker_id
from models.errors import JudgeUnavailableError
from storage import JobStatus, Repository, create_engine
from storage.records import ClaimedJob
from tests.storage.factories import make_assessment


def fake_score(job: ClaimedJob):
    """Scores by length, so each assessment can be traced to its answer."""
    return make_assessment(min(100, len(job.answer_text)), id=job.question_id, answer=job.answer_text)


def test_worker_scores_everything_queued(repo, interview):
    ids = [repo.save_answer(interview.id, f"BE_Q{i}", "Q", "a" * (10 * i)) for i in range(1, 4)]
    assert ScoringWorker(repo, fake_score).drain() == 3
    assert [a.score for a in repo.latest_assessments(interview.id)] == [10, 20, 30]
    assert [a.answer_id for a in repo.latest_assessments(interview.id)] == ids
    assert repo.pending_answers() == []


def test_after_a_crash_the_next_worker_picks_up_saved_answers(repo, second_repo, interview, clock):
    """A worker dies mid-job; answers it never reached and the one it held are scored after the restart."""
    ids = [repo.save_answer(interview.id, f"BE_Q{i}", "Q", "answer") for i in range(3)]
    crashed = repo.claim_next_job("crashed-worker")  # then the process dies: no complete, no fail
    assert crashed.answer_id == ids[0]
    clock.advance(minutes=15)

    restarted = ScoringWorker(second_repo, fake_score, stale_after_s=600)
    restarted.housekeeping()
    assert restarted.drain() == 3
    assert sorted(a.answer_id for a in repo.latest_assessments(interview.id)) == ids
    assert repo.get_job(crashed.job_id).attempts == 2


def test_a_scorer_error_fails_the_job_not_the_worker(repo, interview):
    bad = repo.save_answer(interview.id, "BE_Q1", "Q", "explode")
    good = repo.save_answer(interview.id, "BE_Q2", "Q", "fine")

    def score(job: ClaimedJob):
        if job.answer_text == "explode":
            raise RuntimeError("judge ran out of memory")
        return fake_score(job)

    assert ScoringWorker(repo, score).drain() == 2
    failed = repo.job_for_answer(bad)
    assert failed.status is JobStatus.FAILED and failed.error == "RuntimeError: judge ran out of memory"
    assert [a.answer_id for a in repo.latest_assessments(interview.id)] == [good]


def test_a_judge_server_that_is_down_leaves_the_answer_queued_until_it_is_back(repo, interview, monkeypatch):
    """Issue 15: the team's judge server going away never fails an answer; it is scored when the server returns."""
    import jobs.worker

    answer = repo.save_answer(interview.id, "BE_Q1", "Q", "an answer")
    server_up = [False]

    def score(job: ClaimedJob):
        if not server_up[0]:
            raise JudgeUnavailableError("http://10.0.0.5:8000/v1", "connection refused", 3)
        return fake_score(job)

    clock = [100.0]
    monkeypatch.setattr(jobs.worker.time, "monotonic", lambda: clock[0])
    worker = ScoringWorker(repo, score)
    assert worker.run_once() is False  # claimed, could not score, put back
    job = repo.job_for_answer(answer)
    assert job.status is JobStatus.QUEUED and job.error is None and job.attempts == 0
    server_up[0] = True
    assert worker.run_once() is False  # waits JUDGE_RETRY_S before asking the server again
    assert repo.job_for_answer(answer).status is JobStatus.QUEUED
    clock[0] += jobs.worker.JUDGE_RETRY_S
    assert worker.run_once() is True
    assert repo.job_for_answer(answer).status is JobStatus.DONE
    assert [a.answer_id for a in repo.latest_assessments(interview.id)] == [answer]


def test_run_stops_on_request_and_waits_out_an_empty_queue(repo, interview):
    repo.save_answer(interview.id, "BE_Q1", "Q", "answer")
    stop = threading.Event()
    worker = ScoringWorker(repo, fake_score, poll_interval_s=0.01)
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        for _ in range(500):
            if repo.pending_answers() == []:
                break
            stop.wait(0.01)
        repo.save_answer(interview.id, "BE_Q2", "Q", "later answer")
        for _ in range(500):
            if len(repo.latest_assessments(interview.id)) == 2:
                break
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(repo.latest_assessments(interview.id)) == 2


def test_several_workers_share_one_queue(repo, interview):
    for index in range(30):
        repo.save_answer(interview.id, f"BE_Q{index}", "Q", f"answer {index}")
    repositories = [Repository(create_engine(repo.engine.url)) for _ in range(3)]
    workers = [ScoringWorker(r, fake_score) for r in repositories]
    threads = [threading.Thread(target=w.drain) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for repository in repositories:
        repository.close()
    assessments = repo.latest_assessments(interview.id)
    assert len(assessments) == 30
    assert all(len(repo.assessment_history(a.answer_id)) == 1 for a in assessments)  # none scored twice


def test_worker_ids_are_unique():
    assert len({new_worker_id() for _ in range(100)}) == 100
