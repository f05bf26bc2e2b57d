"""Scoring jobs: claiming (also by concurrent workers), completing, failing, stale requeue, rescoring."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from scoring.types import AnswerAssessment
from storage import JobStateError, JobStatus, NotFoundError, Repository, Role, create_engine
from tests.storage.factories import make_assessment


def loaded(record) -> AnswerAssessment:
    """The scorer's assessment back from what storage keeps (JSON)."""
    return AnswerAssessment.model_validate_json(record.assessment_json)


def test_claim_complete_stores_the_assessment_with_its_versions(repo, interview):
    answer_id = repo.save_answer(interview.id, "BE_Q1", "Why?", "Because.")
    job = repo.claim_next_job("w1")
    assert job is not None
    assert (job.answer_id, job.interview_id, job.question_id, job.answer_text) == (
        answer_id,
        interview.id,
        "BE_Q1",
        "Because.",
    )
    assert job.plan == repo.get_plan(interview.plan_id).plan
    assert job.attempt == 1
    assert repo.claim_next_job("w2") is None  # nothing else queued

    stored = repo.complete_job(job.job_id, make_assessment(81, model="qwen-1.5b", prompt_version="p7"), worker_id="w1")
    assert (stored.score, stored.model, stored.prompt_version, stored.rubric_version) == (81, "qwen-1.5b", "p7", "r1")
    assert loaded(stored) == make_assessment(81, model="qwen-1.5b", prompt_version="p7")
    assert repo.get_job(job.job_id).status is JobStatus.DONE
    assert repo.pending_answers() == []
    [latest] = repo.latest_assessments(interview.id)
    assert latest.id == stored.id and latest.final_score == 81


def test_assessment_json_keeps_everything(repo, interview):
    repo.save_answer(interview.id, "BE_Q1", "Q", "A")
    job = repo.claim_next_job("w")
    full = make_assessment(
        55, justification="<b>'; DROP TABLE x;--</b> 日本", tips=["Say more ✓"], timings={"total": 1.5}
    )
    repo.complete_job(job.job_id, full)
    [stored] = repo.latest_assessments(interview.id)
    assert loaded(stored) == full
    assert loaded(stored).timings.total == 1.5


def test_jobs_are_claimed_oldest_first(repo, interview):
    ids = [repo.save_answer(interview.id, f"BE_Q{i}", "Q", "A") for i in range(3)]
    assert [repo.claim_next_job("w").answer_id for _ in ids] == ids


def test_rescoring_adds_an_assessment_and_keeps_the_old(repo, interview):
    answer_id = repo.save_answer(interview.id, "BE_Q1", "Q", "A")
    first = repo.complete_job(
        repo.claim_next_job("w").job_id, make_assessment(60, model="judge-a", prompt_version="p1")
    )

    assert repo.rescore_outdated(model="judge-a", prompt_version="p1") == 0  # up to date
    assert repo.rescore_outdated(model="judge-b", prompt_version="p1") == 1
    assert repo.rescore_outdated(model="judge-b", prompt_version="p1") == 1  # still queued: no duplicate job
    job = repo.claim_next_job("w")
    assert job.answer_id == answer_id and repo.claim_next_job("w") is None
    second = repo.complete_job(job.job_id, make_assessment(75, model="judge-b", prompt_version="p1"))

    history = repo.assessment_history(answer_id)
    assert [(a.id, a.score, a.model) for a in history] == [(first.id, 60, "judge-a"), (second.id, 75, "judge-b")]
    assert [a.id for a in repo.latest_assessments(interview.id)] == [second.id]
    assert repo.rescore_outdated(model="judge-b", prompt_version="p1") == 0


def test_rescore_one_answer_is_idempotent_while_queued(repo, interview):
    answer_id = repo.save_answer(interview.id, "BE_Q1", "Q", "A")
    queued = repo.job_for_answer(answer_id).id
    assert repo.rescore(answer_id) == queued
    repo.complete_job(repo.claim_next_job("w").job_id, make_assessment())
    again = repo.rescore(answer_id)
    assert again != queued and repo.get_job(again).status is JobStatus.QUEUED
    with pytest.raises(NotFoundError):
        repo.rescore(12345)


