"""Benchmark of the judge runtimes: ``python -m models.bench [--model NAME] [--runtime torch,llamacpp,http]``.

Measures cold load to first token, prefill and decode speed, the latency of five rubric questions
about one ~200-word answer with and without prefix reuse, and peak RSS. Prints readable lines and
one JSON object.

Not a test. ``--runtime`` picks the runtime: ``torch`` (``TransformersJudge``, the default),
``llamacpp`` (``models.llamacpp.LlamaCppJudge``) or ``http`` (``models.http_judge.HttpJudge`` against
llama.cpp's OpenAI-compatible server on 127.0.0.1, started by the benchmark with the same GGUF
file), or a comma list: each then runs in a fresh Python
process of its own, one after the other (so each cold start is cold and each peak RSS its own),
and the figures are printed side by side. For ``llamacpp`` it also measures xllamacpp's decode
speed without the wrapper (the same request streamed to ``Server.handle_completions`` directly),
alternating with the wrapper's, to give the wrapper's overhead as a ratio (``wrapper / bare``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any

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


RUNTIMES = ("torch", "llamacpp", "http")
DECODE_TOKENS = 129  # the first includes the prompt's prefill; the other 128 are timed
ESSAY = [{"role": "user", "content": "Write a long, detailed essay about monitoring machine learning models."}]


def _load(model: str, runtime: str) -> Any:
    if runtime == "llamacpp":
        from models.llamacpp import load_llamacpp_judge

        return load_llamacpp_judge(model)
    from dataclasses import replace

    from models.loader import load_judge
    from settings import get_settings

    # "torch" means torch even where CANDID_JUDGE_RUNTIME=auto would pick llama.cpp (a CPU without AVX-512 VNNI):
    # until 2026-11-30 the torch column on such a CPU measured llama.cpp under torch's name.
    return load_judge(model, settings=replace(get_settings(), judge_runtime="torch"), log=lambda m: None)


def run_http(model: str) -> dict[str, float | str | int]:
    """The measurements through the HTTP judge, against llama.cpp's OpenAI-compatible server on 127.0.0.1.

    The server (``models.judge_server``) serves ``model``'s GGUF file in this process; "load" is its start.
    The server keeps its own prompt cache, so there is no figure without prefix reuse, and the prefill
    figure is the first yes/no question's time (tokens as the llama.cpp runtime counts them).
    """
    from models.http_judge import HttpJudge
    from models.judge_server import LocalJudgeServer
    from models.llamacpp import resolve_gguf

    gguf, name = resolve_gguf(model)
    started = time.perf_counter()
    server = LocalJudgeServer(gguf, threads=os.cpu_count() or 2)
    judge = HttpJudge(server.url, model=name)
    load_s = time.perf_counter() - started
    first = next(iter(judge.generate([{"role": "user", "content": "Say OK."}], max_new_tokens=1)))
    cold_s = time.perf_counter() - started
    prompt = _messages(POINTS[0])
    prompt[1]["content"] += " " + ANSWER[:200]
    t = time.perf_counter()
    judge.option_probabilities(prompt, ["Yes", "No"])
    prefill_s = time.perf_counter() - t
    stream = judge.generate(ESSAY, max_new_tokens=DECODE_TOKENS)
    next(stream)  # the first chunk includes the prompt's prefill
    t, chunks = time.perf_counter(), 0
    for _ in stream:  # llama.cpp's server streams one token per event
        chunks += 1
    decode_s = time.perf_counter() - t
    t = time.perf_counter()
    for point in POINTS:
        judge.option_probabilities(_messages(point), ["Yes", "No"])
    warm_points_s = time.perf_counter() - t
    judge.close()
    server.stop()
    return {
        "runtime": "http",
        "model": judge.name,
        "load_s": round(load_s, 2),
        "cold_start_to_first_token_s": round(cold_s, 2),
        "first_token": first,
        "prefill_s": round(prefill_s, 2),
        "decode_tokens": chunks,
        "decode_tokens_per_s": round(chunks / decode_s, 2) if decode_s > 0 else 0.0,
        "five_rubric_questions_s_with_reuse": round(warm_points_s, 2),
        "peak_rss_gib": round(_peak_rss_gib(), 2),
    }


def run(model: str, runtime: str = "torch") -> dict[str, float | str | int]:
    """Run every measurement on ``model`` with ``runtime`` (``torch``, ``llamacpp`` or ``http``); the figures."""
    if runtime == "http":
        return run_http(model)
    started = time.perf_counter()
    judge = _load(model, runtime)
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

    decode_tokens, decode_s = _decode(judge)

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

    figures: dict[str, float | str | int] = {
        "runtime": runtime,
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
    }
    if runtime == "llamacpp":
        figures.update(_wrapper_overhead(judge))
    figures["peak_rss_gib"] = round(_peak_rss_gib(), 2)
    return figures


def _decode(judge: Any) -> tuple[int, float]:
    """Tokens decoded after the first, and the seconds they took, for the essay prompt through ``judge.generate``."""
    before = judge.stats["generated_tokens"]
    stream = judge.generate(ESSAY, max_new_tokens=DECODE_TOKENS)
    next(stream)  # the first token includes the prompt's prefill
    t = time.perf_counter()
    for _ in stream:
        pass
    decode_s = time.perf_counter() - t
    return judge.stats["generated_tokens"] - before - 1, decode_s


def _bare_decode(judge: Any) -> tuple[int, float]:
    """As ``_decode``, but the same request streamed straight to ``xllamacpp.Server.handle_completions``.

    The prompt is the wrapper's own token ids, sent with the wrapper's sampling fields; the
    callback only notes the time of the first chunk and the final token count.
    """
    ids = judge.prompt_ids(ESSAY)
    request = judge._request(ids, max_tokens=DECODE_TOKENS, stream=True)
    marks: dict[str, Any] = {}

    def on_chunk(chunk: dict[str, Any]) -> bool:
        if "first" not in marks:
            marks["first"] = time.perf_counter()
        if chunk.get("timings"):
            marks["tokens"] = int(chunk["timings"]["predicted_n"])
        return False

    with judge._lock:  # the slot then holds the essay prompt and an unknown reply, as after generate
        judge._server.handle_completions(request, on_chunk)
        end = time.perf_counter()
        judge._slot, judge._slot_exact = list(ids), False
    return marks["tokens"] - 1, end - marks["first"]


def _wrapper_overhead(judge: Any, rounds: int = 3) -> dict[str, float | int]:
    """Decode speed through ``LlamaCppJudge.generate`` and straight through xllamacpp, alternating (best of each)."""
    wrapper, bare = [], []
    for _ in range(rounds):
        tokens, seconds = _decode(judge)
        wrapper.append(tokens / seconds)
        tokens, seconds = _bare_decode(judge)
        bare.append(tokens / seconds)
    return {
        "decode_rounds": rounds,
        "wrapper_decode_tokens_per_s_best": round(max(wrapper), 2),
        "bare_xllamacpp_decode_tokens_per_s_best": round(max(bare), 2),
        "wrapper_over_bare_decode_ratio": round(max(wrapper) / max(bare), 3),
    }


def _run_apart(model: str, runtime: str) -> dict[str, Any]:
    """``run(model, runtime)`` in a fresh Python process; its figures."""
    done = subprocess.run(
        [sys.executable, "-m", "models.bench", "--model", model, "--runtime", runtime, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {runtime} benchmark failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark figures."""
    parser = argparse.ArgumentParser(prog="python -m models.bench", description=__doc__)
    parser.add_argument("--model", default="default", help="registry name/profile or local path (default: default)")
    parser.add_argument(
        "--runtime", default="torch", help="torch, llamacpp, http, or a comma list such as torch,llamacpp,http"
    )
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    args = parser.parse_args(argv)
    runtimes = [name.strip() for name in args.runtime.split(",") if name.strip()]
    unknown = [name for name in runtimes if name not in RUNTIMES]
    if not runtimes or unknown:
        parser.error(f"--runtime takes {', '.join(RUNTIMES)} or a comma list of them, not {args.runtime!r}")
    if len(runtimes) == 1:
        figures = run(args.model, runtimes[0])
        if not args.json:
            for key, value in figures.items():
                print(f"{key:42} {value}")
        print(json.dumps(figures))
        return 0
    results = {runtime: _run_apart(args.model, runtime) for runtime in runtimes}
    keys = list(dict.fromkeys(key for figures in results.values() for key in figures))
    width = max(12, *(len(str(value)) for figures in results.values() for value in figures.values()))
    print(f"{'':42} " + " ".join(f"{runtime:>{width}}" for runtime in runtimes))
    for key in keys:
        print(f"{key:42} " + " ".join(f"{results[runtime].get(key, '-')!s:>{width}}" for runtime in runtimes))
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
