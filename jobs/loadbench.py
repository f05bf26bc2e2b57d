"""Load benchmark: simulated candidates submit answers concurrently; prints saved, scored, queue wait and throughput.

``python -m jobs.loadbench [--candidates 20] [--answers 5] [--model tiny] [--workers 1] [--timeout 900] [--server]``

With ``--server`` the judge is not loaded by the workers: the benchmark starts llama.cpp's
OpenAI-compatible HTTP server (xllamacpp, ``models.judge_server``) with ``--model``'s GGUF file on
127.0.0.1 and the workers use it as a team's inference server (``CANDID_JUDGE=http://...``).

It starts ``python -m jobs worker`` processes on this machine against a fresh SQLite file (or
``--database-url``), then runs one thread per candidate that redeems an invite link and submits its
answers the way the pages do (``Repository.redeem_invite``, then ``save_answer``: committed, queued)
and polls its own jobs (``DatabaseJobTracker``, as the pages' progress display does). Driving the
Streamlit pages themselves is left out: they add a browser per candidate but no other path to the
database or the worker. Not a timed test; the floor it checks is that nothing is lost and every
answer is scored (exit status 1 otherwise).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jobs.service import DatabaseJobTracker
from models.judge_server import LocalJudgeServer
from question_banks.loader import load_banks
from question_banks.plans import build_plan
from storage import JobStatus, Repository, create_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
ANSWER = (
    "In my last role I owned the nightly pipeline that loaded {n} million order events into the warehouse. "
    "I moved it to incremental loads with Airflow and dbt, added tests on keys and freshness, and wrote "
    "alerts for late partitions. Loads fell from four hours to forty minutes and we stopped missing the SLA."
)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (nearest rank) of ``values``; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def candidate(repo: Repository, token: str, number: int, answers: int, job_ids: list[int], errors: list[str]) -> None:
    """One simulated candidate: redeem the invite, submit every answer at once, remember the job ids."""
    try:
        interview = repo.redeem_invite(token, f"Candidate {number}")
        plan = repo.get_plan(interview.plan_id).plan
        bank = load_banks().get(plan.bank_slug)
        for index, question in enumerate(plan.questions(bank)[:answers]):
            answer_id = repo.save_answer(interview.id, question.id, question.text, ANSWER.format(n=number + index))
            job = repo.job_for_answer(answer_id)
            assert job is not None
            job_ids.append(job.id)
    except Exception as exc:  # reported with the figures: a lost answer is what the benchmark looks for
        errors.append(f"candidate {number}: {type(exc).__name__}: {exc}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 0 when every submitted answer was saved and scored."""
    parser = argparse.ArgumentParser(prog="python -m jobs.loadbench", description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--answers", type=int, default=5, help="answers per candidate")
    parser.add_argument("--model", default="tiny", help="judge for the workers (default: tiny)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per worker (default: 1)")
    parser.add_argument("--timeout", type=float, default=900.0, help="give up after this many seconds")
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    parser.add_argument(
        "--server", action="store_true", help="serve the judge from llama.cpp's HTTP server on 127.0.0.1 (HttpJudge)"
    )
    args = parser.parse_args(argv)
    server = _judge_server(args.model, args.workers) if args.server else None
    try:
        return _bench(args, server)
    finally:
        if server is not None:
            server.stop()


def _judge_server(model: str, workers: int) -> LocalJudgeServer:
    """llama.cpp's server with the registry model ``model``, one slot per worker."""
    from models.install import artifact_path
    from models.registry import load_registry
    from settings import get_settings

    entry = load_registry().get(model)
    server = LocalJudgeServer(
        artifact_path(entry, get_settings().model_dir), threads=2, parallel=workers, n_ctx=4096 * workers
    )
    print(f"judge server: {entry.name} at {server.url} ({workers} slot(s))", flush=True)
    return server


def _bench(args: argparse.Namespace, server: LocalJudgeServer | None) -> int:

    folder = Path(tempfile.mkdtemp(prefix="candid-loadbench-"))
    url = args.database_url or f"sqlite:///{folder / 'candid.db'}"
    upgrade(url)
    repo = Repository(create_engine(url))
    bank = load_banks().get("data_engineer")
    plan = repo.create_plan(build_plan(bank, num_questions=args.answers, seed=1), title="load benchmark")
    token = repo.create_invite(plan.id, datetime.now(UTC) + timedelta(hours=1), max_uses=args.candidates)

    env = {**os.environ, "DATABASE_URL": url, "CANDID_JUDGE": args.model, "CANDID_THREADS": str(args.threads)}
    if server is not None:
        env |= {"CANDID_JUDGE": server.url, "CANDID_JUDGE_MODEL": server.gguf.stem}
    log = (folder / "workers.log").open("ab")
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "jobs", "worker", "--poll", "0.2"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        for _ in range(args.workers)
    ]
    judge = env["CANDID_JUDGE"]
    print(f"{args.workers} worker(s) with judge {judge!r} on {url}; log: {folder / 'workers.log'}", flush=True)
    try:
        return _run(repo, token, args, workers)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
        repo.close()
        log.close()


def _run(repo: Repository, token: str, args: argparse.Namespace, workers: list[subprocess.Popen[bytes]]) -> int:
    job_ids: list[int] = []
    errors: list[str] = []
    started = time.monotonic()
    threads = [
        threading.Thread(target=candidate, args=(repo, token, n, args.answers, job_ids, errors))
        for n in range(1, args.candidates + 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    submitted = time.monotonic() - started
    expected = args.candidates * args.answers
    print(f"submitted {len(job_ids)} of {expected} answers in {submitted:.2f} s", flush=True)

    tracker = DatabaseJobTracker(repo)
    deadline = started + args.timeout
    last_report = 0.0
    while time.monotonic() < deadline and not tracker.queue_state().idle:
        if any(worker.poll() is not None for worker in workers):
            errors.append("a worker exited early (see the log)")
            break
        if time.monotonic() - last_report >= 10:
            state = tracker.queue_state()
            print(f"  {time.monotonic() - started:6.1f} s: {state.queued} waiting", flush=True)
            last_report = time.monotonic()
        time.sleep(0.2)

    jobs = [repo.get_job(job_id) for job_id in job_ids]
    done = [job for job in jobs if job.status is JobStatus.DONE]
    waits = [(job.claimed_at - job.queued_at).total_seconds() for job in done if job.claimed_at]
    saved = sum(len(repo.answers(interview.id)) for interview in repo.list_interviews())
    span = (max(job.finished_at for job in done) - min(job.queued_at for job in jobs)).total_seconds() if done else 0
    print(f"answers saved:   {saved} of {expected}")
    print(f"answers scored:  {len(done)} of {expected}")
    print(f"queue wait:      p50 {percentile(waits, 0.5):.1f} s, p95 {percentile(waits, 0.95):.1f} s")
    print(f"throughput:      {len(done) / span if span else 0:.2f} answers/s ({len(done)} in {span:.1f} s)")
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    return 0 if saved == expected and len(done) == expected and not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
