"""Feedback that is true to the answer: grounded strengths, weaknesses and tips, and a checked justification.

The lists are built from the checks, never written freely (issue 12):

- **Strengths** come only from met rubric points, each quoting the answer sentence that shows it,
  kept only when the rubric checker confirms that sentence states the point (``RubricCheck.support``),
  does not also find the point contradicted, and the sentence is neither hypothetical ("I would ...")
  nor one that states a red flag or contradicts a point. An answer scored at or
  below ``NO_STRENGTHS_AT_OR_BELOW`` lists none.
- **Weaknesses** name what is wrong or missing, most serious first: red flags found (quoting the
  candidate and saying why it is a problem), contradicted points, the flags that describe the
  answer's substance (no specifics, hypothetical, grader-directed text), missing points, partly
  shown points. A point the checks call met is never listed.
- **Tips** are instructions, one per weakness, from the bank's tip where it has one
  (``point_instruction`` turns a point into one otherwise); ``is_instruction`` is the check.
- **Justification**: the judge writes one sentence after a prefilled ``The answer scores N/100 because``
  (so the score is never contradicted), from the question, the met points and any red flag found; it is
  kept only when ``keep`` (the engine's check against the rubric checker) passes it. What lowered the
  score follows in the checks' own words (``justification_findings``), so the justification agrees with
  the checklist by construction; ``template_justification`` stands in when no point is met or the
  judge's sentence does not stand.

Gate-stopped answers get ``gated_feedback``: the gate's own note and one instruction, nothing invented.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from models.protocols import ChatMessage
from scoring.gate import GATE_STOPS, is_hypothetical
from scoring.text import normalize_text
from scoring.types import Flag, RedFlagFinding, RubricCheck, RubricStatus

MAX_ITEMS = 3  # strengths, weaknesses and tips shown at most
QUOTE_CHARS = 200  # a longer quoted sentence is cut at a word and ends with "…"
NO_STRENGTHS_AT_OR_BELOW = 25  # the band of wrong and contradicting answers (issue 11): nothing to praise
# A met point that the checker also finds contradicted somewhere in the answer at this P(contradicts) is not
# praised: on the development set such strengths were 15% of those on points labelled contradicted, 4% of
# those on points labelled met (evaluation/faithfulness.py).
MIXED_CONTRADICTION = 0.5
# A met point whose evidence sentence the checker's lead reads as stating one of the question's red flags at this
# P(states) (``RubricCheck.red_flag_reading``) is not praised, even where the red flag is not named (the answer-level
# red-flag model sets a higher bar). The even-odds point, not tuned: on the development set (2026-12-01, out of
# fold) it drops all 8 strengths that quoted the erring sentence of a strong answer with one error (a sentence its
# error-free twin lacks), and 30 of the 239 strengths of error-free strong answers (other met points take the
# place of 11 of those: 220 shown).
PRAISE_RED_FLAG_BELOW = 0.5
JUSTIFICATION_SENTENCES = 1
JUSTIFICATION_TOKENS = 48
MIN_REASON_WORDS = 3  # the judge's first sentence must add this many words to the prefilled start


@dataclass(frozen=True)
class Feedback:
    """Strengths, weaknesses, tips (one per weakness, same order) and a justification."""

    strengths: list[str]
    weaknesses: list[str]
    tips: list[str]
    justification: str


@dataclass(frozen=True)
class Improvement:
    """One weakness and the instruction that fixes it."""

    weakness: str
    tip: str


# -- Wording helpers ------------------------------------------------------------------------------------


def _lower_first(text: str) -> str:
    """``Names the test`` -> ``names the test``; an acronym (``SQL``, ``A/B``) keeps its capitals."""
    first = text.split(" ", 1)[0]
    return text if len(first) > 1 and first == first.upper() else text[:1].lower() + text[1:]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "\u201d", "\u201d.")) else text + "."


_EXAMPLES = re.compile(r"\s*\([^()]*\)|,?\s+(?:such as|for example|e\.g\.)\s[^.;]*")


def point_gist(point: str) -> str:
    """A rubric point without its examples: parentheses and the tail from "such as", "for example" or "e.g." go
    ("including" stays: what follows it is required). "Names the technique used to make reruns safe, such as
    partition overwrite." -> "Names the technique used to make reruns safe." What the judge reads of a point
    when it writes the justification. A gist under three words gives the point back whole."""
    gist = " ".join(_EXAMPLES.sub("", point).split()).rstrip(" ,;:.")
    return _sentence(gist) if len(gist.split()) >= 3 else point


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """The candidate's words to quote: verbatim, or their first words and "…" when longer than ``limit``."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip(" ,;:") + "\u2026"


