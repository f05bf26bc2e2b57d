"""Benchmark of the judge runtime: ``python -m models.bench [--model NAME]`` prints figures (not a test).

Measures cold load to first token, prefill and decode speed, the latency of five rubric questions
about one ~200-word answer with and without prefix reuse, and peak RSS. Prints readable lines and
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

ANSWER = (
    "At my last company I owned the churn model end to end. I built the training pipeline in Airflow, "
    "engineered about forty features from billing and product usage data, and trained a gradient boosted "
    "model with LightGBM. The hardest part was label leakage: an early version used a cancellation-flow "
    "event that only existed after a customer had decided to leave, so offline AUC looked great at 0.93 "
    "but fell to 0.71 in the first shadow week. I found it by comparing feature importances between the "
    "offline and shadow runs, removed the leaking features and rebuilt the time-based validation split. "
    "We deployed behind a FastAPI service with a canary release, and I set up monitoring of the population "
    "stability index on the top twenty features with an alert at 0.2. I worked with the retention team "
    "every week to turn scores into outreach lists, and after three months churn among contacted customers "
    "dropped by 12 percent against a holdout group, which the finance team valued at about 1.4 million a year."
)
QUESTION = "Tell me about a time you developed and deployed an ML model. What challenges did you face?"
POINTS = [
    "Describes a specific model they built and the business problem it addressed.",
    "Names a concrete challenge and the step taken to overcome it.",
    "Gives a quantified result: a metric and how much it changed.",
    "Explains how the model was deployed and served.",
    "Says how the model was monitored after release.",
]


def _messages(point: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "You grade interview answers. Reply Yes or No."},
        {"role": "user", "content": f"Question: {QUESTION}\n\nAnswer:\n{ANSWER}\n\nDoes the answer show this: {point}"},
    ]


def _peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def run(model: str) -> dict[str, float | str | int]:
    """Run every measurement on ``model`` and return the figures."""
    from models.loader import load_judge

    started = time.perf_counter()
    judge = load_judge(model, log=lambda m: None)
    load_s = time.perf_counter() - started
    first = next(iter(judge.generate([{"role": "user", "content": "Say OK."}], max_new_tokens=1)))
    cold_s = time.perf_counter() - started

    prompt = _messages(POINTS[0])
    prompt[1]["content"] += " " + ANSWER[:200]
    ids = judge.prompt_ids(prompt)
    judge.clear_cache()
    t = time.perf_counter()
    judge.option_probabilities(prompt, ["Yes", "No"])
    prefill_s = time.perf_counter() - t

    before = judge.stats["generated_tokens"]
    stream = judge.generate(
        [{"role": "user", "content": "Write a long, detailed essay about monitoring machine learning models."}],
        max_new_tokens=129,
    )
    next(stream)  # the first token includes the prompt's prefill
    t = time.perf_counter()
    for _ in stream:
        pass
    decode_tokens = judge.stats["generated_tokens"] - before - 1
    decode_s = time.perf_counter() - t

    t = time.perf_counter()
    for point in POINTS:
        judge.clear_cache()
        judge.option_probabilities(_messages(point), ["Yes", "No"])
    cold_points_s = time.perf_counter() - t
    judge.clear_cache()
    t = time.perf_counter()
    for point in POINTS:
        judge.option_probabilities(_messages(point), ["Yes", "No"])
    warm_points_s = time.perf_counter() - t

    return {
        "model": judge.name,
        "load_s": round(load_s, 2),
        "cold_start_to_first_token_s": round(cold_s, 2),
        "first_token": first,
        "prefill_tokens": len(ids),
        "prefill_tokens_per_s": round(len(ids) / prefill_s, 1),
        "decode_tokens": decode_tokens,
        "decode_tokens_per_s": round(decode_tokens / decode_s, 2) if decode_s > 0 else 0.0,
        "five_rubric_questions_s_no_reuse": round(cold_points_s, 2),
        "five_rubric_questions_s_with_reuse": round(warm_points_s, 2),
        "peak_rss_gib": round(_peak_rss_gib(), 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark figures."""
    parser = argparse.ArgumentParser(prog="python -m models.bench", description=__doc__)
    parser.add_argument("--model", default="default", help="registry name/profile or local path (default: default)")
    args = parser.parse_args(argv)
    figures = run(args.model)
    for key, value in figures.items():
        print(f"{key:38} {value}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
