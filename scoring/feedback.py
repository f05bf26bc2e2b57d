"""Feedback: parse what the judge wrote, and build feedback from the rubric check when it does not parse.

``parse_feedback`` is a pure function with a table-driven test; ``coverage_feedback`` never fails,
so an assessment's strengths, weaknesses, tips and justification are never empty or malformed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from models.protocols import ChatMessage
from scoring.types import Flag, RedFlagFinding, RubricCheck, RubricStatus

SECTIONS = ("STRENGTHS", "WEAKNESSES", "TIPS", "JUSTIFICATION")
_HEADING = re.compile(
    r"^\s*[#*]*\s*(STRENGTHS|WEAKNESSES|(?:IMPROVEMENT\s+)?TIPS|JUSTIFICATION)\s*[*]*\s*:?\s*[*]*\s*(.*)$", re.I
)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")
MAX_ITEMS = 3
MAX_ITEM_CHARS = 300


@dataclass(frozen=True)
class Feedback:
    """Strengths, weaknesses, tips and a justification."""

    strengths: list[str]
    weaknesses: list[str]
    tips: list[str]
    justification: str


def _clean_item(text: str) -> str:
    text = _BULLET.sub("", text).strip().strip("*").strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:]


_HEDGED_TIP = re.compile(
    r"^(?:(?:the\s+)?candidate|you|they|he|she|i|we)\s+(?:could|should|can|might|may|will|would|needs?\s+to|must)"
    r"\s+(?:also\s+)?(?=[a-z])",
    re.IGNORECASE,
)


def as_instruction(tip: str) -> str:
    """Turn a hedged third-person tip ("The candidate could add X.") into an instruction ("Add X.")."""
    match = _HEDGED_TIP.match(tip.strip())
    if not match:
        return tip
    rest = tip.strip()[match.end() :]
    return rest[:1].upper() + rest[1:] if rest else tip


# The status markers of the judge's prompt (``[met]``, ``[red flag, an error: never praise it]``): a small
# judge sometimes copies them into its bullets.
_PROMPT_MARKER = re.compile(r"^\s*\[[^\]]{1,60}\]\s*")
_NOT_A_STRENGTH = re.compile(r"^\s*\[(?:red flag|contradict|missing|part)", re.IGNORECASE)


def parse_feedback(text: str) -> Feedback | None:
    """Parse the four-section feedback format; ``None`` when a section is missing or empty."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    for raw in text.splitlines():
        heading = _HEADING.match(raw)
        if heading:
            name = heading.group(1).upper().split()[-1]
            current = name
            found.setdefault(current, [])
            rest = heading.group(2).strip()
            if rest:
                found[current].append(rest)
            continue
        if current and raw.strip():
            found[current].append(raw.strip())
    if any(not found.get(section) for section in SECTIONS):
        return None

    def items(section: str) -> list[str]:
        raw = [_BULLET.sub("", x).strip() for x in found[section]]
        if section == "STRENGTHS":  # a strength echoing an error's or a missing point's marker praises it
            raw = [x for x in raw if not _NOT_A_STRENGTH.match(x)]
        cleaned = [_clean_item(_PROMPT_MARKER.sub("", x)) for x in raw]
        cleaned = [x for x in cleaned if 8 <= len(x) <= MAX_ITEM_CHARS and "(" not in x[:2]]
        return list(dict.fromkeys(cleaned))[:MAX_ITEMS]

    justification = " ".join(_BULLET.sub("", x).strip() for x in found["JUSTIFICATION"]).strip()
    tips = list(dict.fromkeys(as_instruction(tip) for tip in items("TIPS")))
    feedback = Feedback(items("STRENGTHS"), items("WEAKNESSES"), tips, justification[:1200])
    if not (feedback.strengths and feedback.weaknesses and feedback.tips) or len(feedback.justification) < 20:
        return None
    return feedback


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _quote(sentence: str, limit: int = 120) -> str:
    sentence = sentence.strip()
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def finding_weaknesses(checks: Sequence[RubricCheck], red_flags: Sequence[RedFlagFinding]) -> list[str]:
    """The serious errors, first among the weaknesses: each red flag and contradicted point, quoting the answer."""
    lines = [
        f"Red flag: {_lower_first(f.flag.rstrip('.'))} (you said \u201c{_quote(f.evidence)}\u201d). {f.reason}"
        for f in red_flags
    ]
    lines += [
        f"Contradicts a rubric point: {_lower_first(c.point.rstrip('.'))} "
        f"(you said \u201c{_quote(c.evidence or '')}\u201d)."
        for c in checks
        if c.status is RubricStatus.CONTRADICTED
    ]
    return lines


