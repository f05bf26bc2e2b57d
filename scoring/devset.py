"""The graded development set of interview answers, and the fit of the rubric score combination on it.

``scoring/data/devset/<bank slug>.jsonl``: 450 answers written for 45 bank questions of all six banks
(one line each: ``id``, unique within its bank, ``bank``, ``question_id``, ``kind``, ``answer``,
``points`` - each rubric point's label met / partly / missing / contradicted - ``red_flags`` - indices
of the bank red flags the answer states - and ``twin_of`` for a strong answer with one serious error).
Ten per question: one of each kind, plus a concise strong answer (90-130 words), a long good but
incomplete one and a long confidently wrong one (180-250 words), written later so that length does
not tell the kinds apart (in the first seven, every strong answer was longer than every good but
incomplete one); their lines carry ``"batch": 2`` (``python -m scoring.calibrate --shipped`` gives the
shipped combination's figures per batch). The questions are kept apart from the rubric checker's
training passages. ``KINDS`` gives each kind its rank (for the
Spearman figure) and the band midpoint the combination is fitted to.

``fit_rubric_model`` picks the checker's thresholds (``met``/``partly`` that best reproduce the
point labels; ``contradicted`` and ``finding``, which cap scores, by a bound on false alarms), fits ridge regression
from ``RubricSignals`` to the band midpoints, and maps its output onto the score scale by equipercentile
linking to the kinds' ``BANDS`` (``equipercentile_knots``); ``out_of_fold`` does all of it in ``GroupKFold``
by question, so every figure that ``dev_figures`` reports is measured on questions the fit never saw.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import numpy as np

from models.protocols import Embedder, Judge, RubricChecker
from question_banks.loader import BankSet
from scoring.engine import (
    ScoringRequest,
    gate_answer,
    gated_score,
    question_request,
    rubric_evidence,
)
from scoring.rubric import (
    FLAG_FEATURES,
    MISSING_ODDS,
    POINT_FEATURES,
    ClaimVerdict,
    PointStatusModel,
    RedFlagModel,
    RubricEvidence,
    RubricScoreModel,
)
from scoring.text import normalize_text, split_sentences
from scoring.types import Flag, RubricStatus

DEVSET_DIR = Path(__file__).resolve().parent / "data" / "devset"
T = TypeVar("T")
KINDS: dict[str, tuple[int, float]] = {  # kind -> (rank, band midpoint)
    "strong": (6, 90.0),
    "good_incomplete": (5, 67.0),
    "strong_with_error": (4, 52.0),
    "generic": (3, 37.0),
    "vague_or_verbose": (2, 15.0),
    "confidently_wrong": (1, 10.0),
    "contradicting": (1, 10.0),
}
# Each kind's band on the score scale (its midpoint above is the band's middle, rounded down): the target
# distribution of the equipercentile mapping (``equipercentile_knots``).
BANDS: dict[str, tuple[float, float]] = {
    "strong": (80.0, 100.0),
    "good_incomplete": (55.0, 80.0),
    "strong_with_error": (40.0, 65.0),
    "generic": (25.0, 50.0),
    "vague_or_verbose": (0.0, 30.0),
    "confidently_wrong": (0.0, 20.0),
    "contradicting": (0.0, 20.0),
}
KNOTS = 21  # quantiles of the mapping: 0%, 5%, ..., 100%
PENALTY = 15  # as ScoreModel.penalty: "would do" answers and answers addressing the grader
RIDGE_ALPHA = 1.0
THRESHOLD_GRID = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
FINDING_GRID = tuple(round(0.5 + 0.02 * i, 2) for i in range(25))  # 0.50, 0.52, ..., 0.98
# The red-flag model's probabilities are calibrated to a base rate near 1 in 5, so its threshold may sit lower.
FLAG_GRID = tuple(round(0.2 + 0.02 * i, 2) for i in range(40))  # 0.20, 0.22, ..., 0.98
MAX_FALSE_ALARMS = 0.10  # a red flag caps a score only where at most 1 in 10 answers without one show one
MAX_FALSE_CONTRADICTIONS = 0.05  # a contradicted point: at most 1 in 20 answers without one show one
NEVER = 1.01  # a threshold no probability reaches: the finding never caps
FOLDS = 5
FLAG_MODEL_C = 1.0  # L2 strength of the red-flag model
POINT_MODEL_C = 0.1  # L2 strength of the point-status model (0.1 and 1.0 agree within 0.5% out of fold)


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
    batch: int = 1  # 2: the length-balanced answers written on 2026-11-30, after the shipped combination's fit

    @property
    def group(self) -> str:
        """The question it answers, globally: ``bank/question_id``."""
        return f"{self.bank}/{self.question_id}"

    @property
    def key(self) -> str:
        """The answer, globally: ``bank/id`` (ids are unique within a bank; two banks share question ids)."""
        return f"{self.bank}/{self.id}"

    @property
    def twin_key(self) -> str | None:
        """``key`` of the error-free twin (in the same bank), if any."""
        return f"{self.bank}/{self.twin_of}" if self.twin_of else None


def load_devset(folder: Path = DEVSET_DIR) -> list[DevAnswer]:
    """Every development answer, in file order.

    Raises:
        ValueError: A line has an unknown kind or is not valid JSON, an answer's ``bank/id`` repeats, or a
            ``twin_of`` names no answer of its bank.
    """
    answers: list[DevAnswer] = []
    keys: set[str] = set()
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
                    int(data.get("batch", 1)),
                )
            )
            if answers[-1].key in keys:
                raise ValueError(f"{path.name}:{number}: the answer id {data['id']!r} repeats in its bank")
            keys.add(answers[-1].key)
    for answer in answers:
        if answer.twin_key is not None and answer.twin_key not in keys:
            raise ValueError(f"{answer.key}: twin_of {answer.twin_of!r} is not an answer of its bank")
    return answers


def dev_request(banks: BankSet, item: DevAnswer) -> ScoringRequest:
    """The scoring request of a development answer (its bank question's rubric, red flags and anchors)."""
    return question_request(banks.banks[item.bank], item.question_id, item.answer)


@dataclass(frozen=True)
class DevRow:
    """What the scorer found in one development answer, before thresholds and weights."""

    item: DevAnswer
    evidence: RubricEvidence | None  # None when the gate stopped it
    gate_score: int | None
    flags: list[Flag]
    notes: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)  # the gate's sentences of the answer (what is quoted)


