"""Spoken answers in the exports: the delivery figures in text, Markdown, CSV, JSON and PDF, and read back from text."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest

from reports.cli import main
from reports.render import (
    CSV_COLUMNS,
    DELIVERY_COLUMNS,
    InterviewReport,
    assessments_from_reference_report,
    escape_markdown,
    measured_line,
    render_csv_report,
    render_json_report,
    render_markdown_report,
    render_pdf_report,
    render_text_report,
    spoken_summary,
)
from scoring.delivery import delivery_lines, delivery_tips
from scoring.types import AnswerAssessment, DeliveryFigures, StarStructure

# Too fast and too many fillers: two delivery tips.
HURRIED = DeliveryFigures(
    recording_s=92.0,
    speaking_s=85.3,
    words=240,
    words_per_minute=168.8,
    fillers=6,
    filler_counts={"um": 4, "you know": 2},
    fillers_per_minute=4.2,
    long_pauses=1,
    longest_pause_s=3.4,
    transcriber="whisper-base.en",
)
# Every figure in range: no tips; no long pause, so the display lines do not show the longest silence.
CALM = DeliveryFigures(
    recording_s=70.5,
    speaking_s=64.0,
    words=150,
    words_per_minute=140.6,
    fillers=1,
    filler_counts={"uh": 1},
    fillers_per_minute=0.9,
    long_pauses=0,
    longest_pause_s=2.7,
    transcriber="",
)
# A recording in which nothing was heard: no pace, no fillers.
SILENT = DeliveryFigures(
    recording_s=4.0,
    speaking_s=0.0,
    words=0,
    words_per_minute=0.0,
    fillers=0,
    fillers_per_minute=0.0,
    long_pauses=0,
    longest_pause_s=0.0,
)


def make(id: str, score: int = 70, **fields: object) -> AnswerAssessment:
    return AnswerAssessment(
        id=id,
        question=fields.pop("question", f"Question {id}?"),
        answer=fields.pop("answer", "I built a pipeline."),
        score=score,
        strengths=["Clear."],
        weaknesses=["Short."],
        tips=["Add numbers."],
        justification=fields.pop("justification", "Relevant."),
        **fields,
    )


def typed_and_spoken() -> list[AnswerAssessment]:
    return [make("ML_Q1", 80), make("ML_Q2", 60, answer="I, um, tuned the model.", delivery=HURRIED)]


def section(text: str, number: int) -> str:
    """The text of QUESTION ``number`` up to the next question or the summary."""
    start = text.index(f"QUESTION {number}:")
    following = [text.find(marker, start + 1) for marker in (f"QUESTION {number + 1}:", "OVERALL SUMMARY")]
    return text[start : min(at for at in following if at != -1)]


# --- plain text -------------------------------------------------------------------------------------------


def test_the_text_report_adds_a_delivery_block_after_a_spoken_answers_justification_only():
    text = render_text_report(typed_and_spoken(), "ml engineer")
    tips = delivery_tips(HURRIED)
    assert len(tips) == 2  # the figures are out of range: pace and fillers
    block = "\n".join(
        [
            "Justification:",
            "Relevant.",
            "",
            "Delivery (spoken answer):",
            *(f"  - {line}" for line in delivery_lines(HURRIED)),
            f"  - {measured_line(HURRIED)}",
            "",
            "Delivery Tips:",
            *(f"  - {tip}" for tip in tips),
            "",
            "=" * 70,
        ]
    )
    assert block in section(text, 2)
    assert "Delivery" not in section(text, 1)
    assert text.count("Delivery (spoken answer):") == 1
    assert "Lowest Score: 60/100\nSpoken Answers: 1 of 2 (mean pace: 169 words per minute)\n\n" in text


def test_the_measured_line_states_every_figure_exactly():
    assert measured_line(HURRIED) == (
        "Measured: 240 words in 85.3 s of speech (recording 92.0 s); pace 168.8 words a minute; "
        "filler words: 6 (um x4, you know x2), 4.2 a minute; long pauses: 1, longest silence 3.4 s; "
        "transcriber: whisper-base.en"
    )
    assert measured_line(SILENT) == (
        "Measured: 0 words in 0.0 s of speech (recording 4.0 s); pace 0.0 words a minute; "
        "filler words: 0, 0.0 a minute; long pauses: 0, longest silence 0.0 s"
    )


def test_a_spoken_answer_without_tips_has_no_delivery_tips_block():
    assert delivery_tips(CALM) == []
    text = render_text_report([make("ML_Q1", delivery=CALM)], "x")
    assert f"  - {measured_line(CALM)}\n\n{'=' * 70}\nOVERALL SUMMARY" in text
    assert "Delivery Tips:" not in text


def test_typed_only_reports_have_no_delivery_block_or_spoken_line():
    typed = [make("ML_Q1", 80), make("ML_Q2", 60)]
    text = render_text_report(typed, "x")
    assert "Delivery" not in text and "Spoken" not in text
    assert text.endswith("Lowest Score: 60/100\n\n" + "=" * 70)
    assert "Spoken" not in render_markdown_report(typed, "x")
    assert spoken_summary(typed) == ""


def test_the_spoken_summary_leaves_out_answers_without_words_from_the_mean_pace():
    assert spoken_summary([make("A_Q1", delivery=HURRIED), make("A_Q2", delivery=CALM)]) == (
        "2 of 2 (mean pace: 155 words per minute)"  # (168.8 + 140.6) / 2 = 154.7
    )
    assert spoken_summary([make("A_Q1", delivery=SILENT), make("A_Q2", delivery=CALM)]) == (
        "2 of 2 (mean pace: 141 words per minute)"
    )
    assert spoken_summary([make("A_Q1", delivery=SILENT), make("A_Q2")]) == "1 of 2"


def test_the_text_report_of_spoken_answers_round_trips_with_the_exact_figures():
    star = StarStructure(
        sentences={}, result_has_outcome=True, lines=["Situation: shown - \u201cWe slipped.\u201d", "Result: shown"]
    )
    assessments = [
        make("ML_Q1", 80),
        make("ML_Q2", 60, answer="I, um, tuned the model.\n\nThen I shipped it.", delivery=HURRIED),
        make("TEAM_Q1", 75, star=star, follow_up="What did you change next?", delivery=CALM),
        make("TEAM_Q2", 0, answer="", justification="Delivery (spoken answer): in the text is fine.", delivery=SILENT),
    ]
    text = render_text_report(assessments, "ml engineer")
    role, read = assessments_from_reference_report(text)
    assert role == "ml engineer"
    assert [a.delivery for a in read] == [None, HURRIED, CALM, SILENT]  # exact: every figure and the transcriber
    assert read[2].star is not None and read[2].star.lines == star.lines
    assert (read[2].follow_up, read[2].justification) == ("What did you change next?", "Relevant.")
    assert read[3].justification == assessments[3].justification
    assert [a.answer for a in read] == [a.answer for a in assessments]
    assert render_text_report(read, role) == text


def test_reading_back_takes_the_figures_from_the_measured_line_not_the_display_lines():
    """The display lines and tips are derived data (like the summary): reworded, they still read back."""
    text = render_text_report([make("ML_Q1", delivery=HURRIED)], "x")
    reworded = text.replace(delivery_lines(HURRIED)[1], "Pace: quick").replace(delivery_tips(HURRIED)[0], "Slow.")
    assert reworded != text
    _, read = assessments_from_reference_report(reworded)
    assert read[0].delivery == HURRIED
    assert render_text_report(read, "x") == text


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (measured_line(HURRIED), "Measured: lots", "does not end with a 'Measured:' item"),
        (f"  - {measured_line(HURRIED)}\n", "", "does not end with a 'Measured:' item"),
        ("filler words: 6 (um x4, you know x2)", "filler words: 6 (um four)", "unreadable filler count 'um four'"),
        ("\n\nDelivery Tips:\n  - ", "\n\nDelivery Tips:\nnot a bullet ", "unexpected line in a list"),
    ],
)
def test_reading_a_broken_delivery_block_says_what_is_wrong(old, new, message):
    text = render_text_report([make("ML_Q1", delivery=HURRIED)], "x")
    assert old in text
    with pytest.raises(ValueError, match=re.escape(message)):
        assessments_from_reference_report(text.replace(old, new, 1))


# --- Markdown, CSV, JSON ------------------------------------------------------------------------------------


def test_the_markdown_report_lists_the_delivery_lines_under_the_spoken_answer_only():
    markdown = render_markdown_report(typed_and_spoken(), "ml engineer")
    first, second = markdown.split("## Question 2:")
    assert "Delivery" not in first.split("## Question 1:")[1]
    expected = "\n".join(f"- {escape_markdown(line)}" for line in [*delivery_lines(HURRIED), measured_line(HURRIED)])
    assert f"**Delivery (spoken answer):**\n\n{expected}\n\n**Delivery tips:**\n\n- " in second
    assert all(escape_markdown(tip) in second for tip in delivery_tips(HURRIED))
    assert "**Spoken answers:** 1 of 2 (mean pace: 169 words per minute)" in first


def read_csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def test_the_csv_report_fills_the_delivery_columns_for_the_spoken_answer_only():
    assessments = [make("ML_Q1", 80, answer="=HYPERLINK(1)"), *typed_and_spoken()[1:], make("ML_Q3", delivery=SILENT)]
    frame = read_csv(render_csv_report(assessments))
    assert tuple(frame.columns) == CSV_COLUMNS and set(DELIVERY_COLUMNS) <= set(CSV_COLUMNS)
    typed, spoken, silent = frame.to_dict("records")
    assert {column: typed[column] for column in DELIVERY_COLUMNS} == dict.fromkeys(DELIVERY_COLUMNS, "")
    assert typed["answer"] == "'=HYPERLINK(1)"  # candidate text is still neutralised
    assert {column: spoken[column] for column in DELIVERY_COLUMNS} == {
        "recording_s": "92.0",
        "speaking_s": "85.3",
        "words": "240",
        "words_per_minute": "168.8",
        "fillers": "6",
        "fillers_per_minute": "4.2",
        "long_pauses": "1",
        "longest_pause_s": "3.4",
    }
    assert (silent["words"], silent["long_pauses"], silent["speaking_s"]) == ("0", "0", "0.0")
    numbers = pd.read_csv(io.StringIO(render_csv_report(assessments)))
    assert numbers["words"].tolist()[1:] == [240, 0] and pd.isna(numbers["words"][0])


def test_the_json_report_carries_the_delivery_figures():
    text = render_json_report(typed_and_spoken(), "ml engineer")
    typed, spoken = json.loads(text)["assessments"]
    assert typed["delivery"] is None
    assert spoken["delivery"]["words_per_minute"] == 168.8
    assert spoken["delivery"]["filler_counts"] == {"um": 4, "you know": 2}
    assert spoken["delivery"]["transcriber"] == "whisper-base.en"
    assert InterviewReport.model_validate_json(text).assessments[1].delivery == HURRIED


# --- PDF ------------------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The PDF's text (pypdf), whitespace collapsed so that wrapped lines compare as written."""
    from pypdf import PdfReader

    return " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.mark.parametrize("embed_font", [True, False], ids=["unicode-font", "helvetica"])
