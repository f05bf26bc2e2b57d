"""Calibrate the reference-answer score on the SemEval-2013 Task 7 training split; report ROC-AUC.

``python -m scoring.calibrate [--per-corpus N] [--examples K] [--write]`` runs the gate and
computes the ``scoring.reference`` signals for each answer of both corpora (SciEntsBank, Beetle;
all of them by default), against the question's reference answer(s), then fits two logistic
regressions of ``label_2way == correct``: one on the reference signals alone, one that also uses
``K`` graded example answers to the same question (drawn, seeded, from the question's other
answers). It prints ROC-AUC per corpus for each signal alone and for the final 0-100 scores
(gate-stopped answers keep their gate score), in sample and out of fold: ``GroupKFold`` by
question, so each figure is measured on questions the weights were not fitted on. ``--write``
saves both models to ``scoring/calibration.json``. Only the training split is ever used; the
embedder is the only model involved (the judge added nothing measurable here, see README).

``python -m scoring.calibrate --rubric [--write]`` fits the rubric score combination instead: it
scores every answer of the graded development set (``scoring.devset``) with the rubric checker,
fits ridge regression from the answer-level signals to the band midpoints, and prints the
development-set figures out of fold (``GroupKFold`` by question) and in sample. ``--write`` stores
the fitted combination in ``scoring/calibration.json`` (``rubric_model``) beside the reference models.
``--checker FOLDER`` (repeatable: a committee) gathers the evidence with candidate checkers instead of the
shipped ones, and ``--lead FOLDER`` with a candidate lead (the checker that reads red flags and anchors alone;
default with ``--checker``: the first of them), so a newly trained checker is compared out of fold before it
replaces one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pandas as pd

from models.protocols import Embedder, Judge, RubricChecker
from scoring.engine import CALIBRATION_FILE, ScoreModel, ScoringRequest, gate_answer
from scoring.gate import GATE_MAX_SCORE
from scoring.reference import (
    EXAMPLE_FEATURES,
    EXAMPLES_PER_QUESTION,
    REFERENCE_FEATURES,
    GradedExample,
    LinearModel,
    ReferenceScorer,
    best_reference,
    reference_features,
)

DATASET_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "semeval2013-task7-train"
CORPORA = {"sciEntsBank": "sciEntsBank_train.csv", "beetle": "beetle_train.csv"}
TF_IDF_FLOOR = {"sciEntsBank": 0.687, "beetle": 0.760}
ALL_FEATURES = [*REFERENCE_FEATURES, *EXAMPLE_FEATURES]


# What the fits depend on, recorded in calibration.json: which judge and runtime they were fitted with.
JUDGE_NOTE = {
    "used_by_fit": False,
    "fitted_with": "rubric checker + embedder (no judge)",
    "fallback": (
        "The fitted combinations read the rubric checker and the embedder only, so any judge or runtime "
        "(torch, llama.cpp, a team's OpenAI-compatible server) uses them as they are. The judge writes the "
        "justification; only without a rubric checker do its yes/no probabilities enter a score, through the "
        "hand-set parameters (point_weight, rubric_w_relevance), which are not fitted to any judge."
    ),
}


def load_sample(corpus: str, per_corpus: int, seed: int = 2013, dataset_dir: Path = DATASET_DIR) -> pd.DataFrame:
    """A fixed random sample of one corpus's training answers (all rows if ``per_corpus`` <= 0)."""
    frame = pd.read_csv(dataset_dir / CORPORA[corpus], dtype=str, keep_default_na=False)
    if 0 < per_corpus < len(frame):
        frame = frame.sample(n=per_corpus, random_state=seed)
    frame = frame.assign(corpus=corpus, correct=(frame["label_2way"] == "correct").astype(int))
    return frame.reset_index(drop=True)


