"""Candid's scorer on the command line: ``python -m scoring score ...``.

- ``score INPUT.jsonl [-o OUT.jsonl] [--no-feedback] [--model NAME] [--bank ROLE] [--examples GRADED.jsonl]``:
  one assessment per input line, in input order, progress on stderr.
- ``transcribe FILE [--model NAME]``: a recording (wav, webm, ogg, mp3, ...) transcribed on this
  machine; prints JSON with the transcript, its words with times and the delivery figures.

Reports and the database worker have their own commands (``python -m reports``, ``python -m jobs
worker``); ``python -m scoring report|worker`` still works and runs those in a child process, so this
package never imports the layers above it. The small input/output helpers here serve all three.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from question_banks.schema import QuestionBank

EXIT_OK = 0
EXIT_INPUT_ERROR = 1
MOVED_COMMANDS = {"report": ("reports",), "worker": ("jobs", "worker")}  # old name -> ``python -m`` arguments


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m scoring`` parser.

    Returns:
        The parser; parsed arguments carry the command's ``handler``.
    """
    parser = argparse.ArgumentParser(prog="python -m scoring", description="Candid's scorer.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_score_command(commands)
    _add_transcribe_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: The arguments after the program name (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 on success, 1 for bad input, 2 for bad usage (argparse's code).
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in MOVED_COMMANDS:
        target = MOVED_COMMANDS[args_list[0]]
        return subprocess.call([sys.executable, "-m", *target, *args_list[1:]])
    args = parse_arguments(build_parser(), args_list)
    return args if isinstance(args, int) else args.handler(args)


def parse_arguments(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace | int:
    """The parsed arguments, or argparse's exit status for ``--help`` and usage errors (instead of exiting)."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_INPUT_ERROR


# --- input and output ------------------------------------------------------------------------------


def read_input(path: str) -> tuple[str, str]:
    """The text of ``path`` (``-`` for standard input) and its name for messages."""
    if path == "-":
        return sys.stdin.read(), "<stdin>"
    return Path(path).read_text(encoding="utf-8"), path


def write_output(data: bytes, path: str | None) -> int:
    """Write ``data`` to ``path`` (standard output when ``None``); the exit status."""
    if path is None:
        write_stdout(data)
        return EXIT_OK
    try:
        Path(path).write_bytes(data)
    except OSError as error:
        return fail(f"cannot write {path}: {error}")
    return EXIT_OK


def write_stdout(data: bytes) -> None:
    """Write bytes to standard output (binary-safe, whatever the terminal's encoding)."""
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def fail(message: str, program: str = "python -m scoring") -> int:
    """Print an error for the user (prefixed with ``program``) and return the input-error status."""
    print(f"{program}: error: {message}", file=sys.stderr)
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
            return fail(f"no question bank for role {args.bank!r}")
    try:
        text, _ = read_input(args.input)
    except (OSError, UnicodeDecodeError) as error:
        return fail(f"cannot read {args.input}: {error}")
    lines = [(n, line) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
    graded: dict = {}
    if args.examples:
        try:
            graded = read_graded_examples(Path(args.examples).read_text(encoding="utf-8"), args.examples)
        except (OSError, UnicodeDecodeError) as error:
            return fail(f"cannot read {args.examples}: {error}")
        except BatchInputError as error:
            return fail(str(error))
    try:
        from models.errors import ModelError
        from models.loader import LazyJudge, load_embedder, load_judge, load_rubric_checker

        # Without feedback the judge only translates answers in another language: load it when one comes.
        judge = LazyJudge(args.model) if args.no_feedback else load_judge(args.model)
        embedder, checker = load_embedder(), load_rubric_checker()
    except ModelError as error:
        return fail(str(error))
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
            return fail(f"{args.input}: line {number}: not valid JSON: {error.msg}")
        except BatchInputError as error:
            return fail(f"{args.input}: {error}")
    outputs: list[str] = []
    for index, request in enumerate(requests, start=1):
        assessment = score_answer(request, judge, embedder, feedback=not args.no_feedback, checker=checker)
        outputs.append(assessment.model_dump_json())
        print(
            f"[{index}/{len(requests)}] {request.id}: {assessment.score}/100 ({assessment.timings.total:.1f} s)",
            file=sys.stderr,
            flush=True,
        )
    return write_output(("\n".join(outputs) + "\n").encode("utf-8") if outputs else b"", args.output)


# --- transcribe ------------------------------------------------------------------------------------


def _add_transcribe_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``transcribe``: speech-to-text and delivery figures of one recording."""
    transcribe = commands.add_parser(
        "transcribe",
        help="transcribe a spoken answer and measure its delivery (JSON)",
        description=(
            "Transcribe a recording (wav, webm, ogg, mp3, m4a, flac; up to 5 minutes) with the local "
            'speech model and print {"transcript", "language", "model", "duration_s", "delivery", '
            '"delivery_lines", "words"} as JSON. Nothing leaves the machine.'
        ),
    )
    transcribe.add_argument("file", metavar="FILE", help="the recording ('-' for standard input)")
    transcribe.add_argument(
        "--model", help="speech model: registry name/profile (speech, speech-base) or a local CTranslate2 folder"
    )
    transcribe.add_argument("--no-words", action="store_true", help="leave the per-word times out of the output")
    transcribe.set_defaults(handler=_run_transcribe)


def _run_transcribe(args: argparse.Namespace) -> int:
    """Transcribe one file and print the transcript and delivery figures as JSON."""
    from models.errors import ModelError, SpeechInputError
    from models.loader import load_transcriber
    from models.speech import MAX_AUDIO_BYTES
    from scoring.delivery import delivery_figures, delivery_lines

    try:  # never more than the limit and one byte is read, from a file or standard input
        with contextlib.nullcontext(sys.stdin.buffer) if args.file == "-" else Path(args.file).open("rb") as stream:
            audio = stream.read(MAX_AUDIO_BYTES + 1)
    except OSError as error:
        return fail(f"cannot read {args.file}: {error.strerror or error}")
    if len(audio) > MAX_AUDIO_BYTES:  # refused before the model loads
        return fail(f"{args.file}: The file is over {MAX_AUDIO_BYTES // 2**20} MB; record a shorter answer.")
    try:
        transcriber = load_transcriber(args.model)
    except KeyError as error:  # an unknown registry name: KeyError's str() would quote the message
        return fail(str(error.args[0]) if error.args else "unknown speech model")
    except (ModelError, ValueError) as error:
        return fail(f"the speech model: {error}")
    try:
        transcript = transcriber.transcribe(audio)
    except (ModelError, SpeechInputError) as error:
        return fail(f"{args.file}: {error}")
    figures = delivery_figures(transcript)
    if transcript.cut:
        print("warning: only the first 5 minutes of the recording were transcribed", file=sys.stderr)
    result: dict[str, object] = {
        "transcript": transcript.text,
        "language": transcript.language,
        "model": transcript.model,
        "duration_s": transcript.duration_s,
        "cut": transcript.cut,
        "delivery": figures.model_dump(),
        "delivery_lines": delivery_lines(figures),
    }
    if not args.no_words:
        result["words"] = [
            {"word": w.text, "start": w.start, "end": w.end, "probability": round(w.probability, 3)}
            for w in transcript.words
        ]
    write_stdout((json.dumps(result, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return EXIT_OK