def coverage_feedback(
    checks: Sequence[RubricCheck],
    score: int,
    flags: Sequence[Flag],
    notes: Sequence[str],
    job_alignment: Sequence[str],
    red_flags: Sequence[RedFlagFinding] = (),
) -> Feedback:
    """Feedback built only from the rubric check: met points are strengths, errors and missing points weaknesses."""
    met = [c for c in checks if c.status is RubricStatus.MET]
    partly = [c for c in checks if c.status is RubricStatus.PARTLY]
    missing = [c for c in checks if c.status in (RubricStatus.MISSING, RubricStatus.CONTRADICTED)]
    strengths = [
        f"{c.point.rstrip('.')} (\u201c{_quote(c.evidence)}\u201d)." if c.evidence else c.point for c in met[:MAX_ITEMS]
    ]
    if not strengths and partly:
        strengths = [f"Touches on this: {_lower_first(c.point)}" for c in partly[:1]]
    if not strengths:
        strengths = ["None yet: the answer does not show any rubric point. The tips say what to add."]
    weaknesses = finding_weaknesses(checks, red_flags)
    weaknesses += [f"Missing: {_lower_first(c.point)}" for c in missing if c.status is RubricStatus.MISSING][
        : max(0, MAX_ITEMS - len(weaknesses))
    ]
    weaknesses += [f"Only partly shown: {_lower_first(c.point)}" for c in partly[: MAX_ITEMS - len(weaknesses)]]
    weaknesses = [*notes[:1], *weaknesses][:MAX_ITEMS] if flags else weaknesses
    if not weaknesses:
        weaknesses = ["No rubric point is missing; the answer could still be more concise and specific."]
    tips = [c.tip or f"Add this: {_lower_first(c.point)}" for c in [*missing, *partly][:MAX_ITEMS]]
    if not tips:
        tips = ["Keep the same structure: situation, your actions, and a measured result."]
    total = len(checks)
    justification = (
        f"The answer scores {score}/100: it shows {len(met)} of {total} rubric points"
        + (f" and partly shows {len(partly)} more" if partly else "")
        + "."
    )
    if missing:
        justification += f" The main gap: {_lower_first(missing[0].point)}"
        justification = justification.rstrip(".") + "."
    if job_alignment:
        justification += f" It speaks to the job's requirement: {_lower_first(job_alignment[0])}"
        justification = justification.rstrip(".") + "."
    if flags:
        justification += " " + notes[0] if notes else ""
    return Feedback(
        [s if s.endswith((".", "!", "?", "\u201d.")) else s + "." for s in strengths],
        [w if w.endswith((".", "!", "?")) else w + "." for w in weaknesses],
        [t if t.endswith((".", "!", "?")) else t + "." for t in tips],
        justification.strip(),
    )


# -- Writing feedback one section at a time ---------------------------------------------------------

# (heading, bullets?, most items, token budget). The judge is prefilled with each heading in turn, so
# the format cannot drift, each section stops as soon as it has enough, and nothing is spent on a
# third or fourth bullet or a repeated justification.
WRITTEN_SECTIONS: tuple[tuple[str, bool, int, int], ...] = (
    ("STRENGTHS", True, 2, 64),
    ("WEAKNESSES", True, 2, 64),
    ("TIPS", True, 2, 64),
    ("JUSTIFICATION", False, 3, 100),
)
_SENTENCE_END = re.compile(r"[.!?](?=\s)")
_PROSE_END = re.compile(r"\n\s*\n|\n(?=\s*[#*]*\s*[A-Z]{4,}[A-Z ]*:)")  # a blank line, or a heading


