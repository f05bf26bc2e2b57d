"""The small interfaces the scorer depends on: a ``Judge``, an ``Embedder``, a ``RubricChecker``, a ``Transcriber``.

``scoring/`` only ever sees these protocols, so tests can use deterministic fakes and a team can
bring its own model without the scorer changing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, TypedDict, runtime_checkable

import numpy as np


class ChatMessage(TypedDict):
    """One chat turn: ``{"role": "system" | "user" | "assistant", "content": str}``."""

    role: str
    content: str


@runtime_checkable
class Judge(Protocol):
    """An instruction-tuned language model used to judge answers. Must be thread-safe."""

    name: str

    def generate(self, messages: Sequence[ChatMessage], max_new_tokens: int = 256) -> Iterator[str]:
        """Stream the greedy continuation of the chat as text chunks (same input, same text).

        When the last message is the assistant's, the reply continues that text (a prefill).
        Closing the iterator early stops generation.
        """
        ...

    def option_probabilities(self, messages: Sequence[ChatMessage], options: Sequence[str]) -> dict[str, float]:
        """Probability of each short option as the assistant's reply, normalised to sum to 1."""
        ...


def option_variants(option: str) -> set[str]:
    """The spellings of a short option whose probability counts for it in ``Judge.option_probabilities``:
    its casing and leading-space variants (``"Yes"`` -> ``{"Yes", "yes", "YES", " Yes"}``)."""
    return {option, option.lower(), option.capitalize(), option.upper(), " " + option}


def normalised_options(options: Sequence[str], masses: Sequence[float]) -> dict[str, float]:
    """Each option's mass over their sum, as ``Judge.option_probabilities`` returns; uniform when all are 0.

    Raises:
        ValueError: ``options`` and ``masses`` differ in length.
    """
    total = sum(masses)
    if total <= 0:
        return {option: 1.0 / len(options) for option in options}
    return {option: mass / total for option, mass in zip(options, masses, strict=True)}


@runtime_checkable
class Embedder(Protocol):
    """A sentence embedder. Must be thread-safe."""

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text."""
        ...


@dataclass(frozen=True)
class CheckProbabilities:
    """A rubric checker's verdict on one (claim, passage) pair; the three probabilities sum to 1."""

    states: float
    contradicts: float
    silent: float


@runtime_checkable
class RubricChecker(Protocol):
    """Says whether a passage states, contradicts or is silent on a claim (a rubric point or a red flag)."""

    name: str

    def check(self, pairs: Sequence[tuple[str, str]]) -> list[CheckProbabilities]:
        """One verdict per ``(claim, passage)`` pair, in order; same input, same output. Must be thread-safe."""
        ...


@dataclass(frozen=True)
class SpokenWord:
    """One transcribed word with its time in the recording (seconds from the start)."""

    text: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Transcript:
    """What a ``Transcriber`` heard: the text, its words with times, and the recording's length."""

    text: str
    words: tuple[SpokenWord, ...]
    duration_s: float
    language: str
    model: str
    cut: bool = False  # the recording was longer than the transcriber's limit: only its start was heard


@runtime_checkable
class Transcriber(Protocol):
    """Speech-to-text on this machine. Must be thread-safe."""

    name: str

    def transcribe(self, audio: bytes, on_progress: Callable[[float], None] | None = None) -> Transcript:
        """Transcribe a recording (wav, webm, ogg, mp3, ... as bytes); same input, same text.

        ``on_progress`` is called with the share of the recording done (0-1) as the text comes.

        Raises:
            models.errors.UnreadableAudioError: Not audio, or damaged.
            models.errors.AudioTooLongError: Over the size limit (a recording over the length limit is
                transcribed up to it, with ``Transcript.cut`` set).
            models.errors.NoSpeechError: Silence or noise only.
        """
        ...