_IRREGULAR = {"does": "do", "has": "have", "is": "be", "goes": "go"}


def _base_form(verb: str) -> str:
    """A third-person verb in its base form: ``Describes`` -> ``Describe``, ``Quantifies`` -> ``Quantify``."""
    lower = verb.lower()
    if lower in _IRREGULAR:
        base = _IRREGULAR[lower]
    elif lower.endswith("ies") and len(lower) > 4:
        base = lower[:-3] + "y"
    elif lower.endswith(("sses", "shes", "ches", "xes", "zes")):
        base = lower[:-2]
    elif lower.endswith("s") and not lower.endswith("ss"):
        base = lower[:-1]
    else:
        return verb
    return base[:1].upper() + base[1:] if verb[:1].isupper() else base


_PRONOUNS = {"they": "you", "them": "you", "their": "your", "theirs": "yours", "themselves": "yourself"}
_THIRD_PERSON = re.compile(r"\b(they|them|their|theirs|themselves)\b")
# A verb joined to a point's first one ("Explains that ... and uses ..."); only verbs rubric points use, so a
# noun after "and" ("and metrics") stays as it is.
_JOINED_VERB = re.compile(
    r"(\b(?:and|or|then),? |, )(uses|names|explains|gives|describes|states|sets|says|quantifies|compares|shows|"
    r"mentions|includes|covers|provides|chooses|justifies|validates|measures|monitors|tests|reports)\b"
)


def point_instruction(point: str) -> str:
    """A rubric point as an instruction to the candidate: ``Names the test they ran.`` -> ``Name the test you
    ran.``; a point that does not start with a verb -> ``Add this: ...``."""
    point = _THIRD_PERSON.sub(lambda m: _PRONOUNS[m.group(1)], point.strip())
    first, _, rest = point.partition(" ")
    base = _base_form(first)
    if base != first and rest:
        # "... and uses precision/recall" -> "... and use precision/recall": the verbs joined to the first one
        rest = _JOINED_VERB.sub(lambda m: m.group(1) + _base_form(m.group(2)), rest)
        return _sentence(f"{base[:1].upper()}{base[1:]} {rest}")
    return _sentence(f"Add this: {_lower_first(point)}")


# Words a statement about the answer starts with; an instruction never does.
_NOT_IMPERATIVE = {
    "the", "a", "an", "this", "that", "these", "those", "it", "its", "they", "their", "there", "he", "she",
    "you", "your", "i", "we", "my", "our", "candidate", "candidates", "no", "none",
    "is", "are", "was", "were", "has", "have", "had", "does", "did", "can", "could", "should", "would",
    "will", "may", "might", "must", "not", "although", "while", "because", "overall", "good", "great",
}  # fmt: skip
_STATEMENT_VERBS = {
    "is", "was", "are", "were", "does", "did", "has", "had", "could", "should", "would", "can", "may", "might",
    "provides", "lacks", "shows", "gives", "describes", "mentions", "includes", "covers", "explains", "names",
}  # fmt: skip
_BASE_FORMS_LOOKING_PAST = {"need", "embed", "feed", "proceed", "exceed", "succeed", "bring", "spring"}
_LEAD_IN = re.compile(r"^(?:next time|also|instead|then|finally|first|in short)\s*,\s*", re.IGNORECASE)


def is_instruction(text: str) -> bool:
    """Whether ``text`` reads as an instruction: its first word (after a lead-in such as "Instead,") is a
    verb in the base form, not a determiner, pronoun, auxiliary or a third-person, past or -ing verb.

    A simple grammatical check, as issue 12 asks; "The answer provides details." fails it,
    "Name the test." passes.
    """
    body = _LEAD_IN.sub("", text.strip())
    match = re.match(r"[A-Za-z']+", body)
    if not match:
        return False
    word = match.group(0).lower()
    second = re.match(r"[A-Za-z']+\s+([A-Za-z']+)", body)
    if second and second.group(1).lower() in _STATEMENT_VERBS:  # "Answer provides ...": a noun and its verb
        return False
    if word in _NOT_IMPERATIVE or (word.endswith(("ed", "ing")) and word not in _BASE_FORMS_LOOKING_PAST):
        return False
    return not (word.endswith("s") and not word.endswith(("ss", "us", "is")) and _base_form(word) != word)


