"""Loading banks from a folder: broken files become plain-words errors and never stop the others."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
import yaml

from question_banks.loader import (
    MAX_BANK_BYTES,
    BankError,
    BankValidationError,
    QuestionRef,
    load_bank_file,
    load_banks,
    validate_bank_text,
)
from tests.question_banks.banks import bank_data, write_bank

BROKEN_SYNTAX = "role: Broken\nslug: broken_syntax\ncompetencies: [\n  - code: AA\nquestions: {\n"


def _mutated(slug: str, change: Callable[[dict], object]) -> dict:
    data = copy.deepcopy(bank_data(slug=slug))
    change(data)
    return data


def _three_points(data: dict) -> None:
    data["questions"][4]["rubric"] = data["questions"][4]["rubric"][:3]


def _duplicate_id(data: dict) -> None:
    data["questions"][2]["id"] = "AA_Q1"


def _unknown_competency(data: dict) -> None:
    data["questions"][7]["competency"] = "ZZ"


def test_good_bank_loads_while_broken_ones_are_reported(tmp_path):
    write_bank(tmp_path, bank_data(slug="good", role="Good role"))
    (tmp_path / "broken_syntax.yaml").write_text(BROKEN_SYNTAX, encoding="utf-8")
    write_bank(tmp_path, _mutated("three_points", _three_points))
    write_bank(tmp_path, _mutated("duplicate_id", _duplicate_id))
    write_bank(tmp_path, _mutated("unknown_competency", _unknown_competency))
    write_bank(tmp_path, bank_data(slug="not_the_stem"), name="mismatch.yaml")
    (tmp_path / "notes.txt").write_text("not a bank", encoding="utf-8")

    result = load_banks(tmp_path)

    assert list(result.banks) == ["good"]
    assert len(result.get("good").questions) == 9
    by_file = {error.file: error for error in result.errors}
    assert set(by_file) == {
        "broken_syntax.yaml",
        "three_points.yaml",
        "duplicate_id.yaml",
        "unknown_competency.yaml",
        "mismatch.yaml",
    }
    assert by_file["three_points.yaml"].question_id == "BB_Q2"
    assert by_file["duplicate_id.yaml"].question_id == "AA_Q1"
    assert by_file["unknown_competency.yaml"].question_id == "CC_Q2"
    assert by_file["broken_syntax.yaml"].question_id is None
    assert "line" in by_file["broken_syntax.yaml"].message
    for error in result.errors:
        assert error.message.startswith(error.file)
        if error.question_id:
            assert f"question {error.question_id}" in error.message


@pytest.mark.parametrize(
    ("change", "question_id", "fragment"),
    [
        (_three_points, "BB_Q2", "the rubric has 3 points; a question needs 4 to 6"),
        (_duplicate_id, "AA_Q1", "id is used twice"),
        (_unknown_competency, "CC_Q2", "competency 'ZZ' is not one of ['AA', 'BB', 'CC']"),
        (lambda d: d["questions"][1].pop("probes"), "AA_Q2", "'probes' is missing"),
        (lambda d: d["questions"][1].update(text="   "), "AA_Q2", "'text' is empty"),
        (lambda d: d["questions"][1].update(hint="x"), "AA_Q2", "'hint' is not a known field"),
        (lambda d: d["questions"][1]["rubric"][2].update(point=""), "AA_Q2", "'rubric item 3 → point' is empty"),
        (lambda d: d["questions"][1].update(pitfalls=[]), "AA_Q2", "'pitfalls' has 0 item(s); it needs at least 1"),
        (lambda d: d["questions"][1].update(rubric=[*d["questions"][1]["rubric"]] * 2), "AA_Q2", "rubric has 8 points"),
        (lambda d: d["questions"][1].update(id="aa-2"), "aa-2", "question id 'aa-2' must look like 'ML_Q1'"),
        (lambda d: d["questions"].__setitem__(1, "just text"), None, "question #2: should be a mapping of fields"),
        (lambda d: d["questions"][1].pop("id"), None, "question #2: 'id' is missing"),
        (lambda d: d.pop("role"), None, "'role' is missing"),
        (lambda d: d["competencies"][0].update(code="a"), None, "competency code 'a' must be 2-12 upper-case"),
        (lambda d: d.update(questions=[]), None, "'questions' has 0 item(s)"),
        (lambda d: d.update(slug="Tiny Bank"), None, "slug 'Tiny Bank' must be lower-case letters"),
    ],
)
def test_error_names_file_question_and_problem(tmp_path, change, question_id, fragment):
    path = write_bank(tmp_path, _mutated("tiny", change), name="tiny.yaml")
    with pytest.raises(BankValidationError) as caught:
        load_bank_file(path)
    error = caught.value.errors[0]
    assert error.file == "tiny.yaml"
    assert error.question_id == question_id
    assert fragment in error.message
    assert error.message.startswith("tiny.yaml")
    assert fragment in str(caught.value)


def test_slug_must_match_file_name(tmp_path):
    path = write_bank(tmp_path, bank_data(slug="other_name"), name="tiny.yaml")
    with pytest.raises(BankValidationError, match=r"tiny\.yaml: slug 'other_name' does not match the file name"):
        load_bank_file(path)


def test_two_files_with_one_slug_keep_the_first(tmp_path):
    write_bank(tmp_path, bank_data(slug="tiny", role="First"), name="tiny.yaml")
    write_bank(tmp_path, bank_data(slug="tiny", role="Second"), name="tiny.yml")
    result = load_banks(tmp_path)
    assert result.get("tiny").role == "First"
    assert [error.file for error in result.errors] == ["tiny.yml"]


def test_newly_dropped_and_edited_files_are_seen(tmp_path):
    path = write_bank(tmp_path, bank_data(slug="first", role="First role"))
    assert load_banks(tmp_path).slugs == ["first"]
    write_bank(tmp_path, bank_data(slug="second", role="Second role"))
    assert load_banks(tmp_path).slugs == ["first", "second"]
    write_bank(tmp_path, bank_data(slug="first", role="A renamed first role"))
    assert load_banks(tmp_path).get("first").role == "A renamed first role"
    path.write_text("role: [", encoding="utf-8")
    result = load_banks(tmp_path)
    assert result.slugs == ["second"] and [error.file for error in result.errors] == ["first.yaml"]


def test_banks_are_ordered_by_role_name(tmp_path):
    for slug, role in [("zeta", "Zeta"), ("alpha", "alpha"), ("beta", "Beta")]:
        write_bank(tmp_path, bank_data(slug=slug, role=role))
    assert load_banks(tmp_path).slugs == ["alpha", "beta", "zeta"]


def test_missing_folder_gives_an_empty_set(tmp_path):
    result = load_banks(tmp_path / "absent")
    assert result.banks == {} and result.errors == []


def test_questions_are_identified_by_slug_and_id(tmp_path):
    first = bank_data(slug="first", role="First")
    second = bank_data(slug="second", role="Second")
    second["questions"][0]["text"] = "A different first question."
    write_bank(tmp_path, first)
    write_bank(tmp_path, second)
    result = load_banks(tmp_path)
    assert result.question("first", "AA_Q1").text != result.question("second", "AA_Q1").text
    refs = [ref for ref, _ in result.questions()]
    assert QuestionRef("first", "AA_Q1") in refs and QuestionRef("second", "AA_Q1") in refs
    assert len(refs) == len(set(refs)) == 18
    assert str(QuestionRef("second", "AA_Q1")) == "second/AA_Q1"
    with pytest.raises(KeyError):
        result.question("first", "ZZ_Q1")


def test_upload_text_is_validated_like_a_file():
    text = yaml.safe_dump(bank_data(slug="upload"), sort_keys=False)
    assert validate_bank_text(text, "whatever.yaml").slug == "upload"
    assert validate_bank_text(("\ufeff" + text).encode("utf-8"), "upload.yaml").slug == "upload"
    with pytest.raises(BankValidationError, match="does not match the file name"):
        validate_bank_text(text, "upload.yaml", expected_slug="other")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("", "upload.yaml: the file is empty"),
        ("- a\n- b\n", "the top level must be a mapping"),
        ("role: x\nrole: y\n", "found the key 'role' twice at line 2"),
        ("role: x\n\tslug: y\n", "is not valid YAML"),
        (b"role: \xff\xfe\n", "is not UTF-8 text"),
        ("#" * (MAX_BANK_BYTES + 1), "a bank file may be at most 1 MB"),
    ],
)
def test_bad_upload_gets_a_clear_message(content, fragment):
    with pytest.raises(BankValidationError) as caught:
        validate_bank_text(content, "upload.yaml")
    assert [error.file for error in caught.value.errors] == ["upload.yaml"]
    assert fragment in str(caught.value)


def test_oversized_file_on_disk_is_refused_without_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("# padding\n" * (MAX_BANK_BYTES // 10 + 1), encoding="utf-8")
    result = load_banks(tmp_path)
    assert result.banks == {}
    assert result.errors == [
        BankError(
            "huge.yaml",
            None,
            f"huge.yaml: the file is {path.stat().st_size:,} bytes; "
            f"a bank file may be at most 1 MB ({MAX_BANK_BYTES:,} bytes).",
        )
    ]


def test_anchors_must_include_strong_generic_and_wrong():
    from pydantic import ValidationError

    from question_banks.schema import Question

    base = {
        "id": "ML_Q9",
        "competency": "ML",
        "text": "q",
        "probes": "p",
        "rubric": ["a", "b", "c", "d"],
        "exemplary_answer": "e",
        "pitfalls": ["x"],
    }
    with pytest.raises(ValidationError, match=r"anchors lack the level\(s\) \['generic', 'wrong'\]"):
        Question.model_validate(base | {"anchors": [{"level": "strong", "answer": "s"}]})
    with pytest.raises(ValidationError, match="reason"):
        Question.model_validate(base | {"red_flags": [{"flag": "resamples before the split"}]})
    question = Question.model_validate(
        base
        | {
            "anchors": [{"level": lv, "answer": lv} for lv in ("strong", "generic", "wrong")],
            "red_flags": [{"flag": "f", "reason": "r"}],
        }
    )
    assert question.anchor("strong").answer == "strong" and question.anchor("good") is None
