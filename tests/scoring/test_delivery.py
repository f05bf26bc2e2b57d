"""Delivery figures from word timestamps (no model): fillers, pace, pauses, short speech, lines and tips."""

from __future__ import annotations

import pytest

from models.protocols import SpokenWord, Transcript
from scoring.delivery import (
    LONG_PAUSE_S,
    delivery_figures,
    delivery_lines,
    delivery_tips,
    filler_counts,
)
from scoring.types import DeliveryFigures

WORD_S = 0.3  # each scripted word lasts this long
GAP_S = 0.1  # and is followed by this much silence, unless the script says "<seconds>"


def spoken(script: str, *, word_s: float = WORD_S, gap_s: float = GAP_S) -> tuple[SpokenWord, ...]:
    """Words of ``script`` at an even pace; a token ``<1.5>`` adds 1.5 s of silence before the next word."""
    words: list[SpokenWord] = []
    clock = 0.0
    for token in script.split():
        if token.startswith("<") and token.endswith(">"):
            clock += float(token[1:-1])
            continue
        words.append(SpokenWord(token, round(clock, 3), round(clock + word_s, 3), 0.9))
        clock += word_s + gap_s
    return tuple(words)


def transcript(words: tuple[SpokenWord, ...], duration_s: float | None = None) -> Transcript:
    end = words[-1].end if words else 0.0
    return Transcript(
        text=" ".join(w.text for w in words),
        words=words,
        duration_s=end + 1.0 if duration_s is None else duration_s,
        language="en",
        model="whisper-test",
    )


def even(count: int, seconds: float, text: str = "word") -> tuple[SpokenWord, ...]:
    """``count`` words back to back from 0 s to exactly ``seconds``."""
    step = seconds / count
    return tuple(SpokenWord(text, round(i * step, 3), round((i + 1) * step, 3), 0.9) for i in range(count))


# --- fillers ---------------------------------------------------------------------------------------

FILLER_CASES = [
    # (script, expected counts)
    ("um I think uh it worked", {"um": 1, "uh": 1}),
    ("Um, so, umm... the result held", {"um": 2}),
    ("Hmm. Okay, erm, we shipped", {"hmm": 1, "er": 1}),
    ("I like Python", {}),
    ("do you know Kafka", {}),
    ("Do you know Kafka?", {}),
    ("I would like to add a cache", {}),
    ("Like I said, we cached it", {}),
    ("what I mean is latency", {}),
    ("I mean it.", {}),
    ("it was, like, slow", {"like": 1}),
    ("it was <0.8> like <0.8> slow", {"like": 1}),  # set off by pauses instead of commas
    ("it was <0.3> like <0.3> slow", {}),  # pauses too short to set it off
    ("it was, like slow", {}),  # set off on one side only
    ("it was like, slow", {}),
    ("You know, we shipped it", {"you know": 1}),  # at the start: nothing before it
    ("we shipped it, you know", {"you know": 1}),  # at the end: nothing after it
    ("it was slow, I mean, really slow", {"I mean": 1}),
    ("Basically, we cached it", {"basically": 1}),
    ("It's like, you know, fine", {"you know": 1}),  # "like," follows "It's" with no comma or pause
    ("uh, like, um", {"uh": 1, "like": 1, "um": 1}),
    ("So, like, um, like, you know, I mean, it worked", {"like": 2, "um": 1, "you know": 1, "I mean": 1}),
    ("", {}),
]


@pytest.mark.parametrize(("script", "expected"), FILLER_CASES, ids=[case[0] or "empty" for case in FILLER_CASES])
def test_filler_counts(script, expected):
    assert dict(filler_counts(spoken(script))) == expected


def test_figures_list_fillers_most_frequent_first():
    figures = delivery_figures(transcript(spoken("uh, like, um the um, cache um worked, like, fine")))
    assert figures.fillers == 6
    assert figures.filler_counts == {"um": 3, "like": 2, "uh": 1}
    assert list(figures.filler_counts) == ["um", "like", "uh"]


def test_fillers_of_equal_count_are_listed_alphabetically():
    figures = delivery_figures(transcript(spoken("uh the um cache erm worked")))
    assert list(figures.filler_counts) == ["er", "uh", "um"]


# --- pace ------------------------------------------------------------------------------------------

PACE_CASES = [
    # (words, speaking seconds, expected words per minute)
    (150, 60.0, 150.0),
    (100, 30.0, 200.0),
    (65, 30.0, 130.0),
    (120, 90.0, 80.0),
    (20, 10.0, 120.0),
    (20, 5.0, 240.0),  # the real pace, however short (filler and pause rates count 10 s at least)
    (3, 1.0, 180.0),
    (1, 0.4, 0.0),  # under a second of speech: no pace
]


@pytest.mark.parametrize(("count", "seconds", "wpm"), PACE_CASES)
def test_pace_is_words_per_minute_of_speaking_time(count, seconds, wpm):
    figures = delivery_figures(transcript(even(count, seconds), duration_s=seconds + 5))
    assert figures.words == count
    assert figures.speaking_s == pytest.approx(round(seconds, 1))
    assert figures.words_per_minute == pytest.approx(wpm)


