"""Exports of an assessed interview: plain text (the reference layout), Markdown, JSON, CSV and PDF.

Every renderer is a pure function of the assessments, the role and the summary. Candidate text (and
feedback, which may quote it) is never interpreted: it is escaped in Markdown, neutralised against
spreadsheet formulas in CSV, and written as plain text in the PDF. ``render_report`` is the one entry
point the UI needs: bytes, plus the extension and MIME type from ``ReportFormat``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from scoring.delivery import delivery_lines, delivery_tips
from scoring.summary import competency_code, round_half_up, summarize
from scoring.types import AnswerAssessment, CompetencyAverage, DeliveryFigures, InterviewSummary, StarStructure

if TYPE_CHECKING:
    from fpdf import FPDF

BANNER = "=" * 70
NO_ITEMS = "(none)"
NOT_AVAILABLE = "N/A"
DELIVERY_LABEL = "Delivery (spoken answer)"
DELIVERY_TIPS_LABEL = "Delivery Tips"


class ReportFormat(StrEnum):
    """The export formats, with the file extension and MIME type of each (for download buttons)."""

    TXT = "txt"
    MD = "md"
    JSON = "json"
    CSV = "csv"
    PDF = "pdf"

    @property
    def extension(self) -> str:
        """The file extension, with its dot (``.txt``)."""
        return f".{self.value}"

    @property
    def mime_type(self) -> str:
        """The MIME type of the rendered bytes."""
        return _MIME_TYPES[self]


_MIME_TYPES = {
    ReportFormat.TXT: "text/plain",
    ReportFormat.MD: "text/markdown",
    ReportFormat.JSON: "application/json",
    ReportFormat.CSV: "text/csv",
    ReportFormat.PDF: "application/pdf",
}


class InterviewReport(BaseModel):
    """The JSON export: the role, the summary and every assessment."""

    role: str
    summary: InterviewSummary
    assessments: list[AnswerAssessment] = Field(default_factory=list)


def render_report(
    assessments: Sequence[AnswerAssessment],
    role: str,
    fmt: ReportFormat | str,
    *,
    summary: InterviewSummary | None = None,
) -> bytes:
    """Render an interview in one of the export formats.

    Text formats are UTF-8; CSV starts with a byte order mark so that spreadsheet programs (Excel)
    read it as UTF-8 rather than the system code page.

    Args:
        assessments: The assessed answers, in interview order.
        role: The role the interview was for.
        fmt: The format, as a ``ReportFormat`` or its value (``"pdf"``).
        summary: The interview summary; computed with ``summarize`` when not given.

    Returns:
        The file's bytes; ``ReportFormat(fmt).extension`` and ``.mime_type`` describe them.

    Raises:
        ValueError: If ``fmt`` is not a known format.
    """
    fmt = ReportFormat(fmt)
    if fmt is ReportFormat.PDF:
        return render_pdf_report(assessments, role, summary)
    if fmt is ReportFormat.CSV:
        return render_csv_report(assessments).encode("utf-8-sig")
    text_renderers: dict[ReportFormat, Callable[..., str]] = {
        ReportFormat.TXT: render_text_report,
        ReportFormat.MD: render_markdown_report,
        ReportFormat.JSON: render_json_report,
    }
    return text_renderers[fmt](assessments, role, summary).encode("utf-8")


def report_file_name(role: str, fmt: ReportFormat | str) -> str:
    """A safe download file name for a report, e.g. ``interview_report_machine_learning_engineer.pdf``.

    Args:
        role: The role the interview was for (anything; only ASCII letters and digits are kept).
        fmt: The report format.

    Returns:
        The file name, at most about 80 characters, with the format's extension.
    """
    slug = re.sub(r"[^a-z0-9]+", "_", role.lower()).strip("_")[:60].rstrip("_")
    stem = f"interview_report_{slug}" if slug else "interview_report"
    return stem + ReportFormat(fmt).extension


# --- plain text -----------------------------------------------------------------------------------


def render_text_report(
    assessments: Sequence[AnswerAssessment], role: str, summary: InterviewSummary | None = None
) -> str:
    """Render the plain-text report, in the layout of the reference report byte for byte.

    Banners are 70 ``=``; answers, questions and justifications are written exactly as given
    (paragraph breaks and trailing spaces kept); list items are ``  - item`` (continuation lines of
    a multi-line item are indented four spaces, an empty list is ``  (none)``). Scores in the summary
    are rounded half up (an average of 89.5 shows as 90), ``N/A`` when there are no answers. The text
    ends with the closing banner and no newline.

    A spoken answer (``delivery`` set) gets, after its justification (and STAR block), a
    ``Delivery (spoken answer):`` block: the ``delivery_lines`` with their ranges, then a ``Measured:``
    line with the exact figures (what the text is read back from), then, only when a figure is out of
    range, a ``Delivery Tips:`` block; the summary then says how many answers were spoken and their
    mean pace. Reports with typed answers only are unchanged: the reference layout, byte for byte.

    Args:
        assessments: The assessed answers, in interview order.
        role: The role the interview was for (line breaks become spaces).
        summary: The interview summary; computed with ``summarize`` when not given.

    Returns:
        The report text.
    """
    summary = summary or summarize(assessments)
    lines = [BANNER, "INTERVIEW REPORT", BANNER, f"Role: {_one_line(role)}", BANNER, ""]
    for number, assessment in enumerate(assessments, start=1):
        lines += ["", BANNER, f"QUESTION {number}: {_one_line(assessment.id)}", BANNER, ""]
        lines += [assessment.question, "", "Candidate Answer:", assessment.answer, ""]
        if assessment.follow_up:  # the answer holds the first answer and, after a blank line, the follow-up's
            lines += ["Follow-up Question:", _one_line(assessment.follow_up), ""]
        lines += [f"Relevancy Score: {assessment.score}/100", ""]
        if assessment.override is not None:
            lines[-1:] = [_one_line(assessment.override_note()), ""]
        lines += ["Strengths:", *_text_items(assessment.strengths), ""]
        lines += ["Weaknesses:", *_text_items(assessment.weaknesses), ""]
        lines += ["Improvement Tips:", *_text_items(assessment.tips), ""]
        lines += ["Justification:", assessment.justification]
        if assessment.star is not None:  # behavioural questions only; the reference layout has none
            lines += ["", "STAR Structure:", *_text_items(assessment.star.lines)]
        if assessment.delivery is not None:  # spoken answers only; the reference layout has none
            lines += ["", f"{DELIVERY_LABEL}:", *_text_items(delivery_items(assessment.delivery))]
            if tips := delivery_tips(assessment.delivery):
                lines += ["", f"{DELIVERY_TIPS_LABEL}:", *_text_items(tips)]
    lines += ["", BANNER, "OVERALL SUMMARY", BANNER, ""]
    lines += [
        f"Total Questions: {summary.total_questions}",
        f"Average Relevancy Score: {_out_of_100(summary.average)}",
        f"Highest Score: {_out_of_100(summary.highest)}",
        f"Lowest Score: {_out_of_100(summary.lowest)}",
    ]
    if spoken := spoken_summary(assessments):
        lines.append(f"Spoken Answers: {spoken}")
    lines += ["", BANNER]
    return "\n".join(lines)


def _one_line(text: str) -> str:
    """The text with line breaks replaced by spaces (for single-line fields such as the role)."""
    return " ".join(text.splitlines())


def _number(value: float) -> str:
    """A float as Python writes it (``85.3``, ``92.0``): the shortest text that reads back as the same float."""
    return repr(float(value))


def measured_line(figures: DeliveryFigures) -> str:
    """The exact delivery figures on one line, the last item of an export's delivery block.

    ``delivery_lines`` round for display (speaking time to the second, pace to the word); this line
    keeps every figure as stored, so that the plain-text export can be read back into the same
    ``DeliveryFigures`` (``assessments_from_reference_report``). It also tells the reader what the
    display lines do not: the number of words heard and the transcriber.

    Args:
        figures: A spoken answer's delivery figures.

    Returns:
        E.g. ``Measured: 212 words in 85.3 s of speech (recording 92.0 s); pace 149.2 words a minute;
        filler words: 3 (um x2, like x1), 2.1 a minute; long pauses: 1, longest silence 3.4 s;
        transcriber: whisper-base.en`` (the transcriber part only when it is known).
    """
    counts = ", ".join(f"{word} x{count}" for word, count in figures.filler_counts.items())
    line = (
        f"Measured: {figures.words} words in {_number(figures.speaking_s)} s of speech "
        f"(recording {_number(figures.recording_s)} s); pace {_number(figures.words_per_minute)} words a minute; "
        f"filler words: {figures.fillers}{f' ({counts})' if counts else ''}, "
        f"{_number(figures.fillers_per_minute)} a minute; "
        f"long pauses: {figures.long_pauses}, longest silence {_number(figures.longest_pause_s)} s"
    )
    transcriber = _one_line(figures.transcriber).strip()
    return line + (f"; transcriber: {transcriber}" if transcriber else "")


def delivery_items(figures: DeliveryFigures) -> list[str]:
    """The items of a spoken answer's delivery block in every export: ``delivery_lines``, then ``measured_line``."""
    return [*delivery_lines(figures), measured_line(figures)]


