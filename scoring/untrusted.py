"""Candidate text is untrusted: clean it before any check sees it, and say what was removed.

``clean_answer`` runs first on every answer (before the gate, the checker and the judge):

1. **Hidden characters**: format characters (Unicode category Cf: zero-width spaces and joiners,
   word joiners, soft hyphens, byte-order marks, bidi controls U+202A-U+202E / U+2066-U+2069 /
   U+200E / U+200F / U+061C, the tag block U+E0000-U+E007F) are stripped; when any but a soft
   hyphen or a leading byte-order mark was there, the answer is flagged ``hidden_text``.
2. **Look-alike letters**: NFKC folds compatibility forms (full-width letters, ligatures, maths
   alphabets); inside a word that mixes Latin with Cyrillic or Greek letters, each non-Latin letter
   that the Unicode confusables table (``confusable-homoglyphs``) maps to a Latin one is replaced.
   A word written wholly in another script is left alone (it may be another language).
3. **Text posing as the grader's**: a section headed as a grader, panel, committee or reviewer note
   (to the next separator line or the end), score lines (``Score: 100/100``, ``Rating: 10/10``),
   ``[RESULT]`` tags, grader-style ``Feedback:`` lines and JSON objects that carry a score or
   verdict are removed wherever they sit and flagged ``instructs_grader``. A JSON snippet without
   such keys (a config, an alert rule) is the candidate's content and stays.
4. **Pasted logs and code dumps**: a run of at least ``MIN_DUMP_LINES`` lines that look like log
   records, stack frames or code (timestamps, log levels, ``key=value`` runs, few words) is set aside
   and flagged ``pasted_code``; the prose around it is what gets scored.

``detect_language`` names the language of an answer (``lingua-language-detector``), so a substantive
answer in another language is flagged and judged on its content instead of being mistaken for
keyword stuffing.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field

from scoring.types import Flag

MIN_DUMP_LINES = 3  # a run of this many log/code-shaped lines is set aside
LANGUAGE_MIN_WORDS = 8  # shorter texts are not worth a language verdict
LANGUAGE_MIN_CONFIDENCE = 0.8
LANGUAGE_REAL_WORD_SHARE = 0.6  # share of words that must be real words of the detected language (wordfreq)
_HARMLESS_FORMAT = {"\u00ad", "\ufeff"}  # soft hyphen, byte-order mark: common in pasted text
_SEPARATOR = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,}|={3,}|#{3,}\s*)\s*$")
_AUTHORITY = r"(?:grader|grading|evaluator|evaluation|assessor|scorer|scoring|reviewer|review|committee|panel|interviewer|hiring manager|recruiter|moderator|calibration|rubric|system|admin(?:istrator)?|ai|llm|model)"  # noqa: E501
_NOTE = r"(?:notes?|message|instructions?|memo|comment|verdict|override|guidance|feedback|calibration)"
_FAKE_HEADER = re.compile(
    rf"^\s*(?:#+\s*|\*\*|\[|<)?[^\n]{{0,40}}\b{_AUTHORITY}\b[^\n]{{0,30}}\b{_NOTE}\b|^\s*(?:#+\s*|\*\*)?{_NOTE}\b[^\n]{{0,20}}\b(?:to|for|from)\s+(?:the\s+)?{_AUTHORITY}\b",
    re.IGNORECASE,
)
# A verdict: "100/100", "9 out of 10", "pass", "strong hire", "excellent"... What follows "Result:" or
# "Evaluation:" must be one of these: "- Result: p99 38 ms, cost down 40%" is an answer's own result line.
_VERDICT_VALUE = (
    r"(?:\d{1,3}(?:\.\d+)?\s*(?:/\s*\d{1,3}|out\s+of\s+\d{1,3})|(?:pass(?:ed)?|fail(?:ed)?|strong\s+(?:hire|yes|accept)|"
    r"(?:no\s+)?hire|accept(?:ed)?|reject(?:ed)?|excellent|outstanding|perfect|exceptional|full\s+marks|top\s+marks|"
    r"meets\s+all|exceeds)\b)"
)
_SCORE_LINE = re.compile(
    r"^\s*(?:[*_#>\-\s]*)(?:final\s+|overall\s+|total\s+)?(?:"
    r"(?:score|rating|grade|mark|points)[*_]*\s*[:=][*_]*\s*(?:\d|[a-f][+-]?(?:\s|$)|" + _VERDICT_VALUE + r")"
    r"|(?:result|verdict|evaluation)[*_]*\s*[:=][*_]*\s*" + _VERDICT_VALUE + r")",
    re.IGNORECASE,
)
_RESULT_TAG = re.compile(r"\[\s*/?\s*(?:result|score|grade|verdict)\s*\]", re.IGNORECASE)
_GRADER_LINE = re.compile(
    r"^\s*(?:[*_#>\-\s]*)(?:feedback|assessment|evaluation|grader(?:'s)? (?:note|comment)|reviewer(?:'s)? (?:note|comment)|note to (?:the )?(?:grader|reviewer|evaluator))\s*:\s*(?:the|this)\s+(?:response|answer|candidate|submission)\b",  # noqa: E501
    re.IGNORECASE,
)
_VERDICT_KEYS = {"score", "grade", "rating", "verdict", "result", "mark", "marks", "points", "pass", "passed", "final"}
_JSON_OBJECT = re.compile(r"\{[^{}]{0,400}\}")
_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\b\d{2}:\d{2}:\d{2}\b")
_LOG_LEVEL = re.compile(r"\b(?:INFO|DEBUG|WARN|WARNING|ERROR|TRACE|FATAL|CRITICAL)\b")
_KEY_VALUE = re.compile(r"\b[\w.]+=[^\s,;]+")
_STACK = re.compile(
    r"^\s*(?:at [\w.$]+\(|File \"[^\"]+\", line \d+|Traceback \(most recent call last\)|\w+(?:Error|Exception):)"
)
_CODE = re.compile(
    r"^\s*(?:def |class |import |from \S+ import |return\b|if .*:\s*$|for .*:\s*$|\}|\{|#include|//"
    r"|SELECT |INSERT |\$ )"
)
_FENCE = re.compile(r"^\s*```")
_LETTERS = re.compile(r"[^\W\d_]")
_LATIN_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class CleanedAnswer:
    """An answer after cleaning: the text every check sees, and what was removed and why.

    Attributes:
        text: The answer to score.
        flags: ``hidden_text``, ``instructs_grader`` and/or ``pasted_code``.
        notes: One sentence per flag, for the candidate.
        removed: The removed grader-posing passages, verbatim (after character cleaning).
        set_aside: The log or code lines set aside.
    """

    text: str
    flags: list[Flag] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    set_aside: list[str] = field(default_factory=list)


def strip_hidden(text: str) -> tuple[str, bool]:
    """Remove format characters (category Cf, which includes the tag block and bidi controls).

    Returns:
        The text, and whether anything other than soft hyphens or a leading byte-order mark was removed.
    """
    suspicious = False
    kept = []
    for index, ch in enumerate(text):
        if unicodedata.category(ch) == "Cf":
            if ch not in _HARMLESS_FORMAT or (ch == "\ufeff" and index > 0):
                suspicious = True
            continue
        kept.append(ch)
    return "".join(kept), suspicious


@functools.lru_cache(maxsize=4096)
def _latin_lookalike(ch: str) -> str | None:
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(ch, greedy=True, preferred_aliases=["latin"])
    for item in found or []:
        for glyph in item["homoglyphs"]:
            if glyph["n"].startswith("LATIN") and len(glyph["c"]) == 1:
                return glyph["c"]
    return None


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


def fold_lookalikes(text: str) -> tuple[str, bool]:
    """NFKC, then Latin letters for Cyrillic/Greek look-alikes inside words that mix scripts.

    Returns:
        The folded text, and whether any mixed-script word was folded.
    """
    text = unicodedata.normalize("NFKC", text)
    folded = False

    def fold(match: re.Match[str]) -> str:
        nonlocal folded
        word = match.group(0)
        scripts = {_script(ch) for ch in word}
        if "LATIN" not in scripts or not scripts & {"CYRILLIC", "GREEK"}:
            return word
        out = []
        for ch in word:
            replacement = _latin_lookalike(ch) if _script(ch) in {"CYRILLIC", "GREEK"} else None
            out.append(replacement or ch)
        folded = True
        return "".join(out)

    return _LATIN_WORD.sub(fold, text), folded


def _is_verdict_json(snippet: str) -> bool:
    try:
        data = json.loads(snippet)
    except ValueError:
        return bool(re.search(r'"(?:score|grade|rating|verdict)"\s*:', snippet, re.IGNORECASE))
    return isinstance(data, dict) and any(str(key).strip().lower() in _VERDICT_KEYS for key in data)


def _dump_line(line: str) -> bool:
    """Whether a line looks like a log record, a stack frame or code rather than prose."""
    if not line.strip():
        return False
    if _TIMESTAMP.search(line) or _STACK.search(line) or _CODE.search(line):
        return True
    if _LOG_LEVEL.search(line) and len(_KEY_VALUE.findall(line)) >= 1:
        return True
    letters = len(_LETTERS.findall(line))
    return len(_KEY_VALUE.findall(line)) >= 3 or (len(line) >= 20 and letters / len(line) < 0.45)


def remove_posing_text(text: str) -> tuple[str, list[str]]:
    """Remove sections, lines and JSON verdicts that pose as the grader's; returns the text and what went."""
    removed: list[str] = []
    kept: list[str] = []
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if _FAKE_HEADER.search(line) and _header_shaped(line):
            end = index + 1
            while end < len(lines) and not _SEPARATOR.match(lines[end]):
                end += 1
            removed.append("\n".join(lines[index:end]).strip())
            index = end + 1  # the closing separator goes too
            if kept and _SEPARATOR.match(kept[-1]):
                kept.pop()
            continue
        if _SCORE_LINE.search(line) or _RESULT_TAG.search(line) or _GRADER_LINE.search(line):
            removed.append(line.strip())
            index += 1
            continue
        cleaned = _JSON_OBJECT.sub(lambda m: _drop_verdict(m, removed), line)
        if cleaned.strip() or not line.strip():
            kept.append(cleaned)
        index += 1
    return "\n".join(kept).strip(), [item for item in removed if item]