def cut_bullets(text: str, max_items: int) -> tuple[str, bool]:
    """What to keep of a bullet section streamed so far (it starts just after the first ``-``).

    Returns the kept text (bullet lines joined by newlines, the first without its dash) and whether
    the section is complete: it had ``max_items`` bullets, or a line that is not a bullet began.
    """
    lines = text.split("\n")
    kept = [lines[0]]
    for index, line in enumerate(lines[1:], start=1):
        last = index == len(lines) - 1
        stripped = line.strip()
        if not stripped:
            if last:  # the next line has not started yet
                break
            return "\n".join(kept).rstrip(), True
        if not _BULLET.match(line):
            return "\n".join(kept).rstrip(), True
        if len(kept) >= max_items:
            return "\n".join(kept).rstrip(), True
        kept.append(line.rstrip() if not last else line)
    return "\n".join(kept), False


def cut_prose(text: str, max_sentences: int) -> tuple[str, bool]:
    """What to keep of a prose section streamed so far, and whether it is complete.

    It ends at a blank line, at a line that starts another section, or after ``max_sentences``.
    """
    body = text.lstrip()
    offset = len(text) - len(body)
    match = _PROSE_END.search(body)
    if match:
        return text[: offset + match.start()].rstrip(), True
    ends = list(_SENTENCE_END.finditer(body))
    if len(ends) >= max_sentences:
        return text[: offset + ends[max_sentences - 1].end()], True
    return text, False


def _trim_to_sentence(text: str) -> str:
    """Drop an unfinished last sentence (kept whole if no sentence ends)."""
    stripped = text.rstrip()
    if not stripped or stripped[-1] in ".!?":
        return stripped
    ends = list(re.finditer(r"[.!?](?=\s|$)", stripped))
    return stripped[: ends[-1].end()] if ends else stripped


def write_feedback(
    generate: Callable[[list[ChatMessage], int], Iterator[str]],
    messages: Sequence[ChatMessage],
    on_chunk: Callable[[str], None] | None = None,
    justification_start: Callable[[], str] | str = "",
) -> tuple[str, float | None]:
    """Have the judge write the four sections, each prefilled with its heading; stream what is kept.

    Args:
        generate: the judge's ``generate``.
        messages: the feedback request (system and user turns).
        on_chunk: called with each piece of kept text, headings included, in order.
        justification_start: words the justification starts with (steers a small model to prose), or
            a function giving them, called only when the justification is reached.

    Returns:
        The whole reply in the ``parse_feedback`` format, and the seconds to the judge's first token.
    """
    started = time.perf_counter()
    first: float | None = None
    reply = ""

    def emit(piece: str) -> None:
        if piece and on_chunk is not None:
            on_chunk(piece)

    for heading, bullets, most, budget in WRITTEN_SECTIONS:
        if bullets:
            start = "\n-"
        else:
            words = justification_start() if callable(justification_start) else justification_start
            start = "\n" + words.strip() if words.strip() else ""
        # A blank line between sections lets the judge reuse everything before the new heading.
        prefix = ("\n\n" if reply else "") + f"{heading}:" + start
        reply += prefix
        emit(prefix)
        stream = generate([*messages, {"role": "assistant", "content": reply}], budget)
        text, kept, shown, done = "", "", 0, False
        try:
            for chunk in stream:
                if first is None:
                    first = time.perf_counter() - started
                text += chunk
                kept, done = cut_bullets(text, most) if bullets else cut_prose(text, most)
                visible = kept.rstrip("\n")
                if len(visible) > shown:
                    emit(visible[shown:])
                    shown = len(visible)
                if done:
                    break
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        reply += kept.rstrip() if done else _trim_to_sentence(kept)
    return reply, first
