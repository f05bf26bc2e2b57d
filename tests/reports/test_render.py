"""The interview summary and the exports: text (byte for byte the reference), Markdown, JSON, CSV, PDF, CLI."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pandas as pd
import pytest

from reports.cli import main, read_assessments_jsonl
from reports.render import (
    BANNER,
    CSV_COLUMNS,
    DELIVERY_COLUMNS,
    InterviewReport,
    ReportFormat,
    assessments_from_reference_report,
    escape_markdown,
    find_unicode_font,
    neutralize_formula,
    pdf_safe_text,
    render_csv_report,
    render_json_report,
    render_markdown_report,
    render_pdf_report,
    render_report,
    render_text_report,
    report_file_name,
)
from scoring.summary import competency_code, round_half_up, summarize
from scoring.types import AnswerAssessment, Flag, StarStructure

ROOT = Path(__file__).resolve().parents[2]

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "example_interview_report.txt"
needs_reference = pytest.mark.skipif(not REFERENCE.is_file(), reason=f"reference report not found at {REFERENCE}")

HOSTILE = (
    "Emoji 😀🎉👩‍💻 RTL مرحبا بالعالم עברית \u202eevil\u202c zero\u200bwidth\u200d\ufeff CJK 漢字かな한글 "
    "lone \ud800 surrogate \udfff {nb} **bold** <script>alert(1)</script> [x](javascript:alert(1)) "
    "\x00\x07\x1b[31m tab\there \U0010ffff private\ue000use " + "x" * 400
)


def make(
    id: str = "ML_Q1",
    score: int = 80,
    answer: str = "I built a pipeline.",
    **fields: object,
) -> AnswerAssessment:
    return AnswerAssessment(
        id=id,
        question=fields.pop("question", f"Question {id}?"),
        answer=answer,
        score=score,
        strengths=fields.pop("strengths", ["Clear."]),
        weaknesses=fields.pop("weaknesses", ["Short."]),
        tips=fields.pop("tips", ["Add numbers."]),
        justification=fields.pop("justification", "Relevant."),
        **fields,
    )


@pytest.fixture(scope="module")
def reference_text() -> str:
    if not REFERENCE.is_file():
        pytest.skip(f"reference report not found at {REFERENCE}")
    return REFERENCE.read_bytes().decode("utf-8")


# --- the reference report ---------------------------------------------------------------------------


@needs_reference
def test_text_report_reproduces_the_reference_byte_for_byte(reference_text):
    role, assessments = assessments_from_reference_report(reference_text)
    rendered = render_text_report(assessments, role)
    assert rendered.encode("utf-8") == REFERENCE.read_bytes()
    assert rendered.endswith(BANNER) and not rendered.endswith("\n")


@needs_reference
def test_reference_report_reads_back_into_assessments(reference_text):
    role, assessments = assessments_from_reference_report(reference_text)
    assert role == "machine learning engineer"
    assert [a.id for a in assessments][:3] == ["ML_Q1", "ML_Q2", "DE_Q1"]
    assert [a.competency for a in assessments] == [p for p in ("ML", "DE", "COLLAB", "MONITOR", "ENGEX") for _ in "ab"]
    weakest = min(assessments, key=lambda a: a.score)
    assert (weakest.id, weakest.score) == ("MONITOR_Q2", 60)
    de_q1 = assessments[2]
    assert "\n\n" in de_q1.answer  # paragraph break kept
    assert de_q1.answer.split("\n")[0].endswith("reliability. ")  # trailing space kept
    assert de_q1.strengths == [
        "Experience with AWS SageMaker and Docker for building scalable pipelines",
        "Implemented data preprocessing and feature engineering workflows",
    ]
    assert de_q1.justification.startswith("The candidate demonstrates strong technical skills")


@needs_reference
def test_reference_summary_rounds_the_average_half_up(reference_text):
    _, assessments = assessments_from_reference_report(reference_text)
    summary = summarize(assessments)
    assert (summary.total_questions, summary.average, summary.highest, summary.lowest) == (10, 89.5, 95, 60)
    assert round_half_up(summary.average) == 90
    assert round(90.5) == 90 and round_half_up(90.5) == 91  # Python's round() goes to even; reports do not
    assert "Average Relevancy Score: 90/100" in render_text_report(assessments, "x")


def test_text_report_round_trips_awkward_content():
    assessments = [
        make("ML_Q1", 73, answer="Line one.  \n\n  Indented second paragraph\twith a tab.\n", justification=""),
        make("DE_Q2", 0, answer="", strengths=[], weaknesses=["Two\nlines", "Blank line inside\n\nitem"], tips=[]),
        make("custom", 100, answer="Relevancy Score: 5/100 in the middle of a line is fine."),
    ]
    text = render_text_report(assessments, "data engineer")
    role, read = assessments_from_reference_report(text)
    assert role == "data engineer"
    assert [a.answer for a in read] == [a.answer for a in assessments]
    assert [(a.strengths, a.weaknesses, a.tips) for a in read] == [
        (a.strengths, a.weaknesses, a.tips) for a in assessments
    ]
    assert [a.competency for a in read] == ["ML", "DE", None]
    assert render_text_report(read, role) == text


def test_text_report_of_no_answers_says_not_available():
    text = render_text_report([], "analyst", summarize([], total_questions=5))
    assert text.endswith(
        f"{BANNER}\nOVERALL SUMMARY\n{BANNER}\n\nTotal Questions: 5\nAverage Relevancy Score: N/A\n"
        f"Highest Score: N/A\nLowest Score: N/A\n\n{BANNER}"
    )
    assert assessments_from_reference_report(text) == ("analyst", [])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello", "header"),
        (f"{BANNER}\nINTERVIEW REPORT\n{BANNER}\nRole: x\n{BANNER}\n", "OVERALL SUMMARY"),
        (
            f"{BANNER}\nINTERVIEW REPORT\n{BANNER}\nRole: x\n{BANNER}\n\n\n{BANNER}\nQUESTION 1: A_Q1\n{BANNER}\n\n"
            f"Q?\n\nAnswer:\nA\n\n{BANNER}\nOVERALL SUMMARY\n{BANNER}\n\n",
            "QUESTION 1 \\(A_Q1\\): no 'Candidate Answer:'",
        ),
    ],
)
def test_reading_a_malformed_report_says_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        assessments_from_reference_report(text)


# --- summary ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(89.5, 90), (90.5, 91), (0.5, 1), (2.4999, 2), (92.5, 93), (77.5, 78), (100.0, 100), (0.0, 0), (66.66, 67)],
)
def test_round_half_up(value, expected):
    assert round_half_up(value) == expected


@pytest.mark.parametrize(
    ("scores", "average", "highest", "lowest", "shown"),
    [
        ([], None, None, None, "N/A"),
        ([70], 70.0, 70, 70, "70/100"),
        ([90, 95, 95, 90, 95, 90, 95, 60, 95, 90], 89.5, 95, 60, "90/100"),
        ([90, 91], 90.5, 91, 90, "91/100"),  # round() would give 90
        ([1, 2], 1.5, 2, 1, "2/100"),
        ([0, 0, 1], 1 / 3, 1, 0, "0/100"),
        ([100, 99], 99.5, 100, 99, "100/100"),
    ],
)
def test_summary_totals(scores, average, highest, lowest, shown):
    assessments = [make(f"ML_Q{i}", score) for i, score in enumerate(scores, start=1)]
    summary = summarize(assessments)
    assert summary.total_questions == summary.answered == len(scores)
    assert summary.average == (pytest.approx(average) if average is not None else None)
    assert (summary.highest, summary.lowest) == (highest, lowest)
    assert f"Average Relevancy Score: {shown}\n" in render_text_report(assessments, "x", summary)


def test_summary_of_nothing_does_not_crash():
    summary = summarize([])
    assert summary.model_dump() == {
        "total_questions": 0,
        "answered": 0,
        "average": None,
        "highest": None,
        "lowest": None,
        "by_competency": [],
    }
    assert summarize([], total_questions=10).total_questions == 10


def test_summary_counts_blank_and_empty_flagged_answers_as_unanswered_but_scores_them():
    assessments = [make(score=80), make(answer="   ", score=0), make(answer="x", score=0, flags=[Flag.EMPTY])]
    summary = summarize(assessments, total_questions=4)
    assert (summary.total_questions, summary.answered, summary.lowest) == (4, 1, 0)
    assert summary.average == pytest.approx(80 / 3)


def test_summary_rejects_fewer_questions_than_assessments():
    with pytest.raises(ValueError, match="total_questions=1"):
        summarize([make(), make()], total_questions=1)


def test_summary_per_competency_in_first_appearance_order():
    assessments = [
        make("MONITOR_Q2", 60),
        make("ML_Q1", 90),
        make("MONITOR_Q1", 95),
        make("odd-id", 10),  # no competency to be told: left out of the table
        make("q7", 40, competency="ML", competency_name="Machine learning"),
        make("DE_Q1", 85, competency_name="Data engineering"),
    ]
    summary = summarize(assessments, competency_names={"MONITOR": "Monitoring"})
    rows = [(c.code, c.name, c.count, c.average) for c in summary.by_competency]
    assert rows == [
        ("MONITOR", "Monitoring", 2, 77.5),
        ("ML", "Machine learning", 2, 65.0),
        ("DE", "Data engineering", 1, 85.0),
    ]
    assert summary.average == pytest.approx((60 + 90 + 95 + 10 + 40 + 85) / 6)


@pytest.mark.parametrize(
    ("id", "competency", "expected"),
    [
        ("ML_Q1", None, "ML"),
        ("DATA_ENG_Q12", None, "DATA_ENG"),
        ("Q1", None, None),
        ("_Q1", None, None),
        ("X", "C", "C"),
    ],
)
def test_competency_code(id, competency, expected):
    assert competency_code(make(id, competency=competency)) == expected


# --- Markdown -------------------------------------------------------------------------------------------

HOSTILE_MARKDOWN = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<!-- hidden -->",
    "**bold** and __bold__ and *it* and _it_",
    "[link](javascript:alert(1))",
    "![image](http://evil.example/x.png)",
    "<http://evil.example>",
    "[ref]: javascript:alert(1)",
    "# heading",
    "   ### indented heading",
    "1. ordered",
    "2) ordered",
    "- bullet",
    "+ bullet",
    "* bullet",
    "> quote",
    "`code` and ``more``",
    "```\nfenced\n```",
    "~~~\nfenced\n~~~",
    "text\n===",
    "text\n---",
    "***",
    "| a | b |\n| --- | --- |\n| 1 | 2 |",
    "~~strike~~",
    "&amp; &lt; &#60; &#x3C;",
    "back\\slash\\",
    "$x^2$ maths",
    "1986. A good year.",
    "<div>\n\n**inside html**\n\n</div>",
]


@pytest.mark.parametrize("text", HOSTILE_MARKDOWN)
def test_escaped_markdown_renders_as_the_literal_text(text):
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = md.parse(escape_markdown(text))
    assert {t.type for t in tokens} <= {"paragraph_open", "inline", "paragraph_close"}
    paragraphs = [
        "".join("\n" if child.type == "softbreak" else child.content for child in token.children or [])
        for token in tokens
        if token.type == "inline"
    ]
    children = {child.type for token in tokens if token.type == "inline" for child in token.children or []}
    assert children <= {"text", "softbreak"}
    expected = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    assert paragraphs == ["\n".join(line.strip() for line in p.split("\n")) for p in expected]


MARKUP_FROM_CANDIDATE_TEXT = ("<script", "<img", "<a ", "<strong>bold", "<em>it", "<code>", "<pre>", "<h3", "<del>")
MARKUP_FROM_CANDIDATE_TEXT += ("<b>", "<div", "<ol", "<hr")


def test_markdown_report_keeps_candidate_text_inert():
    markdown_it = pytest.importorskip("markdown_it")
    hostile = "\n".join(HOSTILE_MARKDOWN)
    assessments = [
        make("ML_Q1", 55, answer=hostile, question="# Q <b>", strengths=[hostile], justification=hostile),
        make("X_Q1", 10, answer="", strengths=[], flags=[Flag.TOO_SHORT]),
    ]
    text = render_markdown_report(assessments, role="<b>role</b> | *x*")
    html = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)
    for forbidden in MARKUP_FROM_CANDIDATE_TEXT:
        assert forbidden not in html, forbidden
    assert html.count("<em>") == text.count("_None._") + text.count("_No answer._")  # only our own placeholders
    assert html.count("<h1>") == 1 and html.count("<h2>") == 3  # title, summary, two questions
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "**bold**" in html and "[link](javascript:alert(1))" in html and "# heading" in html
    assert "<blockquote>" in html and "<table>" in html
    assert "_No answer._" in text and "**Flags:** too\\_short" in text


def test_markdown_report_summary_tables():
    text = render_markdown_report(
        [make("ML_Q1", 90), make("ML_Q2", 95)], "ml", summarize([make("ML_Q1", 90), make("ML_Q2", 95)], 3, {"ML": "ML"})
    )
    assert "| 3 | 2 | 93/100 | 95/100 | 90/100 |" in text
    assert "| ML | 2 | 93/100 |" in text
    assert text.endswith("\n")


# --- JSON and CSV ----------------------------------------------------------------------------------------


def test_json_report_round_trips_into_assessments():
    assessments = [
        make("ML_Q1", 88, answer=HOSTILE.replace("\ud800", "").replace("\udfff", ""), flags=[Flag.OFF_TOPIC]),
        make("DE_Q1", 42, notes=["Say what you did."]),
    ]
    text = render_json_report(assessments, "ml engineer")
    data = json.loads(text)
    assert set(data) == {"role", "summary", "assessments"}
    report = InterviewReport.model_validate_json(text)
    assert report.role == "ml engineer"
    assert report.assessments == assessments
    assert report.summary == summarize(assessments)
    assert [AnswerAssessment.model_validate(item) for item in data["assessments"]] == assessments


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain =1", "plain =1"),
        ("", ""),
        ("'already", "'already"),
    ],
)
def test_neutralize_formula(cell, expected):
    assert neutralize_formula(cell) == expected


def read_csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def test_csv_report_neutralizes_formulas_in_every_text_cell():
    attack = '=cmd|" /C calc"!A0'
    assessments = [
        make(
            "=ID_Q1",
            70,
            question="+Q",
            answer=attack,
            strengths=["-minus"],
            weaknesses=["@at"],
            tips=["\tTab"],
            justification="\rCR",
        )
    ]
    frame = read_csv(render_csv_report(assessments))
    row = frame.iloc[0]
    assert row["answer"] == "'" + attack
    assert (row["id"], row["question"], row["strengths"], row["weaknesses"]) == ("'=ID_Q1", "'+Q", "'-minus", "'@at")
    assert row["tips"] == "'\tTab"
    assert row["justification"].startswith("'")
    assert row["score"] == "70"


def test_csv_report_round_trips_through_pandas():
    assessments = [
        make(
            "ML_Q1",
            91,
            answer='Commas, "quotes", ünïcödé 漢字 😀\n\nand a second paragraph ',
            strengths=["One", "Two, with comma"],
            flags=[Flag.TOO_SHORT, Flag.OFF_TOPIC],
        ),
        make("DE_Q2", 0, answer="", strengths=[], weaknesses=[], tips=[], justification=""),
    ]
    csv_text = render_csv_report(assessments)
    frame = read_csv(csv_text)
    assert tuple(frame.columns) == CSV_COLUMNS
    assert len(frame) == 2
    first, second = frame.to_dict("records")
    assert first["answer"] == assessments[0].answer
    assert first["strengths"].split("\n") == ["One", "Two, with comma"]
    assert first["flags"] == "too_short\noff_topic"
    assert (first["competency"], first["score"]) == ("ML", "91")
    assert second == {
        "id": "DE_Q2",
        "competency": "DE",
        "question": "Question DE_Q2?",
        "answer": "",
        "score": "0",
        "model_score": "0",
        "override_comment": "",
        "strengths": "",
        "weaknesses": "",
        "tips": "",
        "justification": "",
        "follow_up": "",
        "star": "",
        "flags": "",
        **dict.fromkeys(DELIVERY_COLUMNS, ""),  # a typed answer: no delivery figures
    }
    # The download has a byte order mark for Excel; pandas reads it either way.
    data = render_report(assessments, "x", ReportFormat.CSV)
    assert data.startswith(b"\xef\xbb\xbfid,")
    assert pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False).equals(frame)


def test_csv_report_of_nothing_is_a_header():
    assert render_csv_report([]) == ",".join(CSV_COLUMNS) + "\n"


# --- PDF ----------------------------------------------------------------------------------------------------


def pdf_page_count(data: bytes) -> int:
    counts = [int(n) for n in re.findall(rb"/Type /Pages.*?/Count (\d+)", data, re.S)]
    counts += [int(n) for n in re.findall(rb"/Count (\d+)", data)]
    return max(counts, default=0)


def pdf_text_streams(data: bytes) -> str:
    """The decompressed content streams (readable text for the built-in Helvetica only)."""
    streams = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            streams.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(streams)


def page_footers(content: str) -> list[tuple[int, int]]:
    """(page, of pages) from "Page 2 of 5" footers (the total is written as its own text run)."""
    return [(int(a), int(b)) for a, b in re.findall(r"\(Page (\d+) of \) Tj \((\d+)\) Tj", content)]


@pytest.mark.parametrize("embed_font", [True, False], ids=["unicode-font", "helvetica"])
def test_pdf_report_survives_hostile_unicode(embed_font):
    hostile = [
        make(
            "X_Q1",
            5,
            question=HOSTILE,
            answer=HOSTILE + "\n\n" + HOSTILE,
            strengths=[HOSTILE],
            weaknesses=[],
            tips=["\ud83d", ""],
            justification=HOSTILE,
            flags=[Flag.GIBBERISH],
        ),
        make("ML_Q1", 90, answer="y" * 5000),  # one unbreakable word over many lines
    ]
    data = render_pdf_report(hostile, "role " + HOSTILE, embed_font=embed_font)
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert pdf_page_count(data) > 0


@needs_reference
def test_pdf_report_of_the_reference_interview(reference_text):
    role, assessments = assessments_from_reference_report(reference_text)
    data = render_pdf_report(assessments, role, embed_font=False)
    pages = pdf_page_count(data)
    assert 3 <= pages <= 20
    content = pdf_text_streams(data)
    assert "(Interview report)" in content
    assert "(Question 8: MONITOR_Q2)" in content
    assert page_footers(content) == [(page, pages) for page in range(1, pages + 1)]


def test_pdf_report_never_interprets_candidate_text():
    text = "{nb} **not bold** <b>not html</b> --strike-- __under__"
    data = render_pdf_report([make(answer=text)], "{nb}", embed_font=False)
    content = pdf_text_streams(data)
    assert "({nb} **not bold** <b>not html</b> --strike-- __under__)" in content
    assert "(Role: {nb})" in content
    assert page_footers(content) == [(1, 1)]


def test_pdf_report_embeds_a_unicode_font_when_one_is_installed():
    font = find_unicode_font()
    if font is None:
        pytest.skip("no DejaVuSans.ttf on this machine: PDFs fall back to Helvetica")
    data = render_pdf_report([make(answer="Grüße, Привет, Γειά, مرحبا")], "ml")
    assert b"/FontFile2" in data  # an embedded TrueType font
    assert render_pdf_report([make()], "ml", font_path=font).startswith(b"%PDF-")


def test_pdf_report_of_nothing():
    data = render_pdf_report([], "ml")
    assert data.startswith(b"%PDF-") and pdf_page_count(data) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("café", "café"),
        ("cafe\u0301", "café"),  # NFC
        ("lone\ud800surrogate\udfff", "lonesurrogate"),
        ("zero\u200bwidth\u200d\ufeff", "zerowidth"),
        ("\u202eevil\u202c", "evil"),
        ("bell\x07esc\x1b nul\x00", "bellesc nul"),
        ("a\tb", "a    b"),
        ("a\r\nb\rc\u2028d", "a\nb\nc\nd"),
        ("漢字 😀", "?? ?"),
        ("€ “quotes”", "? ?quotes?"),
        ("private\ue000use", "privateuse"),
    ],
)
def test_pdf_safe_text_for_the_builtin_font(text, expected):
    assert pdf_safe_text(text) == expected


# --- dispatch ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "extension", "mime", "start"),
    [
        ("txt", ".txt", "text/plain", BANNER.encode()),
        ("md", ".md", "text/markdown", b"# Interview report"),
        ("json", ".json", "application/json", b"{"),
        ("csv", ".csv", "text/csv", b"\xef\xbb\xbfid,"),
        ("pdf", ".pdf", "application/pdf", b"%PDF-"),
    ],
)
def test_render_report_dispatches_by_format(fmt, extension, mime, start):
    assert (ReportFormat(fmt).extension, ReportFormat(fmt).mime_type) == (extension, mime)
    assert render_report([make()], "ml", fmt).startswith(start)
    assert render_report([make()], "ml", ReportFormat(fmt)).startswith(start)
    assert (
        report_file_name("Machine Learning Engineer!", fmt) == f"interview_report_machine_learning_engineer{extension}"
    )


def test_render_report_uses_a_given_summary_and_rejects_unknown_formats():
    summary = summarize([make()], total_questions=7)
    assert b"Total Questions: 7\n" in render_report([make()], "ml", "txt", summary=summary)
    with pytest.raises(ValueError, match="docx"):
        render_report([make()], "ml", "docx")


@pytest.mark.parametrize(
    ("role", "name"), [("", "interview_report.txt"), ("../../etc/passwd", "interview_report_etc_passwd.txt")]
)
def test_report_file_name_is_safe(role, name):
    assert report_file_name(role, "txt") == name


# --- command line ------------------------------------------------------------------------------------------


def write_jsonl(path: Path, assessments: list[AnswerAssessment], extra_lines: list[str] = ()) -> Path:
    lines = [json.dumps({**a.model_dump(mode="json"), "extra_key": "ignored"}) for a in assessments]
    path.write_text("\n".join([*lines, "", *extra_lines]) + "\n", encoding="utf-8")
    return path


@needs_reference
def test_cli_renders_the_reference_report_from_jsonl(tmp_path, reference_text):
    role, assessments = assessments_from_reference_report(reference_text)
    source = write_jsonl(tmp_path / "in.jsonl", assessments)
    out = tmp_path / "report.txt"
    assert main([str(source), "--role", role, "-o", str(out)]) == 0
    assert out.read_bytes() == REFERENCE.read_bytes()


@pytest.mark.parametrize("fmt", [fmt.value for fmt in ReportFormat])
def test_cli_writes_every_format(tmp_path, fmt):
    assessments = [make("ML_Q1", 90), make("DE_Q1", 70, answer="line\u2028separator inside JSON")]
    source = write_jsonl(tmp_path / "in.jsonl", assessments)
    out = tmp_path / f"report.{fmt}"
    assert main([str(source), "--role", "ml", "--format", fmt, "-o", str(out)]) == 0
    data = out.read_bytes()
    if fmt == "pdf":
        assert data.startswith(b"%PDF-")
    else:
        assert data == render_report(assessments, "ml", fmt)


def test_cli_writes_to_stdout_without_output(tmp_path, capsysbinary):
    source = write_jsonl(tmp_path / "in.jsonl", [make()])
    assert main([str(source), "--role", "ml", "--format", "pdf"]) == 0
    assert capsysbinary.readouterr().out.startswith(b"%PDF-")
    assert main([str(source), "--role", "ml"]) == 0
    assert capsysbinary.readouterr().out == render_text_report([make()], "ml").encode()


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ('{"id": "ML_Q2", "question": "q", "answer": "a", "score": ', r"in\.jsonl:4: not valid JSON"),
        ("[1, 2]", r"in\.jsonl:4: expected a JSON object, got list"),
        (
            '{"id": "ML_Q2", "question": "q", "answer": "a", "score": 150}',
            r"in\.jsonl:4: .*score: Input should be less",
        ),
        ('{"id": "ML_Q2", "answer": "a", "score": 1}', r"in\.jsonl:4: .*question: Field required"),
    ],
)
def test_cli_names_the_bad_line(tmp_path, capsys, bad_line, message):
    source = write_jsonl(tmp_path / "in.jsonl", [make("ML_Q1"), make("DE_Q1")], [bad_line])
    out = tmp_path / "out.txt"
    assert main([str(source), "--role", "ml", "-o", str(out)]) == 1
    assert re.search(message, capsys.readouterr().err)
    assert not out.exists()


def test_cli_usage_errors(tmp_path, capsys):
    assert main([str(tmp_path / "missing.jsonl"), "--role", "ml"]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main([str(tmp_path / "in.jsonl")]) == 2  # --role is required
    assert main(["x", "--role", "ml", "--format", "docx"]) == 2
    assert main([]) == 2


def test_python_m_scoring_report_still_works_and_forwards(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [make()])
    old = subprocess.run(
        [sys.executable, "-m", "scoring", "report", str(source), "--role", "ml"], capture_output=True, cwd=ROOT
    )
    assert old.returncode == 0, old.stderr
    assert old.stdout == render_text_report([make()], "ml").encode()


def test_read_assessments_jsonl_skips_blank_lines_and_ignores_extra_keys():
    line = json.dumps({"id": "ML_Q1", "question": "q", "answer": "a", "score": 50, "unknown": 1})
    assert (
        read_assessments_jsonl(["", line, "   ", line + "\r"])
        == [AnswerAssessment(id="ML_Q1", question="q", answer="a", score=50)] * 2
    )


def test_an_overridden_score_is_the_one_reported_with_the_models_beside_it():
    """Issue 16: every export and the summary use the administrator's score, marked as such."""
    corrected = make("ML_Q1", 91).overridden(74, "=1+1 too generous: no failure handling")
    other = make("ML_Q2", 60)
    assert corrected.score == 74 and corrected.override.model_score == 91
    assert corrected.overridden(80, "second look").override.model_score == 91  # the model's score stays the model's
    assert summarize([corrected, other]).average == 67.0
    text = render_text_report([corrected, other], role="ML")
    assert "Relevancy Score: 74/100" in text and "the model scored 91/100" in text
    assert "91/100" not in render_markdown_report([corrected], role="ML").replace("the model scored 91/100", "")
    row = pd.read_csv(io.StringIO(render_csv_report([corrected]))).iloc[0]
    assert (row["score"], row["model_score"]) == (74, 91)
    assert row["override_comment"].startswith("'=")  # an administrator's text is inert in a spreadsheet too
    assert json.loads(render_json_report([corrected], role="ML"))["assessments"][0]["override"]["model_score"] == 91