def dev_row(
    item: DevAnswer, request: ScoringRequest, judge: Judge | None, embedder: Embedder, checker: RubricChecker
) -> DevRow:
    """Clean and gate the answer as ``score_answer`` does, then gather the checker's evidence (no feedback)."""
    prepared = gate_answer(request, embedder, judge)
    gate = prepared.gate
    if gate.blocked:
        return DevRow(item, None, gated_score(gate, prepared.flags), prepared.flags, prepared.notes, gate.sentences)
    evidence = rubric_evidence(request, gate, prepared.points, checker, embedder)
    return DevRow(item, evidence, None, prepared.flags, prepared.notes, gate.sentences)


def row_to_json(row: DevRow) -> str:
    """One cache line for a row (the item is identified by its id)."""
    return json.dumps(
        {
            "id": row.item.id,
            "evidence": asdict(row.evidence) if row.evidence is not None else None,
            "gate_score": row.gate_score,
            "flags": [flag.value for flag in row.flags],
            "notes": row.notes,
            "sentences": row.sentences,
        }
    )


def row_from_json(item: DevAnswer, line: str) -> DevRow:
    """The row a cache line holds (the item's id must match). Lines written before notes and sentences
    were cached get none and the answer's own sentences."""
    data = json.loads(line)
    if data["id"] != item.id:
        raise ValueError(f"cache line for {data['id']} where {item.id} was expected: delete the cache")
    evidence = None
    if data["evidence"] is not None:
        raw = data["evidence"]
        evidence = RubricEvidence(
            points=[ClaimVerdict(**v) for v in raw["points"]],
            flags=[ClaimVerdict(**v) for v in raw["flags"]],
            specificity=raw["specificity"],
            anchor_margin=raw["anchor_margin"],
            log_words=raw["log_words"],
            anchor_agreement=raw.get("anchor_agreement", {}),
            flag_examples=raw.get("flag_examples", []),
        )
    sentences = data.get("sentences") or split_sentences(normalize_text(item.answer))
    flags = [Flag(f) for f in data["flags"]]
    return DevRow(item, evidence, data["gate_score"], flags, list(data.get("notes") or []), sentences)


