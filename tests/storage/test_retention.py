"""Deleting an interview ("delete my interview") and the retention purge remove everything in it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from storage import NotFoundError, Role
from tests.storage.factories import make_assessment, make_plan

CHILD_TABLES = ("answers", "answer_audio", "scoring_jobs", "assessments", "score_overrides")


def _counts(repo) -> dict[str, int]:
    with repo.engine.connect() as connection:
        return {
            table: connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
            for table in ("interviews", *CHILD_TABLES)
        }


def _fill(repo, interview_ids: list[int], admin_id: int) -> None:
    """Per interview, two answers: one scored, rescored and overridden; one spoken (recording kept), still queued."""
    scored = [repo.save_answer(interview_id, "BE_Q1", "Q", "scored answer") for interview_id in interview_ids]
    while (job := repo.claim_next_job("w")) is not None:
        assessment = repo.complete_job(job.job_id, make_assessment(50))
        repo.add_override(assessment.id, 55, "fair", admin_id)
    for answer_id in scored:
        repo.rescore(answer_id)
    while (job := repo.claim_next_job("w")) is not None:
        repo.complete_job(job.job_id, make_assessment(60))
    for interview_id in interview_ids:
        repo.save_answer(
            interview_id,
            "BE_Q2",
            "Q",
            "queued spoken answer",
            delivery_json='{"words": 3}',
            audio=b"RIFF" + bytes(1000),
            audio_media_type="audio/wav",
        )


@pytest.fixture
def admin(repo):
    return repo.create_user("Admin", role=Role.ADMIN)


def test_delete_my_interview_removes_everything_in_it(repo, interview, admin):
    keep = repo.create_interview(interview.plan_id, None, "Other")
    _fill(repo, [interview.id, keep.id], admin.id)
    before = _counts(repo)
    assert before["answer_audio"] == 2
    repo.delete_interview(interview.id, user_id=interview.user_id)
    after = _counts(repo)
    assert after == {table: count // 2 if table != "interviews" else 1 for table, count in before.items()}
    [kept_audio] = [answer.id for answer in repo.answers(keep.id) if answer.has_audio]
    assert repo.answer_audio(kept_audio) is not None
    assert [i.id for i in repo.list_interviews()] == [keep.id]
    assert len(repo.answers(keep.id)) == 2
    with pytest.raises(NotFoundError):
        repo.get_interview(interview.id)


def test_a_user_cannot_delete_someone_elses_interview(repo, interview):
    other = repo.create_user("Eve")
    with pytest.raises(NotFoundError):
        repo.delete_interview(interview.id, user_id=other.id)
    with pytest.raises(NotFoundError):
        repo.delete_interview(404)
    assert repo.get_interview(interview.id).id == interview.id


def test_purge_deletes_only_interviews_older_than_the_limit(repo, clock, admin):
    plan = repo.create_plan(make_plan())
    old = repo.create_interview(plan.id, None, "Old")
    _fill(repo, [old.id], admin.id)
    clock.advance(days=20)
    recent = repo.create_interview(plan.id, None, "Recent")
    repo.save_answer(recent.id, "BE_Q1", "Q", "A")
    clock.advance(days=11)  # old is 31 days old, recent 11

    assert repo.purge_older_than(30) == 1
    assert [i.id for i in repo.list_interviews()] == [recent.id]
    assert _counts(repo) == {
        "interviews": 1,
        "answers": 1,
        "answer_audio": 0,
        "scoring_jobs": 1,
        "assessments": 0,
        "score_overrides": 0,
    }
    assert repo.apply_retention(None) == 0
    assert repo.apply_retention(10) == 1
    with pytest.raises(ValueError):
        repo.purge_older_than(0)


def test_deleting_a_user_deletes_their_interviews(repo, interview):
    repo.save_answer(interview.id, "BE_Q1", "Q", "A")
    with repo.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM users WHERE id = :id"), {"id": interview.user_id})
    assert repo.list_interviews() == []
    assert _counts(repo)["answers"] == 0


def test_retention_keeps_time_zones_straight(repo, clock):
    plan = repo.create_plan(make_plan())
    repo.create_interview(plan.id, None, "Edge")
    clock.advance(days=30, seconds=-1)
    assert repo.purge_older_than(30) == 0
    clock.advance(seconds=2)
    assert repo.purge_older_than(30) == 1
    assert clock.now - timedelta(days=30) > plan.created_at


def test_an_interview_that_takes_a_deleted_ones_id_has_a_new_resume_token(repo, interview):
    """Resume links are bound to the token: a new interview never inherits a deleted one's (issue 16)."""
    first = repo.create_interview(interview.plan_id, None, "First")
    assert len(first.resume_token) == 32 and first.resume_token != interview.resume_token
    repo.delete_interview(first.id)
    second = repo.create_interview(interview.plan_id, None, "Second")
    assert second.resume_token and second.resume_token != first.resume_token
    assert repo.get_interview(second.id).resume_token == second.resume_token


def test_deleting_the_only_interview_leaves_no_recording(repo, interview):
    answer_id = repo.save_answer(interview.id, "BE_Q1", "Q", "A", audio=b"RIFF", audio_media_type="audio/wav")
    assert _counts(repo)["answer_audio"] == 1
    repo.delete_interview(interview.id)
    assert _counts(repo)["answer_audio"] == 0
    with pytest.raises(NotFoundError):
        repo.answer_audio(answer_id)


def test_retention_leaves_no_recording(repo, interview, clock):
    repo.save_answer(interview.id, "BE_Q1", "Q", "A", audio=b"RIFF", audio_media_type="audio/wav")
    clock.advance(days=31)
    assert repo.purge_older_than(30) == 1
    assert _counts(repo) == dict.fromkeys(("interviews", *CHILD_TABLES), 0)
