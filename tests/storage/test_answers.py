"""Users, plans, interviews and answers: stored verbatim, committed at once, visible to every process."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from storage import InterviewStatus, JobStatus, NotFoundError, Role
from storage.tables import InterviewMode
from tests.storage.factories import make_assessment, make_plan

HOSTILE_TEXTS = [
    "Robert'); DROP TABLE answers;--",
    "1' OR '1'='1' /* ; DELETE FROM interviews; */",
    "<script>alert('x')</script><img src=x onerror=alert(1)> &amp; &lt;b&gt;",
    "{{ 7*7 }} ${jndi:ldap://x} %s %(answer)s :answer ? $1 \\x00 \\N",
    "Ünïcödé: 日本語, עברית, العربية, emoji 👩🏽‍💻🏳️‍🌈, combining e\u0301, zero-width \u200b\u200d, RTL \u202e",
    "line\r\nbreaks\rand\ttabs\u2028separator\u2029paragraph\x0b\x0c\x1b[31mANSI",
    "   leading and trailing spaces kept   \n\n",
    "",
    "x" * 200_000,
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral \U0010fffd private \ue000 noncharacter \ufffe \uffff",
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=range(len(HOSTILE_TEXTS)))
def test_candidate_text_round_trips_exactly(repo, interview, text):
    answer_id = repo.save_answer(interview.id, "BE_Q1", text, text)
    answer = repo.get_answer(answer_id)
    assert answer.answer_text == text
    assert answer.question_text == text
    assert repo.answers(interview.id)[0].answer_text == text
    assert len(repo.list_interviews()) == 1  # nothing was dropped


def test_hostile_names_round_trip(repo):
    name = "O'Brien; DROP TABLE users;-- <b>Zoë</b> 李"
    user = repo.create_user(name, email="ZOE@Example.com")
    plan = repo.create_plan(make_plan(), title=name)
    interview = repo.create_interview(plan.id, user.id, name)
    assert repo.get_user(user.id).name == name
    assert repo.get_plan(plan.id).title == name
    assert repo.get_interview(interview.id).candidate_name == name
    assert repo.find_user_by_email("zoe@example.com").id == user.id


def test_characters_no_database_can_store_become_replacement_characters(repo, interview):
    answer_id = repo.save_answer(interview.id, "BE_Q1", "Q", "nul\x00 and lone \ud800 surrogate")
    assert repo.get_answer(answer_id).answer_text == "nul\ufffd and lone \ufffd surrogate"


def test_answer_is_committed_before_scoring(repo, second_repo, interview):
    answer_id = repo.save_answer(interview.id, "BE_Q1", "Why indexes?", "Because scans are slow.")
    # Another engine (another process) sees the answer and its queued job at once.
    assert second_repo.get_answer(answer_id).answer_text == "Because scans are slow."
    assert [a.id for a in second_repo.pending_answers()] == [answer_id]
    job = second_repo.job_for_answer(answer_id)
    assert job is not None and job.status is JobStatus.QUEUED
    with second_repo.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT answer_text FROM answers WHERE id = :id"), {"id": answer_id})
        assert stored.scalar_one() == "Because scans are slow."


def test_saving_to_a_missing_interview_fails_clearly(repo):
    with pytest.raises(NotFoundError, match="No interview with id 404"):
        repo.save_answer(404, "BE_Q1", "Q", "A")


def test_a_long_question_id_is_refused(repo, interview):
    with pytest.raises(ValueError, match="question_id"):
        repo.save_answer(interview.id, "Q" * 101, "Q", "A")


def test_plans_round_trip(repo):
    plan = make_plan("BE_Q3", "BE_Q1", "BE_Q7")
    stored = repo.create_plan(plan)
    assert repo.get_plan(stored.id).plan == plan
    assert stored.title == "software_engineer_backend: 3 questions"
    assert [p.id for p in repo.list_plans()] == [stored.id]


def test_users_and_roles(repo):
    admin = repo.create_user("Root", email="root@example.com", role=Role.ADMIN)
    assert repo.get_user(admin.id).role is Role.ADMIN
    with pytest.raises(ValueError, match="already exists"):
        repo.create_user("Root again", email="ROOT@example.com")
    with pytest.raises(NotFoundError):
        repo.get_user(999)
    assert repo.find_user_by_email("nobody@example.com") is None


def test_interviews_list_and_complete(repo, clock):
    plan = repo.create_plan(make_plan())
    ada = repo.create_user("Ada")
    first = repo.create_interview(plan.id, ada.id, "Ada")
    clock.advance(minutes=5)
    guest = repo.create_interview(plan.id, None, "Guest")
    assert [i.id for i in repo.list_interviews()] == [guest.id, first.id]
    assert [i.id for i in repo.list_interviews(user_id=ada.id)] == [first.id]
    done = repo.complete_interview(first.id)
    assert done.status is InterviewStatus.COMPLETED and done.completed_at == clock.now
    assert repo.get_interview(first.id, user_id=ada.id).status is InterviewStatus.COMPLETED
    with pytest.raises(NotFoundError):
        repo.get_interview(guest.id, user_id=ada.id)
    with pytest.raises(NotFoundError, match="plan"):
        repo.create_interview(999, None, "Nobody")


def test_times_are_utc_aware(repo, interview, clock):
    assert interview.created_at == clock.now
    assert repo.get_interview(interview.id).created_at.utcoffset().total_seconds() == 0


def test_records_keep_candidate_text_out_of_repr(repo, interview):
    answer = repo.get_answer(repo.save_answer(interview.id, "BE_Q1", "Q", "my secret answer"))
    assert "my secret answer" not in repr(answer)
    assert "Ada" not in repr(repo.get_interview(interview.id))


def test_an_interview_is_completed_when_its_last_answer_is_scored(repo):
    """Issue 16: the status no longer stays in_progress after every answer has been scored."""
    plan = repo.create_plan(make_plan("BE_Q1", "BE_Q2"))
    interview = repo.create_interview(plan.id, None, "Ada")
    repo.save_answer(interview.id, "BE_Q1", "Q1", "first")
    repo.complete_job(repo.claim_next_job("w").job_id, make_assessment(), worker_id="w")
    assert repo.get_interview(interview.id).status is InterviewStatus.IN_PROGRESS  # one question left
    repo.save_answer(interview.id, "BE_Q2", "Q2", "second")
    job = repo.claim_next_job("w")
    assert repo.get_interview(interview.id).status is InterviewStatus.IN_PROGRESS  # still being scored
    repo.fail_job(job.job_id, "scorer crashed", worker_id="w")  # a failed answer is finished too
    done = repo.get_interview(interview.id)
    assert done.status is InterviewStatus.COMPLETED and done.completed_at is not None


def test_an_interview_keeps_its_mode(repo):
    plan = repo.create_plan(make_plan())
    practice = repo.create_interview(plan.id, None, "Ada", InterviewMode.PRACTICE)
    assert repo.get_interview(practice.id).mode is InterviewMode.PRACTICE
    assert repo.create_interview(plan.id, None, "Bob").mode is InterviewMode.INTERVIEW


def test_drafts_are_kept_as_typed_and_replaced_whole(repo, interview):
    assert repo.drafts(interview.id) == {}
    repo.save_drafts(interview.id, {"BE_Q1": "Half an answer \u2014 with 漢字 and a NUL\x00", "BE_Q2": "  "})
    assert repo.drafts(interview.id) == {"BE_Q1": "Half an answer \u2014 with 漢字 and a NUL\ufffd"}
    repo.save_drafts(interview.id, {})
    assert repo.drafts(interview.id) == {}
