"""Reports on the command line: ``python -m reports INPUT.jsonl --role ROLE [--format FMT] [-o FILE]``.

Reads assessments (JSON Lines, as ``python -m scoring score`` writes them) and renders an export.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence

from pydantic import ValidationError

from reports.render import ReportFormat, render_report
from scoring.cli import fail as _fail_as
from scoring.cli import parse_arguments, read_input, write_output
from scoring.types import AnswerAssessment

PROGRAM = "python -m reports"


def _fail(message: str) -> int:
    return _fail_as(message, PROGRAM)


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
    """The ``python -m reports`` parser."""
    report = argparse.ArgumentParser(
        prog=PROGRAM,
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
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: The arguments after the program name (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 on success, 1 for bad input, 2 for bad usage (argparse's code).
    """
    args = parse_arguments(build_parser(), argv)
    return args if isinstance(args, int) else _run_report(args)


def _run_report(args: argparse.Namespace) -> int:
    """Read the assessments, render the report, write it out."""
    try:
        text, source = read_input(args.input)
        # Split on \n only: str.splitlines would also split inside JSON strings holding U+2028 and the like.
        assessments = read_assessments_jsonl(text.split("\n"), source)
    except (OSError, UnicodeDecodeError) as error:
        return _fail(f"cannot read {args.input}: {error}")
    except AssessmentInputError as error:
        return _fail(str(error))
    return write_output(render_report(assessments, args.role, args.fmt), args.output)