def test_pdf_report_draws_cjk_and_emoji_from_fallback_fonts():
    """Issue 16: CJK characters and emoji printed as "?" in the PDF; fallback fonts draw them glyph by glyph."""
    from pypdf import PdfReader

    from reports.render import find_fallback_fonts

    if find_unicode_font() is None or len(find_fallback_fonts()) < 3:
        pytest.skip("needs fonts-dejavu-core, fonts-droid-fallback, fonts-nanum, fonts-symbola (.ci/run installs them)")
    data = render_pdf_report([make(answer="I led the 東京 rollout with 김 and かな 😀 ✔")], "ml")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "東京" in text and "김" in text and "かな" in text
    assert "😀" in text and "✔" in text
    assert data.count(b"/FontFile2") >= 4  # DejaVu Sans and the fallbacks used, embedded (subsets)


STAR = StarStructure(
    sentences={
        "situation": "Last spring our launch slipped.",
        "task": None,
        "action": "I split the work.",
        "result": None,
    },
    result_has_outcome=False,
    notes=["Add the task.", "Add the result."],
    lines=[
        "Situation: shown - \u201cLast spring our launch slipped.\u201d",
        "Task: missing - Add the task.",
        "Action: shown - \u201cI split the work.\u201d",
        "Result: missing - Add the result.",
    ],
)


