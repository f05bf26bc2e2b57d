"""CSV export and import of a bank: one row per question, and an exact round trip."""

from __future__ import annotations

import csv
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
    assert list(frame.columns[-20:]) == [
        *(f"{kind}_{n}" for n in range(1, 5) for kind in ("red_flag", "reason", "flag_examples")),
        *(f"{kind}_{n}" for n in range(1, 5) for kind in ("anchor_level", "anchor")),
    ]
    flags = [(first[f"red_flag_{n}"], first[f"reason_{n}"]) for n in range(1, len(question.red_flags) + 1)]
    assert flags == [(flag.flag, flag.reason) for flag in question.red_flags]
    examples = [first[f"flag_examples_{n}"].split(" | ") for n in range(1, len(question.red_flags) + 1)]
    assert examples == [flag.examples for flag in question.red_flags] and all(examples)
    anchors = [(first[f"anchor_level_{n}"], first[f"anchor_{n}"]) for n in range(1, len(question.anchors) + 1)]
    assert anchors == [(anchor.level, anchor.answer) for anchor in question.anchors]
    assert first["red_flag_4"] == first["reason_4"] == first["anchor_level_4"] == first["anchor_4"] == ""


def test_spreadsheet_quirks_are_tolerated():
    bank = SHIPPED["data_engineer"]
    text = bank_to_csv(bank)
    header, *rows = text.splitlines(keepends=True)
    messy = "\ufeff" + header.upper() + "".join(rows) + "," * header.count(",") + "\n"
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


def _drop(frame: pd.DataFrame, *columns: str) -> None:
    for column in columns:
        del frame[column]


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
        (lambda f: _drop(f, "probes"), None, "missing column(s): probes"),
        (lambda f: f.insert(0, "colour", "red"), None, "unknown column(s): colour"),
        (lambda f: _drop(f, "rubric_6"), None, "tip column(s) without a rubric column: tip_6"),
        (lambda f: _set(f, 1, rubric_4="", tip_4=""), "AA_Q2", "the rubric has 3 points"),
        (lambda f: _set(f, 2, tip_5="orphan tip"), "AA_Q3", "'rubric item 5 → point' is empty"),
        (lambda f: _set(f, 4, competency_name="Other"), "BB_Q2", "competency 'BB' has a different name"),
        (lambda f: _set(f, 5, competency="zz"), None, "competency code 'zz' must be 2-12 upper-case"),
        (lambda f: _set(f, 0, pitfalls=""), "AA_Q1", "'pitfalls' has 0 item(s)"),
        (
            lambda f: _set(f, 0, anchor_level_1="excellent", anchor_1="An answer."),
            "AA_Q1",
            "'anchors item 1 → level' should be 'strong', 'good', 'generic' or 'wrong'",
        ),
        (
            lambda f: _set(f, 1, anchor_level_1="", anchor_1="An answer without a level."),
            "AA_Q2",
            "'anchors item 1 → level' should be 'strong', 'good', 'generic' or 'wrong'",
        ),
        (lambda f: _set(f, 2, anchor_level_2="strong"), "AA_Q3", "'anchors item 1 → answer' is empty"),
        (
            lambda f: _set(f, 3, anchor_level_1="strong", anchor_1="Only a strong answer."),
            "BB_Q1",
            "anchors lack the level(s) ['generic', 'wrong']",
        ),
        (lambda f: _set(f, 4, red_flag_1="Blames the team."), "BB_Q2", "'red_flags item 1 → reason' is empty"),
        (lambda f: _set(f, 5, red_flag_2="Blames the team.", reason_2="  "), "BB_Q3", "'red_flags item 1 → reason'"),
        (lambda f: _set(f, 6, reason_3="A reason without a flag."), "CC_Q1", "'red_flags item 1 → flag' is empty"),
        (lambda f: _drop(f, "reason_2"), None, "red_flag column(s) without a reason column: red_flag_2"),
        (lambda f: _drop(f, "red_flag_4"), None, "reason column(s) without a red_flag column: reason_4"),
        (
            lambda f: _drop(f, "red_flag_4", "reason_4"),
            None,
            "flag_examples column(s) without a red_flag column: flag_examples_4",
        ),
        (lambda f: _drop(f, "anchor_level_3"), None, "anchor column(s) without an anchor_level column: anchor_3"),
        (lambda f: _drop(f, "anchor_1"), None, "anchor_level column(s) without an anchor column: anchor_level_1"),
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


# Text a candidate might write: commas, quotes, newlines, separators, formula-looking and NA-looking values.
CANDIDATE_TEXT = (
    'I said "no, not yet", then — after a pause — agreed.',
    "First I profiled it.\nThen, second line; then a third:\n\n  - a bullet",
    '=HYPERLINK("http://example.com","click"), then =SUM(A1:A2)',
    "+44 said the rollout was fine",
    "-5% churn after the change",
    "@channel we shipped it",
    "'quoted start, and a trailing quote'",
    "Either this | or that | or both",
    "NA",
    "null",
    "#N/A",
    "Ünïcödé ✓ and a tab\there",
)


