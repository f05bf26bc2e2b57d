"""Every shipped bank loads and meets the content bar; the ML engineer bank holds the reference questions."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from question_banks.loader import BANKS_FOLDER, load_bank_file, load_banks
from question_banks.schema import QuestionBank

SHIPPED = sorted(BANKS_FOLDER.glob("*.yaml"))
REFERENCE_REPORT = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "example_interview_report.txt"
BANNER = re.compile(r"^QUESTION (?P<number>\d+): (?P<id>\S+)\s*$")


def reference_questions(report: Path) -> dict[str, str]:
    """Question id -> text from the report: the first non-empty line after each 'QUESTION N: ID' banner block."""
    lines = report.read_text(encoding="utf-8").splitlines()
    found: dict[str, str] = {}
    for index, line in enumerate(lines):
        match = BANNER.match(line.strip())
        if not match:
            continue
        following = (text.strip() for text in lines[index + 1 :])
        found[match["id"]] = next(text for text in following if text and set(text) != {"="})
    return found


@pytest.fixture(scope="module")
def banks() -> dict[str, QuestionBank]:
    return load_banks().banks


def test_there_are_shipped_banks():
    assert len(SHIPPED) >= 6


def test_every_shipped_file_loads_without_errors():
    result = load_banks()
    assert result.errors == []
    assert sorted(result.banks) == sorted(path.stem for path in SHIPPED)
    roles = [bank.role.casefold() for bank in result.banks.values()]
    assert roles == sorted(roles)


@pytest.mark.parametrize("path", SHIPPED, ids=[path.stem for path in SHIPPED])
def test_question_ids_are_unique_in_the_file(path):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    ids = [question["id"] for question in raw["questions"]]
    assert [qid for qid, count in Counter(ids).items() if count > 1] == []


@pytest.mark.parametrize("path", SHIPPED, ids=[path.stem for path in SHIPPED])
def test_bank_meets_the_content_bar(path):
    bank = load_bank_file(path)
    assert bank.slug == path.stem
    assert len(bank.questions) >= 15
    used = Counter(question.competency for question in bank.questions)
    assert len(used) >= 4
    assert set(used) == {competency.code for competency in bank.competencies}, "a competency has no questions"
    for competency in bank.competencies:
        assert competency.name.strip() and competency.description.strip(), competency.code
    for question in bank.questions:
        assert question.id.rsplit("_Q", 1)[0] == question.competency, question.id
        assert 4 <= len(question.rubric) <= 6, question.id
        assert all(item.point.strip() and item.tip.strip() for item in question.rubric), question.id
        assert question.text.strip() and question.probes.strip() and question.exemplary_answer.strip(), question.id
        assert question.pitfalls and all(pitfall.strip() for pitfall in question.pitfalls), question.id
        assert question.follow_up.strip() and question.keywords, question.id
        assert 2 <= len(question.red_flags) <= 4, question.id
        assert all(flag.reason.strip() for flag in question.red_flags), question.id
        assert sorted(anchor.level for anchor in question.anchors) == ["generic", "strong", "wrong"], question.id
        strong, generic = question.anchor("strong"), question.anchor("generic")
        assert len(strong.answer.split()) > len(generic.answer.split()), question.id


def test_ml_engineer_bank_has_at_least_25_questions(banks):
    assert len(banks["machine_learning_engineer"].questions) >= 25


def test_ml_engineer_bank_contains_the_reference_questions_verbatim(banks):
    if not REFERENCE_REPORT.parent.parent.is_dir():
        pytest.skip(f"shared/ is not checked out next to the repository (looked for {REFERENCE_REPORT.parent.parent})")
    reference = reference_questions(REFERENCE_REPORT)
    assert len(reference) == 10
    bank = banks["machine_learning_engineer"]
    for question_id, text in reference.items():
        assert bank.question(question_id).text == text


def test_reference_parser_reads_the_banner_layout(tmp_path):
    report = tmp_path / "report.txt"
    report.write_text(
        "=====\nQUESTION 1: AB_Q7\n=====\n\nWhat is the question?\n\nCandidate Answer:\nSomething.\n",
        encoding="utf-8",
    )
    assert reference_questions(report) == {"AB_Q7": "What is the question?"}
