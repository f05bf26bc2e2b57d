"""Speech-to-text on this machine: Whisper through faster-whisper (CTranslate2, int8 on a CPU).

``WhisperTranscriber`` turns a recording (bytes of wav, webm, ogg, mp3, m4a or flac; PyAV decodes
them) into a ``models.protocols.Transcript`` with word timestamps, from a local model folder only:
nothing reaches a model hub (``local_files_only``). Decoding is greedy at temperature 0 without
fallback, so the same recording gives the same text. Silence and noise are caught by the Silero
voice-activity filter that ships inside faster-whisper and by Whisper's own no-speech probability.
"""

from __future__ import annotations

import gc
import io
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import AudioTooLongError, ModelLoadError, NoSpeechError, UnreadableAudioError
from models.protocols import SpokenWord, Transcript

SAMPLE_RATE = 16_000  # Hz: what Whisper's feature extractor expects (faster-whisper resamples to it)
MAX_AUDIO_S = 300.0  # a spoken answer longer than 5 minutes is refused (the limit; answers run 1-3 min)
MAX_AUDIO_BYTES = 64 * 1024 * 1024  # refuse bigger uploads before decoding (5 min of 48 kHz stereo wav is 55 MB)
DECODE_CHUNK = 500_000  # source samples resampled at a time (faster-whisper's grouping)
MIN_SPEECH_S = 0.3  # less voice than this (after the voice-activity filter) is "no speech"
# Whisper's own thresholds (openai/whisper transcribe.py): a segment whose no-speech probability is
# over 0.6 while its mean token log-probability is under -1.0 is silence or noise that was "heard".
NO_SPEECH_PROBABILITY = 0.6
LOW_LOG_PROBABILITY = -1.0


def _pcm16(audio: bytes, limit: int) -> np.ndarray:
    """Mono 16-bit samples at 16 kHz, decoding no more than about ``limit`` samples (then one chunk more).

    Like ``faster_whisper.decode_audio`` (PyAV, damaged frames skipped), but it stops once the recording
    is known to be too long: a small, highly compressed upload (an hour of 6 kbit/s Opus is 3 MB) would
    otherwise be decoded whole, about 560 MB of memory per hour of audio, before being refused.
    """
    import av  # imported when first needed

    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    total = 0

    def take(frames: list[Any]) -> None:
        nonlocal total
        for frame in frames:
            chunk = frame.to_ndarray().reshape(-1)
            chunks.append(chunk)
            total += chunk.size

    with av.open(io.BytesIO(audio), mode="r", metadata_errors="ignore") as container:
        fifo = av.AudioFifo()
        frames = container.decode(audio=0)
        while total <= limit:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except av.error.InvalidDataError:
                continue  # a damaged frame: skipped, as faster-whisper does
            frame.pts = None  # no timestamp-continuity check in the FIFO
            fifo.write(frame)
            if fifo.samples >= DECODE_CHUNK:
                take(resampler.resample(fifo.read()))
        if total <= limit:
            if fifo.samples:
                take(resampler.resample(fifo.read()))
            take(resampler.resample(None))
    del resampler
    gc.collect()  # PyAV's resampler objects are freed only by the collector (faster-whisper issue #390)
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


def decode_first(audio: bytes) -> tuple[np.ndarray, bool]:
    """A recording's first ``MAX_AUDIO_S`` seconds, mono float32 at 16 kHz, and whether it was longer (cut).

    Raises:
        AudioTooLongError: Over ``MAX_AUDIO_BYTES`` (refused before decoding).
        UnreadableAudioError: Empty, not audio, or damaged.
    """
    if not audio:
        raise UnreadableAudioError("The recording is empty. Record again, or type your answer.")
    if len(audio) > MAX_AUDIO_BYTES:
        raise AudioTooLongError(
            f"The file is over {MAX_AUDIO_BYTES // 2**20} MB; recordings up to {MAX_AUDIO_BYTES // 2**20} MB and "
            f"{MAX_AUDIO_S / 60:.0f} minutes are transcribed. Record a shorter answer, or type it."
        )
    limit = int(MAX_AUDIO_S * SAMPLE_RATE)
    try:
        pcm = _pcm16(audio, limit)
    except Exception as exc:  # PyAV raises its own error classes for every kind of bad file
        raise UnreadableAudioError(
            "This file could not be read as audio (wav, webm, ogg, mp3, m4a or flac), or it is damaged. "
            "Record again, or type your answer."
        ) from exc
    if pcm.size == 0:
        raise UnreadableAudioError("The recording holds no sound. Check the microphone and record again.")
    return pcm[:limit].astype(np.float32) / 32768.0, pcm.size > limit


def decode(audio: bytes) -> np.ndarray:
    """A whole recording's samples, mono float32 at 16 kHz.

    Raises:
        AudioTooLongError: Over ``MAX_AUDIO_BYTES`` or ``MAX_AUDIO_S`` (decoding stops once past it).
        UnreadableAudioError: Empty, not audio, or damaged.
    """
    samples, cut = decode_first(audio)
    if cut:
        raise AudioTooLongError(
            f"The recording is over {MAX_AUDIO_S / 60:.0f} minutes long; answers up to {MAX_AUDIO_S / 60:.0f} "
            "minutes are transcribed. Record a shorter answer (the main points first), or type it."
        )
    return samples


