"""The real speech model (Whisper tiny.en, installed by `make test`) on recordings made here with espeak-ng.

Nothing is faked: espeak-ng speaks a known sentence, PyAV re-encodes it as the browsers' formats, and
the installed model transcribes it. espeak-ng is required (CI's .ci/run installs it); without it the
tests fail and say how to install it.
"""

from __future__ import annotations

import io
import itertools
import threading
import tracemalloc
import wave

import numpy as np
import pytest

from evaluation.speech import encode, normalise, speak_pcm, wav_bytes, word_error_rate
from models.errors import (
    AudioTooLongError,
    ModelLoadError,
    ModelNotInstalledError,
    NoSpeechError,
    UnreadableAudioError,
)
from models.loader import load_transcriber
from models.protocols import Transcriber, Transcript
from models.speech import MAX_AUDIO_BYTES, MAX_AUDIO_S, SAMPLE_RATE, WhisperTranscriber, decode, decode_first
from scoring.delivery import delivery_figures
from settings import Settings, get_settings

pytestmark = pytest.mark.real_model

SENTENCE = (
    "The project was late, so I talked to my manager, we agreed on a smaller first release, and it shipped on time."
)
FIRST, SECOND = "The project was late, so I talked to my manager.", "We agreed on a smaller first release."
MAX_WER = 0.15  # the floor on synthetic speech; tiny.en gets 1 word of 22 wrong here ("late" -> "laid")
FORMATS = {  # what browsers record (Chrome/Edge: webm, Firefox: ogg, Safari: mp4) and a common upload (mp3)
    "webm": ("webm", "libopus", 48_000),
    "ogg": ("ogg", "libopus", 48_000),
    "mp3": ("mp3", "libmp3lame", 22_050),
    "m4a": ("mp4", "aac", 44_100),
}


