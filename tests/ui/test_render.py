"""ui.render: candidate text stays inert; evidence sentences are found and highlighted after escaping."""

from __future__ import annotations

import pytest

from scoring.types import Flag
from ui.render import FLAG_LABELS, find_sentence, inert_markdown


@pytest.mark.parametrize(
    ("text", "must_contain", "must_not_contain"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;", "<script>"),
        ("**bold** and _it_", "\\*\\*bold\\*\\*", "**bold**"),
        ("[link](http://x.example)", "\\[link\\]", "[link]("),
        ("# heading", "\\# heading", None),
        (":red[colour] :material/home: :smile:", ":\u2060red\\[colour\\]", ":red["),
        ("$x^2$", "\\$x^2\\$", None),
        ("    indented code", "\u00a0\u00a0\u00a0\u00a0indented code", "    indented"),
        ("line one\nline two", "line one  \nline two", None),
    ],
)
def test_inert_markdown(text, must_contain, must_not_contain):
    rendered = inert_markdown(text)
    assert must_contain in rendered
    if must_not_contain:
        assert must_not_contain not in rendered


def test_ordinary_colons_stay_as_typed():
    """Issue 16: copied text carried invisible U+2060 after every colon; only shortcodes are broken now."""
    rendered = inert_markdown("At 10:30 we met. Note:the fix, ratio 3:1, see https://x.example/a:b")
    assert "\u2060" not in rendered
    assert "10:30" in rendered and "Note:the" in rendered


def test_no_shortcode_survives():
    rendered = inert_markdown(":material/home: and :smile:")
    assert ":material/" not in rendered
    assert ":smile:" not in rendered


@pytest.mark.parametrize(
    ("text", "sentence", "expected"),
    [
        ("First one. Second  one\nwraps here. Third.", "Second one wraps here.", "Second  one\nwraps here."),
        ("No match here.", "Something else.", None),
        ("Anything.", "   ", None),
    ],
)
def test_find_sentence(text, sentence, expected):
    span = find_sentence(text, sentence)
    assert (text[span[0] : span[1]] if span else None) == expected


def test_highlight_wraps_the_escaped_sentence():
    text = "I led it. We cut costs by *30%* in <b>Q2</b>. Then left."
    rendered = inert_markdown(text, ["We cut costs by *30%* in <b>Q2</b>."])
    assert ":orange-background[We cut costs by \\*30%\\* in &lt;b&gt;Q2&lt;/b&gt;.]" in rendered
    assert rendered.startswith("I led it. ")


def test_highlight_cannot_be_closed_early_by_the_answer():
    text = "We shipped it] **now** [x"
    rendered = inert_markdown(text, [text])
    assert rendered == ":orange-background[We shipped it\\] \\*\\*now\\*\\* \\[x]"


def test_highlight_over_a_line_break_is_split_per_line():
    rendered = inert_markdown("Intro.\nPart one\npart two. End.", ["Part one part two."])
    assert ":orange-background[Part one]  \n:orange-background[part two.]" in rendered


@pytest.mark.parametrize(
    ("number", "noun", "expected"),
    [(1, "question", "1 question"), (0, "question", "0 questions"), (12000, "word", "12,000 words")],
)
def test_counted_says_one_question_not_one_questions(number, noun, expected):
    from ui.render import counted

    assert counted(number, noun) == expected


def test_every_flag_has_words_for_a_reader():
    assert set(FLAG_LABELS) == set(Flag)
    assert all(label and "_" not in label for label in FLAG_LABELS.values())
    assert FLAG_LABELS[Flag.RED_FLAG] == "a red flag or a contradicted rubric point"
