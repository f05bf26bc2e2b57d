"""Calibrate the reference-answer score on the SemEval-2013 Task 7 training split; report ROC-AUC.

``python -m scoring.calibrate [--per-corpus N] [--write]`` scores a fixed, seeded sample of each
corpus (SciEntsBank, Beetle) with the configured judge and embedder, using each question's
reference answer(s) as its rubric, fits a logistic regression of ``label_2way == correct`` on the
three per-point signals (judge P(yes), embedding similarity, rarity-weighted word recall), and
prints ROC-AUC per corpus: each signal alone, the uncalibrated default combination, and the
calibrated one (out-of-fold, grouped by question, so the figure is not measured on the questions
it was fitted on). ``--write`` saves the parameters to ``scoring/calibration.json``. Only the
training split is ever used.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pandas as pd

from models.protocols import Embedder, Judge
from scoring.engine import CALIBRATION_FILE, ScoreModel, ScoringRequest, compute_signals, gate_answer
from scoring.gate import GATE_MAX_SCORE

DATASET_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "semeval2013-task7-train"
CORPORA = {"sciEntsBank": "sciEntsBank_train.csv", "beetle": "beetle_train.csv"}
FEATURES = ["judge_yes", "similarity", "lexical"]
TF_IDF_FLOOR = {"sciEntsBank": 0.687, "beetle": 0.760}


def load_sample(corpus: str, per_corpus: int, seed: int = 2013, dataset_dir: Path = DATASET_DIR) -> pd.DataFrame:
    """A fixed random sample of one corpus's training answers (all rows if ``per_corpus`` <= 0)."""
    frame = pd.read_csv(dataset_dir / CORPORA[corpus], dtype=str, keep_default_na=False)
    if 0 < per_corpus < len(frame):
        frame = frame.sample(n=per_corpus, random_state=seed)
    frame = frame.assign(corpus=corpus, correct=(frame["label_2way"] == "correct").astype(int))
    return frame.reset_index(drop=True)


def request_for(row: pd.Series) -> ScoringRequest:
    """A scoring request whose rubric is the row's reference answer(s)."""
    references = [r.strip() for r in str(row["all_reference_answers"]).split("|||") if r.strip()]
    return ScoringRequest(
        id=str(row["answer_id"]),
        question=str(row["question"]),
        answer=str(row["student_answer"]),
        reference_answers=references or [str(row["reference_answer"])],
        min_words=1,
    )


def features_for(row: pd.Series, judge: Judge, embedder: Embedder, model: ScoreModel) -> dict[str, object]:
    """The per-point signals for one row (``blocked`` when the gate stopped it)."""
    prepared = gate_answer(request_for(row), embedder)
    base: dict[str, object] = {"answer_id": str(row["answer_id"]), "question_id": str(row["question_id"])}
    base |= {"corpus": str(row["corpus"]), "correct": int(row["correct"]), "alternatives": prepared.alternatives}
    if prepared.gate.blocked:
        return base | {"blocked": 1, "gate_score": min(GATE_MAX_SCORE, 15 * prepared.gate.topic_similarity)}
    signals = compute_signals(
        str(row["question"]),
        prepared.gate,
        prepared.points,
        prepared.tips,
        judge,
        embedder,
        model,
        reference=prepared.reference,
        alternatives=prepared.alternatives,
    )
    points = [
        {"judge_yes": c.judge_probability or 0.0, "similarity": c.similarity, "lexical": lex}
        for c, lex in zip(signals.checks, signals.lexical, strict=True)
    ]
    return base | {"blocked": 0, "points": points}


def aggregate_features(frame: pd.DataFrame, model: ScoreModel) -> pd.DataFrame:
    """One feature row per answer: the best point's (alternatives) or the points' mean signals."""
    rows = []
    for _, row in frame[frame["blocked"] == 0].iterrows():
        points = pd.DataFrame(row["points"])[FEATURES]
        if row["alternatives"]:
            z = [model.reference_coverage(*p) for p in points.itertuples(index=False)]
            rows.append(points.iloc[int(np.argmax(z))].to_dict() | {"correct": row["correct"]})
        else:
            rows.append(points.mean().to_dict() | {"correct": row["correct"]})
    return pd.DataFrame(rows)


def final_scores(frame: pd.DataFrame, model: ScoreModel) -> np.ndarray:
    """The 0-100 score the engine would give each row (gate score for blocked rows)."""
    out = []
    for _, row in frame.iterrows():
        if row["blocked"]:
            out.append(float(row["gate_score"]))
            continue
        coverage = [model.reference_coverage(p["judge_yes"], p["similarity"], p["lexical"]) for p in row["points"]]
        out.append(100 * (max(coverage) if row["alternatives"] else sum(coverage) / len(coverage)))
    return np.array(out)


