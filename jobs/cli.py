"""Background scoring on the command line: ``python -m jobs worker [--model NAME] [--stale-after S] [--poll S]``.

Claims queued interview answers from the database (``DATABASE_URL``) and scores them until SIGTERM
or SIGINT; any number of these may run beside the app.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from scoring.cli import EXIT_OK, parse_arguments
from scoring.cli import fail as _fail_as

PROGRAM = "python -m jobs"


def _fail(message: str) -> int:
    return _fail_as(message, PROGRAM)


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m jobs`` parser, with the ``worker`` command."""
    parser = argparse.ArgumentParser(prog=PROGRAM, description="Candid's background scoring.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_worker_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status (0 ok, 1 bad input or setup, 2 bad usage)."""
    args = parse_arguments(build_parser(), argv)
    return args if isinstance(args, int) else args.handler(args)


def _add_worker_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``worker``: claim and score queued interview answers from the database until stopped."""
    worker = commands.add_parser(
        "worker",
        help="score queued interview answers from the database until SIGTERM/SIGINT",
        description=(
            "Claim scoring jobs from the database (DATABASE_URL) with row locks, score them with the local "
            "models and store the assessments. Answers left unscored by a crash are picked up at start. "
            "Several workers (and the app's own) can run at once."
        ),
    )
    worker.add_argument("--model", help="judge: registry name/profile or local path (default: configured judge)")
    worker.add_argument(
        "--stale-after",
        type=float,
        default=None,
        metavar="S",
        help="requeue jobs running longer than S seconds, i.e. of dead workers (default: 600)",
    )
    worker.add_argument("--poll", type=float, default=1.0, metavar="S", help="idle wait between looks (default: 1)")
    worker.set_defaults(handler=_run_worker)


def _run_worker(args: argparse.Namespace) -> int:
    """Open the database, load the models, score until a signal asks to stop."""
    import logging
    import signal

    from jobs.service import DatabaseScoringService
    from models.errors import ModelError
    from models.loader import load_embedder, load_judge, load_rubric_checker
    from settings import get_settings
    from storage.errors import DatabaseUnavailableError
    from storage.repository import open_repository

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    try:
        repository = open_repository(settings)
    except DatabaseUnavailableError as error:
        return _fail(str(error))
    try:
        judge, embedder, checker = load_judge(args.model), load_embedder(), load_rubric_checker()
    except ModelError as error:
        return _fail(str(error))
    service = DatabaseScoringService(
        repository,
        judge,
        embedder,
        checker=checker,
        poll_interval_s=args.poll,
        retention_days=settings.retention_days,
        stale_after_s=args.stale_after,
    )

    def stop(signum: int, _frame: object) -> None:
        print(f"python -m jobs worker: {signal.Signals(signum).name}, stopping after the current job", file=sys.stderr)
        service.close(timeout=0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"python -m jobs worker {service.worker.worker_id}: scoring with {judge.name}", file=sys.stderr, flush=True)
    service.run()
    repository.close()
    return EXIT_OK