def spoken_summary(assessments: Sequence[AnswerAssessment]) -> str:
    """How many answers were spoken and their mean pace, for the summaries; ``""`` when none was spoken.

    The mean pace is the plain mean of the spoken answers' words per minute, over those in which words
    were heard (a silent recording has no pace); it is left out when none had words.

    Args:
        assessments: The assessed answers.

    Returns:
        E.g. ``1 of 2 (mean pace: 149 words per minute)``, or ``""``.
    """
    spoken = [a.delivery for a in assessments if a.delivery is not None]
    if not spoken:
        return ""
    paces = [figures.words_per_minute for figures in spoken if figures.words > 0]
    pace = f" (mean pace: {round_half_up(sum(paces) / len(paces))} words per minute)" if paces else ""
    return f"{len(spoken)} of {len(assessments)}{pace}"


def _out_of_100(score: float | None) -> str:
    """``90/100`` for a score (rounded half up), ``N/A`` for none."""
    return NOT_AVAILABLE if score is None else f"{round_half_up(score)}/100"


def _text_items(items: Sequence[str]) -> list[str]:
    """Bullet lines of a list; continuation lines of multi-line items are indented four spaces."""
    if not items:
        return [f"  {NO_ITEMS}"]
    lines = []
    for item in items:
        first, *rest = item.split("\n")
        lines += [f"  - {first}", *(f"    {line}" for line in rest)]
    return lines


# --- reading the plain text back -------------------------------------------------------------------

