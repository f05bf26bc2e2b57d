"""Speech-to-text benchmark: ``python -m evaluation.speech [--models speech speech-base] [--speeds 150 175]``.

What it measures, and how:

- **Word error rate** of each model on a synthetic set of spoken answers. The ten candidate answers
  of the reference report (``evaluation/data/spoken_answers.jsonl``, copied from
  ``shared/reference/example_interview_report.txt``, 110-131 words each) are spoken by espeak-ng
  (its default English voice) at each speed (words per minute, ``-s``), transcribed through
  ``models.speech.WhisperTranscriber`` exactly as the app transcribes (int8 on the CPU, greedy, the
  voice-activity filter, the filler prompt) and scored with jiwer's corpus WER (word edits over all
  answers / reference words). Both sides are first normalised the standard way, with Whisper's own
  English normaliser (``whisper_normalizer.english.EnglishTextNormalizer``, the one OpenAI's Whisper
  evaluations use): lowercase, punctuation out, spelled-out numbers as digits ("fifteen percent" and
  "15%" both become "15%"), British spellings as American, contractions expanded.
- **Speed and memory** on a 60-second answer: the spoken answers (first speed) are joined with half a
  second of silence between them and cut to exactly 60.0 s. Each model runs in a child process of its
  own that times ``models.loader.load_transcriber`` (load seconds), transcribes the clip twice (the
  first call also loads the voice-activity model; the floor is checked on it) and reports the real-time
  factor (seconds of compute per second of audio) and the process's peak RSS (``ru_maxrss``) after
  loading and transcribing the minute. The same child then transcribes the WER set.
- **Floors** (the issue): a 60-second answer transcribed in at most 6 s with tiny.en and 20 s with base;
  WER at most 15% on the synthetic set.

What the synthetic voice does to the figures: espeak-ng is a formant synthesiser, robotic, with one
clean voice, no accent, no hesitations, no background noise and no microphone. Whisper was trained on
human speech, so it mishears some of espeak's words that a person would say clearly ("as a" heard as
"I am", plurals dropped) and espeak reads product names in its own way (FastAPI, SageMaker, scikit-learn
and XGBoost make a good share of the errors; "datasets" heard as "data sets" counts two), while it never
meets the noise, reverberation, accents, self-corrections and "um"s of a real candidate. The WER here is
therefore neither a floor nor a ceiling for real voices: it checks that the pipeline transcribes
whole answers well and compares the two models on equal input. Timing figures do not depend on the
voice (Whisper's compute grows with the audio length and the number of words) and are those of this
machine's CPU threads (``CANDID_THREADS``). Not a test: figures for README's Performance section.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
ANSWERS_FILE = Path(__file__).with_name("data") / "spoken_answers.jsonl"
ESPEAK = "espeak-ng"
MINUTE_S = 60.0
GAP_S = 0.5  # silence between the answers joined into the 60-second clip
FLOORS = {  # model name: most seconds to transcribe a 60-second answer (the floors)
    "whisper-tiny.en": 6.0,
    "whisper-base": 20.0,
}
MAX_WER = 0.15


# --- speaking and encoding (also used by the speech tests) -----------------------------------------


def speak_pcm(text: str, *, speed: int = 175) -> tuple[np.ndarray, int]:
    """``text`` spoken by espeak-ng (default voice) at ``speed`` words a minute: 16-bit mono samples and rate.

    Raises:
        RuntimeError: espeak-ng is not installed, or failed.
    """
    if shutil.which(ESPEAK) is None:
        raise RuntimeError(
            f"{ESPEAK} is not installed; it speaks the known sentences that the speech tests and benchmark "
            f"transcribe. Install it with `apt-get install {ESPEAK}` (.ci/run installs it)."
        )
    with tempfile.TemporaryDirectory(prefix="candid-espeak-") as scratch:
        path = Path(scratch) / "speech.wav"
        command = [ESPEAK, "-s", str(speed), "-w", str(path), "--stdin"]  # text on stdin: never read as an option
        done = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, check=False)
        if done.returncode != 0 or not path.is_file():
            raise RuntimeError(f"{ESPEAK} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-500:]}")
        with wave.open(str(path), "rb") as recording:
            rate = recording.getframerate()
            samples = np.frombuffer(recording.readframes(recording.getnframes()), dtype="<i2")
    return samples.copy(), rate


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    """A mono 16-bit wav file of ``samples`` (int16, or floats in -1..1)."""
    if samples.dtype.kind == "f":
        samples = np.round(np.clip(samples, -1.0, 1.0) * 32767)
    out = io.BytesIO()
    with wave.open(out, "wb") as recording:
        recording.setnchannels(1)
        recording.setsampwidth(2)
        recording.setframerate(rate)
        recording.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


def speak(text: str, *, speed: int = 175) -> bytes:
    """``text`` spoken by espeak-ng, as the bytes of a wav file."""
    samples, rate = speak_pcm(text, speed=speed)
    return wav_bytes(samples, rate)


def encode(audio: bytes, container: str, codec: str, rate: int) -> bytes:
    """Re-encode a recording with PyAV: e.g. ``("webm", "libopus", 48000)``, ``("ogg", "libopus", 48000)``,
    ``("mp3", "libmp3lame", 22050)`` or ``("mp4", "aac", 44100)``, mono."""
    import av

    out = io.BytesIO()
    with av.open(io.BytesIO(audio)) as source, av.open(out, "w", format=container) as target:
        stream = target.add_stream(codec, rate=rate)
        stream.layout = "mono"
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        for frame in [*source.decode(audio=0), None]:
            if frame is not None:
                frame.pts = None
            for resampled in resampler.resample(frame):
                target.mux(stream.encode(resampled))
        target.mux(stream.encode(None))
    return out.getvalue()


# --- scoring -----------------------------------------------------------------------------------------


@functools.cache
def _normaliser() -> Callable[[str], str]:
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


def normalise(text: str) -> str:
    """Whisper's English normalisation: lowercase, no punctuation, numbers as digits, American spelling."""
    return " ".join(_normaliser()(text).split())