def fit(frame: pd.DataFrame, base: ScoreModel) -> ScoreModel:
    """Fit the reference-answer combination on the rows the gate let through."""
    from sklearn.linear_model import LogisticRegression

    rows = aggregate_features(frame, base)
    lr = LogisticRegression(C=1.0, max_iter=1000).fit(rows[FEATURES].to_numpy(), rows["correct"].to_numpy())
    judge_w, similarity_w, lexical_w = (round(max(0.0, float(x)), 4) for x in lr.coef_[0])
    return replace(
        base,
        ref_bias=round(float(lr.intercept_[0]), 4),
        ref_w_judge=judge_w,
        ref_w_similarity=similarity_w,
        ref_w_lexical=lexical_w,
        version=f"semeval2013-train-{time.strftime('%Y-%m-%d')}",
    )


def out_of_fold_scores(frame: pd.DataFrame, base: ScoreModel, folds: int = 5) -> np.ndarray:
    """Scores where each row's parameters were fitted without its question (GroupKFold by question)."""
    from sklearn.model_selection import GroupKFold

    scores = np.zeros(len(frame))
    for train, test in GroupKFold(n_splits=folds).split(frame, groups=frame["question_id"]):
        fitted = fit(frame.iloc[train], base)
        scores[test] = final_scores(frame.iloc[test], fitted)
    return scores


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC-AUC (0.5 when only one class is present)."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores)) if len(set(labels.tolist())) > 1 else 0.5


def report(frame: pd.DataFrame, base: ScoreModel, fitted: ScoreModel) -> dict[str, dict[str, float]]:
    """ROC-AUC per corpus for each signal, the default combination and the calibrated one."""
    out: dict[str, dict[str, float]] = {}
    frame = frame.assign(oof=out_of_fold_scores(frame, base), default=final_scores(frame, base))
    frame = frame.assign(calibrated=final_scores(frame, fitted))
    for corpus, part in frame.groupby("corpus"):
        labels = part["correct"].to_numpy()
        row = {
            "n": float(len(part)),
            "blocked_by_gate": float(part["blocked"].sum()),
            "tfidf_floor": TF_IDF_FLOOR[str(corpus)],
        }
        for feature in FEATURES:  # each signal alone: its best point, blocked answers lowest
            values = [max(p[feature] for p in r["points"]) if not r["blocked"] else -1.0 for _, r in part.iterrows()]
            row[feature] = auc(labels, np.array(values))
        row["default_combination"] = auc(labels, part["default"].to_numpy())
        row["calibrated_in_sample"] = auc(labels, part["calibrated"].to_numpy())
        row["calibrated_out_of_fold"] = auc(labels, part["oof"].to_numpy())
        out[str(corpus)] = {k: round(v, 4) for k, v in row.items()}
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the calibration and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m scoring.calibrate", description=__doc__)
    parser.add_argument("--per-corpus", type=int, default=400, help="answers sampled per corpus (0 = all)")
    parser.add_argument("--model", default=None, help="judge (default: configured judge)")
    parser.add_argument(
        "--features", type=Path, help="cache of computed signals (JSONL): read if present, else written"
    )
    parser.add_argument("--write", action="store_true", help=f"save the fitted parameters to {CALIBRATION_FILE.name}")
    args = parser.parse_args(argv)

    base = ScoreModel()
    if args.features and args.features.is_file():
        frame = pd.read_json(args.features, lines=True, dtype={"answer_id": str, "question_id": str})
        judge_name = "cached"
    else:
        from models.loader import load_embedder, load_judge

        judge, embedder = load_judge(args.model), load_embedder()
        judge_name = judge.name
        rows = []
        sample = pd.concat([load_sample(c, args.per_corpus) for c in CORPORA], ignore_index=True)
        started = time.perf_counter()
        for index, row in sample.iterrows():
            rows.append(features_for(row, judge, embedder, base))
            if (index + 1) % 50 == 0:
                rate = (time.perf_counter() - started) / (index + 1)
                print(f"  {index + 1}/{len(sample)} answers, {rate:.2f} s each", file=sys.stderr, flush=True)
        frame = pd.DataFrame(rows)
        if args.features:
            frame.to_json(args.features, orient="records", lines=True)
    fitted = fit(frame, base)
    figures = report(frame, base, fitted)
    for corpus, row in figures.items():
        print(f"{corpus}: " + ", ".join(f"{k}={v}" for k, v in row.items()))
    result = {"judge": judge_name, "parameters": asdict(fitted), "roc_auc": figures}
    print(json.dumps(result))
    if args.write:
        CALIBRATION_FILE.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {CALIBRATION_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