_TEXT_HEADER = re.compile(rf"\A{BANNER}\nINTERVIEW REPORT\n{BANNER}\nRole: (?P<role>[^\n]*)\n{BANNER}\n")
_TEXT_QUESTION = re.compile(rf"\n\n{BANNER}\nQUESTION (?P<number>\d+): (?P<id>[^\n]*)\n{BANNER}\n\n")
_TEXT_SUMMARY = f"\n\n{BANNER}\nOVERALL SUMMARY\n{BANNER}\n\n"
_TEXT_SCORE = re.compile(r"\n\nRelevancy Score: (?P<score>\d+)/100\n\nStrengths:\n")


def assessments_from_reference_report(text: str) -> tuple[str, list[AnswerAssessment]]:
    """Read a plain-text report (the reference layout, as ``render_text_report`` writes it) back.

    The layout is meant for people, not machines: an answer that itself contains a line such as
    ``Relevancy Score: 90/100`` followed by ``Strengths:``, or a question banner, can be misread.
    Reports written by ``render_text_report`` from ordinary answers read back exactly. Line endings
    must be ``\\n``. The summary block is checked to be there but not read (it is derived data).

    A STAR block comes back as its display lines (``StarStructure.lines``; the sentences are not
    recovered). A delivery block comes back as the exact ``DeliveryFigures``, read from its
    ``Measured:`` line (``measured_line``); its display lines and the ``Delivery Tips:`` block are
    derived from the figures and, like the summary, not read, so that a report still reads back after
    their wording changes (it then re-renders in the new wording).

    Args:
        text: The whole report.

    Returns:
        The role and the assessments, with ``competency`` set from the id's prefix before ``_Q``.

    Raises:
        ValueError: If the text does not follow the layout.
    """
    header = _TEXT_HEADER.match(text)
    if header is None:
        raise ValueError("not an interview report: the INTERVIEW REPORT header and Role line are missing")
    summary_start = text.rfind(_TEXT_SUMMARY)
    if summary_start < header.end():
        raise ValueError("not an interview report: the OVERALL SUMMARY block is missing")
    body = text[header.end() : summary_start]
    headings = _question_headings(body)
    if not headings and body:
        raise ValueError("unexpected text between the header and the summary")
    if headings and headings[0].start() != 0:
        raise ValueError("unexpected text before QUESTION 1")
    assessments = []
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(body)
        try:
            assessments.append(_read_question(heading["id"], body[heading.end() : end]))
        except ValueError as error:
            raise ValueError(f"QUESTION {heading['number']} ({heading['id']}): {error}") from None
    return header["role"], assessments


def _question_headings(body: str) -> list[re.Match[str]]:
    """The QUESTION banners of a report body, numbered 1, 2, 3, ... (banners out of sequence are text)."""
    headings: list[re.Match[str]] = []
    for match in _TEXT_QUESTION.finditer(body):
        if int(match["number"]) == len(headings) + 1:
            headings.append(match)
    return headings


def _read_question(question_id: str, section: str) -> AnswerAssessment:
    """One question's section, from the question text to the end of its last block (justification, STAR, delivery)."""
    question, found, rest = section.partition("\n\nCandidate Answer:\n")
    if not found:
        raise ValueError("no 'Candidate Answer:' line")
    score = _TEXT_SCORE.search(rest)
    if score is None:
        raise ValueError("no 'Relevancy Score: N/100' line followed by 'Strengths:'")
    answer, rest = rest[: score.start()], rest[score.end() :]
    follow_up = None
    if "\n\nFollow-up Question:\n" in answer:  # our own export of a question with a follow-up
        answer, _, follow_up = answer.rpartition("\n\nFollow-up Question:\n")
    strengths, rest = _split_block(rest, "\n\nWeaknesses:\n")
    weaknesses, rest = _split_block(rest, "\n\nImprovement Tips:\n")
    tips, justification = _split_block(rest, "\n\nJustification:\n")
    delivery = None
    if f"\n\n{DELIVERY_LABEL}:\n" in justification:  # our own export of a spoken answer: its last block
        justification, _, delivery_block = justification.rpartition(f"\n\n{DELIVERY_LABEL}:\n")
        delivery = _read_delivery(delivery_block)
    justification, has_star, star_block = justification.partition("\n\nSTAR Structure:\n")
    star = None
    if has_star:  # our own export of a behavioural answer: the display lines come back, not the analysis
        lines = _read_items(star_block)
        star = StarStructure(
            sentences={},
            result_has_outcome=not any(line.startswith("Result: shown, no outcome") for line in lines),
            lines=lines,
        )
    prefix, separator, _ = question_id.rpartition("_Q")
    return AnswerAssessment(
        id=question_id,
        question=question,
        answer=answer,
        competency=prefix if separator and prefix else None,
        score=int(score["score"]),
        strengths=_read_items(strengths),
        weaknesses=_read_items(weaknesses),
        tips=_read_items(tips),
        justification=justification,
        star=star,
        follow_up=follow_up,
        delivery=delivery,
    )


_NUMBER = r"\d+(?:\.\d+)?(?:e[+-]?\d+)?"
_MEASURED = re.compile(
    rf"Measured: (?P<words>\d+) words in (?P<speaking_s>{_NUMBER}) s of speech "
    rf"\(recording (?P<recording_s>{_NUMBER}) s\); pace (?P<words_per_minute>{_NUMBER}) words a minute; "
    rf"filler words: (?P<fillers>\d+)(?: \((?P<filler_counts>[^()]*)\))?, (?P<fillers_per_minute>{_NUMBER}) a minute; "
    rf"long pauses: (?P<long_pauses>\d+), longest silence (?P<longest_pause_s>{_NUMBER}) s"
    r"(?:; transcriber: (?P<transcriber>.+))?"
)