def _header_shaped(line: str) -> bool:
    """Whether a line reads as a heading (markdown heading, bold, bracket or tag, or a short line not ending
    as a sentence), not as a sentence of the answer that happens to mention a reviewer's feedback."""
    stripped = line.strip()
    if stripped.startswith(("#", "**", "[", "<", "---")):
        return True
    return len(stripped.split()) <= 12 and not stripped.endswith((".", "!", "?"))


def _drop_verdict(match: re.Match[str], removed: list[str]) -> str:
    snippet = match.group(0)
    if _is_verdict_json(snippet):
        removed.append(snippet)
        return ""
    return snippet


def set_aside_dumps(text: str) -> tuple[str, list[str]]:
    """Set aside fenced blocks and runs of ``MIN_DUMP_LINES`` or more log/code-shaped lines."""
    lines = text.split("\n")
    dump = [False] * len(lines)
    inside = False
    for i, line in enumerate(lines):  # fenced code blocks
        if _FENCE.match(line):
            dump[i] = True
            inside = not inside
        elif inside:
            dump[i] = True
    shaped = [_dump_line(line) for line in lines]
    for i in range(1, len(lines)):  # an indented line right after a log/code line belongs to it (a traceback's code)
        if shaped[i - 1] and lines[i][:2] in ("  ", "\t") and lines[i].strip():
            shaped[i] = True
    start = 0
    while start < len(lines):
        if not shaped[start]:
            start += 1
            continue
        end = start
        while end < len(lines) and (shaped[end] or not lines[end].strip()):
            end += 1
        if sum(shaped[start:end]) >= MIN_DUMP_LINES:
            for i in range(start, end):
                dump[i] = True
        start = end
    aside = [line for line, d in zip(lines, dump, strict=True) if d and line.strip() and not _FENCE.match(line)]
    kept = [line for line, d in zip(lines, dump, strict=True) if not d]
    if kept and kept[-1].rstrip().endswith(":") and aside:  # "Full log from our last run:" introduces the dump
        kept[-1] = kept[-1].rstrip()[:-1] + "."
    return "\n".join(kept).strip(), aside