def test_the_pdf_report_shows_the_delivery_lines_under_the_spoken_answer_only(embed_font):
    text = pdf_text(render_pdf_report(typed_and_spoken(), "ml engineer", embed_font=embed_font))
    question_1, question_2 = text.split("Question 2: ML_Q2")
    assert "Delivery" not in question_1.split("Question 1: ML_Q1")[1]
    for line in [*delivery_lines(HURRIED), measured_line(HURRIED), *delivery_tips(HURRIED)]:
        assert " ".join(line.split()) in question_2
    assert "Delivery (spoken answer)" in question_2 and "Delivery tips" in question_2
    assert "Spoken answers 1 of 2 (mean pace: 169 words per minute)" in question_1
    typed_only = pdf_text(render_pdf_report([make("ML_Q1")], "ml engineer", embed_font=embed_font))
    assert "Delivery" not in typed_only and "Spoken" not in typed_only


# --- command line -----------------------------------------------------------------------------------------


def test_the_cli_renders_a_spoken_answer_from_json_lines(tmp_path, capsysbinary):
    source = tmp_path / "answers.jsonl"
    source.write_text("\n".join(a.model_dump_json() for a in typed_and_spoken()) + "\n", encoding="utf-8")
    assert main([str(source), "--role", "ml engineer"]) == 0
    assert capsysbinary.readouterr().out.decode("utf-8") == render_text_report(typed_and_spoken(), "ml engineer")