# -- Sections from the checks ----------------------------------------------------------------------------

# The flags that say something about the answer's substance, with the instruction that fixes each.
FLAG_TIPS: dict[Flag, str] = {
    Flag.NO_SPECIFICS: "Name the numbers, methods, tools and metrics, and say what you did and what changed.",
    Flag.NO_DIRECT_EXPERIENCE: "Describe a time you did this yourself: the situation, your actions and the result.",
    Flag.INSTRUCTS_GRADER: "Leave out text addressed to the grader; only the answer itself is scored.",
    Flag.EMPTY: "Write an answer: the situation, what you did, and the result.",
    Flag.TOO_SHORT: "Answer in a few full sentences: the situation, what you did, and the result.",
    Flag.GIBBERISH: "Write the answer in full sentences that say what you did.",
    Flag.UNINTELLIGIBLE: "Write the answer in full sentences that say what you did; check a transcript before sending.",
    Flag.OFF_TOPIC: "Answer the question that was asked, with an example of your own.",
    Flag.COPIES_QUESTION: "Answer in your own words with an example of your own, rather than restating the question.",
    Flag.KEYWORD_STUFFING: "Use the terms in sentences that say what you did with them and what resulted.",
}
SUBSTANCE_FLAGS = (Flag.NO_SPECIFICS, Flag.NO_DIRECT_EXPERIENCE, Flag.INSTRUCTS_GRADER)


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{4,}", text.lower())} - {"that", "with", "from", "this", "they", "their"}


_DENIAL = re.compile(r"\b(?:not|no|nor|never|lacks?|lacking|fails?|without|missing|absent|omits?)\b", re.IGNORECASE)
DENIAL_OVERLAP = 0.5  # share of a point's content words a denying sentence must repeat to be about that point


def denies_a_met_point(sentence: str, met_points: Sequence[str]) -> bool:
    """Whether ``sentence`` negates something (``not``, ``lacks``, ``fails``, ...) and repeats at least
    ``DENIAL_OVERLAP`` of the content words of a point the checks call met: "it does not describe the
    dataset" about an answer that does. A lexical check beside the checker, which reads such
    sentences about the answer as silent on the point as often as contradicting it."""
    if not _DENIAL.search(sentence):
        return False
    said = _content_words(sentence)
    for point in met_points:
        wanted = _content_words(point)
        if wanted and len(wanted & said) / len(wanted) >= DENIAL_OVERLAP:
            return True
    return False


def related_point(flag: str, checks: Sequence[RubricCheck], taken: Sequence[str] = ()) -> RubricCheck | None:
    """The rubric point sharing most content words with a red flag, outside ``taken``; None when none shares one."""
    words = _content_words(flag)
    best = max(
        (c for c in checks if c.point not in taken), key=lambda c: len(words & _content_words(c.point)), default=None
    )
    return best if best is not None and words & _content_words(best.point) else None


def related_tip(point: RubricCheck | None, flag: str = "") -> str:
    """The instruction for a red flag: its related point's tip ("Instead, ..."); without a point, what to
    describe in place of the flag (named, so two flags without a point never share one tip)."""
    if point is None:
        instead = f" in place of {_lower_first(flag.strip().rstrip('.'))}" if flag.strip() else " here"
        return f"Instead, describe the practice an interviewer expects{instead}, and why."
    return _sentence("Instead, " + _lower_first(point.tip or point_instruction(point.point)))


def _red_flag_improvements(
    red_flags: Sequence[RedFlagFinding], checks: Sequence[RubricCheck]
) -> tuple[list[Improvement], list[str]]:
    """One weakness per red flag, each with its own related tip, and the points whose tips they took.

    A point whose tip another red flag or a contradicted point already gives is passed over (the same
    "Instead, ..." twice reads as a template).
    """
    contradicted = [c.point for c in checks if c.status is RubricStatus.CONTRADICTED]
    taken = list(contradicted)
    found = []
    for f in red_flags:
        point = related_point(f.flag, checks, taken)
        if point is not None:
            taken.append(point.point)
        weakness = (
            f"Red flag: {_lower_first(f.flag.rstrip('.'))} (you said \u201c{quote(f.evidence)}\u201d). {f.reason}"
        )
        found.append(Improvement(weakness.strip(), related_tip(point, f.flag)))
    return found, taken[len(contradicted) :]