def clean_answer(text: str) -> CleanedAnswer:
    """Clean an answer (see the module docstring); the result's ``text`` is what every check sees."""
    flags: list[Flag] = []
    notes: list[str] = []
    text, hidden = strip_hidden(text)
    text, folded = fold_lookalikes(text)
    if hidden or folded:
        flags.append(Flag.HIDDEN_TEXT)
        notes.append(
            "The answer contained invisible characters or look-alike letters from other alphabets; they were "
            "removed or replaced before scoring."
        )
    text, removed = remove_posing_text(text)
    if removed:
        flags.append(Flag.INSTRUCTS_GRADER)
        notes.append(
            "Part of the answer posed as a grader's note, a score or a verdict; it was removed and cannot raise "
            "the score. Answer the question itself."
        )
    text, aside = set_aside_dumps(text)
    if aside:
        flags.append(Flag.PASTED_CODE)
        notes.append(
            f"{len(aside)} lines of pasted log or code were set aside; the prose around them was scored. "
            "Describe what the log shows instead of pasting it."
        )
    return CleanedAnswer(text, flags, notes, removed, aside)


@functools.cache
def _language_detector() -> object:
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def estimated_words(text: str) -> int:
    """Words in ``text``, counting Chinese, Japanese and Korean characters two to a word (those scripts put no
    spaces between words)."""
    return len(text.split()) + len(_CJK.findall(text)) // 2