def request_for(row: pd.Series) -> ScoringRequest:
    """A scoring request whose references are the row's reference answer(s)."""
    references = [r.strip() for r in str(row["all_reference_answers"]).split("|||") if r.strip()]
    return ScoringRequest(
        id=str(row["answer_id"]),
        question=str(row["question"]),
        answer=str(row["student_answer"]),
        reference_answers=references or [str(row["reference_answer"])],
        min_words=1,
    )


def graded_examples(frame: pd.DataFrame, index: int, k: int) -> list[GradedExample]:
    """``k`` other answers to the same question with their labels, drawn with a per-question seed."""
    row = frame.iloc[index]
    others = frame.index[(frame["question_id"] == row["question_id"]) & (frame.index != index)].to_numpy()
    rng = np.random.default_rng(zlib.crc32(f"{row['question_id']}:{row['answer_id']}".encode()))
    chosen = rng.choice(others, size=min(k, len(others)), replace=False) if len(others) else others
    return [
        GradedExample(answer=str(frame.at[j, "student_answer"]), correct=bool(frame.at[j, "correct"]))
        for j in sorted(chosen.tolist())
        if str(frame.at[j, "student_answer"]).strip()
    ]


def features_for(frame: pd.DataFrame, index: int, embedder: Embedder, k: int) -> dict[str, object]:
    """The gate's verdict and the reference signals (with and without examples) for one row."""
    row = frame.iloc[index]
    prepared = gate_answer(request_for(row), embedder)
    base: dict[str, object] = {"answer_id": str(row["answer_id"]), "question_id": str(row["question_id"])}
    base |= {"corpus": str(row["corpus"]), "correct": int(row["correct"])}
    if prepared.gate.blocked:
        return base | {"blocked": 1, "gate_score": min(GATE_MAX_SCORE, 15 * prepared.gate.topic_similarity)}
    question, answer = str(row["question"]), prepared.gate.judge_text
    examples = graded_examples(frame, index, k)
    features = reference_features(question, answer, prepared.references, embedder, examples)
    return base | {"blocked": 0, "gate_score": None} | features[best_reference(features)]


def _fit_linear(rows: pd.DataFrame, names: list[str]) -> LinearModel:
    """Standardised logistic regression, folded back into weights on the raw features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = rows[names].to_numpy(dtype=float)
    scaler = StandardScaler().fit(x)
    lr = LogisticRegression(C=1.0, max_iter=5000).fit(scaler.transform(x), rows["correct"].to_numpy())
    weights = lr.coef_[0] / scaler.scale_
    bias = float(lr.intercept_[0] - np.sum(weights * scaler.mean_))
    rounded = {name: round(float(w), 4) for name, w in zip(names, weights, strict=True)}
    return LinearModel(bias=round(bias, 4), weights=rounded)


def fit(frame: pd.DataFrame) -> ReferenceScorer:
    """Both models, fitted on the rows the gate let through."""
    rows = frame[frame["blocked"] == 0]
    with_examples = rows.dropna(subset=list(EXAMPLE_FEATURES))  # questions with no other answer have none
    return ReferenceScorer(_fit_linear(rows, list(REFERENCE_FEATURES)), _fit_linear(with_examples, ALL_FEATURES))


def final_scores(frame: pd.DataFrame, scorer: ReferenceScorer, examples: bool) -> np.ndarray:
    """The 0-100 score the engine would give each row (gate score for blocked rows).

    With ``examples``, rows that have graded examples use the example model, as the engine does.
    """
    out = []
    for row in frame.to_dict("records"):
        if row["blocked"]:
            out.append(float(row["gate_score"]))
            continue
        features = {k: float(row[k]) for k in ALL_FEATURES if k in row and pd.notna(row[k])}
        if not examples:
            features = {k: v for k, v in features.items() if k not in EXAMPLE_FEATURES}
        out.append(100 * scorer.probability(features))
    return np.array(out)


def out_of_fold_scores(frame: pd.DataFrame, examples: bool, folds: int = 5) -> np.ndarray:
    """Scores where each row's weights were fitted without its question (GroupKFold by question)."""
    from sklearn.model_selection import GroupKFold

    scores = np.zeros(len(frame))
    for train, test in GroupKFold(n_splits=folds).split(frame, groups=frame["question_id"]):
        scores[test] = final_scores(frame.iloc[test], fit(frame.iloc[train]), examples)
    return scores


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC-AUC (0.5 when only one class is present)."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores)) if len(set(labels.tolist())) > 1 else 0.5