def word_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus word error rate (edits over all reference words) after ``normalise`` on both sides."""
    import jiwer

    return float(jiwer.wer([normalise(r) for r in references], [normalise(h) or "<none>" for h in hypotheses]))


def load_answers(path: Path = ANSWERS_FILE) -> list[dict[str, str]]:
    """The spoken-answer texts: ``{"id", "text"}`` per line."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# --- the child process: one model --------------------------------------------------------------------


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@dataclass(frozen=True)
class ModelRun:
    """What one model's child process measured."""

    model: str
    threads: int
    load_s: float
    minute_s: float
    minute_warm_s: float
    minute_words: int
    peak_rss_mb: float
    set_compute_s: float
    texts: dict[str, str]


def run_model(model: str, clips: Path) -> ModelRun:
    """Load one model, time the 60-second clip, then transcribe every clip of the set (in this process)."""
    from models.errors import SpeechInputError
    from models.loader import load_transcriber
    from settings import get_settings

    started = time.perf_counter()
    transcriber = load_transcriber(model)
    load_s = time.perf_counter() - started
    minute = (clips / "minute.wav").read_bytes()
    runs = []
    for _ in range(2):
        started = time.perf_counter()
        heard = transcriber.transcribe(minute)
        runs.append(time.perf_counter() - started)
    peak = _peak_rss_mb()
    texts: dict[str, str] = {}
    set_s = 0.0
    for clip in sorted(clips.glob("set-*.wav")):
        started = time.perf_counter()
        try:
            texts[clip.stem] = transcriber.transcribe(clip.read_bytes()).text
        except SpeechInputError as error:  # counted as all words missed
            texts[clip.stem] = ""
            print(f"{model} {clip.stem}: {error}", file=sys.stderr)
        set_s += time.perf_counter() - started
    return ModelRun(
        model=transcriber.name,
        threads=get_settings().threads,
        load_s=load_s,
        minute_s=runs[0],
        minute_warm_s=runs[1],
        minute_words=len(heard.words),
        peak_rss_mb=peak,
        set_compute_s=set_s,
        texts=texts,
    )


# --- the parent: build the set, run each model, report -------------------------------------------------


@dataclass(frozen=True)
class SpokenSet:
    """The synthetic set: how many clips, how much audio."""

    clips: int
    audio_s: float


def build_clips(answers: list[dict[str, str]], speeds: Sequence[int], into: Path) -> SpokenSet:
    """Speak every answer at every speed (``set-ID-SPEED.wav``) and build the 60-second clip (``minute.wav``)."""
    total_s = 0.0
    minute: list[np.ndarray] = []
    minute_rate = 0
    for speed in speeds:
        for answer in answers:
            samples, rate = speak_pcm(answer["text"], speed=speed)
            (into / f"set-{answer['id']}-{speed}.wav").write_bytes(wav_bytes(samples, rate))
            total_s += samples.size / rate
            if speed == speeds[0]:
                minute += [samples, np.zeros(int(GAP_S * rate), dtype="<i2")]
                minute_rate = rate
    joined = np.concatenate(minute)
    needed = int(MINUTE_S * minute_rate)
    if joined.size < needed:
        raise RuntimeError(f"the spoken answers last {joined.size / minute_rate:.0f} s, under {MINUTE_S:.0f} s")
    (into / "minute.wav").write_bytes(wav_bytes(joined[:needed], minute_rate))
    return SpokenSet(clips=len(answers) * len(speeds), audio_s=total_s)