def test_failed_job_keeps_its_message_and_can_be_rescored(repo, interview):
    answer_id = repo.save_answer(interview.id, "BE_Q1", "Q", "A")
    job = repo.claim_next_job("w")
    repo.fail_job(job.job_id, "RuntimeError: judge crashed", worker_id="w")
    failed = repo.get_job(job.job_id)
    assert failed.status is JobStatus.FAILED and failed.error == "RuntimeError: judge crashed"
    assert repo.pending_answers() == []  # failed is not pending
    with pytest.raises(JobStateError):
        repo.fail_job(job.job_id, "again")
    repo.rescore(answer_id)
    assert repo.claim_next_job("w").answer_id == answer_id


def test_two_workers_never_claim_the_same_job(repo, second_repo, interview):
    """Workers in threads, each with its own engine and sessions, race for the same queue."""
    total = 60
    for index in range(total):
        repo.save_answer(interview.id, f"BE_Q{index}", "Q", f"answer {index}")
    workers = 4
    repositories = [repo, second_repo] + [Repository(create_engine(repo.engine.url)) for _ in range(workers - 2)]
    claimed: dict[str, list[int]] = {f"w{i}": [] for i in range(workers)}
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def work(worker_id: str, repository: Repository) -> None:
        try:
            start.wait()
            while (job := repository.claim_next_job(worker_id)) is not None:
                claimed[worker_id].append(job.job_id)
                repository.complete_job(job.job_id, make_assessment(50), worker_id=worker_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}", r)) for i, r in enumerate(repositories)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for extra in repositories[2:]:
        extra.close()
    assert errors == []
    every_claim = [job_id for jobs in claimed.values() for job_id in jobs]
    assert len(every_claim) == len(set(every_claim)) == total
    assert len(repo.pending_answers()) == 0
    with repo.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM assessments")).scalar_one() == total


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_postgres_claim_skips_rows_another_worker_has_locked(repo, second_repo, interview):
    first, second = (repo.save_answer(interview.id, f"BE_Q{i}", "Q", "A") for i in range(2))
    first_job = repo.job_for_answer(first).id
    claimed = []
    with repo.engine.connect() as holder:
        # Another worker's transaction holds the oldest job's row lock.
        holder.execute(sa.text("SELECT id FROM scoring_jobs WHERE id = :id FOR UPDATE"), {"id": first_job})
        claimer = threading.Thread(target=lambda: claimed.append(second_repo.claim_next_job("w2")))
        claimer.start()
        claimer.join(timeout=10)  # without SKIP LOCKED the claim would wait for the holder
        blocked = claimer.is_alive()
        holder.rollback()
    claimer.join()
    assert not blocked
    assert claimed[0] is not None and claimed[0].answer_id == second
    assert repo.claim_next_job("w1").answer_id == first


def test_stale_jobs_are_requeued_and_the_late_result_is_refused(repo, interview, clock):
    answer_id = repo.save_answer(interview.id, "BE_Q1", "Q", "A")
    dead = repo.claim_next_job("dead-worker")
    clock.advance(seconds=30)
    assert repo.requeue_stale_jobs(older_than_s=60) == 0  # still fresh
    clock.advance(seconds=31)
    assert repo.requeue_stale_jobs(older_than_s=60) == 1
    assert repo.get_job(dead.job_id).status is JobStatus.QUEUED
    assert [a.id for a in repo.pending_answers()] == [answer_id]

    alive = repo.claim_next_job("live-worker")
    assert alive.job_id == dead.job_id and alive.attempt == 2
    with pytest.raises(JobStateError, match="no longer held by worker dead-worker"):
        repo.complete_job(dead.job_id, make_assessment(10), worker_id="dead-worker")
    repo.complete_job(alive.job_id, make_assessment(90), worker_id="live-worker")
    assert [a.score for a in repo.assessment_history(answer_id)] == [90]