def report(frame: pd.DataFrame, fitted: ReferenceScorer) -> dict[str, dict[str, float]]:
    """ROC-AUC per corpus: each signal alone, then the calibrated scores in sample and out of fold."""
    frame = frame.assign(
        reference_in_sample=final_scores(frame, fitted, examples=False),
        reference_out_of_fold=out_of_fold_scores(frame, examples=False),
        with_examples_in_sample=final_scores(frame, fitted, examples=True),
        with_examples_out_of_fold=out_of_fold_scores(frame, examples=True),
    )
    out: dict[str, dict[str, float]] = {}
    for corpus, part in frame.groupby("corpus"):
        labels = part["correct"].to_numpy()
        row = {"n": float(len(part)), "blocked_by_gate": float(part["blocked"].sum())}
        row["tfidf_floor"] = TF_IDF_FLOOR[str(corpus)]
        for feature in ALL_FEATURES:  # each signal alone, blocked answers lowest
            row[feature] = auc(labels, part[feature].fillna(-10.0).to_numpy(dtype=float))
        for column in ("reference_in_sample", "reference_out_of_fold"):
            row[column] = auc(labels, part[column].to_numpy())
        row["with_examples"] = float(part[EXAMPLE_FEATURES[0]].notna().sum())
        for column in ("with_examples_in_sample", "with_examples_out_of_fold"):
            row[column] = auc(labels, part[column].to_numpy())
        out[str(corpus)] = {k: round(v, 4) for k, v in row.items()}
    return out


class CacheMismatchError(ValueError):
    """A development-set evidence cache was gathered with other rubric checkers than the ones asked for."""


def dev_rows(
    cache: Path | None = None,
    *,
    judge: Judge | None = None,
    embedder: Embedder | None = None,
    checker: RubricChecker | None = None,
) -> list:
    """Clean, gate and check every development answer; one ``scoring.devset.DevRow`` each.

    With ``cache``, rows are read from that JSONL file when it exists (same answers, same order)
    and written to it otherwise, with the checker's name beside it (``FILE.checker``): a cache gathered with another
    checker than the one passed in is refused (``CacheMismatchError``), so a candidate is never compared on the shipped
    checker's evidence. No feedback is written, so no judge is needed; one passed in
    translates answers written in another language. Models not passed in are loaded.
    """
    from question_banks.loader import load_banks
    from scoring.devset import dev_request, dev_row, load_devset, row_from_json, row_to_json

    items = load_devset()
    gathered_by = cache.with_name(cache.name + ".checker") if cache else None  # the checker the cache was gathered with
    if cache and cache.is_file():
        if checker is not None and gathered_by is not None and gathered_by.is_file():
            recorded = gathered_by.read_text(encoding="utf-8").strip()
            if recorded != checker.name:
                raise CacheMismatchError(
                    f"{cache} was gathered with {recorded}, not {checker.name}: use another cache file"
                )
        lines = cache.read_text(encoding="utf-8").splitlines()
        return [row_from_json(item, line) for item, line in zip(items, lines, strict=True)]
    from models.loader import load_embedder, load_rubric_checker

    banks = load_banks()
    embedder = embedder or load_embedder()
    checker = checker or load_rubric_checker()
    rows, started = [], time.perf_counter()
    for index, item in enumerate(items, start=1):
        rows.append(dev_row(item, dev_request(banks, item), judge, embedder, checker))
        if index % 50 == 0:
            rate = (time.perf_counter() - started) / index
            print(f"  {index}/{len(items)} answers, {rate * 1000:.0f} ms each", file=sys.stderr, flush=True)
    if cache and gathered_by:
        cache.write_text("".join(row_to_json(row) + "\n" for row in rows), encoding="utf-8")
        gathered_by.write_text(checker.name + "\n", encoding="utf-8")
    return rows