def _flags(*texts: str) -> list[dict[str, str]]:
    return [{"flag": f"Flag {n}: {text}", "reason": f"Reason {n}: {text}"} for n, text in enumerate(texts, 1)]


def _anchors(*levels: str, texts: tuple[str, ...] = ()) -> list[dict[str, str]]:
    texts = texts or tuple(f"A {level} answer, number {n}." for n, level in enumerate(levels, 1))
    return [{"level": level, "answer": text} for level, text in zip(levels, texts, strict=True)]


def _bank_with(red_flags: list[dict[str, str]], anchors: list[dict[str, str]], *, question: int = 0) -> QuestionBank:
    data = bank_data()
    data["questions"][question]["red_flags"] = red_flags
    data["questions"][question]["anchors"] = anchors
    return QuestionBank.model_validate(data)


ROUND_TRIPS = {
    "three of each": (_flags("one", "two", "three"), _anchors("strong", "generic", "wrong")),
    "all four levels": (_flags("only one"), _anchors("strong", "good", "generic", "wrong")),
    "order and repeated levels kept": ([], _anchors("wrong", "strong", "generic", "strong", "good", "wrong")),
    "more than the default columns": (_flags(*"abcdefg"), _anchors("strong", "good", "generic", "wrong", "good")),
    "red flags without anchors": (_flags("x", "y"), []),
    "neither": ([], []),
    "candidate-looking text": (
        _flags(*CANDIDATE_TEXT),
        _anchors("strong", "generic", "wrong", "good", texts=CANDIDATE_TEXT[:4]),
    ),
    "candidate-looking text, more": (
        [{"flag": text, "reason": text} for text in CANDIDATE_TEXT],
        _anchors(*["strong", "generic", "wrong"] * 4, texts=CANDIDATE_TEXT),
    ),
}


@pytest.mark.parametrize(("red_flags", "anchors"), list(ROUND_TRIPS.values()), ids=list(ROUND_TRIPS))
@pytest.mark.parametrize("question", [0, 8], ids=["first question", "last question"])
def test_red_flags_and_anchors_round_trip_exactly(red_flags, anchors, question):
    bank = _bank_with(red_flags, anchors, question=question)
    text = bank_to_csv(bank)
    again = _round_trip(bank)
    assert again.model_dump() == bank.model_dump()
    assert again.questions[question].red_flags == bank.questions[question].red_flags
    assert again.questions[question].anchors == bank.questions[question].anchors
    assert bank_to_csv(again) == text
    header = next(csv.reader(io.StringIO(text)))
    assert f"red_flag_{max(4, len(red_flags))}" in header and f"red_flag_{max(4, len(red_flags)) + 1}" not in header
    assert f"anchor_{max(4, len(anchors))}" in header and f"anchor_{max(4, len(anchors)) + 1}" not in header


def test_candidate_text_is_stored_verbatim_in_the_cells():
    red_flags = [{"flag": text, "reason": text} for text in CANDIDATE_TEXT]
    anchors = _anchors(*["strong", "generic", "wrong"] * 4, texts=CANDIDATE_TEXT)
    header, first, *_ = csv.reader(io.StringIO(bank_to_csv(_bank_with(red_flags, anchors))))
    row = dict(zip(header, first, strict=True))
    for n, text in enumerate(CANDIDATE_TEXT, 1):
        assert row[f"red_flag_{n}"] == row[f"reason_{n}"] == row[f"anchor_{n}"] == text


OLD_LAYOUTS = {
    "no red flag or anchor columns": ("red_flag", "reason", "flag_examples", "anchor_level", "anchor"),
    "no anchor columns": ("anchor_level", "anchor"),
    "no red flag columns": ("red_flag", "reason", "flag_examples"),
    "no red flag example columns": ("flag_examples",),
}


@pytest.mark.parametrize("dropped", list(OLD_LAYOUTS.values()), ids=list(OLD_LAYOUTS))
def test_a_csv_without_the_new_columns_still_imports(dropped):
    bank = SHIPPED["data_engineer"]
    frame = pd.read_csv(io.StringIO(bank_to_csv(bank)), dtype=str, keep_default_na=False)
    kinds = {"red_flag": "red_flags", "reason": "red_flags", "anchor_level": "anchors", "anchor": "anchors"}
    _drop(frame, *(column for column in frame.columns if column.rsplit("_", 1)[0] in dropped))
    again = bank_from_csv(frame.to_csv(index=False), bank.role, bank.slug, description=bank.description)
    emptied = {kinds[kind] for kind in dropped if kind in kinds}
    expected = bank.model_dump()
    for question in expected["questions"]:
        question.update({key: [] for key in emptied})
        for flag in question["red_flags"]:
            flag["examples"] = [] if "flag_examples" in dropped else flag["examples"]
    assert again.model_dump() == expected


