"""The database scoring path: the in-process service recovers unscored answers, streams feedback, tracks the queue."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
import sqlalchemy as sa

from jobs.service import (
    DatabaseJobTracker,
    DatabaseScoringService,
    make_score_function,
    plan_request,
    stored_delivery,
)
from jobs.status import JobState
from question_banks.loader import load_banks
from question_banks.plans import build_plan
from scoring.types import AnswerAssessment, DeliveryFigures
from settings import get_settings
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
    # The lists and the justification were streamed into the buffer while it ran (the judge is asked for a sentence
    # only when a point is met; the fake judge's yes/no meets none here, so the checks' own justification streams).
    assert status.feedback_text.startswith(f"SCORE: {status.result.score}/100\n\nSTRENGTHS:\n")
    assert status.feedback_text.endswith("JUSTIFICATION:\n" + status.result.justification)
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


FIGURES = DeliveryFigures(
    recording_s=40.0,
    speaking_s=36.5,
    words=88,
    words_per_minute=144.7,
    fillers=2,
    filler_counts={"um": 2},
    fillers_per_minute=3.3,
    long_pauses=1,
    longest_pause_s=2.2,
    transcriber="whisper-tiny.en",
)
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00" + bytes(64)


@pytest.fixture
def keep_audio(monkeypatch):
    """``CANDID_KEEP_AUDIO=1`` for ``get_settings`` (read again after the test)."""
    monkeypatch.setenv("CANDID_KEEP_AUDIO", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _spoken_request(plan, answer: str = GOOD_ANSWER):
    question = load_banks().get(plan.bank_slug).question(plan.question_ids[0])
    request = plan_request(load_banks(), plan, question.id, question.text, answer, delivery=FIGURES)
    assert request.delivery == FIGURES
    return request


def _score_all(repo) -> None:
    service = DatabaseScoringService(repo, FakeJudge(FEEDBACK), FakeEmbedder(), poll_interval_s=0.01).start()
    try:
        assert service.tracker.wait_idle(30)
    finally:
        service.close()


def test_the_worker_gives_a_spoken_answers_figures_back_to_its_assessment(repo, interview):
    stored, plan = interview
    job_id = DatabaseAnswerQueue(repo, stored.id).submit(_spoken_request(plan))
    _score_all(repo)
    status = DatabaseJobTracker(repo).status(job_id)
    assert status.state is JobState.DONE
    assert status.result.delivery == FIGURES  # read back from the stored assessment JSON
    [assessed] = repo.latest_assessments(stored.id)
    assert AnswerAssessment.model_validate_json(assessed.assessment_json).delivery == FIGURES


def test_a_typed_answer_is_scored_without_figures(repo, interview):
    stored, plan = interview
    request = _spoken_request(plan).model_copy(update={"delivery": None})
    job_id = DatabaseAnswerQueue(repo, stored.id).submit(request)
    assert repo.get_answer(repo.get_job(int(job_id)).answer_id).delivery_json is None
    _score_all(repo)
    result = DatabaseJobTracker(repo).status(job_id).result
    assert result is not None and result.delivery is None


@pytest.mark.parametrize(
    "corrupt",
    ['{"recording_s": "secret-marker", "words": -1}', '{"words": 3, "trunc', '{"words_per_minute": 1}'],
)
def test_corrupt_stored_figures_do_not_stop_the_scoring(repo, interview, caplog, corrupt):
    stored, plan = interview
    job_id = DatabaseAnswerQueue(repo, stored.id).submit(_spoken_request(plan))
    with repo.engine.begin() as connection:  # damaged in the database, after the checks of save_answer
        connection.execute(sa.text("UPDATE answers SET delivery_json = :raw"), {"raw": corrupt})
    with caplog.at_level(logging.DEBUG):
        _score_all(repo)
    status = DatabaseJobTracker(repo).status(job_id)
    assert status.state is JobState.DONE, status.error
    assert status.result is not None and status.result.delivery is None and status.result.score >= 0
    [warning] = [record for record in caplog.records if "delivery figures cannot be read" in record.getMessage()]
    assert warning.levelno == logging.WARNING and f"Job {job_id} " in warning.getMessage()
    assert "secret-marker" not in caplog.text and "trunc" not in caplog.text


def test_the_score_function_reads_the_claimed_jobs_figures(repo, interview):
    stored, plan = interview
    DatabaseAnswerQueue(repo, stored.id).submit(_spoken_request(plan, "Short."))
    job = repo.claim_next_job("w")
    assert stored_delivery(job) == FIGURES
    assessment = make_score_function(FakeJudge(FEEDBACK), FakeEmbedder(), banks=load_banks)(job)
    assert assessment.delivery == FIGURES
    assert stored_delivery(replace(job, delivery_json=None)) is None
    assert stored_delivery(replace(job, delivery_json="[]")) is None


def test_the_recording_is_dropped_unless_recordings_are_kept(repo, interview):
    stored, plan = interview
    dropped = DatabaseAnswerQueue(repo, stored.id).submit(
        _spoken_request(plan), audio=WAV, audio_media_type="audio/wav"
    )
    kept = DatabaseAnswerQueue(repo, stored.id, keep_audio=True).submit(
        _spoken_request(plan), audio=WAV, audio_media_type="audio/wav"
    )
    dropped_answer = repo.get_answer(repo.get_job(int(dropped)).answer_id)
    kept_answer = repo.get_answer(repo.get_job(int(kept)).answer_id)
    assert (dropped_answer.has_audio, kept_answer.has_audio) == (False, True)
    assert dropped_answer.delivery_json is not None  # the figures are kept either way
    assert repo.answer_audio(kept_answer.id) == (WAV, "audio/wav")
    with pytest.raises(ValueError, match="audio/"):
        DatabaseAnswerQueue(repo, stored.id, keep_audio=True).submit(
            _spoken_request(plan), audio=WAV, audio_media_type="text/plain"
        )


def test_the_store_keeps_recordings_as_the_settings_say(repo, interview, keep_audio):
    stored, plan = interview
    staff = DatabaseInterviewStore(repo, load_banks(), {}, staff=True)
    record = staff.get(str(stored.id))
    staff.answer_queue(record, None).submit(_spoken_request(plan), audio=WAV, audio_media_type="audio/wav")
    assert staff.answer_audio(str(stored.id), plan.question_ids[0]) == (WAV, "audio/wav")


def test_the_store_plays_back_only_the_newest_answer_of_its_own_interviews(repo, interview):
    stored, plan = interview
    question_id = plan.question_ids[0]
    queue = DatabaseAnswerQueue(repo, stored.id, keep_audio=True)
    queue.submit(_spoken_request(plan), audio=WAV, audio_media_type="audio/wav")
    own = DatabaseInterviewStore(repo, load_banks(), {INTERVIEWS: {}})
    own.adopt(own._rebuild(stored.id))
    assert own.answer_audio(str(stored.id), question_id) == (WAV, "audio/wav")

    other = DatabaseInterviewStore(repo, load_banks(), {INTERVIEWS: {}})
    assert other.answer_audio(str(stored.id), question_id) is None  # not this session's interview
    reviewer = DatabaseInterviewStore(repo, load_banks(), {}, staff=True, read_only=True)
    assert reviewer.answer_audio(str(stored.id), question_id) == (WAV, "audio/wav")
    assert own.answer_audio(str(stored.id), plan.question_ids[1]) is None  # not answered
    assert own.answer_audio("not-an-id", question_id) is None

    queue.submit(_spoken_request(plan, "Answered again, typed this time.").model_copy(update={"delivery": None}))
    assert own.answer_audio(str(stored.id), question_id) is None  # the newest answer has no recording
    queue.submit(_spoken_request(plan), audio=b"OggS" + bytes(8), audio_media_type="audio/ogg")
    assert own.answer_audio(str(stored.id), question_id) == (b"OggS" + bytes(8), "audio/ogg")
    own.delete(str(stored.id))
    assert reviewer.answer_audio(str(stored.id), question_id) is None
