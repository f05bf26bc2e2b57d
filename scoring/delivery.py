"""Delivery figures of a spoken answer: pace, filler words and long pauses, from word timestamps.

Pure functions over the words a ``models.protocols.Transcriber`` heard. Only what can be observed
and counted is reported, each with the plain range an interview coach gives; nothing is inferred
about confidence, emotion or the face, and none of it changes the score.

Ranges (rules of thumb, stated as such to the candidate):
- Pace 130-160 words per minute: the range interview and presentation coaches give for speech a
  listener follows easily (conversational English averages about 150 wpm; the US National Center
  for Voice and Speech gives ~150 wpm as the conversational rate).
- Up to 3 filler words a minute: about one every 20 seconds, which listeners do not notice.
- Long pause: a silence of ``LONG_PAUSE_S`` (3 s) or more between two words; up to 1 a minute reads
  as thinking, more as losing the thread.

Whisper leaves out many "um"s and "uh"s (it writes what was meant), so the filler figure is a lower
bound. (A prompt written with fillers makes it keep them, but it also made it drop or invent whole
minutes of longer answers, so Candid does not use one.)
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence

from models.protocols import SpokenWord, Transcript
from scoring.types import DeliveryFigures

LONG_PAUSE_S = 3.0
PACE_RANGE_WPM = (130, 160)
MAX_FILLERS_PER_MINUTE = 3.0
MAX_LONG_PAUSES_PER_MINUTE = 1.0
MIN_MINUTES = 1 / 6  # filler and pause rates over less than 10 s of speech are counted over 10 s, not blown up

# Sounds that are fillers wherever they occur.
FILLER_SOUNDS = {  # each spelling Whisper writes, to the one it is counted as
    "um": "um", "umm": "um", "uhm": "um", "uh": "uh", "uhh": "uh", "er": "er", "erm": "er",
    "ah": "ah", "hmm": "hmm", "hm": "hmm", "mm": "hmm", "mhm": "hmm",
}  # fmt: skip
# Words and phrases that are fillers only when set off by commas or pauses ("it was, like, slow";
# "you know," ), never inside a sentence ("I like Python", "do you know Kafka").
FILLER_PHRASES: tuple[tuple[str, ...], ...] = (("you", "know"), ("i", "mean"), ("like",), ("basically",))
_CLAUSE_END = (",", ".", "...", "…", "?", "!", ";", ":", "-", "—")
_LETTERS = re.compile(r"[^a-z']+")


def _bare(word: str) -> str:
    return _LETTERS.sub("", word.lower())


def _gap(earlier: SpokenWord, later: SpokenWord) -> float:
    """The silence between two words, at the timestamps' millisecond precision (4.02 - 1.02 is 3.0, not 2.9999...)."""
    return max(0.0, round(later.start - earlier.end, 3))


def _set_off(words: Sequence[SpokenWord], start: int, length: int) -> bool:
    """Whether ``words[start:start+length]`` stands apart: a comma or pause before it, and one after it."""
    before = start == 0 or words[start - 1].text.endswith(_CLAUSE_END)
    before = before or _gap(words[start - 1], words[start]) >= 0.5
    last = words[start + length - 1]
    after = last.text.endswith(_CLAUSE_END) or start + length == len(words)
    after = after or _gap(last, words[start + length]) >= 0.5
    return before and after


def filler_counts(words: Sequence[SpokenWord]) -> Counter[str]:
    """The filler words and phrases among ``words``, with their counts (``{"um": 2, "you know": 1}``)."""
    counts: Counter[str] = Counter()
    index = 0
    while index < len(words):
        bare = _bare(words[index].text)
        if bare in FILLER_SOUNDS:
            counts[FILLER_SOUNDS[bare]] += 1
            index += 1
            continue
        for phrase in FILLER_PHRASES:
            end = index + len(phrase)
            matches = end <= len(words) and tuple(_bare(w.text) for w in words[index:end]) == phrase
            if matches and _set_off(words, index, len(phrase)):
                counts[" ".join(phrase).replace("i ", "I ")] += 1
                index = end - 1
                break
        index += 1
    return counts


