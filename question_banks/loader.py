"""Load the role banks from ``question_banks/``: a broken file is reported in plain words, never fatal.

``load_banks()`` returns every valid bank plus one ``BankError`` per problem found in the others,
so a team that drops in a bad YAML file sees what to fix while the other roles keep working.
Questions are identified globally by ``(bank slug, question id)``: ids such as ``MODEL_Q1`` repeat
across banks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from question_banks.schema import Question, QuestionBank

BANKS_FOLDER = Path(__file__).resolve().parent
BANK_SUFFIXES = (".yaml", ".yml")
MAX_BANK_BYTES = 1024 * 1024
SLUG = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_QUESTION_PREFIX = re.compile(r"^question (?P<id>\S+?): ")
_YAML_MERGE_TAG = "tag:yaml.org,2002:merge"
_SELF_DESCRIBING = {"value_error", "too_short", "too_long"}


@dataclass(frozen=True)
class BankError:
    """One problem with one bank file, in plain words.

    Attributes:
        file: The file's name, e.g. ``"data_engineer.yaml"``.
        question_id: The question the problem is in, or ``None`` for a file-level problem.
        message: A self-contained sentence naming the file, the question (if any) and what is wrong.
    """

    file: str
    question_id: str | None
    message: str

    def __str__(self) -> str:
        return self.message


class BankValidationError(ValueError):
    """A bank file (or upload) is not a valid bank; ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[BankError]) -> None:
        self.errors: tuple[BankError, ...] = tuple(errors)
        super().__init__("\n".join(error.message for error in self.errors))


class QuestionRef(NamedTuple):
    """The global identity of a question: its bank's slug and its id within that bank."""

    slug: str
    question_id: str

    def __str__(self) -> str:
        return f"{self.slug}/{self.question_id}"


@dataclass(frozen=True)
class BankSet:
    """The valid banks of a folder, by slug (ordered by role name), and the problems with the others."""

    banks: dict[str, QuestionBank] = field(default_factory=dict)
    errors: list[BankError] = field(default_factory=list)

    @property
    def slugs(self) -> list[str]:
        """The slugs of the valid banks, in display order (by role name)."""
        return list(self.banks)

    def get(self, slug: str) -> QuestionBank:
        """The bank with this slug.

        Raises:
            KeyError: No valid bank has this slug.
        """
        return self.banks[slug]

    def question(self, slug: str, question_id: str) -> Question:
        """The question identified by ``(slug, question_id)``.

        Raises:
            KeyError: No valid bank has this slug, or the bank has no such question.
        """
        return self.banks[slug].question(question_id)

    def questions(self) -> Iterator[tuple[QuestionRef, Question]]:
        """Every question of every valid bank with its global reference, banks in display order."""
        for slug, bank in self.banks.items():
            for question in bank.questions:
                yield QuestionRef(slug, question.id), question


def load_banks(folder: Path = BANKS_FOLDER) -> BankSet:
    """Load every ``*.yaml`` / ``*.yml`` bank in ``folder``; invalid files become errors, not exceptions.

    Files are re-read when their modification time or size changes, so a newly dropped or edited
    file is seen on the next call.

    Args:
        folder: The folder holding the bank files.

    Returns:
        The valid banks keyed by slug, ordered by role name, and one ``BankError`` per problem.
    """
    banks: list[QuestionBank] = []
    errors: list[BankError] = []
    files_by_slug: dict[str, str] = {}
    for path in _bank_files(folder):
        try:
            bank = load_bank_file(path)
        except BankValidationError as exc:
            errors.extend(exc.errors)
            continue
        if bank.slug in files_by_slug:
            duplicate = f"the file is skipped: its slug {bank.slug!r} is already used by {files_by_slug[bank.slug]}."
            errors.append(_file_error(path.name, duplicate))
            continue
        files_by_slug[bank.slug] = path.name
        banks.append(bank)
    banks.sort(key=lambda bank: (bank.role.casefold(), bank.slug))
    return BankSet(banks={bank.slug: bank for bank in banks}, errors=errors)


