"""A bank as a spreadsheet: one row per question, for editing banks outside YAML.

``bank_to_csv`` and ``bank_from_csv`` round-trip a bank exactly. Rubric points and their tips sit in
``rubric_1``/``tip_1`` .. ``rubric_6``/``tip_6``; pitfalls and keywords are joined by ``" | "``. Red
flags and anchor answers follow the keywords as numbered pairs, one item per pair of cells:
``red_flag_1``/``reason_1`` .. and ``anchor_level_1``/``anchor_1`` .. (the level is ``strong``,
``good``, ``generic`` or ``wrong``). An export has at least 4 pairs of each, more when a question
needs them; an import takes any numbers, closes gaps, and accepts a file without these columns (both
fields are optional). A red flag's examples (what a candidate says when committing it) sit in an
optional ``flag_examples_N`` column after ``reason_N``, joined by ``" | "``.
The bank's own fields (role, slug, description, version) are not in the table
and are passed back in. A competency without questions has no row, so it does not survive the trip.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pandas as pd

from question_banks.loader import MAX_BANK_BYTES, BankError, BankValidationError, validate_bank_data
from question_banks.schema import QuestionBank

LIST_SEPARATOR = " | "
MAX_RUBRIC_COLUMNS = 6
RED_FLAG_COLUMNS = 4
ANCHOR_COLUMNS = 4
QUESTION_COLUMNS = (
    "id",
    "competency",
    "competency_name",
    "competency_description",
    "competency_behavioural",
    "text",
    "probes",
)
OPTIONAL_COLUMNS = ("competency_behavioural",)  # files written before the column existed still import
_YES = {"yes", "y", "true", "1"}
TRAILING_COLUMNS = ("exemplary_answer", "pitfalls", "follow_up", "keywords")
_NUMBERED = re.compile(
    r"^(?P<kind>rubric|tip|red_flag|reason|flag_examples|anchor_level|anchor)_(?P<number>[1-9][0-9]*)$"
)
# Numbered column pairs, in export order: (kind of the first column, kind of the second, whether the
# first column may stand alone). A tip is optional; a red flag needs its reason and an anchor its level.
_PAIRS = (("rubric", "tip", True), ("red_flag", "reason", False), ("anchor_level", "anchor", False))
_EXPECTED_HEADER = ", ".join(
    [
        *QUESTION_COLUMNS,
        *("rubric_1", "tip_1", "rubric_2", "tip_2", "..."),
        *TRAILING_COLUMNS,
        *("red_flag_1", "reason_1", "flag_examples_1 (optional)", "...", "anchor_level_1", "anchor_1", "..."),
    ]
)


def csv_columns(
    rubric_columns: int = MAX_RUBRIC_COLUMNS,
    red_flag_columns: int = RED_FLAG_COLUMNS,
    anchor_columns: int = ANCHOR_COLUMNS,
) -> list[str]:
    """The column names of an exported bank, in order (each numbered pair of columns interleaved).

    Args:
        rubric_columns: The number of ``rubric_N``/``tip_N`` pairs.
        red_flag_columns: The number of ``red_flag_N``/``reason_N``/``flag_examples_N`` triples.
        anchor_columns: The number of ``anchor_level_N``/``anchor_N`` pairs.

    Returns:
        The question columns, the rubric pairs, the trailing columns, the red flag pairs, the anchor pairs.
    """
    rubric = _pair_columns("rubric", "tip", rubric_columns)
    red_flags = [
        name for n in range(1, red_flag_columns + 1) for name in (f"red_flag_{n}", f"reason_{n}", f"flag_examples_{n}")
    ]
    anchors = _pair_columns("anchor_level", "anchor", anchor_columns)
    return [*QUESTION_COLUMNS, *rubric, *TRAILING_COLUMNS, *red_flags, *anchors]


def _pair_columns(first: str, second: str, count: int) -> list[str]:
    return [name for n in range(1, count + 1) for name in (f"{first}_{n}", f"{second}_{n}")]


def bank_to_csv(bank: QuestionBank) -> str:
    """One CSV row per question, with the competency's code, name and description on every row.

    Red flags and anchors get ``RED_FLAG_COLUMNS`` / ``ANCHOR_COLUMNS`` pairs of columns, or as many
    as the question with the most of them needs; unused cells are empty.

    Args:
        bank: The bank to export.

    Returns:
        The CSV text (header first, ``\\n`` line endings).

    Raises:
        ValueError: A pitfall or keyword contains ``" | "``, so it could not be split back.
    """
    red_flag_columns = max([RED_FLAG_COLUMNS, *(len(question.red_flags) for question in bank.questions)])
    anchor_columns = max([ANCHOR_COLUMNS, *(len(question.anchors) for question in bank.questions)])
    rows = [_question_row(bank, index) for index in range(len(bank.questions))]
    columns = csv_columns(MAX_RUBRIC_COLUMNS, red_flag_columns, anchor_columns)
    frame = pd.DataFrame(rows, columns=columns, dtype=object).fillna("")
    return frame.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def bank_from_csv(
    text: str | bytes,
    role: str,
    slug: str,
    *,
    description: str = "",
    version: int = 1,
    filename: str = "bank.csv",
) -> QuestionBank:
    """Build a bank from CSV text in the ``bank_to_csv`` layout and validate it.

    Args:
        text: The CSV content (bytes are decoded as UTF-8; a byte-order mark is ignored).
        role: The bank's display name.
        slug: The bank's identifier.
        description: The bank's description.
        version: The bank's version.
        filename: The name to use in error messages.

    Returns:
        The validated bank; competencies are listed in order of first appearance.

    Raises:
        BankValidationError: The CSV cannot be read, lacks columns, or does not make a valid bank.
    """
    frame = _read_frame(text, filename)
    numbers = _check_columns(frame, filename)
    records = [
        {column: value if isinstance(value, str) else "" for column, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]
    records = [record for record in records if any(value.strip() for value in record.values())]
    competencies = _competencies(records, filename)
    questions = [_question_data(record, numbers) for record in records]
    data = {
        "role": role,
        "slug": slug,
        "description": description,
        "version": version,
        "competencies": competencies,
        "questions": questions,
    }
    return validate_bank_data(data, filename)


def _question_row(bank: QuestionBank, index: int) -> dict[str, str]:
    question = bank.questions[index]
    competency = bank.competency(question.competency)
    row = {
        "id": question.id,
        "competency": competency.code,
        "competency_name": competency.name,
        "competency_description": competency.description,
        "competency_behavioural": "yes" if competency.behavioural else "",
        "text": question.text,
        "probes": question.probes,
        "exemplary_answer": question.exemplary_answer,
        "pitfalls": _join_list(question.pitfalls, question.id, "pitfall"),
        "follow_up": question.follow_up,
        "keywords": _join_list(question.keywords, question.id, "keyword"),
    }
    for number in range(1, MAX_RUBRIC_COLUMNS + 1):
        item = question.rubric[number - 1] if number <= len(question.rubric) else None
        row[f"rubric_{number}"] = item.point if item else ""
        row[f"tip_{number}"] = item.tip if item else ""
    for number, flag in enumerate(question.red_flags, start=1):
        row[f"red_flag_{number}"] = flag.flag
        row[f"reason_{number}"] = flag.reason
        row[f"flag_examples_{number}"] = _join_list(flag.examples, question.id, "red flag example")
    for number, anchor in enumerate(question.anchors, start=1):
        row[f"anchor_level_{number}"] = anchor.level
        row[f"anchor_{number}"] = anchor.answer
    return row


def _join_list(items: list[str], question_id: str, what: str) -> str:
    for item in items:
        if LIST_SEPARATOR.strip() in item:
            raise ValueError(f"question {question_id}: {what} {item!r} contains '|', which the CSV uses to join them")
    return LIST_SEPARATOR.join(items)


def _split_list(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(LIST_SEPARATOR.strip())] if cell.strip() else []


def _read_frame(text: str | bytes, filename: str) -> pd.DataFrame:
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", errors="replace"))
    if size > MAX_BANK_BYTES:
        raise BankValidationError([_error(filename, f"the file is {size:,} bytes; a bank may be at most 1 MB.")])
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BankValidationError([_error(filename, "the file is not UTF-8 text; save it as UTF-8.")]) from exc
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise BankValidationError([_error(filename, "the file is empty.")])
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise BankValidationError([_error(filename, f"the file is not valid CSV: {exc}")]) from exc
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    return frame


def _check_columns(frame: pd.DataFrame, filename: str) -> dict[str, list[int]]:
    """Check the header; return the numbers present of each pair of columns, in order, by first kind."""
    columns = list(frame.columns)
    numbered = {column: _NUMBERED.match(column) for column in columns}
    present = {(m["kind"], int(m["number"])) for m in numbered.values() if m}
    numbers = {first: sorted({n for kind, n in present if kind in (first, second)}) for first, second, _ in _PAIRS}
    required = [*QUESTION_COLUMNS, *TRAILING_COLUMNS]
    missing = [column for column in required if column not in columns and column not in OPTIONAL_COLUMNS]
    if not any(kind == "rubric" for kind, _ in present):
        missing.append("rubric_1")
    unknown = [column for column in columns if column not in required and not numbered[column]]
    problems = []
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s): {', '.join(unknown)}")
    for first, second, first_alone in _PAIRS:
        for kind, partner in [(second, first)] if first_alone else [(second, first), (first, second)]:
            alone = [
                c for c, m in numbered.items() if m and m["kind"] == kind and (partner, int(m["number"])) not in present
            ]
            if alone:
                article = "an" if partner[0] in "aeiou" else "a"
                problems.append(f"{kind} column(s) without {article} {partner} column: {', '.join(alone)}")
    stray = [
        c
        for c, m in numbered.items()
        if m and m["kind"] == "flag_examples" and ("red_flag", int(m["number"])) not in present
    ]
    if stray:
        problems.append(f"flag_examples column(s) without a red_flag column: {', '.join(stray)}")
    if len(set(columns)) != len(columns):
        problems.append("a column name repeats")
    if problems:
        raise BankValidationError([_error(filename, f"{'; '.join(problems)} (expected {_EXPECTED_HEADER}).")])
    return numbers


def _competencies(records: list[dict[str, str]], filename: str) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    errors: dict[str, BankError] = {}
    for record in records:
        code = record["competency"].strip()
        entry = {
            "code": code,
            "name": record["competency_name"],
            "description": record["competency_description"],
            "behavioural": record.get("competency_behavioural", "").strip().lower() in _YES,
        }
        found.setdefault(code, entry)
        if found[code] != entry and code not in errors:
            question_id = record["id"].strip() or None
            message = (
                f"{filename}, question {question_id}: competency {code!r} has a different name or description "
                "here than in an earlier row; every row of a competency must agree."
            )
            errors[code] = BankError(filename, question_id, message)
    if errors:
        raise BankValidationError(list(errors.values()))
    return list(found.values())


def _question_data(record: dict[str, str], numbers: dict[str, list[int]]) -> dict[str, Any]:
    """The question's fields from its row; an empty pair of cells is skipped, so gaps close."""
    rubric = [{"point": point, "tip": tip} for point, tip in _pairs(record, "rubric", "tip", numbers["rubric"])]
    red_flags = [
        {"flag": flag, "reason": reason, "examples": _split_list(record.get(f"flag_examples_{n}", ""))}
        for n, (flag, reason) in _numbered_pairs(record, "red_flag", "reason", numbers["red_flag"])
    ]
    anchors = [
        {"level": level.strip().lower(), "answer": answer}
        for level, answer in _pairs(record, "anchor_level", "anchor", numbers["anchor_level"])
    ]
    return {
        "id": record["id"],
        "competency": record["competency"].strip(),
        "text": record["text"],
        "probes": record["probes"],
        "rubric": rubric,
        "exemplary_answer": record["exemplary_answer"],
        "pitfalls": _split_list(record["pitfalls"]),
        "follow_up": record["follow_up"],
        "keywords": _split_list(record["keywords"]),
        "red_flags": red_flags,
        "anchors": anchors,
    }


def _pairs(record: dict[str, str], first: str, second: str, numbers: list[int]) -> list[tuple[str, str]]:
    """The non-empty ``(first_N, second_N)`` cell pairs of a row, by number; a missing cell reads as empty."""
    return [pair for _, pair in _numbered_pairs(record, first, second, numbers)]


def _numbered_pairs(
    record: dict[str, str], first: str, second: str, numbers: list[int]
) -> list[tuple[int, tuple[str, str]]]:
    """``_pairs`` with each pair's number."""
    cells = [(n, (record.get(f"{first}_{n}", ""), record.get(f"{second}_{n}", ""))) for n in numbers]
    return [(n, (a, b)) for n, (a, b) in cells if a.strip() or b.strip()]


def _error(filename: str, what: str) -> BankError:
    return BankError(filename, None, f"{filename}: {what}")