def point_agreement(rows: Sequence[DevRow], model: RubricScoreModel) -> float:
    """Share of labelled rubric points whose status (met, partly, missing, contradicted) the model reproduces."""
    agree = total = 0
    for row in rows:
        if row.evidence is None:
            continue
        for label, status in zip(row.item.points, model.statuses(row.evidence), strict=False):
            agree += status is RubricStatus(label)
            total += 1
    return agree / total if total else 0.0


def fit_point_model(rows: Sequence[DevRow], missing_odds: float = MISSING_ODDS) -> PointStatusModel:
    """The point-status model (``scoring.rubric.PointStatusModel``) fitted on the labelled points of ``rows``:
    multinomial logistic regression (L2, ``C`` = ``POINT_MODEL_C``) on the standardised ``POINT_FEATURES``; a
    contradicted label counts as missing (contradiction is the checker's rule)."""
    from sklearn.linear_model import LogisticRegression

    features, labels = [], []
    for row in rows:
        if row.evidence is None:
            continue
        for label, values in zip(row.item.points, PointStatusModel.features(row.evidence), strict=False):
            features.append([np.nan if values[n] is None else float(values[n]) for n in POINT_FEATURES])
            labels.append(RubricStatus.MISSING.value if label == RubricStatus.CONTRADICTED.value else label)
    means, scales, z = _standardised(features)
    fitted = LogisticRegression(C=POINT_MODEL_C, max_iter=5000).fit(z, labels)
    classes = [str(c) for c in fitted.classes_]
    coef, intercept = fitted.coef_, fitted.intercept_
    if len(classes) == 2:  # sklearn's binary form: the same softmax with the first class's logit at 0
        coef, intercept = np.vstack([np.zeros_like(coef[0]), coef[0]]), np.array([0.0, intercept[0]])
    return PointStatusModel(
        means={n: round(float(m), 6) for n, m in zip(POINT_FEATURES, means, strict=True)},
        scales={n: round(float(s), 6) for n, s in zip(POINT_FEATURES, scales, strict=True)},
        coefficients={
            c: {n: round(float(w), 5) for n, w in zip(POINT_FEATURES, coef[i], strict=True)}
            for i, c in enumerate(classes)
        },
        intercepts={c: round(float(intercept[i]), 5) for i, c in enumerate(classes)},
        missing_odds=missing_odds,
    )