def _read_delivery(block: str) -> DeliveryFigures:
    """The figures of a ``Delivery (spoken answer):`` block (with any ``Delivery Tips:``), from its last item."""
    items_block, has_tips, tips_block = block.partition(f"\n\n{DELIVERY_TIPS_LABEL}:\n")
    items = _read_items(items_block)
    if has_tips:
        _read_items(tips_block)  # derived from the figures: checked to be a list, not read
    measured = _MEASURED.fullmatch(items[-1]) if items else None
    if measured is None:
        raise ValueError(f"the {DELIVERY_LABEL!r} block does not end with a 'Measured:' item")
    counts: dict[str, int] = {}
    for part in filter(None, (measured["filler_counts"] or "").split(", ")):
        word, separator, count = part.rpartition(" x")
        if not (separator and word and count.isdigit()):
            raise ValueError(f"unreadable filler count {part[:60]!r} in the 'Measured:' item")
        counts[word] = int(count)
    return DeliveryFigures(
        recording_s=float(measured["recording_s"]),
        speaking_s=float(measured["speaking_s"]),
        words=int(measured["words"]),
        words_per_minute=float(measured["words_per_minute"]),
        fillers=int(measured["fillers"]),
        filler_counts=counts,
        fillers_per_minute=float(measured["fillers_per_minute"]),
        long_pauses=int(measured["long_pauses"]),
        longest_pause_s=float(measured["longest_pause_s"]),
        transcriber=measured["transcriber"] or "",
    )


def _split_block(text: str, next_label: str) -> tuple[str, str]:
    """The text before ``next_label`` and the text after it."""
    before, found, after = text.partition(next_label)
    if not found:
        raise ValueError(f"no {next_label.strip()!r} line")
    return before, after


def _read_items(block: str) -> list[str]:
    """The items of a bullet block written by ``_text_items``."""
    if block == f"  {NO_ITEMS}":
        return []
    items: list[list[str]] = []
    for line in block.split("\n"):
        if line.startswith("  - "):
            items.append([line[4:]])
        elif line.startswith("    ") and items:
            items[-1].append(line[4:])
        else:
            raise ValueError(f"unexpected line in a list: {line[:60]!r}")
    return ["\n".join(item) for item in items]


# --- Markdown --------------------------------------------------------------------------------------

# Characters that are markup anywhere in a line (CommonMark, GitHub tables and strikethrough, and the
# $...$ maths of Streamlit's Markdown). <, > and & become HTML entities, which every renderer decodes
# as text; the others get a backslash.
_MARKDOWN_INLINE = frozenset("\\`*_[]|~$")
_MARKDOWN_ENTITIES = frozenset("<>&")
# Markup only at the start of a line: headings, list bullets, setext underlines, ordered lists.
_MARKDOWN_LINE_START = frozenset("#-+=")
_ORDERED_LIST_START = re.compile(r"[ \t]*\d{1,9}[.)]")


