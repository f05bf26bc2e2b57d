"""Spoken answers: delivery figures and the kept recording, stored with the answer and read back by their owner."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from scoring.types import DeliveryFigures
from storage import NotFoundError
from storage.repository import MAX_AUDIO_BYTES

FIGURES = DeliveryFigures(
    recording_s=62.5,
    speaking_s=58.0,
    words=140,
    words_per_minute=144.8,
    fillers=3,
    filler_counts={"um": 2, "you know": 1},
    fillers_per_minute=3.1,
    long_pauses=1,
    longest_pause_s=2.4,
    transcriber="whisper-tiny.en",
)
# Every byte value, NUL and invalid UTF-8 included: the recording must come back bit for bit.
AUDIO = b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(range(256)) * 64 + b"\xff\xfe\x00\x80"


def _count(repo, table: str) -> int:
    with repo.engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def test_delivery_figures_and_recording_are_stored_with_the_answer(repo, second_repo, interview):
    answer_id = repo.save_answer(
        interview.id,
        "BE_Q1",
        "Why indexes?",
        "Um, because scans are slow.",
        delivery_json=FIGURES.model_dump_json(),
        audio=AUDIO,
        audio_media_type="audio/wav",
    )
    answer = second_repo.get_answer(answer_id)  # committed: another process reads it at once
    assert answer.has_audio is True
    assert DeliveryFigures.model_validate_json(answer.delivery_json) == FIGURES
    assert second_repo.answer_audio(answer_id) == (AUDIO, "audio/wav")
    assert second_repo.answer_audio(answer_id, user_id=interview.user_id) == (AUDIO, "audio/wav")
    [listed] = repo.answers(interview.id)
    assert listed.has_audio and listed.delivery_json == answer.delivery_json
    [pending] = repo.pending_answers(interview.id)
    assert pending.has_audio
    [(state, _job, _assessed)] = repo.answer_states(interview.id)
    assert state.has_audio and state.delivery_json == answer.delivery_json
    job = repo.claim_next_job("w")
    assert job.answer_id == answer_id and job.delivery_json == answer.delivery_json


def test_a_typed_answer_has_no_figures_and_no_recording(repo, interview):
    answer_id = repo.save_answer(interview.id, "BE_Q1", "Q", "typed")
    answer = repo.get_answer(answer_id)
    assert (answer.delivery_json, answer.has_audio) == (None, False)
    assert repo.answer_audio(answer_id) is None
    assert repo.claim_next_job("w").delivery_json is None


def test_figures_without_the_recording_when_recordings_are_not_kept(repo, interview):
    answer_id = repo.save_answer(interview.id, "BE_Q1", "Q", "spoken", delivery_json=FIGURES.model_dump_json())
    assert repo.get_answer(answer_id).has_audio is False
    assert repo.answer_audio(answer_id) is None
    assert _count(repo, "answer_audio") == 0


def test_media_types_with_parameters_are_accepted(repo, interview):
    answer_id = repo.save_answer(
        interview.id, "BE_Q1", "Q", "A", audio=b"\x1aE\xdf\xa3", audio_media_type="audio/webm;codecs=opus"
    )
    assert repo.answer_audio(answer_id) == (b"\x1aE\xdf\xa3", "audio/webm;codecs=opus")


def test_a_recording_over_the_cap_is_refused_and_nothing_is_saved(repo, interview):
    too_big = bytes(MAX_AUDIO_BYTES + 1)
    with pytest.raises(ValueError, match="at most 64 MiB"):
        repo.save_answer(interview.id, "BE_Q1", "Q", "A", audio=too_big, audio_media_type="audio/wav")
    assert repo.answers(interview.id) == []
    assert _count(repo, "scoring_jobs") == 0


def test_a_recording_at_the_cap_is_stored(repo, interview):
    largest = bytes(MAX_AUDIO_BYTES)
    answer_id = repo.save_answer(interview.id, "BE_Q1", "Q", "A", audio=largest, audio_media_type="audio/wav")
    data, media_type = repo.answer_audio(answer_id)
    assert len(data) == MAX_AUDIO_BYTES and media_type == "audio/wav"


@pytest.mark.parametrize(
    ("media_type", "audio"),
    [
        ("", AUDIO),
        ("video/mp4", AUDIO),
        ("text/html", AUDIO),
        ("audio", AUDIO),
        ("audio/", AUDIO),
        ("audio/wav\n<script>", AUDIO),
        ("audio/" + "x" * 100, AUDIO),
        ("audio/wav", b""),
    ],
)
def test_a_recording_without_an_audio_media_type_is_refused(repo, interview, media_type, audio):
    with pytest.raises(ValueError, match="audio/\\* media type|empty"):
        repo.save_answer(interview.id, "BE_Q1", "Q", "A", audio=audio, audio_media_type=media_type)
    assert repo.answers(interview.id) == []
    assert _count(repo, "answer_audio") == 0


@pytest.mark.parametrize("raw", ["not json {", "[1, 2]", '"a string"', "{" + '"k": 1,' * 20_000 + '"k": 1}'])
def test_delivery_json_that_is_not_a_json_object_is_refused(repo, interview, raw):
    with pytest.raises(ValueError, match="delivery_json") as raised:
        repo.save_answer(interview.id, "BE_Q1", "Q", "A", delivery_json=raw)
    assert raw[:8] not in str(raised.value)  # candidate data is not quoted back
    assert repo.answers(interview.id) == []


def test_a_candidate_cannot_read_another_candidates_recording(repo, interview):
    answer_id = repo.save_answer(interview.id, "BE_Q1", "Q", "A", audio=AUDIO, audio_media_type="audio/wav")
    eve = repo.create_user("Eve", email="eve@example.com")
    with pytest.raises(NotFoundError, match="answer"):
        repo.answer_audio(answer_id, user_id=eve.id)
    guest = repo.create_interview(interview.plan_id, None, "Guest")
    guest_answer = repo.save_answer(guest.id, "BE_Q1", "Q", "A", audio=AUDIO, audio_media_type="audio/wav")
    with pytest.raises(NotFoundError):
        repo.answer_audio(guest_answer, user_id=interview.user_id)  # a guest's interview is no candidate's
    assert repo.answer_audio(guest_answer) == (AUDIO, "audio/wav")  # an administrator reads both
    with pytest.raises(NotFoundError):
        repo.answer_audio(404)


def test_a_recording_can_be_discarded_and_the_answer_stays(repo, interview):
    answer_id = repo.save_answer(
        interview.id,
        "BE_Q1",
        "Q",
        "A",
        delivery_json=FIGURES.model_dump_json(),
        audio=AUDIO,
        audio_media_type="audio/wav",
    )
    assert repo.discard_audio(answer_id) is True
    assert repo.discard_audio(answer_id) is False
    answer = repo.get_answer(answer_id)
    assert answer.has_audio is False and answer.delivery_json is not None
    assert repo.answer_audio(answer_id) is None


def test_neither_the_recording_nor_the_figures_are_logged(repo, interview, caplog):
    secret = FIGURES.model_copy(update={"transcriber": "transcriber-secret-marker"})
    with caplog.at_level(logging.DEBUG):
        repo.save_answer(
            interview.id,
            "BE_Q1",
            "Q",
            "A",
            delivery_json=secret.model_dump_json(),
            audio=b"audio-secret-marker",
            audio_media_type="audio/wav",
        )
    assert "Saved answer" in caplog.text and "19-byte recording" in caplog.text
    assert "secret-marker" not in caplog.text
    assert "filler_counts" not in caplog.text


def test_the_recording_is_not_in_the_records_repr(repo, interview):
    answer_id = repo.save_answer(
        interview.id,
        "BE_Q1",
        "Q",
        "A",
        delivery_json=FIGURES.model_dump_json(),
        audio=AUDIO,
        audio_media_type="audio/wav",
    )
    assert "whisper-tiny" not in repr(repo.get_answer(answer_id))
    assert "whisper-tiny" not in repr(repo.claim_next_job("w"))