def test_speaking_time_runs_from_first_word_to_last_not_the_recording():
    words = tuple(SpokenWord(w.text, w.start + 4.0, w.end + 4.0, 0.9) for w in even(150, 60.0))
    figures = delivery_figures(transcript(words, duration_s=70.0))
    assert figures.recording_s == 70.0
    assert figures.speaking_s == 60.0
    assert figures.words_per_minute == 150.0


@pytest.mark.parametrize(
    ("fillers", "seconds", "per_minute"),
    [
        (["um"], 60.0, 1.0),
        (["um", "uh", "um"], 60.0, 3.0),
        (["um", "uh"], 30.0, 4.0),
        (["um", "uh"], 5.0, 12.0),  # 2 fillers in 5 s: scaled from 10 s (12 a minute), not 24 a minute
        (["um"], 1.0, 6.0),
    ],
)
def test_filler_rate_over_speaking_time_with_a_10_second_floor(fillers, seconds, per_minute):
    run = even(10, seconds, text="cache")
    words = tuple(SpokenWord(text, w.start, w.end, 0.9) for text, w in zip(fillers, run, strict=False))
    figures = delivery_figures(transcript(words + run[len(fillers) :]))
    assert figures.speaking_s == pytest.approx(round(seconds, 1))
    assert figures.fillers == len(fillers)
    assert figures.fillers_per_minute == pytest.approx(per_minute)


# --- pauses ----------------------------------------------------------------------------------------

PAUSE_CASES = [
    # (script, long pauses, longest pause)
    ("we shipped it", 0, 0.1),
    ("we <2.9> shipped it", 1, 3.0),  # 2.9 s added to the 0.1 s gap: exactly 3.0 s is long
    ("we <2.8> shipped it", 0, 2.9),
    ("we <2.9> shipped <1.0> it <4.4> today", 2, 4.5),
    ("we <6.0> shipped <3.5> it <3.0> today", 3, 6.1),
]


@pytest.mark.parametrize(("script", "long_pauses", "longest"), PAUSE_CASES)
def test_long_pauses_and_longest_pause(script, long_pauses, longest):
    figures = delivery_figures(transcript(spoken(script)))
    assert figures.long_pauses == long_pauses
    assert figures.longest_pause_s == pytest.approx(longest)


@pytest.mark.parametrize("end", [1.02, 1.06, 1.1, 1.27, 4.31, 10.1])
def test_a_pause_of_exactly_3_seconds_counts_whatever_the_float_rounding(end):
    # 4.02 - 1.02 is 2.9999999999999996 in floating point; timestamps are milliseconds, so it is 3.0.
    later = round(end + LONG_PAUSE_S, 3)
    words = (SpokenWord("first", end - 0.3, end, 0.9), SpokenWord("second", later, later + 0.3, 0.9))
    figures = delivery_figures(transcript(words))
    assert figures.long_pauses == 1
    assert figures.longest_pause_s == 3.0


def test_a_pause_just_under_3_seconds_is_not_long():
    words = (SpokenWord("first", 0.0, 1.0, 0.9), SpokenWord("second", 3.999, 4.3, 0.9))
    assert delivery_figures(transcript(words)).long_pauses == 0


def test_overlapping_words_make_no_negative_pause():
    words = (SpokenWord("first", 0.0, 1.0, 0.9), SpokenWord("second", 0.8, 1.5, 0.9))
    figures = delivery_figures(transcript(words))
    assert figures.longest_pause_s == 0.0
    assert figures.long_pauses == 0


# --- empty and tiny transcripts --------------------------------------------------------------------


def test_no_words_gives_zero_figures_and_no_tips():
    figures = delivery_figures(Transcript(text="", words=(), duration_s=4.567, language="en", model="whisper-test"))
    assert figures.words == 0
    assert figures.speaking_s == 0.0
    assert figures.words_per_minute == 0.0
    assert figures.fillers == 0 and figures.filler_counts == {}
    assert figures.long_pauses == 0 and figures.longest_pause_s == 0.0
    assert figures.recording_s == 4.6  # rounded like every other recording length
    assert figures.transcriber == "whisper-test"
    assert delivery_tips(figures) == []
    assert len(delivery_lines(figures)) == 4


def test_one_word():
    figures = delivery_figures(transcript((SpokenWord("Yes.", 0.5, 0.9, 0.9),), duration_s=2.0))
    assert figures.words == 1
    assert figures.speaking_s == 0.4
    assert figures.words_per_minute == 0.0  # under a second of speech: no pace
    assert figures.long_pauses == 0 and figures.longest_pause_s == 0.0
    assert delivery_tips(figures) == []  # too short to call slow


def test_the_transcriber_is_named():
    assert delivery_figures(transcript(spoken("hello there"))).transcriber == "whisper-test"


# --- display lines ---------------------------------------------------------------------------------


