"""Text utilities for untrusted candidate text: normalisation, truncation, sentences and words."""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from dataclasses import dataclass

import snowballstemmer

MAX_WORDS = 5000
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202a", "\u202b", "\u202c", "\u202d"}
_INVISIBLE |= {"\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}
_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ])")
_STEMMER = snowballstemmer.stemmer("english")
_STEMMER_LOCK = threading.Lock()
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


_FIRST_PERSON_ACTION = re.compile(
    r"\b(?:I|we)\s+(?:\w+ly\s+)?(?:[a-z]+ed|built|ran|led|wrote|set|cut|made|chose|took|found|sent|kept|shipped|"
    r"drove|brought|began|gave|got|put|split|sat|met|won|taught|spent|held|paid|sold|told|rebuilt)\b"
)


def first_person_actions(text: str) -> int:
    """How many first-person past actions the text reports ("I built", "we migrated", "I quickly rebuilt"): the
    mark of a story of what the candidate did. Counted on the text as written (case-sensitive "I")."""
    return len(_FIRST_PERSON_ACTION.findall(text))


def words(text: str) -> list[str]:
    """The words of ``text`` (letters/digits, with inner apostrophes, dots and hyphens)."""
    return _WORD.findall(text)


def counted(number: int, noun: str) -> str:
    """``"1 question"``, ``"3 questions"``, ``"12,000 words"``: a count with its noun (plural by adding "s")."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


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


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem of a lower-cased word: "evaporated" and "evaporate" share one."""
    with _STEMMER_LOCK:  # a Snowball stemmer object keeps state between calls: not thread-safe
        return str(_STEMMER.stemWord(word.lower()))


def content_weights(text: str, stop_words: frozenset[str] | set[str]) -> dict[str, float]:
    """Content-word stems of ``text`` weighted by rarity (``8 - Zipf frequency``, at least 0.5), like IDF."""
    from wordfreq import zipf_frequency

    weights: dict[str, float] = {}
    for word in words(text):
        low = word.lower()
        if low in stop_words:
            continue
        key = stem(low)
        weights[key] = max(weights.get(key, 0.0), max(0.5, 8.0 - zipf_frequency(low, "en")))
    return weights
