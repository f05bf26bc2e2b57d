"""The database scoring path: the in-process service recovers unscored answers, streams feedback, tracks the queue."""

from __future__ import annotations

import pytest

from jobs.service import DatabaseJobTracker, DatabaseScoringService, plan_request
from jobs.status import JobState
from question_banks.loader import load_banks
from question_banks.plans import build_plan
from storage import Repository, create_engine, upgrade
from tests.app.conftest import GOOD_ANSWER
from tests.fakes import FakeEmbedder, FakeJudge
from ui.dbstore import DatabaseAnswerQueue, DatabaseInterviewStore
from ui.state import INTERVIEWS, AnswerStatus

FEEDBACK = "JUSTIFICATION:\nThe answer scores well because it is concrete and names the partition."


@pytest.fixture
def repo(tmp_path):
    url = f"sqlite:///{tmp_path / 'candid.db'}"
    upgrade(url)
    repository = Repository(create_engine(url))
    yield repository
    repository.close()


@pytest.fixture
def interview(repo):
    plan = build_plan(load_banks().get("data_engineer"), num_questions=3, competencies=["PIPE"], seed=2)
    return repo.create_interview(repo.create_plan(plan).id, None, "Ada"), plan


def test_answers_saved_before_the_worker_started_are_scored_with_versions(repo, interview):
    stored, plan = interview
    queue = DatabaseAnswerQueue(repo, stored.id)
    bank = load_banks().get(plan.bank_slug)
    question = bank.question(plan.question_ids[0])
    job_id = queue.submit(plan_request(load_banks(), plan, question.id, question.text, GOOD_ANSWER))
    tracker = DatabaseJobTracker(repo)
    assert tracker.status(job_id).state is JobState.QUEUED
    assert tracker.status(job_id).position == 0  # next in line
    assert tracker.queue_state().queued == 1

    service = DatabaseScoringService(repo, FakeJudge(FEEDBACK), FakeEmbedder(), poll_interval_s=0.01).start()
    try:
        assert service.tracker.wait_idle(30)
    finally:
        service.close()
    status = service.tracker.status(job_id)
    assert status.state is JobState.DONE
    assert status.result is not None and status.result.rubric_version == f"{bank.slug}@v{bank.version}"
    assert "it is concrete and names the partition." in status.feedback_text  # streamed into the buffer while it ran
    assert not service.alive


def test_the_store_reads_answers_and_scores_from_the_database(repo, interview):
    stored, plan = interview
    session = {INTERVIEWS: {}}
    store = DatabaseInterviewStore(repo, load_banks(), session)
    assert store.get(str(stored.id)) is None  # not this session's
    staff = DatabaseInterviewStore(repo, load_banks(), {}, staff=True)
    record = staff.get(str(stored.id))
    assert record is not None and record.role == "Data Engineer"
    queue = staff.answer_queue(record, None)
    question = load_banks().get(plan.bank_slug).question(plan.question_ids[0])
    queue.submit(plan_request(load_banks(), plan, question.id, question.text, "An answer."))
    answer = staff.get(str(stored.id)).answers[question.id]
    assert answer.text == "An answer." and answer.status is AnswerStatus.SCORING
    assert [record.id for record in staff.list()] == [str(stored.id)]
    reviewer = DatabaseInterviewStore(repo, load_banks(), {}, staff=True, read_only=True)
    assert reviewer.get(str(stored.id)) is not None  # reads everything
    with pytest.raises(PermissionError):
        reviewer.answer_queue(record, None)
    with pytest.raises(PermissionError):
        reviewer.delete(str(stored.id))


def test_a_question_gone_from_its_bank_is_scored_on_the_text_asked(interview):
    _stored, plan = interview
    request = plan_request(load_banks(), plan, "GONE_Q9", "What did you build?", "A pipeline.")
    assert request.question == "What did you build?" and request.rubric == []