def _words(
    segments: Iterable[Any], duration_s: float, on_progress: Callable[[float], None] | None
) -> tuple[list[str], list[SpokenWord]]:
    texts: list[str] = []
    words: list[SpokenWord] = []
    done = 0.0
    for segment in segments:
        if on_progress is not None and duration_s > 0:
            done = max(done, min(1.0, float(segment.end) / duration_s))  # never goes back
            on_progress(done)
        if segment.no_speech_prob > NO_SPEECH_PROBABILITY and segment.avg_logprob < LOW_LOG_PROBABILITY:
            continue  # heard in noise or silence: Whisper's own rule for dropping a segment
        texts.append(segment.text.strip())
        for word in segment.words or ():
            text = word.word.strip()
            if text:
                start, end = round(float(word.start), 3), round(float(word.end), 3)
                words.append(SpokenWord(text, start, end, float(word.probability)))
    if on_progress is not None:
        on_progress(1.0)  # the last segment ends at the last speech, not at the end of the recording
    return texts, words


class WhisperTranscriber:
    """Whisper (CTranslate2 format) behind the ``Transcriber`` protocol; thread-safe (calls take turns).

    Args:
        folder: A local CTranslate2 Whisper folder (``model.bin``, ``config.json``, ``tokenizer.json``).
        name: The name shown with transcripts.
        threads: CPU threads for CTranslate2.
        english_only: The model is an English-only one (``*.en``): no language detection.

    Raises:
        ModelLoadError: The folder is not a CTranslate2 Whisper model.
    """

    def __init__(self, folder: Path, *, name: str, threads: int = 2, english_only: bool = False) -> None:
        from faster_whisper import WhisperModel

        # Without tokenizer.json faster-whisper would fetch a tokenizer from the Hugging Face hub.
        missing = [file for file in ("model.bin", "tokenizer.json") if not (folder / file).is_file()]
        if missing:
            raise ModelLoadError(f"{folder} is not a CTranslate2 Whisper folder (no {' or '.join(missing)})")
        try:
            self._model = WhisperModel(
                str(folder), device="cpu", compute_type="int8", cpu_threads=threads, local_files_only=True
            )
        except Exception as exc:  # CTranslate2 raises RuntimeError / ValueError for bad folders
            raise ModelLoadError(f"could not load the speech model in {folder}: {exc}") from exc
        self.name = name
        self._english_only = english_only
        self._lock = threading.Lock()

    def transcribe(self, audio: bytes, on_progress: Callable[[float], None] | None = None) -> Transcript:
        """Transcribe a recording; see ``models.protocols.Transcriber`` (``on_progress``: share done, 0-1).

        Raises:
            UnreadableAudioError: Not audio, or damaged.
            AudioTooLongError: Over ``MAX_AUDIO_BYTES`` (a recording over ``MAX_AUDIO_S`` seconds is
                transcribed up to the limit, with ``Transcript.cut`` set).
            NoSpeechError: Silence or noise only.
        """
        samples, cut = decode_first(audio)  # a recording over the limit: its first MAX_AUDIO_S seconds
        with self._lock:
            segments, info = self._model.transcribe(
                samples,
                language="en" if self._english_only else None,
                beam_size=1,
                temperature=0.0,  # no sampling fallback: the same recording gives the same text
                condition_on_previous_text=False,  # no runaway repetition across segments
                # No initial prompt: one written with fillers (to keep the "um"s) made the model drop
                # or invent whole minutes of longer answers and mistranscribe other languages.
                word_timestamps=True,
                vad_filter=True,
            )
            texts, words = _words(segments, samples.size / SAMPLE_RATE, on_progress)  # decodes as it is read
        speech_s = float(info.duration_after_vad or 0.0)
        if speech_s < MIN_SPEECH_S:
            raise NoSpeechError(
                "No speech was heard in the recording (silence or noise only). Check that the right "
                "microphone is on and not muted, then record again, or type your answer."
            )
        if not words:  # a voice was heard, but no words came out of it
            other = "" if not self._english_only else " This speech model understands English only."
            raise NoSpeechError(
                f"A voice was heard but no words could be made out.{other} Speak clearly and close to the "
                "microphone, then record again, or type your answer."
            )
        return Transcript(
            text=" ".join(texts),
            words=tuple(words),
            duration_s=round(samples.size / SAMPLE_RATE, 3),
            language=info.language or "en",
            model=self.name,
            cut=cut,
        )


def is_whisper_folder(folder: Path) -> bool:
    """Whether ``folder`` looks like a CTranslate2 Whisper model (``model.bin`` and ``config.json``)."""
    return (folder / "model.bin").is_file() and (folder / "config.json").is_file()
