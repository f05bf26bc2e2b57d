"""Small hand-made banks for loader, CSV and plan tests (shipped banks are tested as they are)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from question_banks.schema import QuestionBank


def question_data(qid: str, competency: str, text: str, *, points: int = 4, keywords: list[str] | None = None) -> dict:
    return {
        "id": qid,
        "competency": competency,
        "text": text,
        "probes": f"Whether the candidate can talk about: {text}",
        "rubric": [{"point": f"{text} point {n}", "tip": f"Tip {n} for {qid}."} for n in range(1, points + 1)],
        "exemplary_answer": f"An exemplary answer to {qid}.",
        "pitfalls": [f"Stays vague about {qid}."],
        "follow_up": "What would you do differently?",
        "keywords": keywords or [],
    }


def bank_data(slug: str = "tiny", role: str = "Tiny role", per_competency: int = 3) -> dict[str, Any]:
    """A valid bank: competencies AA, BB and CC with ``per_competency`` questions each."""
    competencies = [
        {"code": "AA", "name": "Alpha skills", "description": "The first competency."},
        {"code": "BB", "name": "Beta skills", "description": "The second competency."},
        {"code": "CC", "name": "Gamma skills", "description": "The third competency."},
    ]
    questions = [
        question_data(f"{c['code']}_Q{n}", c["code"], f"Tell me about {c['name'].lower()} number {n}.")
        for c in competencies
        for n in range(1, per_competency + 1)
    ]
    return {"role": role, "slug": slug, "version": 1, "competencies": competencies, "questions": questions}


def make_bank(**kwargs: Any) -> QuestionBank:
    return QuestionBank.model_validate(bank_data(**kwargs))


def write_bank(folder: Path, data: dict[str, Any], name: str | None = None) -> Path:
    path = folder / (name or f"{data['slug']}.yaml")
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
