"""A bank as a spreadsheet: one row per question, for editing banks outside YAML.

``bank_to_csv`` and ``bank_from_csv`` round-trip a bank exactly. Rubric points and their tips sit in
``rubric_1``/``tip_1`` .. ``rubric_6``/``tip_6``; pitfalls and keywords are joined by ``" | "``. The
bank's own fields (role, slug, description, version) are not in the table and are passed back in.
A competency without questions has no row, so it does not survive the trip.
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
QUESTION_COLUMNS = ("id", "competency", "competency_name", "competency_description", "text", "probes")
TRAILING_COLUMNS = ("exemplary_answer", "pitfalls", "follow_up", "keywords")
_NUMBERED = re.compile(r"^(?P<kind>rubric|tip)_(?P<number>[1-9][0-9]*)$")


def csv_columns(rubric_columns: int = MAX_RUBRIC_COLUMNS) -> list[str]:
    """The column names of an exported bank, in order (rubric and tip columns interleaved)."""
    numbered = [name for n in range(1, rubric_columns + 1) for name in (f"rubric_{n}", f"tip_{n}")]
    return [*QUESTION_COLUMNS, *numbered, *TRAILING_COLUMNS]


def bank_to_csv(bank: QuestionBank) -> str:
    """One CSV row per question, with the competency's code, name and description on every row.

    Args:
        bank: The bank to export.

    Returns:
        The CSV text (header first, ``\\n`` line endings).

    Raises:
        ValueError: A pitfall or keyword contains ``" | "``, so it could not be split back.
    """
    rows = [_question_row(bank, index) for index in range(len(bank.questions))]
    frame = pd.DataFrame(rows, columns=csv_columns(), dtype=object)
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
    rubric_numbers = _check_columns(frame, filename)
    records = [
        {column: value if isinstance(value, str) else "" for column, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]
    records = [record for record in records if any(value.strip() for value in record.values())]
    competencies = _competencies(records, filename)
    questions = [_question_data(record, rubric_numbers) for record in records]
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


def _check_columns(frame: pd.DataFrame, filename: str) -> list[int]:
    """Check the header; return the rubric column numbers present, in order."""
    columns = list(frame.columns)
    numbered = {column: _NUMBERED.match(column) for column in columns}
    rubric_numbers = sorted(int(m["number"]) for m in numbered.values() if m and m["kind"] == "rubric")
    required = [*QUESTION_COLUMNS, *TRAILING_COLUMNS]
    missing = [column for column in required if column not in columns]
    if not rubric_numbers:
        missing.append("rubric_1")
    unknown = [column for column in columns if column not in required and not numbered[column]]
    tips_alone = [
        column for column, m in numbered.items() if m and m["kind"] == "tip" and f"rubric_{m['number']}" not in columns
    ]
    problems = []
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s): {', '.join(unknown)}")
    if tips_alone:
        problems.append(f"tip column(s) without a rubric column: {', '.join(tips_alone)}")
    if len(set(columns)) != len(columns):
        problems.append("a column name repeats")
    if problems:
        expected = ", ".join(csv_columns(2)) + ", ..."
        raise BankValidationError([_error(filename, f"{'; '.join(problems)} (expected {expected}).")])
    return rubric_numbers


def _competencies(records: list[dict[str, str]], filename: str) -> list[dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    errors: dict[str, BankError] = {}
    for record in records:
        code = record["competency"].strip()
        entry = {"code": code, "name": record["competency_name"], "description": record["competency_description"]}
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


def _question_data(record: dict[str, str], rubric_numbers: list[int]) -> dict[str, Any]:
    rubric = []
    for number in rubric_numbers:
        point = record[f"rubric_{number}"]
        tip = record.get(f"tip_{number}", "")
        if point.strip() or tip.strip():
            rubric.append({"point": point, "tip": tip})
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
    }


def _error(filename: str, what: str) -> BankError:
    return BankError(filename, None, f"{filename}: {what}")
