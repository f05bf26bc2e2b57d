"""Deterministic stand-ins for the judge and the embedder, so most tests need no weights.

``FakeEmbedder`` hashes word stems into a bag-of-words vector: texts that share words are similar,
unrelated texts are not, which is enough to exercise ranking and coverage logic. ``FakeJudge``
answers option questions from word overlap between the answer block and the point being checked.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator, Sequence

import numpy as np

from models.protocols import ChatMessage, CheckProbabilities

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