def test_an_old_format_csv_written_by_hand_imports():
    header = ",".join(["id", "competency", "competency_name", "competency_description", "text", "probes"])
    header += (
        "," + ",".join(f"rubric_{n},tip_{n}" for n in range(1, 5)) + ",exemplary_answer,pitfalls,follow_up,keywords"
    )
    row = 'AA_Q1,AA,Alpha,,"Tell me, briefly.",Probe.,P1,,P2,,P3,,P4,T4,"An ""ideal"" answer.",Vague | Long,,'
    bank = bank_from_csv(f"{header}\n{row}\n", "Old", "old")
    question = bank.question("AA_Q1")
    assert question.red_flags == [] and question.anchors == []
    assert question.rubric_points == ["P1", "P2", "P3", "P4"] and question.pitfalls == ["Vague", "Long"]


def _move(frame: pd.DataFrame, source: str, target: str) -> None:
    frame[target] = frame[source]
    frame[source] = ""


def _edit_levels(frame: pd.DataFrame) -> pd.DataFrame:
    frame["anchor_level_1"] = frame["anchor_level_1"].map(lambda level: f" {level.title()} ")
    frame["anchor_level_2"] = frame["anchor_level_2"].str.upper()
    return frame


def _gaps(frame: pd.DataFrame) -> pd.DataFrame:
    for source, target in [("3", "4"), ("2", "3")]:
        _move(frame, f"red_flag_{source}", f"red_flag_{target}")
        _move(frame, f"reason_{source}", f"reason_{target}")
        _move(frame, f"flag_examples_{source}", f"flag_examples_{target}")
    for kind in ("anchor_level", "anchor"):
        for source, target in [("3", "4"), ("2", "3"), ("1", "2")]:
            _move(frame, f"{kind}_{source}", f"{kind}_{target}")
    return frame


def _new_columns_first(frame: pd.DataFrame) -> pd.DataFrame:
    new = [column for column in frame.columns if column.startswith(("red_flag", "reason", "flag_examples", "anchor"))]
    return frame[[*reversed(new), *(column for column in frame.columns if column not in new)]]


def _blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    blank = pd.DataFrame([[""] * len(frame.columns)] * 2, columns=frame.columns)
    return pd.concat([frame.iloc[:3], blank, frame.iloc[3:], blank], ignore_index=True)


def _upper_case_header(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns=str.upper)


def _unchanged(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


SPREADSHEET_EDITS = {
    "levels in other case, padded": (_edit_levels, {}, "utf-8"),
    "gaps between the pairs": (_gaps, {}, "utf-8"),
    "new columns moved to the front": (_new_columns_first, {}, "utf-8"),
    "blank rows": (_blank_rows, {}, "utf-8"),
    "every cell quoted, CRLF": (_unchanged, {"quoting": csv.QUOTE_ALL, "lineterminator": "\r\n"}, "utf-8"),
    "upper-case header, BOM": (_upper_case_header, {}, "utf-8-sig"),
}


@pytest.mark.parametrize(("edit", "options", "encoding"), list(SPREADSHEET_EDITS.values()), ids=list(SPREADSHEET_EDITS))
def test_spreadsheet_edits_of_red_flags_and_anchors_are_tolerated(edit, options, encoding):
    bank = SHIPPED["data_engineer"]
    frame = edit(pd.read_csv(io.StringIO(bank_to_csv(bank)), dtype=str, keep_default_na=False))
    text = frame.to_csv(index=False, **options).encode(encoding)
    again = bank_from_csv(text, bank.role, bank.slug, description=bank.description)
    assert again == bank


def test_a_short_blank_row_is_skipped():
    bank = SHIPPED["data_engineer"]
    text = bank_to_csv(bank) + ",,,\n"
    assert bank_from_csv(text, bank.role, bank.slug, description=bank.description) == bank


def test_behavioural_competencies_round_trip_and_a_file_without_the_column_marks_none():
    bank = SHIPPED["data_engineer"]
    assert [c.code for c in bank.competencies if c.behavioural] == ["COLLAB"]
    frame = pd.read_csv(io.StringIO(bank_to_csv(bank)), dtype=str, keep_default_na=False)
    assert set(frame["competency_behavioural"]) == {"yes", ""}
    _drop(frame, "competency_behavioural")
    again = bank_from_csv(frame.to_csv(index=False), bank.role, bank.slug, description=bank.description)
    assert not any(c.behavioural for c in again.competencies)