def calibrate_rubric(write: bool, cache: Path | None = None, checker: RubricChecker | None = None) -> dict[str, object]:
    """Fit the rubric combinations on the development set - one on every signal (``rubric_model``), one on the
    signals a question without anchor answers can give (``rubric_model_without_anchors``) -; their figures
    out of fold and in sample (and the file written with ``write``). ``checker`` (default: the shipped
    committee) is the one whose evidence is gathered: a candidate checker is compared by fitting on its own."""
    from scoring.devset import dev_figures, final_scores, fit_rubric_model, out_of_fold, timestamped
    from scoring.engine import default_score_model
    from scoring.rubric import FEATURES, RUBRIC_ONLY_FEATURES

    rows = dev_rows(cache, checker=checker)
    base = replace(default_score_model().rubric, features=list(FEATURES))
    bases = {"": base, "_without_anchors": replace(base, features=list(RUBRIC_ONLY_FEATURES))}
    index = {id(row): i for i, row in enumerate(rows)}
    result: dict[str, object] = {}
    figures: dict[str, object] = {}
    for suffix, start in bases.items():
        fitted = fit_rubric_model(rows, start, timestamped("devset" + suffix.replace("_", "-")))
        parameters = json.dumps({k: v for k, v in fitted.to_dict().items() if k != "version"}, sort_keys=True)
        fitted = replace(fitted, version=f"{fitted.version}-{zlib.crc32(parameters.encode()):08x}")  # one name per fit
        oof_scores, fold_of = out_of_fold(rows, start)
        result[f"rubric_model{suffix}"] = fitted.to_dict()
        figures[f"out_of_fold{suffix}"] = dev_figures(rows, oof_scores, lambda row, f=fold_of: f[index[id(row)]])
        figures[f"in_sample{suffix}"] = dev_figures(
            rows, final_scores(rows, lambda row, m=fitted: m), lambda row, m=fitted: m
        )
        figures[f"fold_thresholds{suffix}"] = sorted(
            {(m.met, m.partly, m.contradicted, m.finding) for m in fold_of.values()}
        )
    result["rubric_figures"] = figures
    print(json.dumps(result, indent=2))
    if write:
        data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8")) if CALIBRATION_FILE.is_file() else {}
        data |= result
        CALIBRATION_FILE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {CALIBRATION_FILE}", file=sys.stderr)
    return result