def _child(model: str, clips: Path) -> ModelRun:
    done = subprocess.run(
        [sys.executable, "-m", "evaluation.speech", "--worker", model, "--clips", str(clips)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stderr.write(done.stderr)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"the {model} run failed ({done.returncode})")
    return ModelRun(**json.loads(line[len("RESULT ") :]))


def report(
    answers: list[dict[str, str]], speeds: Sequence[int], spoken: SpokenSet, runs: list[ModelRun]
) -> dict[str, Any]:
    """The figures of each model: WER per speed and overall, timings, memory, floors met."""
    truth = {f"set-{a['id']}-{speed}": a["text"] for speed in speeds for a in answers}

    def wer(run: ModelRun, keys: list[str]) -> float:
        return round(word_error_rate([truth[k] for k in keys], [run.texts.get(k, "") for k in keys]), 4)

    rows = []
    for run in runs:
        floor = FLOORS.get(run.model)
        overall = wer(run, sorted(truth))
        rows.append(
            {
                "model": run.model,
                "threads": run.threads,
                "wer": overall,
                "wer_by_speed": {str(v): wer(run, sorted(k for k in truth if k.endswith(f"-{v}"))) for v in speeds},
                "load_s": round(run.load_s, 2),
                "minute_s": round(run.minute_s, 2),
                "minute_warm_s": round(run.minute_warm_s, 2),
                "minute_words": run.minute_words,
                "rtf": round(run.minute_s / MINUTE_S, 3),
                "rtf_warm": round(run.minute_warm_s / MINUTE_S, 3),
                "peak_rss_mb": round(run.peak_rss_mb),
                "set_rtf": round(run.set_compute_s / spoken.audio_s, 3),
                "speed_floor_s": floor,
                "meets_speed_floor": None if floor is None else run.minute_s <= floor,
                "meets_wer_floor": overall <= MAX_WER,
            }
        )
    return {
        "benchmark": "speech",
        "voice": f"{ESPEAK} default",
        "speeds_wpm": list(speeds),
        "clips": spoken.clips,
        "audio_s": round(spoken.audio_s, 1),
        "normaliser": "whisper_normalizer.english.EnglishTextNormalizer",
        "models": rows,
    }


def print_table(result: dict[str, Any], speeds: Sequence[int]) -> None:
    """The figures as a small table, then one JSON line."""
    print(
        f"Synthetic set: {result['clips']} clips, {result['audio_s']} s of audio (the 10 reference answers, "
        f"espeak-ng default voice at {', '.join(map(str, speeds))} wpm); WER after Whisper's English normaliser"
    )
    header = ["model", "threads", *(f"WER@{s}" for s in speeds), "WER", "load s", "60s: s", "RTF", "warm s"]
    header += ["RSS MB", "set RTF", "floors"]
    lines = [header]
    for row in result["models"]:
        by_speed = row["wer_by_speed"]
        floors = "WER " + ("ok" if row["meets_wer_floor"] else "MISSED")
        if row["speed_floor_s"] is not None:
            floors += f", 60s <= {row['speed_floor_s']:.0f} s " + ("ok" if row["meets_speed_floor"] else "MISSED")
        lines.append(
            [
                str(row["model"]),
                str(row["threads"]),
                *(f"{by_speed[str(s)]:.1%}" for s in speeds),
                f"{row['wer']:.1%}",
                f"{row['load_s']:.2f}",
                f"{row['minute_s']:.2f}",
                f"{row['rtf']:.3f}",
                f"{row['minute_warm_s']:.2f}",
                str(row["peak_rss_mb"]),
                f"{row['set_rtf']:.3f}",
                floors,
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    print(
        "60s: seconds to transcribe a 60.0 s answer, first call after loading (warm: the second call); "
        "RTF: compute seconds per second of audio; RSS MB: peak of the model's process after loading and "
        "transcribing the minute; set RTF: over the whole synthetic set."
    )
    print("JSON " + json.dumps(result, sort_keys=True))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (or, with ``--worker``, one model's part of it)."""
    parser = argparse.ArgumentParser(prog="python -m evaluation.speech", description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["speech", "speech-base"], help="registry names or profiles")
    parser.add_argument("--speeds", nargs="+", type=int, default=[150, 175], help="espeak-ng words per minute")
    parser.add_argument("--worker", metavar="MODEL", help=argparse.SUPPRESS)
    parser.add_argument("--clips", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(asdict(run_model(args.worker, args.clips))), flush=True)
        return 0
    answers = load_answers()
    with tempfile.TemporaryDirectory(prefix="candid-speech-bench-") as scratch:
        clips = Path(scratch)
        spoken = build_clips(answers, args.speeds, clips)
        runs = [_child(model, clips) for model in args.models]
    print_table(report(answers, args.speeds, spoken, runs), args.speeds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