def escape_markdown(text: str) -> str:
    """Make text inert in Markdown: it renders as itself, never as formatting, links, HTML or maths.

    ``<``, ``>`` and ``&`` become HTML entities; the other Markdown punctuation gets a backslash where
    it could be markup (``*``, ``_``, backquotes, brackets, ``|``, ``~``, ``$`` and backslashes
    anywhere; ``#``, ``-``, ``+``, ``=`` and ordered-list numbers at the start of a line). Line
    endings are normalised to ``\\n``. Bare ``http://`` URLs may still be made clickable by renderers
    that autolink them (GitHub), but they show as written.

    Args:
        text: Untrusted text (an answer, or feedback that may quote it).

    Returns:
        The escaped text, line structure kept.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(_escape_markdown_line(line) for line in lines)


def _escape_markdown_line(line: str) -> str:
    """``escape_markdown`` of one line."""
    ordered_list = _ORDERED_LIST_START.match(line)
    list_delimiter_at = ordered_list.end() - 1 if ordered_list else -1
    parts = []
    at_line_start = True
    for index, char in enumerate(line):
        if char in _MARKDOWN_ENTITIES:
            parts.append(html.escape(char, quote=False))
        elif char in _MARKDOWN_INLINE or index == list_delimiter_at or (at_line_start and char in _MARKDOWN_LINE_START):
            parts.append("\\" + char)
        else:
            parts.append(char)
        at_line_start = at_line_start and char in " \t"
    return "".join(parts)


def render_markdown_report(
    assessments: Sequence[AnswerAssessment], role: str, summary: InterviewSummary | None = None
) -> str:
    """Render the report as Markdown (GitHub-flavoured tables), with all supplied text escaped.

    Args:
        assessments: The assessed answers, in interview order.
        role: The role the interview was for.
        summary: The interview summary; computed with ``summarize`` when not given.

    Returns:
        The Markdown text, ending with a newline.
    """
    summary = summary or summarize(assessments)
    blocks = [
        "# Interview report",
        f"**Role:** {_md_cell(role)}",
        *_markdown_summary(summary, spoken_summary(assessments)),
    ]
    for number, assessment in enumerate(assessments, start=1):
        blocks += _markdown_question(number, assessment)
    return "\n\n".join(blocks) + "\n"


def _md_cell(text: str) -> str:
    """Escaped text on one line (for table cells and one-line fields)."""
    return escape_markdown(_one_line(text))


def _markdown_summary(summary: InterviewSummary, spoken: str = "") -> list[str]:
    """The summary heading and tables; ``spoken`` (``spoken_summary``) as a line under the totals when set."""
    totals = "\n".join(
        [
            "| Total questions | Answered | Average score | Highest score | Lowest score |",
            "| ---: | ---: | ---: | ---: | ---: |",
            f"| {summary.total_questions} | {summary.answered} | {_out_of_100(summary.average)} "
            f"| {_out_of_100(summary.highest)} | {_out_of_100(summary.lowest)} |",
        ]
    )
    blocks = ["## Summary", totals]
    if spoken:
        blocks.append(f"**Spoken answers:** {spoken}")
    if summary.by_competency:
        rows = ["| Competency | Answers | Average score |", "| --- | ---: | ---: |"]
        for competency in summary.by_competency:
            label = _md_cell(_competency_label(competency))
            rows.append(f"| {label} | {competency.count} | {_out_of_100(competency.average)} |")
        blocks.append("\n".join(rows))
    return blocks


def _competency_label(competency: CompetencyAverage) -> str:
    """``Machine learning (ML)``, or just the code when there is no separate name."""
    return competency.code if competency.name == competency.code else f"{competency.name} ({competency.code})"


def _markdown_question(number: int, assessment: AnswerAssessment) -> list[str]:
    """The blocks of one question: heading, question, quoted answer, score, feedback."""
    answer = escape_markdown(assessment.answer) if assessment.answer.strip() else "_No answer._"
    blocks = [
        f"## Question {number}: {_md_cell(assessment.id)}",
        f"**Question:** {escape_markdown(assessment.question)}",
        "**Candidate answer:**",
        "\n".join(f"> {line}".rstrip() for line in answer.split("\n")),
        *([f"**Follow-up question:** {escape_markdown(assessment.follow_up)}"] if assessment.follow_up else []),
        f"**Relevancy score:** {assessment.score}/100",
    ]
    if assessment.override is not None:
        blocks.append(f"_{escape_markdown(assessment.override_note())}_")
    for label, items in (
        ("Strengths", assessment.strengths),
        ("Weaknesses", assessment.weaknesses),
        ("Improvement tips", assessment.tips),
    ):
        blocks += [f"**{label}:**", _markdown_items(items)]
    blocks += ["**Justification:**", escape_markdown(assessment.justification) or "_None._"]
    if assessment.star is not None:
        blocks += ["**STAR structure:**", _markdown_items(assessment.star.lines)]
    if assessment.delivery is not None:
        blocks += [f"**{DELIVERY_LABEL}:**", _markdown_items(delivery_items(assessment.delivery))]
        if tips := delivery_tips(assessment.delivery):
            blocks += ["**Delivery tips:**", _markdown_items(tips)]
    if assessment.flags:
        blocks.append("**Flags:** " + ", ".join(escape_markdown(flag.value) for flag in assessment.flags))
    return blocks


def _markdown_items(items: Sequence[str]) -> str:
    """A bullet list of escaped items (continuation lines indented under their bullet)."""
    if not items:
        return "_None._"
    return "\n".join("- " + escape_markdown(item).replace("\n", "\n  ") for item in items)


# --- JSON and CSV ----------------------------------------------------------------------------------


def render_json_report(
    assessments: Sequence[AnswerAssessment], role: str, summary: InterviewSummary | None = None
) -> str:
    """Render the report as JSON: an ``InterviewReport`` object (role, summary, assessments).

    Args:
        assessments: The assessed answers, in interview order.
        role: The role the interview was for.
        summary: The interview summary; computed with ``summarize`` when not given.

    Returns:
        Indented JSON; ``InterviewReport.model_validate_json`` reads it back.
    """
    report = InterviewReport(role=role, summary=summary or summarize(assessments), assessments=list(assessments))
    return report.model_dump_json(indent=2)


# The delivery figures of a spoken answer, one CSV column each (empty for a typed answer).
DELIVERY_COLUMNS = (
    "recording_s",
    "speaking_s",
    "words",
    "words_per_minute",
    "fillers",
    "fillers_per_minute",
    "long_pauses",
    "longest_pause_s",
)
CSV_COLUMNS = (
    "id",
    "competency",
    "question",
    "answer",
    "score",
    "model_score",
    "override_comment",
    "strengths",
    "weaknesses",
    "tips",
    "justification",
    "follow_up",
    "star",
    "flags",
    *DELIVERY_COLUMNS,
)
# A spreadsheet treats a cell starting with one of these as a formula (or as the start of one).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(cell: str) -> str:
    """Prefix a cell that a spreadsheet would evaluate as a formula with an apostrophe (OWASP advice).

    Args:
        cell: One text cell.

    Returns:
        ``'`` + cell when it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return; else
        the cell unchanged.
    """
    return "'" + cell if cell.startswith(_FORMULA_TRIGGERS) else cell


def render_csv_report(assessments: Sequence[AnswerAssessment]) -> str:
    """Render one CSV row per answer, safe to open in a spreadsheet.

    Columns are ``CSV_COLUMNS``; strengths, weaknesses, tips and flags are joined with newlines (the
    cells are quoted); every text cell goes through ``neutralize_formula``. Lines end with ``\\n``.
    The ``DELIVERY_COLUMNS`` hold a spoken answer's figures (``85.3``, ``212``) and are empty for a
    typed answer; they are written as text so that whole counts stay whole in a column with blanks.

    Args:
        assessments: The assessed answers, in interview order.

    Returns:
        The CSV text, header row first.
    """
    import pandas as pd  # heavy; only needed for this export

    rows = [
        {
            "id": assessment.id,
            "competency": competency_code(assessment) or "",
            "question": assessment.question,
            "answer": assessment.answer,
            "score": assessment.score,
            "model_score": assessment.override.model_score if assessment.override else assessment.score,
            "override_comment": assessment.override.comment if assessment.override else "",
            "strengths": "\n".join(assessment.strengths),
            "weaknesses": "\n".join(assessment.weaknesses),
            "tips": "\n".join(assessment.tips),
            "justification": assessment.justification,
            "follow_up": assessment.follow_up or "",
            "star": "\n".join(assessment.star.lines) if assessment.star is not None else "",
            "flags": "\n".join(flag.value for flag in assessment.flags),
            **_delivery_cells(assessment.delivery),
        }
        for assessment in assessments
    ]
    safe_rows = [{key: neutralize_formula(v) if isinstance(v, str) else v for key, v in row.items()} for row in rows]
    return pd.DataFrame(safe_rows, columns=list(CSV_COLUMNS)).to_csv(index=False, lineterminator="\n")


def _delivery_cells(figures: DeliveryFigures | None) -> dict[str, str]:
    """The ``DELIVERY_COLUMNS`` cells of one answer: each figure as text, all empty for a typed answer."""
    if figures is None:
        return dict.fromkeys(DELIVERY_COLUMNS, "")
    values = figures.model_dump(include=set(DELIVERY_COLUMNS))
    return {column: _number(v) if isinstance(v, float) else str(v) for column, v in values.items()}


# --- PDF -------------------------------------------------------------------------------------------

# Where DejaVu Sans (wide Unicode coverage, free licence) usually lives: Debian/Ubuntu, Fedora, Arch,
# Alpine, then user and macOS font folders.
_UNICODE_FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/share/fonts/ttf-dejavu/DejaVuSans.ttf"),
    Path("/usr/local/share/fonts/DejaVuSans.ttf"),
    Path.home() / ".local/share/fonts/DejaVuSans.ttf",
    Path("/Library/Fonts/DejaVuSans.ttf"),
)
_LATIN_1_PRINTABLE = frozenset([*range(0x20, 0x7F), *range(0xA0, 0x100)])
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_PDF_FAMILY = "candid-sans"
_PAGE_COUNT_ALIAS = "\x01nb\x01"


@dataclass(frozen=True)
class _PdfFont:
    """The font a PDF is set in, and the characters it can draw."""

    regular: Path | None  # None: fpdf2's built-in Helvetica (latin-1 only)
    bold: Path | None
    codepoints: frozenset[int]  # of the font and its fallbacks together
    fallbacks: tuple[Path, ...] = ()  # fonts drawing, glyph by glyph, what the main font lacks (CJK, emoji)

    @property
    def bullet(self) -> str:
        return "\u2022" if ord("\u2022") in self.codepoints else "-"


# Fallback fonts, used glyph by glyph for characters DejaVu Sans lacks (Debian packages in brackets):
# Chinese and Japanese (fonts-droid-fallback), Korean (fonts-nanum), emoji and symbols (fonts-symbola).
FALLBACK_FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf"),
    Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
    Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf"),
    Path("/usr/share/fonts/truetype/symbola/Symbola.ttf"),
)


def find_fallback_fonts() -> tuple[Path, ...]:
    """The fallback fonts installed here (``FALLBACK_FONT_CANDIDATES``), one per family."""
    found: dict[str, Path] = {}
    for path in FALLBACK_FONT_CANDIDATES:
        family = path.stem.split("_")[0].removesuffix("Full")
        if path.is_file() and family not in found:
            found[family] = path
    return tuple(found.values())


def find_unicode_font() -> Path | None:
    """Find DejaVu Sans on this machine, for PDFs that can show any script it covers.

    Returns:
        The path of ``DejaVuSans.ttf``, or ``None`` when none of the usual font folders has it.
    """
    return next((path for path in _UNICODE_FONT_CANDIDATES if path.is_file()), None)


@lru_cache(maxsize=4)
def _load_pdf_font(font_path: Path | None, fallbacks: tuple[Path, ...] = ()) -> _PdfFont:
    """The PDF font for a TTF file (its bold sibling ``-Bold.ttf`` if present) with its fallbacks, or Helvetica."""
    if font_path is None:
        return _PdfFont(regular=None, bold=None, codepoints=_LATIN_1_PRINTABLE)
    from fontTools.ttLib import TTFont  # installed with fpdf2

    codepoints: set[int] = set()
    for path in (font_path, *fallbacks):
        with TTFont(path, lazy=True) as font:
            codepoints.update(font.getBestCmap())
    bold = font_path.with_name(f"{font_path.stem}-Bold{font_path.suffix}")
    return _PdfFont(
        regular=font_path,
        bold=bold if bold.is_file() else None,
        codepoints=frozenset(codepoints),
        fallbacks=fallbacks,
    )


def pdf_safe_text(text: str, codepoints: frozenset[int] = _LATIN_1_PRINTABLE) -> str:
    """Clean untrusted text so that a PDF font can draw all of it.

    Control, format (zero-width, bidi override), surrogate, private-use and unassigned characters are
    dropped; tabs become four spaces; other characters the font lacks become ``?``.

    Args:
        text: Untrusted text.
        codepoints: The characters the font has (default: the printable latin-1 of the built-in fonts).

    Returns:
        The cleaned text, NFC-normalised, with ``\\n`` line breaks.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = "".join(char for char in text if not 0xD800 <= ord(char) <= 0xDFFF)  # lone surrogates
    kept = []
    for char in unicodedata.normalize("NFC", text):
        if char == "\n":
            kept.append(char)
        elif char == "\t":
            kept.append("    ")
        elif unicodedata.category(char) in _DROPPED_CATEGORIES:
            continue
        else:
            kept.append(char if ord(char) in codepoints else "?")
    return "".join(kept)


