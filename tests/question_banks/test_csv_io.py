"""CSV export and import of a bank: one row per question, and an exact round trip."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from question_banks.csv_io import bank_from_csv, bank_to_csv, csv_columns
from question_banks.loader import BankValidationError, load_banks
from question_banks.schema import QuestionBank
from tests.question_banks.banks import bank_data

SHIPPED = load_banks().banks


def _round_trip(bank: QuestionBank) -> QuestionBank:
    return bank_from_csv(bank_to_csv(bank), bank.role, bank.slug, description=bank.description, version=bank.version)


@pytest.mark.parametrize("slug", sorted(SHIPPED))
def test_every_shipped_bank_round_trips_exactly(slug):
    bank = SHIPPED[slug]
    again = _round_trip(bank)
    assert again == bank
    assert again.model_dump() == bank.model_dump()
    assert bank_to_csv(again) == bank_to_csv(bank)


def test_tricky_values_round_trip_exactly():
    data = bank_data(slug="tricky", role='Tricky, "quoted" role')
    data["description"] = "Line one.\nLine two, with a comma."
    data["version"] = 3
    data["competencies"][0]["description"] = ""
    question = data["questions"][0]
    question["text"] = 'Say "hello", then a comma, then\na newline — and Ünïcödé ✓.'
    question["rubric"][0]["tip"] = "  a tip with spaces around it  "
    question["rubric"][1]["tip"] = ""
    question["rubric"][2] = "NA"
    question["rubric"].extend([{"point": "=SUM(A1:A2)", "tip": "None"}, {"point": "null", "tip": "#N/A"}])
    question["pitfalls"] = ["First, with a comma.", "Second; with a semicolon.", "NaN"]
    question["keywords"] = ["C++", "A/B test", "end-to-end"]
    question["follow_up"] = ""
    bank = QuestionBank.model_validate(data)
    assert len(bank.questions[0].rubric) == 6
    assert _round_trip(bank).model_dump() == bank.model_dump()


def test_layout_is_one_row_per_question_with_numbered_rubric_columns():
    bank = SHIPPED["machine_learning_engineer"]
    frame = pd.read_csv(io.StringIO(bank_to_csv(bank)), dtype=str, keep_default_na=False)
    assert list(frame.columns) == csv_columns()
    assert {"rubric_1", "tip_1", "rubric_6", "tip_6", "competency_name"} <= set(frame.columns)
    assert list(frame["id"]) == [question.id for question in bank.questions]
    first = frame.iloc[0]
    question = bank.questions[0]
    assert first["competency_name"] == bank.competency(question.competency).name
    assert first["pitfalls"] == " | ".join(question.pitfalls)
    assert [first[f"rubric_{n}"] for n in range(1, len(question.rubric) + 1)] == question.rubric_points
    four_points = next(i for i, q in enumerate(bank.questions) if len(q.rubric) == 4)
    assert frame.iloc[four_points]["rubric_5"] == "" and frame.iloc[four_points]["tip_6"] == ""


def test_spreadsheet_quirks_are_tolerated():
    bank = SHIPPED["data_engineer"]
    text = bank_to_csv(bank)
    header, *rows = text.splitlines(keepends=True)
    messy = "\ufeff" + header.upper() + "".join(rows) + ",,,,,,,,,,,,,,,,,,,,,\n"
    again = bank_from_csv(messy.encode("utf-8"), bank.role, bank.slug, description=bank.description)
    assert again == bank


def test_export_refuses_a_list_item_containing_the_separator():
    data = bank_data()
    data["questions"][0]["pitfalls"] = ["Either this | or that"]
    with pytest.raises(ValueError, match=r"AA_Q1: pitfall 'Either this \| or that' contains '\|'"):
        bank_to_csv(QuestionBank.model_validate(data))


def _csv_with(change) -> str:
    frame = pd.read_csv(io.StringIO(bank_to_csv(QuestionBank.model_validate(bank_data()))), dtype=str)
    frame = frame.fillna("")
    change(frame)
    return frame.to_csv(index=False)


def _set(frame: pd.DataFrame, row: int, **cells: str) -> None:
    for column, value in cells.items():
        frame.loc[row, column] = value


def test_a_gap_in_the_rubric_columns_is_closed():
    text = _csv_with(lambda f: _set(f, 1, rubric_2="", tip_2="", rubric_5="A fifth point.", tip_5="Fifth tip."))
    question = bank_from_csv(text, "Tiny", "tiny").question("AA_Q2")
    stem = "Tell me about alpha skills number 2."
    assert question.rubric_points == [f"{stem} point 1", f"{stem} point 3", f"{stem} point 4", "A fifth point."]
    assert [item.tip for item in question.rubric] == [
        "Tip 1 for AA_Q2.",
        "Tip 3 for AA_Q2.",
        "Tip 4 for AA_Q2.",
        "Fifth tip.",
    ]


@pytest.mark.parametrize(
    ("change", "question_id", "fragment"),
    [
        (lambda f: f.drop(columns=["probes"], inplace=True), None, "missing column(s): probes"),
        (lambda f: f.insert(0, "colour", "red"), None, "unknown column(s): colour"),
        (lambda f: f.drop(columns=["rubric_6"], inplace=True), None, "tip column(s) without a rubric column: tip_6"),
        (lambda f: _set(f, 1, rubric_4="", tip_4=""), "AA_Q2", "the rubric has 3 points"),
        (lambda f: _set(f, 2, tip_5="orphan tip"), "AA_Q3", "'rubric item 5 → point' is empty"),
        (lambda f: _set(f, 4, competency_name="Other"), "BB_Q2", "competency 'BB' has a different name"),
        (lambda f: _set(f, 5, competency="zz"), None, "competency code 'zz' must be 2-12 upper-case"),
        (lambda f: _set(f, 0, pitfalls=""), "AA_Q1", "'pitfalls' has 0 item(s)"),
    ],
)
def test_import_errors_name_the_question_and_the_problem(change, question_id, fragment):
    text = _csv_with(change)
    with pytest.raises(BankValidationError) as caught:
        bank_from_csv(text, "Tiny", "tiny", filename="edited.csv")
    errors = caught.value.errors
    assert any(error.question_id == question_id and fragment in error.message for error in errors), errors
    assert all(error.file == "edited.csv" and error.message.startswith("edited.csv") for error in errors)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "the file is empty"), ("   \n", "the file is empty"), ('id,"text\n', "not valid CSV")],
)
def test_unreadable_csv_gets_a_clear_message(text, fragment):
    with pytest.raises(BankValidationError, match=fragment):
        bank_from_csv(text, "Tiny", "tiny")
