"""The graded development set of interview answers, and the fit of the rubric score combination on it.

``scoring/data/devset/<bank slug>.jsonl``: answers written for 45 bank questions of all six banks
(one line each: ``id``, ``bank``, ``question_id``, ``kind``, ``answer``, ``points`` - each rubric
point's label met / partly / missing / contradicted - ``red_flags`` - indices of the bank red flags
the answer states - and ``twin_of`` for a strong answer with one serious error). The questions are
kept apart from the rubric checker's training passages. ``KINDS`` gives each kind its rank (for the
Spearman figure) and the band midpoint the combination is fitted to.

``fit_rubric_model`` fits ridge regression from ``RubricSignals`` to the band midpoints;
``out_of_fold_scores`` does the same in ``GroupKFold`` by question, so every figure that
``dev_figures`` reports is measured on questions the weights never saw.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from question_banks.loader import BankSet
from scoring.engine import ScoringRequest, question_request
from scoring.rubric import FEATURES, RubricScoreModel, RubricSignals
from scoring.types import AnswerAssessment, Flag, RubricStatus

DEVSET_DIR = Path(__file__).resolve().parent / "data" / "devset"
KINDS: dict[str, tuple[int, float]] = {  # kind -> (rank, band midpoint)
    "strong": (6, 90.0),
    "good_incomplete": (5, 67.0),
    "strong_with_error": (4, 52.0),
    "generic": (3, 37.0),
    "vague_or_verbose": (2, 15.0),
    "confidently_wrong": (1, 10.0),
    "contradicting": (1, 10.0),
}
PENALTY = 15  # as ScoreModel.penalty: "would do" answers and answers addressing the grader
RIDGE_ALPHA = 1.0
FOLDS = 5


@dataclass(frozen=True)
class DevAnswer:
    """One graded development answer."""

    id: str
    bank: str
    question_id: str
    kind: str
    answer: str
    points: list[str]
    red_flags: list[int]
    twin_of: str | None

    @property
    def group(self) -> str:
        """The question it answers, globally: ``bank/question_id``."""
        return f"{self.bank}/{self.question_id}"


def load_devset(folder: Path = DEVSET_DIR) -> list[DevAnswer]:
    """Every development answer, in file order.

    Raises:
        ValueError: A line has an unknown kind or is not valid JSON.
    """
    answers = []
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            data = json.loads(line)
            if data["kind"] not in KINDS:
                raise ValueError(f"{path.name}:{number}: unknown kind {data['kind']!r}")
            answers.append(
                DevAnswer(
                    data["id"],
                    data["bank"],
                    data["question_id"],
                    data["kind"],
                    data["answer"],
                    list(data["points"]),
                    list(data.get("red_flags") or []),
                    data.get("twin_of"),
                )
            )
    return answers


def dev_request(banks: BankSet, item: DevAnswer) -> ScoringRequest:
    """The scoring request of a development answer (its bank question's rubric, red flags and anchors)."""
    return question_request(banks.banks[item.bank], item.question_id, item.answer)


@dataclass(frozen=True)
class DevRow:
    """What the scorer found for one development answer, before the combination."""

    item: DevAnswer
    signals: RubricSignals | None  # None when the gate stopped it
    findings: int
    gate_score: int | None
    statuses: list[RubricStatus]
    red_flags_found: list[str]
    flags: list[Flag]


def dev_row(item: DevAnswer, assessment: AnswerAssessment) -> DevRow:
    """A development row from the assessment the scorer gave the answer (feedback not needed)."""
    contradicted = sum(check.status is RubricStatus.CONTRADICTED for check in assessment.rubric)
    signals = RubricSignals(**assessment.signals) if assessment.signals else None
    return DevRow(
        item,
        signals,
        len(assessment.red_flags) + contradicted,
        None if signals is not None else assessment.score,
        [check.status for check in assessment.rubric],
        [finding.flag for finding in assessment.red_flags],
        assessment.flags,
    )


def _matrix(rows: Sequence[DevRow]) -> np.ndarray:
    return np.array([row.signals.vector() for row in rows if row.signals is not None], dtype=float)


def fit_rubric_model(rows: Sequence[DevRow], base: RubricScoreModel, version: str) -> RubricScoreModel:
    """Ridge regression of the band midpoints on the standardised signals (gated answers left out)."""
    from sklearn.linear_model import Ridge

    scored = [row for row in rows if row.signals is not None]
    x = _matrix(scored)
    y = np.array([KINDS[row.item.kind][1] for row in scored])
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales == 0] = 1.0
    ridge = Ridge(alpha=RIDGE_ALPHA).fit((x - means) / scales, y)
    return replace(
        base,
        weights={name: round(float(w), 4) for name, w in zip(FEATURES, ridge.coef_, strict=True)},
        means={name: round(float(m), 6) for name, m in zip(FEATURES, means, strict=True)},
        scales={name: round(float(s), 6) for name, s in zip(FEATURES, scales, strict=True)},
        intercept=round(float(ridge.intercept_), 4),
        version=version,
    )