def test_a_behavioural_answers_star_structure_is_in_every_export_and_reads_back_from_text():
    behavioural = make("TEAM_Q1", 60, star=STAR)
    text = render_text_report([behavioural], "team lead")
    assert "Justification:\nRelevant.\n\nSTAR Structure:\n  - Situation: shown" in text
    _, parsed = assessments_from_reference_report(text)
    assert parsed[0].justification == "Relevant." and parsed[0].star is not None
    assert parsed[0].star.lines == STAR.lines
    assert "**STAR structure:**" in render_markdown_report([behavioural], "team lead")
    assert read_csv(render_csv_report([behavioural])).loc[0, "star"].split("\n") == STAR.lines
    assert InterviewReport.model_validate_json(render_json_report([behavioural], "x")).assessments[0].star == STAR
    assert "STAR Structure" not in render_text_report([make("ML_Q1", 60)], "x")  # other questions: no block
    assert render_pdf_report([behavioural], "team lead").startswith(b"%PDF")


def test_the_pdf_draws_a_bar_per_competency_on_a_0_to_100_scale():
    """Issue 14: the PDF carries the per-competency chart of the Report page."""
    assessments = [make("ML_Q1", 80, competency="ML"), make("DE_Q1", 40, competency="DE"), make("DE_Q2", 60)]
    content = pdf_text_streams(render_pdf_report(assessments, "x", embed_font=False))
    widths = [float(w) for w in re.findall(r"[\d.]+ [\d.]+ ([\d.]+) -?[\d.]+ re f", content)]
    assert len(widths) == 4  # per competency, a grey 0-100 track and its bar
    track = max(widths)
    assert sorted(round(w / track * 100) for w in widths if w != track) == [50, 80]  # DE averages 50, ML 80
    assert "(80/100) Tj" in content and "(50/100) Tj" in content


def test_a_follow_up_question_is_in_every_export_and_reads_back_from_text():
    """Issue 14: a downloaded report says a follow-up was asked; the answer holds both answers."""
    asked = make(
        "PIPE_Q1",
        70,
        answer="I built the pipeline.\n\nWe alerted on-call in Slack.",
        follow_up="Can you describe how failures were alerted?",
    )
    text = render_text_report([asked], "data engineer")
    assert (
        "We alerted on-call in Slack.\n\nFollow-up Question:\nCan you describe how failures were alerted?\n\n" in text
    )
    _, parsed = assessments_from_reference_report(text)
    assert (parsed[0].answer, parsed[0].follow_up) == (asked.answer, asked.follow_up)
    assert "**Follow-up question:** Can you describe" in render_markdown_report([asked], "x")
    assert read_csv(render_csv_report([asked])).loc[0, "follow_up"] == asked.follow_up
    assert render_pdf_report([asked], "x").startswith(b"%PDF")