def render_pdf_report(
    assessments: Sequence[AnswerAssessment],
    role: str,
    summary: InterviewSummary | None = None,
    *,
    font_path: Path | str | None = None,
    embed_font: bool = True,
) -> bytes:
    """Render the report as an A4 PDF with fpdf2.

    Text is set in DejaVu Sans when found (``find_unicode_font``, or ``font_path``), which covers Latin,
    Greek, Cyrillic, Arabic, Hebrew and many symbols; characters it lacks are drawn glyph by glyph from
    the fallback fonts installed (``find_fallback_fonts``: Droid Sans Fallback for Chinese and Japanese,
    Nanum Gothic for Korean, Symbola for emoji, in black and white); only what none has prints as ``?``.
    Without a TTF font the built-in Helvetica is used and everything outside latin-1 prints as ``?``.
    Right-to-left text is not shaped (it shows in logical order). Candidate text is written as plain
    text (no Markdown, no HTML, no page-number aliases).

    Args:
        assessments: The assessed answers, in interview order.
        role: The role the interview was for.
        summary: The interview summary; computed with ``summarize`` when not given.
        font_path: A TrueType font to use instead of the one found on the system.
        embed_font: ``False`` to use the built-in Helvetica even when a TTF font is available.

    Returns:
        The PDF file's bytes.
    """
    summary = summary or summarize(assessments)
    if not embed_font:
        font_path = None
    elif font_path is None:
        font_path = find_unicode_font()
    font = _load_pdf_font(Path(font_path) if font_path is not None else None, find_fallback_fonts())
    writer = _PdfWriter(font, title=f"Interview report: {_one_line(role)}")
    writer.heading("Interview report", size=18)
    writer.paragraph(f"Role: {_one_line(role)}")
    writer.heading("Summary", size=14)
    writer.table(
        [
            ["Total questions", str(summary.total_questions)],
            ["Answered", str(summary.answered)],
            ["Average relevancy score", _out_of_100(summary.average)],
            ["Highest score", _out_of_100(summary.highest)],
            ["Lowest score", _out_of_100(summary.lowest)],
            *([["Spoken answers", spoken]] if (spoken := spoken_summary(assessments)) else []),
        ],
        headings=None,
        col_widths=(3, 1),
    )
    if summary.by_competency:
        writer.table(
            [[_competency_label(c), str(c.count), _out_of_100(c.average)] for c in summary.by_competency],
            headings=["Competency", "Answers", "Average"],
            col_widths=(2, 1, 1),
        )
        writer.bar_chart([(_competency_label(c), c.average) for c in summary.by_competency])
    for number, assessment in enumerate(assessments, start=1):
        writer.add_question(number, assessment)
    return writer.finish()