def delivery_figures(transcript: Transcript) -> DeliveryFigures:
    """Pace, fillers and pauses of a transcript.

    Args:
        transcript: What the transcriber heard (words with start and end times in seconds).

    Returns:
        The figures; rates are per minute of speaking time (first word to last); filler and pause rates
        count at least 10 s of it (one "um" in 3 s is not 20 a minute), pace uses the real time.
    """
    words = transcript.words
    if not words:
        return DeliveryFigures(
            recording_s=round(transcript.duration_s, 1), speaking_s=0.0, words=0, words_per_minute=0.0,
            fillers=0, fillers_per_minute=0.0, long_pauses=0, longest_pause_s=0.0, transcriber=transcript.model,
        )  # fmt: skip
    speaking_s = max(0.0, words[-1].end - words[0].start)
    minutes = max(speaking_s / 60, MIN_MINUTES)
    gaps = [_gap(earlier, later) for earlier, later in itertools.pairwise(words)]
    fillers = filler_counts(words)
    total_fillers = sum(fillers.values())
    return DeliveryFigures(
        recording_s=round(transcript.duration_s, 1),
        speaking_s=round(speaking_s, 1),
        words=len(words),
        words_per_minute=round(len(words) / (speaking_s / 60), 1) if speaking_s >= 1.0 else 0.0,  # the real pace
        fillers=total_fillers,
        filler_counts=dict(sorted(fillers.items(), key=lambda item: (-item[1], item[0]))),
        fillers_per_minute=round(total_fillers / minutes, 1),
        long_pauses=sum(gap >= LONG_PAUSE_S for gap in gaps),
        longest_pause_s=round(max(gaps, default=0.0), 1),
        transcriber=transcript.model,
    )


def _clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def delivery_lines(figures: DeliveryFigures) -> list[str]:
    """One display line per figure, each with its range, for pages and exports (plain text)."""
    low, high = PACE_RANGE_WPM
    fillers = ", ".join(f"{word} x{count}" for word, count in figures.filler_counts.items())
    return [
        f"Speaking time: {_clock(figures.speaking_s)} of a {_clock(figures.recording_s)} recording",
        f"Pace: {figures.words_per_minute:.0f} words per minute (easy to follow: {low}-{high})",
        f"Filler words: {figures.fillers_per_minute:.1f} a minute"
        + (f" ({fillers})" if fillers else "")
        + f" (unnoticed: up to {MAX_FILLERS_PER_MINUTE:.0f} a minute)",
        f"Long pauses ({LONG_PAUSE_S:.0f} s or more): {figures.long_pauses}"
        + (f", longest {figures.longest_pause_s:.1f} s" if figures.long_pauses else "")
        + f" (reads as thinking: up to {MAX_LONG_PAUSES_PER_MINUTE:.0f} a minute)",
    ]


def delivery_tips(figures: DeliveryFigures) -> list[str]:
    """What to change in how the answer was said, only for figures outside their range; ``[]`` when none."""
    if figures.words == 0:
        return []
    low, high = PACE_RANGE_WPM
    minutes = max(figures.speaking_s / 60, MIN_MINUTES)
    tips = []
    if figures.words_per_minute > high:
        tips.append(
            f"Slow down: at {figures.words_per_minute:.0f} words a minute a listener misses details; "
            "pause for a breath after each main point."
        )
    elif figures.words_per_minute < low and figures.speaking_s >= 20:
        tips.append(
            f"Keep it moving: {figures.words_per_minute:.0f} words a minute feels slow; decide your two or three "
            "points before you start, then say each in one go."
        )
    if figures.fillers_per_minute > MAX_FILLERS_PER_MINUTE and figures.fillers >= 2:  # one 'um' is no habit
        top = next(iter(figures.filler_counts), "um")
        tips.append(
            f"Fewer filler words: {figures.fillers_per_minute:.1f} a minute (mostly {top!r}); "
            "a short silence sounds more sure than a filler."
        )
    if figures.long_pauses > MAX_LONG_PAUSES_PER_MINUTE * max(minutes, 1.0):
        tips.append(
            f"{figures.long_pauses} long pauses (longest {figures.longest_pause_s:.1f} s): outline the answer "
            "(situation, what you did, the result) before you start speaking."
        )
    return tips


KEPT_SHARE = 0.5  # half the transcript's words still in the answer: it is still the spoken answer, corrected


def transcript_kept(text: str, transcript: str) -> bool:
    """Whether ``text`` is still (a correction of) ``transcript``: at least ``KEPT_SHARE`` of the transcript's
    words are in it. An answer typed over the transcript is not spoken, and gets no delivery figures."""
    spoken = _LETTERS.sub(" ", transcript.lower()).split()
    if not spoken:
        return False
    written = set(_LETTERS.sub(" ", text.lower()).split())
    return sum(word in written for word in spoken) / len(spoken) >= KEPT_SHARE
