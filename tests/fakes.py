"""Deterministic stand-ins for the judge and the embedder, so most tests need no weights.

``FakeEmbedder`` hashes word stems into a bag-of-words vector: texts that share words are similar,
unrelated texts are not, which is enough to exercise ranking and coverage logic. ``FakeJudge``
answers option questions from word overlap between the answer block and the point being checked.
``FakeTranscriber`` "hears" the UTF-8 text of the bytes it is given (``SILENCE`` and non-UTF-8 bytes
fail the way the real transcriber does), one word every ``WORD_S`` seconds.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator, Sequence

import numpy as np

from models.errors import NoSpeechError, UnreadableAudioError
from models.protocols import ChatMessage, CheckProbabilities, SpokenWord, Transcript

WORD = re.compile(r"[a-z0-9]+")
STOP = {"the", "a", "an", "and", "or", "of", "to", "in", "i", "you", "it", "is", "was", "for", "on", "with", "my", "we"}


def stems(text: str) -> list[str]:
    """Lower-cased words without stop words, cut to 5 letters (a crude stemmer)."""
    return [w[:5] for w in WORD.findall(text.lower()) if w not in STOP]


class FakeEmbedder:
    """Bag-of-stems embeddings hashed into 256 dimensions, unit length."""

    name = "fake-embedder"
    dimension = 256

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for stem in stems(text):
                index = int(hashlib.md5(stem.encode()).hexdigest(), 16) % self.dimension
                out[row, index] += 1.0
            norm = np.linalg.norm(out[row])
            if norm > 0:
                out[row] /= norm
        return out


class FakeJudge:
    """Scripted judge: P(first option) grows with word overlap between the last message's two halves."""

    name = "fake-judge"

    def __init__(self, reply: str = "") -> None:
        self.reply = reply
        self.prompts: list[list[ChatMessage]] = []
        self._lock = threading.Lock()

    def option_probabilities(self, messages: Sequence[ChatMessage], options: Sequence[str]) -> dict[str, float]:
        with self._lock:
            self.prompts.append(list(messages))
        text = messages[-1]["content"]
        head, _, tail = text.rpartition("\n\n")
        overlap = len(set(stems(head)) & set(stems(tail)))
        first = min(0.95, 0.1 + 0.2 * overlap)
        rest = (1.0 - first) / max(1, len(options) - 1)
        return {option: (first if i == 0 else rest) for i, option in enumerate(options)}

    def generate(self, messages: Sequence[ChatMessage], max_new_tokens: int = 256) -> Iterator[str]:
        with self._lock:
            self.prompts.append(list(messages))
        reply = self.reply
        if messages and messages[-1]["role"] == "assistant":  # a prefill: continue the script after it
            prefill = messages[-1]["content"]
            reply = ""
            for size in range(min(len(prefill), 40), 0, -1):
                at = self.reply.rfind(prefill[-size:])
                if at >= 0:
                    reply = self.reply[at + size :]
                    break
        words = reply.split(" ")
        for i, word in enumerate(words[:max_new_tokens]):
            yield word if i == 0 else " " + word


NEGATIONS = {"not", "never", "no", "didn't", "don't", "without", "instead", "skip", "skipped", "ignore", "ignored"}


class FakeChecker:
    """Scripted rubric checker: P(states) grows with the share of the claim's stems in the passage;
    a passage that shares stems with the claim and negates (``NEGATIONS``) contradicts it instead."""

    name = "fake-checker@test"

    def __init__(self) -> None:
        self.pairs: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def check(self, pairs: Sequence[tuple[str, str]]) -> list[CheckProbabilities]:
        with self._lock:
            self.pairs.extend(pairs)
        out = []
        for claim, passage in pairs:
            wanted = set(stems(claim))
            share = len(wanted & set(stems(passage))) / max(1, len(wanted))
            negated = bool(NEGATIONS & set(WORD.findall(passage.lower())))
            if negated and share >= 0.3:
                out.append(CheckProbabilities(0.05, 0.9, 0.05))
            else:
                states = min(0.95, share * 1.2)
                out.append(CheckProbabilities(states, 0.02, max(0.0, 0.98 - states)))
        return out


class FakeTranscriber:
    """A transcriber that reads the recording's bytes as the spoken text; counts its calls.

    ``b"SILENCE"`` raises ``NoSpeechError`` and bytes that are not UTF-8 raise ``UnreadableAudioError``,
    as the real one does for silence and for files that are not audio. A ``[pause]`` token adds a 4 s
    silence before the next word.
    """

    name = "fake-transcriber"
    WORD_S = 0.4

    def __init__(self) -> None:
        self.calls = 0

    def transcribe(self, audio: bytes, on_progress: object = None) -> Transcript:
        """The text of ``audio`` with one word per ``WORD_S`` seconds."""
        self.calls += 1
        try:
            text = audio.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableAudioError("This file could not be read as audio.") from exc
        if text.strip() == "SILENCE":
            raise NoSpeechError("No speech was heard in the recording (silence or noise only).")
        words, clock = [], 0.0
        for token in text.split():
            if token == "[pause]":
                clock += 4.0
                continue
            words.append(SpokenWord(token, round(clock, 3), round(clock + self.WORD_S - 0.05, 3), 0.9))
            clock += self.WORD_S
        if callable(on_progress):
            on_progress(1.0)
        spoken = " ".join(word.text for word in words)
        return Transcript(text=spoken, words=tuple(words), duration_s=round(clock, 3), language="en", model=self.name)