def _standardised(features: Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column means and standard deviations (1 where a column is constant) of a feature matrix with ``nan`` for
    a feature a question cannot give, and the standardised matrix with those at 0 (counted as the mean). A column
    no row gives (no red flag with examples) gets mean 0 and scale 1: all its values are then 0 and weigh nothing."""
    x = np.array(features, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's "mean of empty slice", for such a column
        means = np.nan_to_num(np.nanmean(x, axis=0), nan=0.0)
        scales = np.nanstd(x, axis=0)
    scales[~(scales > 0)] = 1.0
    return means, scales, np.nan_to_num((x - means) / scales, nan=0.0)


def fit_flag_model(rows: Sequence[DevRow]) -> RedFlagModel | None:
    """The red-flag model (``scoring.rubric.RedFlagModel``) fitted on every bank red flag of ``rows``' checked
    answers, labelled committed when the answer's ``red_flags`` list it: logistic regression (L2, ``C`` =
    ``FLAG_MODEL_C``) on the standardised ``FLAG_FEATURES``. ``None`` when the rows hold no flag of both kinds."""
    from sklearn.linear_model import LogisticRegression

    features, labels = [], []
    for row in rows:
        if row.evidence is None:
            continue
        for index, values in enumerate(RedFlagModel.features(row.evidence)):
            features.append([np.nan if values[n] is None else float(values[n]) for n in FLAG_FEATURES])
            labels.append(int(index in row.item.red_flags))
    if len(set(labels)) < 2:
        return None
    means, scales, z = _standardised(features)
    fitted = LogisticRegression(C=FLAG_MODEL_C, max_iter=5000).fit(z, labels)
    return RedFlagModel(
        means={n: round(float(m), 6) for n, m in zip(FLAG_FEATURES, means, strict=True)},
        scales={n: round(float(v), 6) for n, v in zip(FLAG_FEATURES, scales, strict=True)},
        coefficients={n: round(float(w), 5) for n, w in zip(FLAG_FEATURES, fitted.coef_[0], strict=True)},
        intercept=round(float(fitted.intercept_[0]), 5),
    )


def fit_thresholds(rows: Sequence[DevRow], base: RubricScoreModel) -> RubricScoreModel:
    """The checker's thresholds: ``met`` and ``partly`` that best reproduce the point labels (they still
    decide which sentence may be quoted as a strength), the point-status and red-flag models (``fit_point_model``,
    ``fit_flag_model``), then
    ``contradicted`` and ``finding``, above which a contradicted point or a red flag caps the score and is
    named to the candidate: each the lowest threshold (``FINDING_GRID``; ``FLAG_GRID`` for the red-flag model's
    probabilities) at which at most
    ``MAX_FALSE_CONTRADICTIONS`` (contradictions) or ``MAX_FALSE_ALARMS`` (red flags) of the answers
    labelled without such an error are flagged with one (``NEVER`` when none is that sure). A bounded
    false-alarm rate is what an interviewer signing the score needs: an answer capped for an error it does
    not make is the costliest mistake a scorer can make. (Until 2026-11-30 the two were chosen for the best
    Spearman correlation of the fitted scores, which set both near 1: a cap moves a wrong answer's rank
    little, and the error twins and named red flags counted for nothing.)"""
    base = replace(base, point_model=None, flag_model=None)
    best, best_value = base, -1.0
    for met in THRESHOLD_GRID:
        for partly in (round(met * 0.5, 3), round(met * 0.75, 3)):
            candidate = replace(base, met=met, partly=partly)
            value = point_agreement(rows, candidate)
            if value > best_value + 1e-9:
                best, best_value = candidate, value
    best = replace(best, point_model=fit_point_model(rows), flag_model=fit_flag_model(rows))
    checked = [row for row in rows if row.evidence is not None]

    def contradiction_at(row: DevRow, threshold: float) -> bool:
        model = replace(best, contradicted=threshold)
        return any(model.status(v) is RubricStatus.CONTRADICTED for v in row.evidence.points)  # type: ignore[union-attr]

    def red_flag_at(row: DevRow, threshold: float) -> bool:
        return any(p >= threshold for p in best.flag_probabilities(row.evidence))  # type: ignore[arg-type]

    contradicted = false_alarm_threshold(
        [row for row in checked if "contradicted" not in row.item.points], contradiction_at, MAX_FALSE_CONTRADICTIONS
    )
    finding = false_alarm_threshold(
        [row for row in checked if not row.item.red_flags],
        red_flag_at,
        MAX_FALSE_ALARMS,
        FLAG_GRID if best.flag_model is not None else FINDING_GRID,
    )
    return replace(best, contradicted=contradicted, finding=finding)


def false_alarm_threshold(
    clean: Sequence[T], found: Callable[[T, float], bool], rate: float, grid: Sequence[float] = FINDING_GRID
) -> float:
    """The lowest ``grid`` threshold at which ``found`` flags at most ``rate`` of ``clean`` (answers labelled
    without the error); ``NEVER`` when even the highest flags more."""
    for threshold in grid:
        if not clean or np.mean([found(row, threshold) for row in clean]) <= rate:
            return threshold
    return NEVER


def _matrix(rows: Sequence[DevRow], model: RubricScoreModel) -> np.ndarray:
    return np.array(
        [model.signals(row.evidence).vector(model.features) for row in rows if row.evidence is not None], dtype=float
    )


def fit_rubric_model(rows: Sequence[DevRow], base: RubricScoreModel, version: str) -> RubricScoreModel:
    """Thresholds (``fit_thresholds``), then the weights (``_fit_weights``), all on ``rows``."""
    return _fit_weights(rows, fit_thresholds(rows, base), version)


def _fit_weights(rows: Sequence[DevRow], model: RubricScoreModel, version: str) -> RubricScoreModel:
    """Ridge regression of the band midpoints on the standardised signals (gated answers left out), mapped
    onto the score scale by ``equipercentile_knots``."""
    from sklearn.linear_model import Ridge

    scored = [row for row in rows if row.evidence is not None]
    x = _matrix(scored, model)
    y = np.array([KINDS[row.item.kind][1] for row in scored])
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales == 0] = 1.0
    ridge = Ridge(alpha=RIDGE_ALPHA).fit((x - means) / scales, y)
    raw = ridge.predict((x - means) / scales)
    return replace(
        model,
        weights={name: round(float(w), 4) for name, w in zip(model.features, ridge.coef_, strict=True)},
        means={name: round(float(m), 6) for name, m in zip(model.features, means, strict=True)},
        scales={name: round(float(s), 6) for name, s in zip(model.features, scales, strict=True)},
        intercept=round(float(ridge.intercept_), 4),
        calibration=equipercentile_knots(raw, [row.item.kind for row in scored]),
        version=version,
    )


def band_quantiles(kinds: Sequence[str], probabilities: Sequence[float]) -> np.ndarray:
    """Quantiles (0-100) of the scores the kinds call for: each answer spread evenly over its kind's ``BANDS``.

    Args:
        kinds: One kind per answer (keys of ``BANDS``).
        probabilities: Cumulative probabilities in [0, 1], increasing.

    Returns:
        The score at each probability, shape ``(len(probabilities),)``.
    """
    grid = np.linspace(0.0, 100.0, 2001)
    cdf = np.zeros_like(grid)
    for kind in kinds:
        low, high = BANDS[kind]
        cdf += np.clip((grid - low) / (high - low), 0.0, 1.0)
    cdf /= len(kinds)
    return np.interp(probabilities, cdf, grid)


def equipercentile_knots(raw: Sequence[float], kinds: Sequence[str], knots: int = KNOTS) -> list[list[float]]:
    """The knots ``[[raw, score], ...]`` of the equipercentile mapping: the raw combination's q-quantile goes to
    the q-quantile of the scores the answers' kinds call for (``band_quantiles``), for ``knots`` even q.

    Equipercentile linking (as in test equating) keeps the spread of the target scale. The isotonic fit used
    until 2026-11-30 maps each raw value to the *mean* band midpoint of the answers near it, which pulls every
    score towards the middle: out of fold, a third of strong answers reached 80. With this mapping (same folds,
    same signals) 58% do, the error twins' median gap grew from 15 to 24 points, and the rank correlation
    stayed (0.817 / 0.819); vague and wrong answers at or under their bounds moved by 1-2 answers each.

    Args:
        raw: The raw combination of each answer (``RubricScoreModel.raw_score``).
        kinds: Each answer's kind, in the same order.
        knots: How many quantiles (at least 2).

    Returns:
        Knots with strictly increasing raw values (a repeated raw quantile keeps its first knot).
    """
    probabilities = np.linspace(0.0, 1.0, knots)
    xs = np.quantile(np.asarray(raw, dtype=float), probabilities)
    ys = band_quantiles(kinds, probabilities)
    out: list[list[float]] = []
    for x, y in zip(xs, ys, strict=True):
        if not out or x > out[-1][0] + 1e-9:
            out.append([round(float(x), 4), round(float(y), 3)])
    return out


def final_scores(
    rows: Sequence[DevRow], model_for: Callable[[DevRow], RubricScoreModel], penalty: int = PENALTY
) -> list[int]:
    """Each row's 0-100 score: the gate's when it stopped the answer, else the capped combination less penalties."""
    scores = []
    for row in rows:
        if row.evidence is None:
            scores.append(int(row.gate_score or 0))
            continue
        score = model_for(row).score_evidence(row.evidence)
        score -= penalty * sum(flag in row.flags for flag in (Flag.NO_DIRECT_EXPERIENCE, Flag.INSTRUCTS_GRADER))
        scores.append(max(0, score))
    return scores


def out_of_fold(rows: Sequence[DevRow], base: RubricScoreModel) -> tuple[list[int], dict[int, RubricScoreModel]]:
    """Scores from models fitted without the row's question (``GroupKFold`` by question), and each row's model."""
    from sklearn.model_selection import GroupKFold

    groups = [row.item.group for row in rows]
    fold_of: dict[int, RubricScoreModel] = {}
    for train, test in GroupKFold(n_splits=FOLDS).split(np.zeros(len(rows)), groups=groups):
        model = fit_rubric_model([rows[i] for i in train], base, "fold")
        for i in test:
            fold_of[i] = model
    index = {id(row): i for i, row in enumerate(rows)}
    return final_scores(rows, lambda row: fold_of[index[id(row)]]), fold_of


def _share(values: Sequence[bool]) -> float | None:
    return round(float(np.mean(values)), 3) if values else None


def dev_figures(
    rows: Sequence[DevRow], scores: Sequence[int], model_for: Callable[[DevRow], RubricScoreModel]
) -> dict[str, object]:
    """The development-set figures of issue 11's floors, for the given scores and each row's model."""
    from scipy.stats import spearmanr

    kinds = [row.item.kind for row in rows]
    by_key = {row.item.key: score for row, score in zip(rows, scores, strict=True)}
    ranks = [KINDS[kind][0] for kind in kinds]
    wrong = [s <= 25 for s, k in zip(scores, kinds, strict=True) if k in ("confidently_wrong", "contradicting")]
    vague = [s <= 35 for s, k in zip(scores, kinds, strict=True) if k == "vague_or_verbose"]
    strong = [s >= 80 for s, k in zip(scores, kinds, strict=True) if k == "strong"]
    gaps = [
        by_key[row.item.twin_key] - by_key[row.item.key]
        for row in rows
        if row.item.kind == "strong_with_error" and row.item.twin_key in by_key
    ]
    agree = total = met_called_missing = met_called_contradicted = 0
    found: list[set[int]] = []
    for row in rows:
        model = model_for(row)
        statuses = (model.statuses(row.evidence) if row.evidence is not None else []) or [RubricStatus.MISSING] * len(
            row.item.points
        )
        found.append(set(model.flags_found(row.evidence)) if row.evidence is not None else set())
        for label, status in zip(row.item.points, statuses, strict=False):
            expected = RubricStatus.MISSING if label == "contradicted" else RubricStatus(label)
            got = RubricStatus.MISSING if status is RubricStatus.CONTRADICTED else status
            agree += expected is got
            total += 1
            # A gated answer (no evidence) lists no statuses to the candidate, so it cannot call a point missing.
            listed = row.evidence is not None
            met_called_missing += listed and expected is RubricStatus.MET and status is RubricStatus.MISSING
            met_called_contradicted += listed and expected is RubricStatus.MET and status is RubricStatus.CONTRADICTED
    flagged = [bool(f & set(row.item.red_flags)) for row, f in zip(rows, found, strict=True) if row.item.red_flags]
    false_flags = [bool(f) for row, f in zip(rows, found, strict=True) if not row.item.red_flags]
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
        "labelled_met_called_missing": met_called_missing,
        "labelled_met_called_contradicted": met_called_contradicted,
        "red_flag_named": _share(flagged),
        "red_flag_false_alarms": _share(false_flags),
        "mean_score_by_kind": mean_by_kind,
    }


def timestamped(prefix: str) -> str:
    """A version name such as ``devset-2026-11-29``."""
    return f"{prefix}-{time.strftime('%Y-%m-%d')}"