def final_scores(
    rows: Sequence[DevRow], model_for: Callable[[DevRow], RubricScoreModel], penalty: int = PENALTY
) -> list[int]:
    """Each row's 0-100 score: the gate's when it stopped the answer, else the capped combination less penalties."""
    scores = []
    for row in rows:
        if row.signals is None:
            scores.append(int(row.gate_score or 0))
            continue
        score = model_for(row).score(row.signals, row.findings)
        score -= penalty * sum(flag in row.flags for flag in (Flag.NO_DIRECT_EXPERIENCE, Flag.INSTRUCTS_GRADER))
        scores.append(max(0, score))
    return scores


def out_of_fold_scores(rows: Sequence[DevRow], base: RubricScoreModel) -> list[int]:
    """Scores from models fitted without the row's question (``GroupKFold`` by question)."""
    from sklearn.model_selection import GroupKFold

    groups = [row.item.group for row in rows]
    fold_of: dict[int, RubricScoreModel] = {}
    for train, test in GroupKFold(n_splits=FOLDS).split(np.zeros(len(rows)), groups=groups):
        model = fit_rubric_model([rows[i] for i in train], base, "fold")
        for i in test:
            fold_of[i] = model
    index = {id(row): i for i, row in enumerate(rows)}
    return final_scores(rows, lambda row: fold_of[index[id(row)]])


def _share(values: Sequence[bool]) -> float | None:
    return round(float(np.mean(values)), 3) if values else None


def dev_figures(rows: Sequence[DevRow], scores: Sequence[int]) -> dict[str, object]:
    """The development-set figures of issue 11's floors, for the given scores (one per row)."""
    from scipy.stats import spearmanr

    kinds = [row.item.kind for row in rows]
    by_id = {row.item.id: score for row, score in zip(rows, scores, strict=True)}
    ranks = [KINDS[kind][0] for kind in kinds]
    wrong = [s <= 25 for s, k in zip(scores, kinds, strict=True) if k in ("confidently_wrong", "contradicting")]
    vague = [s <= 35 for s, k in zip(scores, kinds, strict=True) if k == "vague_or_verbose"]
    strong = [s >= 80 for s, k in zip(scores, kinds, strict=True) if k == "strong"]
    gaps = [
        by_id[row.item.twin_of] - by_id[row.item.id]
        for row in rows
        if row.item.kind == "strong_with_error" and row.item.twin_of in by_id
    ]
    agree, total = 0, 0
    for row in rows:
        for label, status in zip(row.item.points, row.statuses, strict=False):
            expected = RubricStatus.MISSING if label == "contradicted" else RubricStatus(label)
            got = RubricStatus.MISSING if status is RubricStatus.CONTRADICTED else status
            agree += expected is got
            total += 1
    flagged = [bool(row.red_flags_found) for row in rows if row.item.red_flags]
    false_flags = [bool(row.red_flags_found) for row in rows if not row.item.red_flags]
    mean_by_kind = {
        kind: round(float(np.mean([s for s, k in zip(scores, kinds, strict=True) if k == kind])), 1)
        for kind in KINDS
        if kind in kinds
    }
    return {
        "answers": len(rows),
        "questions": len({row.item.group for row in rows}),
        "spearman_kind": round(float(spearmanr(scores, ranks).statistic), 3),
        "wrong_or_contradicting_le_25": _share(wrong),
        "vague_or_verbose_le_35": _share(vague),
        "strong_ge_80": _share(strong),
        "error_twin_gap_ge_20": _share([gap >= 20 for gap in gaps]),
        "error_twin_gap_median": float(np.median(gaps)) if gaps else None,
        "point_status_agreement": round(agree / total, 3) if total else None,
        "red_flag_recall": _share(flagged),
        "red_flag_false_alarms": _share(false_flags),
        "mean_score_by_kind": mean_by_kind,
    }


def timestamped(prefix: str) -> str:
    """A version name such as ``devset-2026-11-29``."""
    return f"{prefix}-{time.strftime('%Y-%m-%d')}"
