"""Candid's command line: ``python -m scoring score|report ...``.

- ``score INPUT.jsonl [-o OUT.jsonl] [--no-feedback] [--model NAME] [--bank ROLE]``: one assessment
  per input line, in input order, progress on stderr.
- ``report INPUT.jsonl --role ROLE [--format FMT] [-o FILE]``: render a report from assessments.
- ``worker [--model NAME] [--stale-after S] [--poll S]``: score queued interview answers from the
  database (``DATABASE_URL``) until SIGTERM or SIGINT; any number of these may run beside the app.

A thin layer over ``scoring.report``: each subcommand registers itself on the shared parser with a
``_add_<name>_command`` function and sets ``handler``; ``main`` parses and runs the handler.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import ValidationError

from question_banks.schema import QuestionBank
from scoring.report import ReportFormat, render_report
from scoring.types import AnswerAssessment

EXIT_OK = 0
EXIT_INPUT_ERROR = 1


class AssessmentInputError(ValueError):
    """A line of an assessments file that is not a valid assessment (the message names the line)."""


def read_assessments_jsonl(lines: Iterable[str], source: str = "<input>") -> list[AnswerAssessment]:
    """Read assessments from JSON Lines: one JSON object per line, blank lines skipped.

    Each object needs at least ``id``, ``question``, ``answer`` and ``score`` (``strengths``,
    ``weaknesses``, ``tips``, ``justification`` and the rest of ``AnswerAssessment`` are optional);
    keys that ``AnswerAssessment`` does not know are ignored.

    Args:
        lines: The lines of the file (with or without their line endings).
        source: The file's name, for error messages.

    Returns:
        The assessments, in file order.

    Raises:
        AssessmentInputError: On the first bad line, with ``source:line:`` and what is wrong.
    """
    assessments = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            message = f"{source}:{number}: not valid JSON: {error.msg} (column {error.colno})"
            raise AssessmentInputError(message) from None
        if not isinstance(data, dict):
            raise AssessmentInputError(f"{source}:{number}: expected a JSON object, got {type(data).__name__}")
        try:
            assessments.append(AnswerAssessment.model_validate(data))
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in problem['loc']) or 'line'}: {problem['msg']}"
                for problem in error.errors()
            )
            raise AssessmentInputError(f"{source}:{number}: not a valid assessment: {problems}") from None
    return assessments


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m scoring`` parser, with one subparser per command.

    Returns:
        The parser; parsed arguments carry the command's ``handler``.
    """
    parser = argparse.ArgumentParser(prog="python -m scoring", description="Candid's scorer and reports.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_report_command(commands)
    _add_score_command(commands)
    _add_worker_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: The arguments after the program name (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 on success, 1 for bad input, 2 for bad usage (argparse's code).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help and usage errors: report argparse's status instead of exiting
        return exit_.code if isinstance(exit_.code, int) else EXIT_INPUT_ERROR
    return args.handler(args)


# --- report ----------------------------------------------------------------------------------------


def _add_report_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``report``: render an export from a JSON Lines file of assessments."""
    report = commands.add_parser(
        "report",
        help="render an interview report from assessments (JSON Lines)",
        description="Render an interview report from a JSON Lines file with one assessment per line.",
    )
    report.add_argument("input", metavar="INPUT.jsonl", help="assessments, one JSON object per line ('-' for stdin)")
    report.add_argument("--role", required=True, help='the role interviewed for, e.g. "machine learning engineer"')
    report.add_argument(
        "--format",
        dest="fmt",
        choices=[fmt.value for fmt in ReportFormat],
        default=ReportFormat.TXT.value,
        help="output format (default: txt)",
    )
    report.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    report.set_defaults(handler=_run_report)


def _run_report(args: argparse.Namespace) -> int:
    """Read the assessments, render the report, write it out."""
    try:
        text, source = _read_input(args.input)
        # Split on \n only: str.splitlines would also split inside JSON strings holding U+2028 and the like.
        assessments = read_assessments_jsonl(text.split("\n"), source)
    except (OSError, UnicodeDecodeError) as error:
        return _fail(f"cannot read {args.input}: {error}")
    except AssessmentInputError as error:
        return _fail(str(error))
    return _write_output(render_report(assessments, args.role, args.fmt), args.output)


def _read_input(path: str) -> tuple[str, str]:
    """The text of ``path`` (``-`` for standard input) and its name for messages."""
    if path == "-":
        return sys.stdin.read(), "<stdin>"
    return Path(path).read_text(encoding="utf-8"), path


def _write_output(data: bytes, path: str | None) -> int:
    """Write ``data`` to ``path`` (standard output when ``None``); the exit status."""
    if path is None:
        _write_stdout(data)
        return EXIT_OK
    try:
        Path(path).write_bytes(data)
    except OSError as error:
        return _fail(f"cannot write {path}: {error}")
    return EXIT_OK


def _write_stdout(data: bytes) -> None:
    """Write bytes to standard output (binary-safe, whatever the terminal's encoding)."""
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _fail(message: str) -> int:
    """Print an error for the user and return the input-error status."""
    print(f"python -m scoring: error: {message}", file=sys.stderr)
    return EXIT_INPUT_ERROR


# --- score -----------------------------------------------------------------------------------------


def _add_score_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``score``: score answers in bulk with the local models."""
    score = commands.add_parser(
        "score",
        help="score answers (JSON Lines) with the local models",
        description=(
            'Score answers: each input line is {"id", "question", "answer"} plus optional "rubric", '
            '"reference_answer", "examples", "job_description", "competency". '
            "One assessment per output line, in input order."
        ),
    )
    score.add_argument("input", metavar="INPUT.jsonl", help="answers, one JSON object per line ('-' for stdin)")
    score.add_argument("-o", "--output", metavar="OUT.jsonl", help="write to OUT.jsonl instead of standard output")
    score.add_argument("--no-feedback", action="store_true", help="score, rubric and flags only (faster)")
    score.add_argument("--model", help="judge: registry name/profile or local path (default: configured judge)")
    score.add_argument("--bank", metavar="ROLE", help="use this bank's rubric for questions it contains (role or slug)")
    score.add_argument(
        "--examples",
        metavar="GRADED.jsonl",
        help='graded answers {"question", "answer", "correct"}: up to 10 per question inform reference-answer scores',
    )
    score.set_defaults(handler=_run_score)


def _find_bank(role: str) -> QuestionBank | None:
    from question_banks.loader import load_banks

    banks = load_banks()
    wanted = role.strip().casefold().replace(" ", "_")
    for slug, bank in banks.banks.items():
        if wanted in (slug.casefold(), bank.role.casefold().replace(" ", "_")):
            return bank
    return None


def _run_score(args: argparse.Namespace) -> int:
    """Read the answers, score each, write one assessment per line."""
    from question_banks.requirements import extract_requirements
    from scoring.batch import BatchInputError, attach_examples, read_graded_examples, request_from_line
    from scoring.engine import score_answer

    bank = None
    if args.bank:
        bank = _find_bank(args.bank)
        if bank is None:
            return _fail(f"no question bank for role {args.bank!r}")
    try:
        text, _ = _read_input(args.input)
    except (OSError, UnicodeDecodeError) as error:
        return _fail(f"cannot read {args.input}: {error}")
    lines = [(n, line) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
    graded: dict = {}
    if args.examples:
        try:
            graded = read_graded_examples(Path(args.examples).read_text(encoding="utf-8"), args.examples)
        except (OSError, UnicodeDecodeError) as error:
            return _fail(f"cannot read {args.examples}: {error}")
        except BatchInputError as error:
            return _fail(str(error))
    try:
        from models.errors import ModelError
        from models.loader import load_embedder, load_judge

        judge, embedder = load_judge(args.model), load_embedder()
    except ModelError as error:
        return _fail(str(error))
    cache: dict[str, list] = {}

    def requirements_for(description: str) -> list:
        if description not in cache:
            cache[description] = extract_requirements(description, embedder)
        return cache[description]

    requests = []
    for number, line in lines:  # validate every line before spending time on scoring
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise BatchInputError(f"line {number}: expected a JSON object")
            request = request_from_line(data, number, bank=bank, requirements_for=requirements_for)
            requests.append(attach_examples(request, graded))
        except json.JSONDecodeError as error:
            return _fail(f"{args.input}: line {number}: not valid JSON: {error.msg}")
        except BatchInputError as error:
            return _fail(f"{args.input}: {error}")
    outputs: list[str] = []
    for index, request in enumerate(requests, start=1):
        assessment = score_answer(request, judge, embedder, feedback=not args.no_feedback)
        outputs.append(assessment.model_dump_json())
        print(
            f"[{index}/{len(requests)}] {request.id}: {assessment.score}/100 ({assessment.timings.total:.1f} s)",
            file=sys.stderr,
            flush=True,
        )
    return _write_output(("\n".join(outputs) + "\n").encode("utf-8") if outputs else b"", args.output)


# --- worker ----------------------------------------------------------------------------------------


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

    from models.errors import ModelError
    from models.loader import load_embedder, load_judge
    from scoring.service import DatabaseScoringService
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
        judge, embedder = load_judge(args.model), load_embedder()
    except ModelError as error:
        return _fail(str(error))
    service = DatabaseScoringService(
        repository,
        judge,
        embedder,
        poll_interval_s=args.poll,
        retention_days=settings.retention_days,
        stale_after_s=args.stale_after,
    )

    def stop(signum: int, _frame: object) -> None:
        print(
            f"python -m scoring worker: {signal.Signals(signum).name}, stopping after the current job", file=sys.stderr
        )
        service.close(timeout=0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"python -m scoring worker {service.worker.worker_id}: scoring with {judge.name}", file=sys.stderr, flush=True
    )
    service.run()
    repository.close()
    return EXIT_OK