def load_bank_file(path: Path) -> QuestionBank:
    """Load and validate one bank file; its slug must equal the file name without the suffix.

    Args:
        path: The YAML file.

    Returns:
        The validated bank.

    Raises:
        BankValidationError: The file cannot be read or is not a valid bank.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        unreadable = _file_error(path.name, f"the file cannot be read ({exc.strerror or exc}).")
        raise BankValidationError([unreadable]) from exc
    result = _load_cached(str(path), stat.st_mtime_ns, stat.st_size)
    if isinstance(result, QuestionBank):
        return result
    raise BankValidationError(result)


def validate_bank_text(yaml_text: str | bytes, filename: str, *, expected_slug: str | None = None) -> QuestionBank:
    """Validate the text of a bank file, e.g. an upload, without touching the disk.

    Args:
        yaml_text: The file's content (bytes are decoded as UTF-8).
        filename: The name to use in error messages.
        expected_slug: When given, the bank's slug must equal it (files on disk pass their stem).

    Returns:
        The validated bank.

    Raises:
        BankValidationError: The text is too large, not YAML, or not a valid bank.
    """
    name = Path(filename).name or filename
    size = len(yaml_text) if isinstance(yaml_text, bytes) else len(yaml_text.encode("utf-8", errors="replace"))
    if size > MAX_BANK_BYTES:
        raise BankValidationError([_too_large(name, size)])
    if isinstance(yaml_text, bytes):
        try:
            yaml_text = yaml_text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            not_utf8 = _file_error(name, "the file is not UTF-8 text; save it as UTF-8 and try again.")
            raise BankValidationError([not_utf8]) from exc
    yaml_text = yaml_text.removeprefix("\ufeff")
    try:
        data = yaml.load(yaml_text, Loader=_BankYamlLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise BankValidationError([_file_error(name, _describe_yaml_error(exc))]) from exc
    return validate_bank_data(data, name, expected_slug=expected_slug)


def validate_bank_data(data: object, filename: str, *, expected_slug: str | None = None) -> QuestionBank:
    """Validate already-parsed bank data (a mapping), reporting problems in plain words.

    Args:
        data: The parsed YAML (or a dict built from another format, e.g. a CSV).
        filename: The name to use in error messages.
        expected_slug: When given, the bank's slug must equal it.

    Returns:
        The validated bank.

    Raises:
        BankValidationError: The data is not a valid bank.
    """
    if data is None:
        raise BankValidationError([_file_error(filename, "the file is empty.")])
    if not isinstance(data, Mapping):
        raise BankValidationError(
            [_file_error(filename, "the top level must be a mapping with role, slug, competencies and questions.")]
        )
    try:
        bank = QuestionBank.model_validate(data)
    except ValidationError as exc:
        raise BankValidationError([_describe_pydantic_error(error, data, filename) for error in exc.errors()]) from exc
    if not SLUG.match(bank.slug):
        raise BankValidationError(
            [
                _file_error(
                    filename,
                    f"slug {bank.slug!r} must be lower-case letters, digits and underscores (it names the file).",
                )
            ]
        )
    if expected_slug is not None and bank.slug != expected_slug:
        raise BankValidationError(
            [
                _file_error(
                    filename,
                    f"slug {bank.slug!r} does not match the file name; set 'slug: {expected_slug}' "
                    f"or rename the file to {bank.slug}.yaml.",
                )
            ]
        )
    return bank


def clear_cache() -> None:
    """Forget every parsed file (files are re-read anyway when they change)."""
    _load_cached.cache_clear()


@lru_cache(maxsize=128)
def _load_cached(path: str, mtime_ns: int, size: int) -> QuestionBank | tuple[BankError, ...]:
    """Parse one file; keyed on modification time and size so an edited file is re-read."""
    del mtime_ns  # only part of the cache key
    file = Path(path)
    if size > MAX_BANK_BYTES:  # refuse before reading it into memory
        return (_too_large(file.name, size),)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        return (_file_error(file.name, f"the file cannot be read ({exc.strerror or exc})."),)
    try:
        return validate_bank_text(raw, file.name, expected_slug=file.stem)
    except BankValidationError as exc:
        return exc.errors


def _too_large(filename: str, size: int) -> BankError:
    limit = f"a bank file may be at most 1 MB ({MAX_BANK_BYTES:,} bytes)"
    return _file_error(filename, f"the file is {size:,} bytes; {limit}.")


def _bank_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.suffix in BANK_SUFFIXES and path.is_file())


class _BankYamlLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key repeated in one mapping (PyYAML silently keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _YAML_MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"found the key {key!r} twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _describe_yaml_error(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return f"the file is not valid YAML: {problem}."
    return f"the file is not valid YAML: {problem} at line {mark.line + 1}, column {mark.column + 1}."


def _file_error(filename: str, what: str) -> BankError:
    return BankError(filename, None, f"{filename}: {what}")


def _describe_pydantic_error(error: ErrorDetails, data: Mapping[str, Any], filename: str) -> BankError:
    """Turn one pydantic error into a plain sentence naming the file and, when known, the question."""
    loc = tuple(error["loc"])
    problem = _plain_problem(error)
    self_describing = error["type"] in _SELF_DESCRIBING  # the message already names what it is about
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        question_id = _raw_question_id(data, loc[1])
        subject = f"question {question_id}" if question_id else f"question #{loc[1] + 1}"
        where = "" if self_describing else _where(loc[2:])
        return BankError(filename, question_id, f"{filename}, {subject}: {_join(where, problem)}")
    match = _QUESTION_PREFIX.match(problem)
    if not loc and match:
        question_id = match["id"]
        return BankError(filename, question_id, f"{filename}, question {question_id}: {problem[match.end() :]}")
    where = "" if self_describing else _where(loc)
    return BankError(filename, None, f"{filename}: {_join(where, problem)}")


def _raw_question_id(data: Mapping[str, Any], index: int) -> str | None:
    questions = data.get("questions")
    if not isinstance(questions, list) or index >= len(questions):
        return None
    item = questions[index]
    if isinstance(item, Mapping) and isinstance(item.get("id"), str) and item["id"].strip():
        return item["id"].strip()
    return None


def _where(parts: Sequence[int | str]) -> str:
    """``("rubric", 2, "point")`` -> ``"rubric item 3 → point"``."""
    words: list[str] = []
    for part in parts:
        if isinstance(part, int):
            words.append(f"{words.pop()} item {part + 1}" if words else f"item {part + 1}")
        else:
            words.append(str(part))
    return " → ".join(words)


def _join(where: str, problem: str) -> str:
    return f"'{where}' {problem}" if where else problem


def _plain_problem(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    field_name = next((part for part in reversed(error["loc"]) if isinstance(part, str)), "")
    if kind == "missing":
        return "is missing."
    if kind == "extra_forbidden":
        return "is not a known field (check the spelling)."
    if kind == "string_too_short":
        return "is empty."
    if kind in {"too_short", "too_long"}:
        actual = ctx.get("actual_length")
        if field_name == "rubric":
            return f"the rubric has {actual} points; a question needs 4 to 6."
        bound = f"at least {ctx['min_length']}" if kind == "too_short" else f"at most {ctx['max_length']}"
        return f"'{field_name}' has {actual} item(s); it needs {bound}."
    if kind == "model_type":
        return f"should be a mapping of fields, not {type(error['input']).__name__} {error['input']!r:.40}."
    message = error["msg"]
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
        return message if message.endswith(".") else f"{message}."
    message = message.replace("Input should", "should")
    return message if message.endswith(".") else f"{message}."