def test_a_job_that_keeps_killing_workers_ends_failed(repo, interview, clock):
    repo.save_answer(interview.id, "BE_Q1", "Q", "A")
    for _ in range(3):
        job = repo.claim_next_job("w")
        clock.advance(seconds=120)
        repo.requeue_stale_jobs(older_than_s=60)
    failed = repo.get_job(job.job_id)
    assert failed.status is JobStatus.FAILED and "stopped responding 3 times" in failed.error
    assert repo.claim_next_job("w") is None


def test_recover_queues_answers_without_a_job(repo, interview, clock):
    answer_id = repo.save_answer(interview.id, "BE_Q1", "Q", "A")
    running = repo.claim_next_job("crashed")
    orphan = repo.save_answer(interview.id, "BE_Q2", "Q", "B")
    with repo.engine.begin() as connection:  # an answer saved by an older version, without a job
        connection.execute(sa.text("DELETE FROM scoring_jobs WHERE answer_id = :id"), {"id": orphan})
    clock.advance(minutes=20)
    assert repo.recover(stale_after_s=600) == 2
    assert sorted(repo.claim_next_job("w").answer_id for _ in range(2)) == [answer_id, orphan]
    assert running.job_id == repo.job_for_answer(answer_id).id


def test_queue_position(repo, interview):
    answers = [repo.save_answer(interview.id, f"BE_Q{i}", "Q", "A") for i in range(3)]
    jobs = [repo.job_for_answer(a).id for a in answers]
    assert [repo.queue_position(j) for j in jobs] == [1, 2, 3]
    repo.claim_next_job("w")
    assert [repo.queue_position(j) for j in jobs] == [None, 1, 2]
    with pytest.raises(NotFoundError):
        repo.queue_position(999)


def test_completing_a_job_of_a_deleted_interview_is_refused(repo, interview):
    repo.save_answer(interview.id, "BE_Q1", "Q", "A")
    job = repo.claim_next_job("w")
    repo.delete_interview(interview.id)
    with pytest.raises(JobStateError):
        repo.complete_job(job.job_id, make_assessment(), worker_id="w")


def test_overrides_change_the_final_score_not_the_assessment(repo, interview):
    answer_id = repo.save_answer(interview.id, "BE_Q1", "Q", "A")
    assessment = repo.complete_job(repo.claim_next_job("w").job_id, make_assessment(40))
    admin = repo.create_user("Admin", role=Role.ADMIN)
    candidate = repo.create_user("Candidate")
    repo.add_override(assessment.id, 65, "Judge missed the second example", admin.id)
    override = repo.add_override(assessment.id, 70, "'; DROP TABLE score_overrides;-- <i>really</i>", admin.id)
    [latest] = repo.latest_assessments(interview.id)
    assert latest.score == 40 and latest.final_score == 70 and latest.override == override
    assert repo.assessment_history(answer_id)[0].override.comment == "'; DROP TABLE score_overrides;-- <i>really</i>"
    with pytest.raises(ValueError, match="0-100"):
        repo.add_override(assessment.id, 101, "too high", admin.id)
    with pytest.raises(PermissionError):
        repo.add_override(assessment.id, 50, "not an admin", candidate.id)
    with pytest.raises(NotFoundError):
        repo.add_override(9999, 50, "no such assessment", admin.id)


def test_an_assessment_quoting_unstorable_text_is_stored_with_replacements(repo, interview):
    repo.save_answer(interview.id, "BE_Q1", "Q", "A")
    job = repo.claim_next_job("w")
    stored = repo.complete_job(job.job_id, make_assessment(answer="bad \ud800 nul \x00", tips=["tip \udfff"]))
    [latest] = repo.latest_assessments(interview.id)
    assert loaded(latest).answer == "bad \ufffd nul \ufffd" == loaded(stored).answer
    assert loaded(latest).tips == ["tip \ufffd"]