def improvements(
    checks: Sequence[RubricCheck],
    red_flags: Sequence[RedFlagFinding],
    flags: Sequence[Flag],
    notes: Sequence[str],
) -> list[Improvement]:
    """Every weakness with its tip, most serious first: red flags, contradicted points, substance flags,
    missing points, then partly shown ones. Met points never appear, nor a point whose tip a red flag gives
    (the red flag is the graver form of the same gap: "Instead, name PR-AUC." once, not twice)."""
    found, claimed = _red_flag_improvements(red_flags, checks)
    checks = [c for c in checks if c.point not in claimed or c.status is RubricStatus.CONTRADICTED]
    found += [
        Improvement(
            f"Contradicts a rubric point: {_lower_first(c.point.rstrip('.'))}"
            + (f" (you said \u201c{quote(c.evidence)}\u201d)." if c.evidence else "."),
            c.tip or point_instruction(c.point),
        )
        for c in checks
        if c.status is RubricStatus.CONTRADICTED
    ]
    for flag in SUBSTANCE_FLAGS:
        if flag in flags:
            note = next((n for n in notes if _note_matches(flag, n)), "")
            found.append(Improvement(note or _FLAG_WEAKNESS[flag], FLAG_TIPS[flag]))
    found += [
        Improvement(f"Missing: {_lower_first(c.point)}", c.tip or point_instruction(c.point))
        for c in checks
        if c.status is RubricStatus.MISSING
    ]
    found += [
        Improvement(f"Not clearly shown: {_lower_first(c.point)}", c.tip or point_instruction(c.point))
        for c in checks
        if c.status is RubricStatus.PARTLY
    ]
    return [Improvement(_sentence(i.weakness), _sentence(i.tip)) for i in found]


_FLAG_WEAKNESS = {
    Flag.NO_SPECIFICS: "The answer names no number, method, tool, metric or concrete action of yours.",
    Flag.NO_DIRECT_EXPERIENCE: "The answer says what you would do, not what you did.",
    Flag.INSTRUCTS_GRADER: "Part of the answer addresses the grader; it was removed and not scored.",
}
_NOTE_WORDS = {
    Flag.NO_SPECIFICS: "names no number",
    Flag.NO_DIRECT_EXPERIENCE: "first-hand",
    Flag.INSTRUCTS_GRADER: "grader",
}


def _note_matches(flag: Flag, note: str) -> bool:
    return _NOTE_WORDS[flag] in note.lower()


def strengths(
    checks: Sequence[RubricCheck],
    red_flags: Sequence[RedFlagFinding],
    score: int,
    confirm_at: float,
) -> list[str]:
    """The met points the answer's own words confirm, each with its quote; none at or below
    ``NO_STRENGTHS_AT_OR_BELOW``.

    Args:
        checks: The rubric checks (``support``: the checker's P(states) for the quoted sentence, or
            ``None`` where no checker ran).
        red_flags: Red flags found; a sentence stating one is never quoted as a strength. A point the
            checker also finds contradicted (``contradiction >= MIXED_CONTRADICTION``) is not praised, nor one
            whose sentence reads as a red flag (``red_flag_reading >= PRAISE_RED_FLAG_BELOW``).
        score: The answer's score.
        confirm_at: The least ``support`` that confirms a quote (the fitted ``met`` threshold).
    """
    if score <= NO_STRENGTHS_AT_OR_BELOW:
        return []
    tainted = {normalize_text(f.evidence) for f in red_flags if f.evidence}
    tainted |= {normalize_text(c.evidence) for c in checks if c.status is RubricStatus.CONTRADICTED and c.evidence}
    kept = [
        c
        for c in checks
        if c.status is RubricStatus.MET
        and c.evidence
        and (c.support is None or c.support >= confirm_at)
        and (c.contradiction or 0.0) < MIXED_CONTRADICTION
        and (c.red_flag_reading or 0.0) < PRAISE_RED_FLAG_BELOW
        and not is_hypothetical(c.evidence)
        and not any(normalize_text(c.evidence) in t or t in normalize_text(c.evidence) for t in tainted)
    ]
    kept.sort(key=lambda c: -(c.support if c.support is not None else c.coverage))
    return [f"{c.point.rstrip('.')}: \u201c{quote(c.evidence or '')}\u201d" for c in kept[:MAX_ITEMS]]


_FLAG_REASONS = {
    Flag.NO_DIRECT_EXPERIENCE: "It says what you would do rather than what you did, which costs 15 points.",
    Flag.INSTRUCTS_GRADER: "Text addressed to the grader was removed and costs 15 points.",
    Flag.NO_SPECIFICS: "It names no number, method, tool or metric.",
}