@lru_cache(maxsize=1)
def _report_pdf_class() -> type[FPDF]:
    """fpdf2's ``FPDF`` with a "Page 2 of 5" footer (imported on first use: fpdf2 loads Pillow)."""
    from fpdf import FPDF

    class ReportPDF(FPDF):
        footer_family = "helvetica"

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(self.footer_family, "", 8)
            self.cell(0, 5, f"Page {self.page_no()} of {_PAGE_COUNT_ALIAS}", align="C")

    return ReportPDF


class _PdfWriter:
    """A thin layout layer over fpdf2: headings, labelled paragraphs, bullets, tables, page numbers."""

    LINE = 5.5
    TEXT_SIZE = 10.5

    def __init__(self, font: _PdfFont, title: str) -> None:
        self.font = font
        self.pdf = _report_pdf_class()(format="A4")
        # The page-count alias is made of control characters, which pdf_safe_text removes from all other
        # text: with fpdf2's default "{nb}", candidate text containing "{nb}" would become the page count.
        self.pdf.alias_nb_pages(_PAGE_COUNT_ALIAS)
        self.pdf.set_margins(18, 18, 18)
        self.pdf.set_auto_page_break(auto=True, margin=18)
        if font.regular is None:
            self.family = "helvetica"
        else:
            self.family = _PDF_FAMILY
            self.pdf.add_font(self.family, "", str(font.regular))
            self.pdf.add_font(self.family, "B", str(font.bold or font.regular))
            names = [f"{_PDF_FAMILY}-fallback-{index}" for index in range(len(font.fallbacks))]
            for name, path in zip(names, font.fallbacks, strict=True):
                self.pdf.add_font(name, "", str(path))
            if names:
                self.pdf.set_fallback_fonts(names, exact_match=False)  # bold text falls back to regular
        self.pdf.footer_family = self.family
        self.pdf.set_title(self.text(title))
        self.pdf.set_creator("Candid")
        self.pdf.add_page()

    def text(self, text: str) -> str:
        """Text cleaned for this font."""
        return pdf_safe_text(text, self.font.codepoints)

    def heading(self, text: str, size: float) -> None:
        """A bold heading, kept with at least a few lines of what follows."""
        if self.pdf.will_page_break(size * 2.5):
            self.pdf.add_page()
        self.pdf.ln(2)
        self.pdf.set_font(self.family, "B", size)
        self._lines(text, height=size * 0.5)
        self.pdf.ln(1.5)

    def label(self, text: str) -> None:
        """A small bold label above a paragraph or list."""
        if self.pdf.will_page_break(self.LINE * 3):
            self.pdf.add_page()
        self.pdf.ln(1.5)
        self.pdf.set_font(self.family, "B", self.TEXT_SIZE)
        self._lines(text)

    def paragraph(self, text: str) -> None:
        """Plain text; line breaks kept, long lines wrapped."""
        self.pdf.set_font(self.family, "", self.TEXT_SIZE)
        self._lines(text)

    def bullets(self, items: Sequence[str]) -> None:
        """A bullet list (``None`` when empty)."""
        if not items:
            self.paragraph("None")
            return
        self.pdf.set_font(self.family, "", self.TEXT_SIZE)
        indent = 5.0
        for item in items:
            self.pdf.cell(indent, self.LINE, self.font.bullet)
            self.pdf.multi_cell(
                self.pdf.epw - indent,
                self.LINE,
                self.text(item),
                align="L",
                markdown=False,
                new_x="LMARGIN",
                new_y="NEXT",
            )

    BAR_HEIGHT = 4.5

    def bar_chart(self, bars: Sequence[tuple[str, float | None]]) -> None:
        """Horizontal bars on a 0-100 scale, one per label (the Report page's competency chart), each with its
        value; a bar without a value says "no score". Labels take the left third of the page, in full."""
        self.pdf.ln(2)
        label_width = self.pdf.epw / 3
        scale_width = self.pdf.epw - label_width - 14
        for label, value in bars:
            self.pdf.set_font(self.family, "", self.TEXT_SIZE - 1)
            top = self.pdf.get_y()
            self.pdf.multi_cell(label_width - 2, self.BAR_HEIGHT, self.text(label), align="R", markdown=False)
            bottom = max(self.pdf.get_y(), top + self.BAR_HEIGHT)
            left = self.pdf.l_margin + label_width
            self.pdf.set_fill_color(230, 230, 230)
            self.pdf.rect(left, top + 0.5, scale_width, self.BAR_HEIGHT - 1, style="F")
            if value is not None:
                self.pdf.set_fill_color(70, 110, 180)
                self.pdf.rect(
                    left, top + 0.5, scale_width * max(0.0, min(100.0, value)) / 100, self.BAR_HEIGHT - 1, "F"
                )
            self.pdf.set_xy(left + scale_width + 1, top)
            self.pdf.cell(13, self.BAR_HEIGHT, _out_of_100(value) if value is not None else "no score")
            self.pdf.set_xy(self.pdf.l_margin, bottom + 1)
        self.pdf.set_fill_color(255, 255, 255)
        self.pdf.ln(2)

    def table(self, rows: Sequence[Sequence[str]], headings: Sequence[str] | None, col_widths: Sequence[int]) -> None:
        """A bordered table at the left margin, two thirds of the page wide, optional bold heading row."""
        self.pdf.ln(1)
        self.pdf.set_font(self.family, "", self.TEXT_SIZE)
        with self.pdf.table(
            width=self.pdf.epw * 2 / 3,
            align="LEFT",
            col_widths=tuple(col_widths),
            first_row_as_headings=headings is not None,
            text_align="LEFT",
            line_height=self.LINE + 1,
            markdown=False,
        ) as table:
            for cells in [headings, *rows] if headings is not None else rows:
                row = table.row()
                for cell in cells:
                    row.cell(self.text(cell))
        self.pdf.ln(2)

    def add_question(self, number: int, assessment: AnswerAssessment) -> None:
        """One question: heading, question, answer, score and feedback."""
        self.heading(f"Question {number}: {_one_line(assessment.id)}", size=13)
        self.pdf.set_font(self.family, "B", self.TEXT_SIZE)
        self._lines(assessment.question)
        self.label("Candidate answer")
        self.paragraph(assessment.answer if assessment.answer.strip() else "(no answer)")
        if assessment.follow_up:
            self.label("Follow-up question")
            self.paragraph(assessment.follow_up)
        self.label(f"Relevancy score: {assessment.score}/100")
        if assessment.override is not None:
            self.paragraph(assessment.override_note())
        for label, items in (
            ("Strengths", assessment.strengths),
            ("Weaknesses", assessment.weaknesses),
            ("Improvement tips", assessment.tips),
        ):
            self.label(label)
            self.bullets(items)
        self.label("Justification")
        self.paragraph(assessment.justification or "None")
        if assessment.star is not None:
            self.label("STAR structure")
            self.bullets(assessment.star.lines)
        if assessment.delivery is not None:
            self.label(DELIVERY_LABEL)
            self.bullets(delivery_items(assessment.delivery))
            if tips := delivery_tips(assessment.delivery):
                self.label("Delivery tips")
                self.bullets(tips)
        if assessment.flags:
            self.label("Flags")
            self.paragraph(", ".join(flag.value for flag in assessment.flags))
        self.pdf.ln(3)

    def finish(self) -> bytes:
        """The PDF file's bytes."""
        return bytes(self.pdf.output())

    def _lines(self, text: str, height: float | None = None) -> None:
        """Write wrapped text at the left margin in the current font."""
        self.pdf.multi_cell(
            0, height or self.LINE, self.text(text), align="L", markdown=False, new_x="LMARGIN", new_y="NEXT"
        )
