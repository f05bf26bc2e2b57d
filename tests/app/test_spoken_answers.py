"""Answering by voice through the app with a fake transcriber: record, see and edit the transcript, submit.

The fake "hears" the UTF-8 text of the recording's bytes (``tests.fakes.FakeTranscriber``); the
real Whisper model is tested in tests/models/test_speech.py and in a real browser in tests/e2e.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import GOOD_ANSWER, interview_record, start_interview, texts, wait_for_scoring
from tests.fakes import FakeTranscriber
from ui import resources, state
from ui.state import InterviewKeys, LiveKeys

SPOKEN = GOOD_ANSWER.replace("I built", "Um, I built")


def record(at: AppTest, interview_id: str, spoken: bytes) -> tuple[str, str]:
    """Record ``spoken`` on the question on screen; returns (recorder key, answer box key)."""
    current = interview_record(at, interview_id)
    question_id = current.question_ids[current.position]
    recorder = state.recording_key(interview_id, question_id)
    at.get("audio_input")[0].set_value(("answer.wav", spoken, "audio/wav"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return recorder, state.answer_key(interview_id, question_id)


def test_a_recording_is_transcribed_into_the_box_edited_and_scored_with_its_delivery(app, fake_transcriber):
    interview_id = start_interview(app, questions=2, mode="practice")
    recorders = app.get("audio_input")
    assert len(recorders) == 1 and "voice" in recorders[0].label
    _, box = record(app, interview_id, SPOKEN.encode())
    assert app.text_area(key=box).value == SPOKEN  # the transcript is in the box, to be corrected
    assert fake_transcriber.calls == 1
    assert "transcribed from your recording" in texts(app.caption)
    app.run()  # another run with the same recording does not transcribe it again
    assert fake_transcriber.calls == 1

    edited = SPOKEN.replace("50M rows", "fifty million rows")
    app.text_area(key=box).set_value(edited)
    app.button(key=InterviewKeys.SUBMIT).click().run()
    wait_for_scoring(app)
    current = interview_record(app, interview_id)
    answer = current.answers[current.question_ids[0]]
    assert answer.text == edited  # the edited transcript is what is scored
    assert answer.assessment is not None and answer.assessment.answer == edited
    delivery = answer.assessment.delivery
    assert delivery is not None and delivery.transcriber == "fake-transcriber"
    assert delivery.words == len(SPOKEN.split())
    assert delivery.filler_counts == {"um": 1}
    assert delivery.words_per_minute == pytest.approx(150.0, abs=0.5)  # one word per 0.4 s
    labels = {metric.label: metric.value for metric in app.metric}
    assert labels["Pace"] == "150 wpm" and "Filler words" in labels and "Long pauses" in labels
    assert "Delivery" in texts(app.markdown)
    assert not current.spoken  # the draft went with the answer


def test_a_typed_answer_has_no_delivery_figures(app):
    interview_id = start_interview(app, questions=1, mode="practice")
    current = interview_record(app, interview_id)
    app.text_area(key=state.answer_key(interview_id, current.question_ids[0])).set_value(GOOD_ANSWER)
    app.button(key=InterviewKeys.SUBMIT).click().run()
    wait_for_scoring(app)
    assessment = interview_record(app, interview_id).answers[current.question_ids[0]].assessment
    assert assessment is not None and assessment.delivery is None
    assert "Pace" not in {metric.label for metric in app.metric}


def test_silence_says_so_and_keeps_what_was_typed(app):
    interview_id = start_interview(app, questions=1, mode="practice")
    current = interview_record(app, interview_id)
    box = state.answer_key(interview_id, current.question_ids[0])
    app.text_area(key=box).set_value("My notes so far")
    app.run()
    record(app, interview_id, b"SILENCE")
    assert "No speech was heard" in texts(app.warning)
    assert app.text_area(key=box).value == "My notes so far"
    assert not interview_record(app, interview_id).spoken


def test_an_unreadable_file_says_so(app):
    interview_id = start_interview(app, questions=1, mode="practice")
    record(app, interview_id, b"\xff\xfe\x00garbage")
    assert "could not be read as audio" in texts(app.warning)


def test_typed_text_is_kept_when_a_recording_comes_after_it(app):
    interview_id = start_interview(app, questions=1, mode="practice")
    current = interview_record(app, interview_id)
    box = state.answer_key(interview_id, current.question_ids[0])
    app.text_area(key=box).set_value("Typed first.")
    app.run()
    record(app, interview_id, b"Then I spoke about Airflow")
    assert app.text_area(key=box).value == "Typed first.\n\nThen I spoke about Airflow"
    assert "typed text was kept" in texts(app.info)


def test_a_new_recording_replaces_an_untouched_transcript_and_removing_it_drops_the_figures(app, fake_transcriber):
    interview_id = start_interview(app, questions=1, mode="practice")
    _, box = record(app, interview_id, b"First take about Airflow")
    record(app, interview_id, b"Second take about dbt and Snowflake")
    assert app.text_area(key=box).value == "Second take about dbt and Snowflake"
    assert fake_transcriber.calls == 2
    current = interview_record(app, interview_id)
    assert current.spoken[current.question_ids[0]].transcript == "Second take about dbt and Snowflake"
    app.get("audio_input")[0].set_value(None)
    app.run()
    assert not interview_record(app, interview_id).spoken  # no recording: no delivery figures
    assert app.text_area(key=box).value == "Second take about dbt and Snowflake"  # the text stays


def test_without_a_speech_model_the_recorder_is_not_offered_and_typing_works(app, monkeypatch, caplog):
    message = "the speech model is not installed: python -m models install speech"
    monkeypatch.setattr(resources, "check_speech_model", lambda: message)
    interview_id = start_interview(app, questions=1, mode="practice")
    assert not app.get("audio_input")
    assert "Answering by voice is not available here" in texts(app.caption)
    assert "models install" not in texts(app.caption)  # the candidate is told plainly; the log has the command
    assert "python -m models install speech" in caplog.text
    current = interview_record(app, interview_id)
    app.text_area(key=state.answer_key(interview_id, current.question_ids[0])).set_value(GOOD_ANSWER)
    app.button(key=InterviewKeys.SUBMIT).click().run()
    assert interview_record(app, interview_id).answers[current.question_ids[0]].text == GOOD_ANSWER


def test_live_scoring_takes_a_recording(app, fake_transcriber: FakeTranscriber):
    app.switch_page("pages/live_scoring.py").run()
    assert not app.exception, [e.value for e in app.exception]
    app.get("audio_input")[0].set_value(("answer.wav", SPOKEN.encode(), "audio/wav"))
    app.run()
    assert app.text_area(key=LiveKeys.ANSWER_A).value == SPOKEN
    app.button(key=LiveKeys.SCORE).click().run()
    assert not app.exception, [e.value for e in app.exception]
    result = app.session_state[state.LIVE_RESULTS]["a"][-1]
    assert result.delivery is not None and result.delivery.filler_counts == {"um": 1}
    assert "Pace" in {metric.label for metric in app.metric}


@pytest.mark.parametrize("keep", [True, False])
def test_the_recording_is_kept_for_playback_only_when_the_setting_says_so(app, monkeypatch, keep):
    from settings import get_settings

    monkeypatch.setenv("CANDID_KEEP_AUDIO", "1" if keep else "0")
    get_settings.cache_clear()
    interview_id = start_interview(app, questions=1, mode="interview")
    record(app, interview_id, SPOKEN.encode())
    app.button(key=InterviewKeys.SUBMIT).click().run()
    wait_for_scoring(app)
    assert app.title[0].value.startswith("Report")
    repository = resources.get_repository()
    stored = repository.answers(int(interview_id))
    assert len(stored) == 1 and stored[0].delivery_json is not None and stored[0].has_audio is keep
    audio = repository.answer_audio(stored[0].id)
    assert (audio == (SPOKEN.encode(), "audio/wav")) if keep else audio is None
    players = app.get("audio")
    assert len(players) == (1 if keep else 0)
    if not keep:
        assert "the recording was not kept" in texts(app.caption)
    repository.delete_interview(int(interview_id))  # deleting the interview deletes the recording
    assert not repository.answers(int(interview_id))


def test_a_reload_keeps_the_transcript_and_its_delivery_figures(app):
    """A reload (a new browser session resuming the interview) keeps what was transcribed, figures included."""
    from tests.app.conftest import session_store

    interview_id = start_interview(app, questions=1, mode="practice")
    record(app, interview_id, SPOKEN.encode())
    resumed = session_store(app)._rebuild(int(interview_id))  # what a reload reads back from the database
    assert resumed is not None
    [draft] = resumed.spoken.values()
    assert draft.transcript == SPOKEN and draft.delivery.filler_counts == {"um": 1}
    assert SPOKEN in resumed.drafts.values()


def test_an_answer_typed_over_the_transcript_gets_no_delivery_figures(app):
    interview_id = start_interview(app, questions=1, mode="practice")
    _, box = record(app, interview_id, SPOKEN.encode())
    app.text_area(key=box).set_value("A different answer I typed instead, about Kafka consumer groups and lag.")
    app.button(key=InterviewKeys.SUBMIT).click().run()
    wait_for_scoring(app)
    current = interview_record(app, interview_id)
    assessment = current.answers[current.question_ids[0]].assessment
    assert assessment is not None and assessment.delivery is None


def test_a_recording_that_could_not_be_transcribed_is_not_kept_in_place_of_the_good_one(app, monkeypatch):
    from settings import get_settings

    monkeypatch.setenv("CANDID_KEEP_AUDIO", "1")
    get_settings.cache_clear()
    interview_id = start_interview(app, questions=1, mode="interview")
    record(app, interview_id, SPOKEN.encode())
    record(app, interview_id, b"SILENCE")  # a second take that fails: the first transcript stands
    assert "No speech was heard" in texts(app.warning)
    app.button(key=InterviewKeys.SUBMIT).click().run()
    wait_for_scoring(app)
    [stored] = resources.get_repository().answers(int(interview_id))
    assert stored.delivery_json is not None and not stored.has_audio  # never the silent take


def test_back_and_next_keep_a_transcribed_recording(app):
    interview_id = start_interview(app, questions=2, mode="interview")
    answer_first = interview_record(app, interview_id).question_ids[0]
    app.text_area(key=state.answer_key(interview_id, answer_first)).set_value(GOOD_ANSWER)
    app.button(key=InterviewKeys.SUBMIT).click().run()
    record(app, interview_id, SPOKEN.encode())  # question 2, spoken
    app.button(key=InterviewKeys.BACK).click().run()
    app.button(key=InterviewKeys.SUBMIT).click().run()  # question 1 again, as it was
    current = interview_record(app, interview_id)
    second = current.question_ids[1]
    assert current.position == 1 and second in current.spoken
    assert "transcribed from your recording" in texts(app.caption)


def test_a_follow_up_can_be_answered_by_voice(app):
    from scoring.follow_up import follow_up_id

    interview_id = start_interview(app, questions=1, mode="interview", follow_ups=True)
    first = interview_record(app, interview_id).question_ids[0]
    record(app, interview_id, SPOKEN.encode())
    app.button(key=InterviewKeys.SUBMIT).click().run()
    wait_for_scoring(app)
    assert any(m.value.startswith("**Follow-up:**") for m in app.markdown)
    recorders = app.get("audio_input")
    assert len(recorders) == 1
    recorders[0].set_value(("follow-up.wav", b"We paged the on-call engineer in Slack.", "audio/wav"))
    app.run()
    box = state.follow_up_key(interview_id, first)
    assert app.text_area(key=box).value == "We paged the on-call engineer in Slack."
    app.button(key=InterviewKeys.FOLLOW_UP_SUBMIT).click().run()
    assert not app.exception, [e.value for e in app.exception]
    wait_for_scoring(app)
    assert not app.exception, [e.value for e in app.exception]
    current = interview_record(app, interview_id)
    combined = current.answers[follow_up_id(first)]
    assert combined.text.endswith("We paged the on-call engineer in Slack.")
    assert combined.assessment is not None and combined.assessment.delivery is not None  # the first answer's
    assert not current.spoken
