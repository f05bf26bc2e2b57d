"""The Admin and Calibration pages' logic without Streamlit: results export, calibration figures, bank saving.

Everything a candidate typed goes into the CSV as text, with spreadsheet formulas neutralised
(``reports.render.neutralize_formula``), so an export never runs anything.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from question_banks.loader import BANKS_FOLDER, validate_bank_text
from question_banks.schema import QuestionBank
from reports.render import neutralize_formula
from scoring.types import AnswerAssessment
from storage.records import AssessmentRecord
from storage.repository import Repository

EXPORT_COLUMNS = (
    "interview_id",
    "candidate",
    "plan",
    "bank",
    "interview_status",
    "interview_started",
    "answer_id",
    "question_id",
    "question",
    "answer",
    "answered_at",
    "model_score",
    "override_score",
    "final_score",
    "override_comment",
    "model",
    "embedder",
    "prompt_version",
    "rubric_version",
    "scored_at",
)


def export_results_csv(repository: Repository) -> str:
    """Every interview's answers with their newest assessment and override, as CSV text (one row per answer).

    Raises:
        DatabaseUnavailableError: The database cannot be reached.
    """
    plans = {plan.id: plan for plan in repository.list_plans()}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for stored in sorted(repository.list_interviews(), key=lambda record: record.id):
        plan = plans.get(stored.plan_id)
        for answer, _job, assessed in repository.answer_states(stored.id):
            override = assessed.override if assessed else None
            row = [
                stored.id,
                stored.candidate_name,
                plan.title if plan else "",
                plan.plan.bank_slug if plan else "",
                stored.status.value,
                stored.created_at.isoformat(),
                answer.id,
                answer.question_id,
                answer.question_text,
                answer.answer_text,
                answer.created_at.isoformat(),
                assessed.score if assessed else "",
                override.score if override else "",
                assessed.final_score if assessed else "",
                override.comment if override else "",
                assessed.model if assessed else "",
                assessed.embedder if assessed else "",
                assessed.prompt_version if assessed else "",
                assessed.rubric_version if assessed else "",
                assessed.created_at.isoformat() if assessed else "",
            ]
            writer.writerow([neutralize_formula(cell) if isinstance(cell, str) else cell for cell in row])
    return buffer.getvalue()


@dataclass(frozen=True)
class Agreement:
    """How the model's scores compare with the administrators' on one group of overridden answers."""

    group: str
    count: int
    mean_absolute_difference: float
    correlation: float | None
    """Pearson's r; ``None`` with fewer than two pairs or when either side does not vary."""


def agreement(group: str, pairs: Sequence[tuple[float, float]]) -> Agreement:
    """Mean absolute difference and Pearson correlation of ``(model, human)`` score pairs."""
    count = len(pairs)
    mad = sum(abs(model - human) for model, human in pairs) / count if count else 0.0
    return Agreement(group, count, mad, _pearson(pairs))


def _pearson(pairs: Sequence[tuple[float, float]]) -> float | None:
    if len(pairs) < 2:
        return None
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in pairs) / math.sqrt(sxx * syy)


def by_competency(records: Iterable[AssessmentRecord]) -> list[Agreement]:
    """Model score against the overriding score, per competency (and ``All``)."""
    groups: dict[str, list[tuple[float, float]]] = {}
    everything: list[tuple[float, float]] = []
    for record in records:
        if record.override is None:
            continue
        pair = (float(record.score), float(record.override.score))
        assessment = AnswerAssessment.model_validate_json(record.assessment_json)
        name = assessment.competency_name or assessment.competency or "(none)"
        groups.setdefault(name, []).append(pair)
        everything.append(pair)
    rows = [agreement(name, pairs) for name, pairs in sorted(groups.items())]
    return [agreement("All", everything), *rows] if everything else []


def by_rubric_point(records: Iterable[AssessmentRecord]) -> list[Agreement]:
    """Per rubric point: the model's coverage of the point (0-100) against the administrator's score of the answer."""
    groups: dict[str, list[tuple[float, float]]] = {}
    for record in records:
        if record.override is None:
            continue
        for check in AnswerAssessment.model_validate_json(record.assessment_json).rubric:
            groups.setdefault(check.point, []).append((100.0 * check.coverage, float(record.override.score)))
    return [agreement(point, pairs) for point, pairs in sorted(groups.items())]


def save_bank(yaml_text: str | bytes, filename: str, folder: Path = BANKS_FOLDER) -> tuple[QuestionBank, Path]:
    """Validate a bank file and, only if it is valid, write it as ``<slug>.yaml`` in ``folder``.

    Raises:
        BankValidationError: The text is too large, not YAML, or not a valid bank (nothing is written).
        ValueError: The slug is not usable as a file name (lower-case letters, digits, underscores).
    """
    bank = validate_bank_text(yaml_text, filename)
    if not re.fullmatch(r"[a-z0-9_]{1,80}", bank.slug):
        raise ValueError(f"The slug {bank.slug!r} must be lower-case letters, digits and underscores only.")
    text = yaml_text.decode("utf-8-sig") if isinstance(yaml_text, bytes) else yaml_text
    path = folder / f"{bank.slug}.yaml"
    temporary = path.with_suffix(".yaml.tmp")
    temporary.write_text(text.removeprefix("\ufeff"), encoding="utf-8")
    temporary.replace(path)
    return bank, path