def _wav_u8_silence(seconds: float, rate: int = 8_000) -> bytes:
    """A cheap silent wav (8-bit, 8 kHz: 8 kB a second)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as recording:
        recording.setnchannels(1)
        recording.setsampwidth(1)
        recording.setframerate(rate)
        recording.writeframes(bytes([128]) * int(seconds * rate))
    return out.getvalue()


def _concatenated_wav(speech: bytes, seconds: float) -> bytes:
    """``speech`` (a 16-bit mono wav) followed by silence, ``seconds`` long in all."""
    with wave.open(io.BytesIO(speech)) as source:
        params, frames = source.getparams(), source.readframes(source.getnframes())
    out = io.BytesIO()
    with wave.open(out, "wb") as recording:
        recording.setparams(params)
        recording.writeframes(frames)
        rest = int(seconds * params.framerate) - params.nframes
        recording.writeframes(bytes(params.sampwidth * params.nchannels * max(0, rest)))
    return out.getvalue()


@pytest.fixture(scope="module")
def transcriber() -> WhisperTranscriber:
    return load_transcriber("speech", settings=get_settings())


@pytest.fixture(scope="module")
def sentence() -> tuple[np.ndarray, int]:
    return speak_pcm(SENTENCE, speed=175)


@pytest.fixture(scope="module")
def sentence_wav(sentence) -> bytes:
    return wav_bytes(*sentence)


@pytest.fixture(scope="module")
def heard(transcriber, sentence_wav) -> Transcript:
    return transcriber.transcribe(sentence_wav)


def test_the_transcriber_is_the_installed_tiny_english_model(transcriber):
    assert isinstance(transcriber, Transcriber)
    assert transcriber.name == "whisper-tiny.en"


def test_a_known_sentence_is_transcribed_within_the_word_error_rate_floor(heard, sentence):
    samples, rate = sentence
    assert word_error_rate([SENTENCE], [heard.text]) <= MAX_WER, heard.text
    assert heard.duration_s == pytest.approx(samples.size / rate, abs=0.01)
    assert heard.language == "en"
    assert heard.model == "whisper-tiny.en"
    # the words are the text, word for word
    assert normalise(" ".join(w.text for w in heard.words)) == normalise(heard.text)


def test_word_timestamps_are_in_order_and_within_the_recording(heard):
    words = heard.words
    assert len(words) >= 18
    for word in words:
        assert 0.0 <= word.start <= word.end <= heard.duration_s + 0.05, word
        assert 0.0 <= word.probability <= 1.0
    assert all(a.start <= b.start and a.end <= b.end for a, b in itertools.pairwise(words))
    # espeak speaks at 175 words a minute: the words span most of the clip, not a sliver of it
    assert words[-1].end - words[0].start >= 0.7 * heard.duration_s


def test_the_same_recording_gives_the_identical_transcript(transcriber, sentence_wav, heard):
    assert transcriber.transcribe(sentence_wav) == heard


def test_calls_from_two_threads_give_the_same_transcript(transcriber, sentence_wav, heard):
    results: list[Transcript] = []
    threads = [threading.Thread(target=lambda: results.append(transcriber.transcribe(sentence_wav))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [heard, heard]


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_browser_formats_transcribe_to_the_same_words(transcriber, sentence_wav, heard, kind):
    audio = encode(sentence_wav, *FORMATS[kind])
    assert audio[:4] != sentence_wav[:4]  # really another container
    other = transcriber.transcribe(audio)
    assert normalise(other.text) == normalise(heard.text)
    assert other.duration_s == pytest.approx(heard.duration_s, abs=0.1)


def test_progress_is_monotonic_and_reaches_1_even_with_trailing_silence(transcriber, sentence):
    samples, rate = sentence
    padded = np.concatenate([samples, np.zeros(4 * rate, dtype=samples.dtype)])  # 4 s of silence after it
    progress: list[float] = []
    transcriber.transcribe(wav_bytes(padded, rate), on_progress=progress.append)
    assert progress, "on_progress was never called"
    assert all(0.0 <= p <= 1.0 for p in progress)
    assert progress == sorted(progress)
    assert progress[-1] == 1.0


def test_a_pause_between_sentences_is_timed_and_counted_as_long(transcriber):
    first, rate = speak_pcm(FIRST, speed=175)
    second, _ = speak_pcm(SECOND, speed=175)
    pause_s = 4.0
    audio = wav_bytes(np.concatenate([first, np.zeros(int(pause_s * rate), dtype=first.dtype), second]), rate)
    figures = delivery_figures(transcriber.transcribe(audio))
    assert figures.long_pauses == 1
    # espeak leaves a few tenths of a second of silence at the end of each clip
    assert pause_s - 0.3 <= figures.longest_pause_s <= pause_s + 1.0


# --- recordings that cannot be transcribed -----------------------------------------------------------


def test_silence_is_no_speech(transcriber):
    with pytest.raises(NoSpeechError, match="No speech was heard"):
        transcriber.transcribe(wav_bytes(np.zeros(5 * SAMPLE_RATE, dtype=np.int16), SAMPLE_RATE))


@pytest.mark.parametrize("level", [0.02, 0.3])
def test_white_noise_is_no_speech(transcriber, level):
    noise = np.random.default_rng(7).normal(0.0, level, 5 * SAMPLE_RATE)
    with pytest.raises(NoSpeechError):
        transcriber.transcribe(wav_bytes(noise, SAMPLE_RATE))


@pytest.mark.parametrize(
    "audio",
    [
        np.random.default_rng(3).bytes(50_000),
        b"RIFF" + np.random.default_rng(4).bytes(50_000),  # a wav's magic, then garbage
        b"This is a text file, not a recording.\n" * 100,
    ],
    ids=["random", "riff-garbage", "text"],
)
def test_bytes_that_are_not_audio_are_unreadable(transcriber, audio):
    with pytest.raises(UnreadableAudioError, match="could not be read as audio"):
        transcriber.transcribe(audio)


def test_empty_bytes_are_unreadable(transcriber):
    with pytest.raises(UnreadableAudioError, match="empty"):
        transcriber.transcribe(b"")


def test_a_truncated_recording_still_transcribes_what_it_holds(transcriber, sentence_wav):
    heard = transcriber.transcribe(sentence_wav[: len(sentence_wav) // 2])
    assert normalise(heard.text).startswith("the project was")


def test_a_recording_over_5_minutes_is_cut_to_its_first_5_minutes():
    samples, cut = decode_first(_wav_u8_silence(MAX_AUDIO_S + 1))
    assert cut and samples.size == int(MAX_AUDIO_S * SAMPLE_RATE)
    with pytest.raises(AudioTooLongError, match="over 5 minutes"):
        decode(_wav_u8_silence(MAX_AUDIO_S + 1))  # the whole recording cannot be had
    samples, cut = decode_first(_wav_u8_silence(MAX_AUDIO_S))
    assert not cut and samples.size == int(MAX_AUDIO_S * SAMPLE_RATE)


def test_a_long_recording_is_transcribed_up_to_the_limit(transcriber, sentence_wav):
    long = _concatenated_wav(sentence_wav, MAX_AUDIO_S + 5)
    heard = transcriber.transcribe(long)
    assert heard.cut and normalise(heard.text).startswith("the project was")
    assert not transcriber.transcribe(sentence_wav).cut


def test_a_recording_of_exactly_5_minutes_is_not_refused_for_its_length():
    assert decode(_wav_u8_silence(MAX_AUDIO_S)).size == int(MAX_AUDIO_S * SAMPLE_RATE)


def test_a_long_recording_is_refused_without_decoding_all_of_it():
    # 40 minutes in 19 MB: decoded whole it would take about 230 MB (int16 and float32 at 16 kHz)
    audio = _wav_u8_silence(40 * 60)
    tracemalloc.start()
    try:
        with pytest.raises(AudioTooLongError):
            decode(audio)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 60 * 2**20, f"decoding peaked at {peak / 2**20:.0f} MB"


def test_a_file_over_the_byte_limit_is_refused_before_decoding(transcriber):
    audio = _wav_u8_silence(1) + bytes(MAX_AUDIO_BYTES)
    with pytest.raises(AudioTooLongError, match=f"over {MAX_AUDIO_BYTES // 2**20} MB"):
        transcriber.transcribe(audio)


# --- a missing or broken model ---------------------------------------------------------------------


def test_a_missing_model_names_the_install_command(tmp_path):
    settings = Settings.from_env({"CANDID_MODEL_DIR": str(tmp_path / "models")})
    with pytest.raises(ModelNotInstalledError, match=r"python -m models install whisper-tiny\.en"):
        load_transcriber("speech", settings=settings)
    with pytest.raises(ModelNotInstalledError, match=r"python -m models install whisper-base"):
        load_transcriber("speech-base", settings=settings)


def test_the_default_speech_model_comes_from_the_settings(tmp_path):
    settings = Settings.from_env({"CANDID_MODEL_DIR": str(tmp_path), "CANDID_SPEECH": "speech-base"})
    with pytest.raises(ModelNotInstalledError, match="whisper-base"):
        load_transcriber(settings=settings)


def test_a_registry_model_of_another_kind_is_not_a_speech_model():
    with pytest.raises(ValueError, match="not a speech model"):
        load_transcriber("embedder", settings=get_settings())


def test_a_folder_without_a_whisper_model_is_refused(tmp_path):
    with pytest.raises(ModelLoadError, match="not a CTranslate2 Whisper folder.*speech-base"):
        load_transcriber(str(tmp_path), settings=get_settings())
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (tmp_path / name).write_bytes(b"not a CTranslate2 model")
    with pytest.raises(ModelLoadError, match="could not load the speech model"):
        load_transcriber(str(tmp_path), settings=get_settings())


def test_a_folder_without_its_tokenizer_is_refused_rather_than_completed_from_a_hub(tmp_path, transcriber):
    installed = get_settings().model_dir / "whisper-tiny.en" / "model"
    folder = tmp_path / "tiny.en"
    folder.mkdir()
    for name in ("model.bin", "config.json", "vocabulary.txt"):  # everything but tokenizer.json
        (folder / name).symlink_to(installed / name)
    with pytest.raises(ModelLoadError, match="no tokenizer.json"):
        load_transcriber(str(folder), settings=get_settings())
    (folder / "tokenizer.json").symlink_to(installed / "tokenizer.json")
    local = load_transcriber(str(folder), settings=get_settings())
    assert local.name == "tiny.en"
