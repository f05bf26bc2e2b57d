"""jobs.live_queue.LiveScoringQueue: FIFO order, queue positions, streamed feedback, failures that do not kill it."""

from __future__ import annotations

import threading

import pytest

from jobs.live_queue import LiveScoringQueue
from jobs.status import JobPhase, JobState
from scoring.engine import ScoringRequest
from scoring.types import AnswerAssessment
from tests.fakes import FakeEmbedder, FakeJudge


def request(answer: str) -> ScoringRequest:
    return ScoringRequest(id="Q1", question="What is a join?", answer=answer, reference_answers=["It combines rows."])


def scripted(gate: threading.Event | None = None, fail_on: str | None = None, chunks: tuple[str, ...] = ("a", "b")):
    def score(req, judge, embedder, *, feedback, on_feedback):
        if gate is not None:
            assert gate.wait(10)
        if req.answer == fail_on:
            raise ValueError("the answer broke the judge")
        for chunk in chunks:
            on_feedback(chunk)
        return AnswerAssessment(id=req.id, question=req.question, answer=req.answer, score=len(req.answer) % 100)

    return score


def test_jobs_run_in_order_with_queue_positions():
    gate = threading.Event()
    worker = LiveScoringQueue(FakeJudge(), FakeEmbedder(), score=scripted(gate))
    ids = [worker.submit(request(f"answer {n}"), owner="s1") for n in range(3)]
    running = worker.status(ids[0])
    while running.state is JobState.QUEUED:
        running = worker.status(ids[0])
    assert running.state is JobState.RUNNING
    assert [worker.status(job).position for job in ids[1:]] == [0, 1]
    assert worker.queue_state().queued == 2
    gate.set()
    assert worker.wait_idle(10)
    finished = [worker.status(job) for job in ids]
    assert [status.result.answer for status in finished] == ["answer 0", "answer 1", "answer 2"]
    assert all(status.started_at <= status.finished_at for status in finished)
    assert [a.finished_at for a in finished] == sorted(a.finished_at for a in finished)
    assert worker.queue_state().idle


def test_feedback_is_streamed_and_followable():
    worker = LiveScoringQueue(FakeJudge(), FakeEmbedder(), score=scripted(chunks=("Strengths: ", "clear.")))
    job = worker.submit(request("x"))
    assert "".join(worker.follow(job, timeout=10)) == "Strengths: clear."
    status = worker.wait(job, 10)
    assert status.feedback_text == "Strengths: clear."
    assert status.phase is JobPhase.FINISHED


def test_a_failing_job_is_marked_failed_and_the_thread_lives_on():
    worker = LiveScoringQueue(FakeJudge(), FakeEmbedder(), score=scripted(fail_on="bad"))
    bad = worker.submit(request("bad"))
    good = worker.submit(request("good"))
    assert worker.wait(bad, 10).state is JobState.FAILED
    assert "the answer broke the judge" in worker.status(bad).error
    assert worker.wait(good, 10).state is JobState.DONE
    assert worker.alive


def test_real_scoring_with_fake_models():
    worker = LiveScoringQueue(
        FakeJudge("JUSTIFICATION:\nThe answer scores low because it defines a join only."), FakeEmbedder()
    )
    job = worker.submit(request("A join combines rows of two tables on a matching key column."))
    status = worker.wait(job, 30)
    assert status.state is JobState.DONE, status.error
    assert 0 <= status.result.score <= 100


def test_unknown_jobs_and_closed_workers():
    worker = LiveScoringQueue(FakeJudge(), FakeEmbedder(), score=scripted())
    assert not worker.knows("job-999")
    with pytest.raises(KeyError):
        worker.status("job-999")
    worker.close(5)
    assert not worker.alive
    with pytest.raises(RuntimeError):
        worker.submit(request("late"))


def test_submissions_from_many_threads_are_all_scored():
    worker = LiveScoringQueue(FakeJudge(), FakeEmbedder(), score=scripted())
    ids: list[str] = []
    lock = threading.Lock()

    def submit_some():
        for n in range(10):
            job = worker.submit(request(f"answer {n}"))
            with lock:
                ids.append(job)

    threads = [threading.Thread(target=submit_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert worker.wait_idle(10)
    assert len(set(ids)) == 40
    assert all(worker.status(job).state is JobState.DONE for job in ids)


def test_the_worker_primes_the_judge_before_its_first_job_and_survives_a_failed_prime():
    from scoring.prompts import SYSTEM_JUDGE

    judge = FakeJudge()
    worker = LiveScoringQueue(judge, FakeEmbedder(), score=scripted())
    worker.wait(worker.submit(request("x")), 10)
    assert judge.prompts and judge.prompts[0][0]["content"] == SYSTEM_JUDGE

    class BrokenJudge(FakeJudge):
        def option_probabilities(self, messages, options):
            raise RuntimeError("no model")

    worker = LiveScoringQueue(BrokenJudge(), FakeEmbedder(), score=scripted())
    assert worker.wait(worker.submit(request("y")), 10).phase is JobPhase.FINISHED