def _figures(**changes: object) -> DeliveryFigures:
    base: dict[str, object] = {
        "recording_s": 62.0,
        "speaking_s": 45.0,
        "words": 110,
        "words_per_minute": 146.7,
        "fillers": 0,
        "filler_counts": {},
        "fillers_per_minute": 0.0,
        "long_pauses": 0,
        "longest_pause_s": 1.2,
        "transcriber": "whisper-test",
    }
    return DeliveryFigures(**{**base, **changes})


def test_delivery_lines_without_fillers_or_long_pauses():
    assert delivery_lines(_figures()) == [
        "Speaking time: 0:45 of a 1:02 recording",
        "Pace: 147 words per minute (easy to follow: 130-160)",
        "Filler words: 0.0 a minute (unnoticed: up to 3 a minute)",
        "Long pauses (3 s or more): 0 (reads as thinking: up to 1 a minute)",
    ]


def test_delivery_lines_name_the_fillers_and_the_longest_pause():
    lines = delivery_lines(
        _figures(
            fillers=4,
            filler_counts={"um": 3, "you know": 1},
            fillers_per_minute=5.3,
            long_pauses=2,
            longest_pause_s=4.5,
            speaking_s=119.6,
            recording_s=185.0,
        )
    )
    assert lines[0] == "Speaking time: 2:00 of a 3:05 recording"
    assert lines[2] == "Filler words: 5.3 a minute (um x3, you know x1) (unnoticed: up to 3 a minute)"
    assert lines[3] == "Long pauses (3 s or more): 2, longest 4.5 s (reads as thinking: up to 1 a minute)"


def test_delivery_lines_from_a_real_transcript_agree_with_its_figures():
    figures = delivery_figures(transcript(spoken("So, um, we <3.5> cached, like, the results")))
    lines = delivery_lines(figures)
    assert "um x1" in lines[2] and "like x1" in lines[2]
    assert "Long pauses (3 s or more): 1, longest 3.6 s" in lines[3]


# --- tips ------------------------------------------------------------------------------------------

TIP_CASES = [
    # (changes to in-range figures, the start of each expected tip)
    ({}, []),
    ({"words_per_minute": 160.0}, []),
    ({"words_per_minute": 130.0}, []),
    ({"words_per_minute": 190.0}, ["Slow down: at 190 words a minute"]),
    ({"words_per_minute": 100.0, "speaking_s": 60.0}, ["Keep it moving: 100 words a minute"]),
    ({"words_per_minute": 100.0, "speaking_s": 15.0}, []),  # under 20 s of speech: too short to call slow
    ({"fillers": 2, "filler_counts": {"um": 2}, "fillers_per_minute": 3.0}, []),
    ({"fillers": 1, "filler_counts": {"um": 1}, "fillers_per_minute": 6.0, "speaking_s": 5.0}, []),  # one is no habit
    ({"fillers": 5, "filler_counts": {"like": 4, "um": 1}, "fillers_per_minute": 4.5}, ["Fewer filler words: 4.5"]),
    ({"long_pauses": 1, "speaking_s": 60.0}, []),
    ({"long_pauses": 2, "longest_pause_s": 5.0, "speaking_s": 60.0}, ["2 long pauses (longest 5.0 s)"]),
    ({"long_pauses": 2, "longest_pause_s": 5.0, "speaking_s": 120.0}, []),  # 1 a minute
    ({"long_pauses": 3, "longest_pause_s": 5.0, "speaking_s": 120.0}, ["3 long pauses"]),
    ({"long_pauses": 2, "longest_pause_s": 5.0, "speaking_s": 30.0}, ["2 long pauses"]),  # counted over 1 min
    (
        {
            "words_per_minute": 175.0,
            "fillers": 9,
            "filler_counts": {"um": 9},
            "fillers_per_minute": 9.0,
            "long_pauses": 4,
            "longest_pause_s": 7.0,
            "speaking_s": 60.0,
        },
        ["Slow down", "Fewer filler words", "4 long pauses"],
    ),
    ({"words": 0, "words_per_minute": 0.0, "speaking_s": 0.0}, []),
]


@pytest.mark.parametrize(("changes", "expected"), TIP_CASES)
def test_tips_only_for_figures_out_of_range(changes, expected):
    tips = delivery_tips(_figures(**changes))
    assert len(tips) == len(expected), tips
    for tip, start in zip(tips, expected, strict=True):
        assert tip.startswith(start), tip


def test_filler_tip_names_the_most_frequent_filler():
    tips = delivery_tips(_figures(fillers=5, filler_counts={"like": 4, "um": 1}, fillers_per_minute=4.5))
    assert "mostly 'like'" in tips[0]


def test_tips_from_a_fast_filler_heavy_transcript():
    words = spoken("um, " * 10 + "we cached it " * 30, word_s=0.15, gap_s=0.05)
    figures = delivery_figures(transcript(words))
    assert figures.words_per_minute > 160
    assert figures.fillers == 10
    tips = delivery_tips(figures)
    assert [tip.split(":")[0] for tip in tips] == ["Slow down", "Fewer filler words"]