def justification_opening(checks: Sequence[RubricCheck], score: int) -> str:
    """The template justification's first sentence: the score and how many rubric points the checks find shown."""
    met = sum(c.status is RubricStatus.MET for c in checks)
    partly = sum(c.status is RubricStatus.PARTLY for c in checks)
    text = (
        f"The answer scores {score}/100: it clearly shows {met} of {len(checks)} rubric points"
        if checks
        else (f"The answer scores {score}/100 on its relevance to the question")
    )
    return text + (f" and {partly} only in part." if partly else ".")


def justification_findings(
    checks: Sequence[RubricCheck],
    red_flags: Sequence[RedFlagFinding],
    flags: Sequence[Flag] = (),
    *,
    name_partly: bool = False,
) -> str:
    """What lowered the score, in the checks' own words: the error found (a red flag, else a contradicted point),
    points contradicted elsewhere in the answer, the substance flags, and the main gap (the first missing point;
    with ``name_partly``, the first partly shown one when none is missing). Each sentence starts with a space;
    ``""`` when nothing lowered the score."""
    contradicted = [c for c in checks if c.status is RubricStatus.CONTRADICTED]
    mixed = [
        c
        for c in checks
        if c.status is not RubricStatus.CONTRADICTED and (c.contradiction or 0.0) >= MIXED_CONTRADICTION
    ]
    missing = [c for c in checks if c.status is RubricStatus.MISSING]
    partly = [c for c in checks if c.status is RubricStatus.PARTLY]
    text = ""
    if red_flags:
        text += f" It states an error an interviewer marks down: {_lower_first(red_flags[0].flag.rstrip('.'))}."
    elif contradicted:
        text += f" It contradicts a rubric point: {_lower_first(contradicted[0].point.rstrip('.'))}."
    if mixed:
        points = "a rubric point" if len(mixed) == 1 else f"{len(mixed)} rubric points"
        text += (
            f" In places it also says the opposite of {points} ({_lower_first(mixed[0].point.rstrip('.'))}), "
            "which lowers the score."
        )
    text += "".join(f" {_FLAG_REASONS[flag]}" for flag in SUBSTANCE_FLAGS if flag in flags)
    if not (red_flags or contradicted):
        if missing:
            text += f" The main gap: {_lower_first(missing[0].point.rstrip('.'))}."
        elif partly and name_partly:
            text += f" Not clearly shown: {_lower_first(partly[0].point.rstrip('.'))}."
    return text


def alignment_sentence(alignment: Sequence[str]) -> str:
    """The job requirement the answer speaks to, as a sentence with a leading space (``""`` for none)."""
    return f" It speaks to the job's requirement: {_lower_first(alignment[0].rstrip('.'))}." if alignment else ""


def template_justification(
    checks: Sequence[RubricCheck],
    red_flags: Sequence[RedFlagFinding],
    score: int,
    alignment: Sequence[str] = (),
    flags: Sequence[Flag] = (),
) -> str:
    """The justification the checks support on their own: the score, the points shown, what lowered the
    score (an error, points contradicted elsewhere in the answer, the substance flags), the main gap."""
    return (
        justification_opening(checks, score)
        + justification_findings(checks, red_flags, flags)
        + alignment_sentence(alignment)
    )


def grounded_feedback(
    checks: Sequence[RubricCheck],
    score: int,
    flags: Sequence[Flag],
    notes: Sequence[str],
    alignment: Sequence[str] = (),
    red_flags: Sequence[RedFlagFinding] = (),
    confirm_at: float = 0.5,
    translated: bool = False,
) -> Feedback:
    """Strengths, weaknesses and tips from the checks (see the module docstring), and the template justification.

    With ``translated`` (the answer was scored on its English translation), each strength says its
    quote is from the translation.
    """
    fixes = improvements(checks, red_flags, flags, notes)[:MAX_ITEMS]
    tips = [fix.tip for fix in fixes]
    if not fixes:
        tips = ["Keep the same structure next time: the situation, your actions, and a measured result."]
    praised = strengths(checks, red_flags, score, confirm_at)
    if translated:
        praised = [f"{item} (from the English translation)" for item in praised]
    return Feedback(
        praised,
        [fix.weakness for fix in fixes],
        tips,
        template_justification(checks, red_flags, score, alignment, flags),
    )


