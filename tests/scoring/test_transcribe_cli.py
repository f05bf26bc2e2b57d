"""``python -m scoring transcribe`` with the real tiny.en model on espeak-ng recordings: JSON out, clear errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from evaluation.speech import encode, speak, word_error_rate
from scoring.cli import main

pytestmark = pytest.mark.real_model
ROOT = Path(__file__).resolve().parents[2]
SENTENCE = "First I listened to the customer, then I wrote down the problem, and we fixed it together."


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("speech") / "answer.wav"
    path.write_bytes(speak(SENTENCE, speed=175))
    return path


def _run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["transcribe", *args])
    out, err = capsys.readouterr()
    return status, out, err


def _one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("python -m scoring: error: ")
    return lines[0]


def test_a_wav_prints_the_transcript_delivery_and_words_as_json(capsys, recording):
    status, out, err = _run(capsys, str(recording))
    assert status == 0, err
    result = json.loads(out)
    keys = {"transcript", "language", "model", "duration_s", "cut", "delivery", "delivery_lines", "words"}
    assert set(result) == keys and result["cut"] is False
    assert word_error_rate([SENTENCE], [result["transcript"]]) <= 0.15, result["transcript"]
    assert result["model"] == "whisper-tiny.en"
    assert result["language"] == "en"
    assert 3.0 < result["duration_s"] < 10.0
    words = result["words"]
    assert len(words) >= 14
    assert all(set(w) == {"word", "start", "end", "probability"} for w in words)
    assert all(0 <= w["start"] <= w["end"] <= result["duration_s"] + 0.05 for w in words)
    assert [w["start"] for w in words] == sorted(w["start"] for w in words)
    delivery = result["delivery"]
    assert delivery["words"] == len(words)
    assert delivery["transcriber"] == "whisper-tiny.en"
    assert delivery["fillers"] == 0  # espeak says no "um"
    assert delivery["long_pauses"] == 0
    assert delivery["speaking_s"] == pytest.approx(words[-1]["end"] - words[0]["start"], abs=0.05)
    lines = result["delivery_lines"]
    assert [line.split(":")[0] for line in lines] == [
        "Speaking time",
        "Pace",
        "Filler words",
        "Long pauses (3 s or more)",
    ]


def test_no_words_leaves_the_word_times_out(capsys, recording):
    status, out, _ = _run(capsys, str(recording), "--no-words", "--model", "speech")
    assert status == 0
    result = json.loads(out)
    assert "words" not in result
    assert result["model"] == "whisper-tiny.en"
    assert result["delivery"]["words"] > 10


def test_a_recording_on_standard_input(capsys, monkeypatch, recording):
    audio = encode(recording.read_bytes(), "webm", "libopus", 48_000)
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(audio)))
    status, out, err = _run(capsys, "-", "--no-words")
    assert status == 0, err
    assert word_error_rate([SENTENCE], [json.loads(out)["transcript"]]) <= 0.15


def test_a_corrupt_file_exits_1_with_one_clear_line(capsys, tmp_path, recording):
    corrupt = tmp_path / "answer.webm"
    corrupt.write_bytes(b"\x1a\x45\xdf\xa3" + np.random.default_rng(5).bytes(40_000))
    status, out, err = _run(capsys, str(corrupt))
    assert status == 1
    assert out == ""
    line = _one_line_error(err)
    assert str(corrupt) in line
    assert "could not be read as audio" in line


def test_a_missing_file_exits_1_with_one_clear_line(capsys, tmp_path):
    missing = tmp_path / "nowhere.wav"
    status, out, err = _run(capsys, str(missing))
    assert status == 1
    assert out == ""
    assert _one_line_error(err) == f"python -m scoring: error: cannot read {missing}: No such file or directory"


def test_silence_exits_1_saying_no_speech_was_heard(capsys, tmp_path):
    from evaluation.speech import wav_bytes

    silent = tmp_path / "silent.wav"
    silent.write_bytes(wav_bytes(np.zeros(3 * 16_000, dtype=np.int16), 16_000))
    status, out, err = _run(capsys, str(silent))
    assert status == 1
    assert out == ""
    assert "No speech was heard" in _one_line_error(err)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-17", "unknown model"),
        ("embedder", "not a speech model"),
        ("/nonexistent/whisper", "not a CTranslate2 Whisper folder"),
    ],
)
def test_a_bad_model_exits_1(capsys, recording, model, expected):
    status, out, err = _run(capsys, str(recording), "--model", model)
    assert status == 1
    assert out == ""
    assert expected in _one_line_error(err)


def test_the_command_in_a_process_of_its_own(recording):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "scoring", "transcribe", str(recording), "--no-words"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert word_error_rate([SENTENCE], [result["transcript"]]) <= 0.15
    assert len(result["delivery_lines"]) == 4
