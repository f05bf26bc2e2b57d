"""Text utilities for untrusted candidate text: normalisation, truncation, sentences and words."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_WORDS = 5000
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202a", "\u202b", "\u202c", "\u202d"}
_INVISIBLE |= {"\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}
_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ])")
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦‣]|\d+[.)])\s+")


def normalize_text(text: str) -> str:
    """NFC-normalise, drop control and invisible characters, unify line breaks; keep paragraphs."""
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for ch in text:
        if ch in _INVISIBLE:
            continue
        if unicodedata.category(ch) in {"Cc", "Cs", "Co"} and ch not in "\n\t":
            continue
        kept.append(ch)
    text = "".join(kept).replace("\t", " ")
    text = re.sub(r"[ \u00a0]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def words(text: str) -> list[str]:
    """The words of ``text`` (letters/digits, with inner apostrophes, dots and hyphens)."""
    return _WORD.findall(text)


@dataclass(frozen=True)
class Truncation:
    """Text cut to at most ``MAX_WORDS`` words, and whether it was cut."""

    text: str
    truncated: bool
    original_words: int


def truncate_words(text: str, max_words: int = MAX_WORDS) -> Truncation:
    """Keep the first ``max_words`` words of ``text`` (cutting at a word boundary)."""
    matches = list(_WORD.finditer(text))
    if len(matches) <= max_words:
        return Truncation(text, False, len(matches))
    end = matches[max_words - 1].end()
    return Truncation(text[:end].rstrip() + " …", True, len(matches))


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; bullet lines and paragraphs are separate sentences."""
    sentences: list[str] = []
    for line in text.split("\n"):
        line = _BULLET.sub("", line).strip()
        if not line:
            continue
        for part in _SENTENCE_END.split(line):
            part = part.strip()
            if part:
                sentences.append(part)
    return sentences


def _stem(word: str) -> str:
    """A crude suffix stripper: enough to match "evaporated" with "evaporate" and "terminals" with "terminal"."""
    word = word.lower()
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_weights(text: str, stop_words: frozenset[str] | set[str]) -> dict[str, float]:
    """Content-word stems of ``text`` weighted by rarity (``8 - Zipf frequency``, at least 0.5), like IDF."""
    from wordfreq import zipf_frequency

    weights: dict[str, float] = {}
    for word in words(text):
        low = word.lower()
        if low in stop_words:
            continue
        stem = _stem(low)
        weights[stem] = max(weights.get(stem, 0.0), max(0.5, 8.0 - zipf_frequency(low, "en")))
    return weights


def weighted_recall(answer: str, reference: str, stop_words: frozenset[str] | set[str]) -> float:
    """Share of the reference's content (rarity-weighted) that the answer also uses (0-1)."""
    ref = content_weights(reference, stop_words)
    if not ref:
        return 0.0
    ans = content_weights(answer, stop_words)
    return sum(weight for stem, weight in ref.items() if stem in ans) / sum(ref.values())