def evaluate_shipped(cache: Path | None = None, checker: RubricChecker | None = None) -> dict[str, object]:
    """The shipped rubric combination (``scoring/calibration.json``, not refitted) on the development set, per
    batch: on a batch written after its fit, a held-out test of it. ``checker``: as for ``calibrate_rubric``."""
    from scoring.devset import dev_figures, final_scores
    from scoring.engine import default_score_model

    rows = dev_rows(cache, checker=checker)
    model = default_score_model().rubric
    result: dict[str, object] = {"combination": model.version}
    for batch in sorted({row.item.batch for row in rows}):
        chosen = [row for row in rows if row.item.batch == batch]
        result[f"batch {batch}"] = dev_figures(chosen, final_scores(chosen, lambda row: model), lambda row: model)
    print(json.dumps(result, indent=2))
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the calibration and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m scoring.calibrate", description=__doc__)
    parser.add_argument("--per-corpus", type=int, default=0, help="answers sampled per corpus (0 = all)")
    parser.add_argument(
        "--examples", type=int, default=EXAMPLES_PER_QUESTION, help="graded example answers per question"
    )
    parser.add_argument(
        "--features", type=Path, help="cache of computed signals (JSONL): read if present, else written"
    )
    parser.add_argument("--write", action="store_true", help=f"save the fitted models to {CALIBRATION_FILE.name}")
    parser.add_argument("--rubric", action="store_true", help="fit the rubric combination on the development set")
    parser.add_argument("--cache", type=Path, help="with --rubric or --shipped: cache of the dev-set evidence (JSONL)")
    parser.add_argument(
        "--shipped", action="store_true", help="the shipped rubric combination on the development set, per batch"
    )
    parser.add_argument(
        "--checker",
        action="append",
        type=Path,
        metavar="FOLDER",
        help="with --rubric or --shipped: a checker folder to gather the evidence with instead of the shipped "
        "committee; repeat for a committee, e.g. a candidate from models.train_checker",
    )
    parser.add_argument(
        "--lead",
        type=Path,
        metavar="FOLDER",
        help="with --rubric or --shipped: a candidate checker to read red flags and anchors alone, beside the "
        "shipped committee's members (or those of --checker; default: the first member)",
    )
    args = parser.parse_args(argv)
    if (args.checker or args.lead) and args.write:
        parser.error("--write fits the shipped checkers only: copy a candidate into models/checker* first")
    checker = None
    if args.checker or args.lead:
        from models.checker import COMMITTEE_FOLDERS, load_committee
        from models.errors import ChecksumMismatchError, ModelLoadError

        try:
            checker = load_committee(args.checker or COMMITTEE_FOLDERS, lead=args.lead)
        except (ModelLoadError, ChecksumMismatchError) as exc:
            parser.error(str(exc))
    try:
        if args.shipped:
            evaluate_shipped(args.cache, checker)
            return 0
        if args.rubric:
            calibrate_rubric(args.write, args.cache, checker)
            return 0
    except CacheMismatchError as exc:
        parser.error(str(exc))

    if args.features and args.features.is_file():
        frame = pd.read_json(args.features, lines=True, dtype={"answer_id": str, "question_id": str})
        embedder_name = "cached"
    else:
        from models.loader import load_embedder

        embedder = load_embedder()
        embedder_name = getattr(embedder, "name", "embedder")
        sample = pd.concat([load_sample(c, args.per_corpus) for c in CORPORA], ignore_index=True)
        rows, started = [], time.perf_counter()
        for index in range(len(sample)):
            rows.append(features_for(sample, index, embedder, args.examples))
            if (index + 1) % 500 == 0:
                rate = (time.perf_counter() - started) / (index + 1)
                print(f"  {index + 1}/{len(sample)} answers, {rate * 1000:.0f} ms each", file=sys.stderr, flush=True)
        frame = pd.DataFrame(rows)
        if args.features:
            frame.to_json(args.features, orient="records", lines=True)
    fitted = fit(frame)
    figures = report(frame, fitted)
    for corpus, row in figures.items():
        print(f"{corpus}: " + ", ".join(f"{k}={v}" for k, v in row.items()))
    parameters = replace(ScoreModel(), version=f"semeval2013-train-{time.strftime('%Y-%m-%d')}")
    result = {
        "embedder": embedder_name,
        "examples_per_question": args.examples,
        "parameters": {k: v for k, v in asdict(parameters).items() if k not in ("reference", "rubric")},
        "reference_model": fitted.reference.to_dict(),
        "example_model": fitted.with_examples.to_dict(),
        "roc_auc": figures,
        "judge": JUDGE_NOTE,
    }
    print(json.dumps(result))
    if args.write:  # the rubric combination's entries (``--rubric``) are kept
        kept = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8")) if CALIBRATION_FILE.is_file() else {}
        result = {k: v for k, v in kept.items() if k.startswith("rubric_")} | result
        CALIBRATION_FILE.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {CALIBRATION_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