def detect_language(text: str) -> str | None:
    """The language of ``text`` when it is confidently not English, e.g. ``"Spanish"``; else ``None``.

    Texts under ``LANGUAGE_MIN_WORDS`` words get no verdict (too little to tell).
    """
    if estimated_words(text) < LANGUAGE_MIN_WORDS:
        return None
    detector = _language_detector()
    values = detector.compute_language_confidence_values(text)
    if not values:
        return None
    top = values[0]
    if top.language.name == "ENGLISH" or top.value < LANGUAGE_MIN_CONFIDENCE:
        return None
    if not _real_words_of(text, top.language.iso_code_639_1.name.lower()):
        return None  # letters that only look like a language (keyboard mashing): the gate's gibberish check decides
    return top.language.name.title()


_CJK_CODES = frozenset({"zh", "ja", "ko"})
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u1100-\u11ff\uf900-\ufaff]")


_HAN_KANA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _mostly(script: re.Pattern[str], text: str) -> bool:
    """Whether at least half of the letters of ``text`` are of ``script`` (False without letters)."""
    letters = [char for char in text if char.isalpha()]
    return bool(letters) and sum(1 for char in letters if script.match(char)) / len(letters) >= 0.5


def text_has_spaces_between_words(text: str) -> bool:
    """False for text written mostly in Chinese or Japanese characters, which has no spaces to count words by."""
    return not _mostly(_HAN_KANA, text)


def _real_words_of(text: str, code: str) -> bool:
    """Whether most words of ``text`` are real words of language ``code`` (wordfreq's ~40 languages; else False).

    Keyboard mashing is often "detected" as a language wordfreq lacks (Swahili, Yoruba); such text is
    left to the gate's gibberish check, whose message asks for English sentences.
    """
    from wordfreq import available_languages, zipf_frequency

    if code in _CJK_CODES:  # the script is the evidence; wordfreq would need jieba or MeCab for these
        return _mostly(_CJK, text)
    if code not in available_languages():
        return False
    tokens = [token.lower() for token in _LATIN_WORD.findall(text)]
    if not tokens:
        return False
    known = sum(1 for token in tokens if zipf_frequency(token, code) >= 1.0)
    return known / len(tokens) >= LANGUAGE_REAL_WORD_SHARE