def gated_feedback(score: int, flags: Sequence[Flag], notes: Sequence[str]) -> Feedback:
    """Short, honest feedback for an answer the gate stopped: its notes, the reason it was stopped first (the
    gate's note comes last in ``notes``), each with its instruction; nothing more.

    A new user saw an answer stopped as too short, whose only weakness was the note on the grader-directed
    line removed before it: the reason for the score was missing.
    """
    found = [*notes[-1:], *notes[:-1]][:MAX_ITEMS] or ["The answer could not be scored on its content."]
    stop = [f for f in flags if f in GATE_STOPS]
    ordered = list(dict.fromkeys([*stop[-1:], *(f for f in flags if f in FLAG_TIPS)]))
    tips = [FLAG_TIPS[f] for f in ordered][: len(found)] or [FLAG_TIPS[Flag.TOO_SHORT]]
    reason = _sentence(found[0])
    return Feedback(
        [],
        [_sentence(note) for note in found],
        tips,
        f"The answer scores {score}/100: it was not scored on content. {reason}",
    )


# -- The judge's justification ---------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?](?=\s)")
# A blank line, a heading, or a list: the justification is prose, and a list after "the criteria:" ends it.
_PROSE_END = re.compile(r"\n\s*\n|\n(?=\s*[#*]*\s*[A-Z]{4,}[A-Z ]*:)|\n(?=\s*(?:\d+[.)]|[-*\u2022])\s)")


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


def _complete_sentences(text: str) -> tuple[list[str], str]:
    """The finished sentences of ``text`` and the unfinished rest."""
    ends = list(_SENTENCE_END.finditer(text))
    if not ends:
        return [], text
    cut = ends[-1].end()
    done = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text[:cut].strip()) if s.strip()]
    return done, text[cut:]


def feedback_lists_text(feedback: Feedback) -> str:
    """The three lists in the streamed layout (``STRENGTHS:`` ... ``TIPS:``), each item a ``- `` line."""
    blocks = []
    sections = (("STRENGTHS", feedback.strengths), ("WEAKNESSES", feedback.weaknesses), ("TIPS", feedback.tips))
    for heading, items in sections:
        lines = [f"- {item}" for item in items] or ["- (none)"]
        blocks.append(f"{heading}:\n" + "\n".join(lines))
    return "\n\n".join(blocks)


def write_justification(
    generate: Callable[[list[ChatMessage], int], Iterator[str]],
    messages: Sequence[ChatMessage],
    start: str,
    keep: Callable[[str], bool],
    on_chunk: Callable[[str], None] | None = None,
) -> tuple[str, float | None]:
    """Have the judge finish ``start`` into at most ``JUSTIFICATION_SENTENCES`` sentences; stream the kept ones.

    Each sentence is shown only once it is complete and ``keep`` passes it (the first one is
    ``start`` plus the judge's words), so a claim the checks contradict never reaches the page; at
    the first sentence refused, writing stops.

    Args:
        generate: The judge's ``generate``.
        messages: The request; the reply is prefilled with ``"JUSTIFICATION:\\n" + start``.
        start: The words the justification starts with (``The answer scores N/100 because``).
        keep: Whether a finished sentence may stand.
        on_chunk: Called with each kept sentence (a leading space between sentences).

    Returns:
        The kept sentences joined ("" when none was kept), and the seconds to the judge's first token.
    """
    started = time.perf_counter()
    first: float | None = None
    prefix = "JUSTIFICATION:\n" + start
    stream = generate([*messages, {"role": "assistant", "content": prefix}], JUSTIFICATION_TOKENS)
    text, kept, seen, done = start, [], 0, False

    def settle(sentences: list[str]) -> bool:
        """Keep the sentences ``keep`` passes; at the first it refuses, stop (what follows builds on it)."""
        for sentence in sentences:
            empty = not kept and len(sentence.split()) < len(start.split()) + MIN_REASON_WORDS
            if empty or not keep(sentence):
                return False
            if on_chunk is not None:
                on_chunk((" " if kept else "") + sentence)
            kept.append(sentence)
        return True

    try:
        for chunk in stream:
            if first is None:
                first = time.perf_counter() - started
            text += chunk
            body, done = cut_prose(text, JUSTIFICATION_SENTENCES)
            finished, _ = _complete_sentences(body if not done else body + " ")
            refused = not settle(finished[seen:])
            seen = len(finished)
            if done or refused:
                done = True
                break
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    if not done:  # the budget ran out: an unfinished last sentence is dropped
        finished, _ = _complete_sentences(text + " ")
        settle(finished[seen:])
    return " ".join(kept), first
