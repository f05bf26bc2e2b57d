"""STAR structure of a behavioural answer: which of Situation, Task, Action and Result it shows, and where.

Deterministic and model-free: each sentence of the answer gets a cue score per part (tables below), a
position prior nudges scene-setting to the start and outcomes to the end, and each part takes its
best-scoring sentence when that clears ``SHOWN_AT``. The result sentence is then checked for a
measurable outcome (a number, percentage, time, money or a clear before/after).

The cue weights and ``SHOWN_AT`` were set by hand on the first half (by id) of the labelled set in
``scoring/data/star/behavioural_answers.jsonl``, labelled before the detector was written; the second half
was held out, then read once for general fixes (a before/after pattern that matched any "from ... to",
"I started ..." and two adverbs before a verb). ``python -m scoring.star`` reports agreement on each half.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from scoring.feedback import quote
from scoring.text import normalize_text, split_sentences
from scoring.types import StarStructure

LABELLED_SET = Path(__file__).resolve().parent / "data" / "star" / "behavioural_answers.jsonl"
SHOWN_AT = 1.0  # a part is shown by a sentence whose cue score (plus position prior) reaches this
QUOTE_CHARS = 160  # a longer quoted sentence in ``star_lines`` is cut at a word and ends with "…"


class StarPart(StrEnum):
    """The four parts of a STAR answer, in their usual order."""

    SITUATION = "situation"
    TASK = "task"
    ACTION = "action"
    RESULT = "result"


@dataclass(frozen=True)
class PartFinding:
    """Whether an answer shows one STAR part, and the sentence (verbatim, with its index) that shows it."""

    part: StarPart
    shown: bool
    sentence: str | None = None
    index: int | None = None  # into ``split_sentences(normalize_text(answer))``


@dataclass(frozen=True)
class StarAnalysis:
    """The STAR parts an answer shows, whether its result is measurable, and what to add (candidate-facing)."""

    situation: PartFinding
    task: PartFinding
    action: PartFinding
    result: PartFinding
    result_has_outcome: bool
    notes: list[str]

    def finding(self, part: StarPart) -> PartFinding:
        """The finding for ``part``."""
        return {
            StarPart.SITUATION: self.situation,
            StarPart.TASK: self.task,
            StarPart.ACTION: self.action,
            StarPart.RESULT: self.result,
        }[part]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict: ``{"situation": {"shown", "sentence", "index"}, ..., "result_has_outcome", "notes"}``."""
        data: dict[str, object] = {}
        for part in StarPart:
            finding = self.finding(part)
            data[part.value] = {"shown": finding.shown, "sentence": finding.sentence, "index": finding.index}
        data["result_has_outcome"] = self.result_has_outcome
        data["notes"] = list(self.notes)
        return data


MISSING_NOTES = {
    StarPart.SITUATION: "Add the situation: one or two sentences on where you were, when, and what was going on.",
    StarPart.TASK: "Add the task: say what you were responsible for or what you needed to achieve.",
    StarPart.ACTION: "Add your actions: say what you did yourself, step by step, with “I”.",
    StarPart.RESULT: "Add the result: what changed, with a number if you have one.",
}
NO_OUTCOME_NOTE = (
    "Make the result measurable: say what changed, with a number, a time, an amount or a before and after."
)

# -- Cue tables ------------------------------------------------------------------------------------------
# (pattern, weight) per part, matched case-insensitively against one sentence. Weights are hand-set on the
# development half of the labelled set; a weight of 1.0 or more shows the part on its own.

_NUMBER_WORDS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|"
    "hundred|thousand|million|billion|half|quarter|double|dozen"
)
_UNITS = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|quarters?|years?|times|sprints?|percent|per ?cent)"
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_ORG = (
    r"(?:company|startup|start-up|agency|bank|charity|school|hospital|retailer|consultancy|firm|trust|group|"
    r"university|insurer|shop|store|chain|studio|council|ministry|team|department|job|role|employer|project)"
)
_LABEL = r"^\W*(?:{})\s*[:\-–]"

_SITUATION_CUES: tuple[tuple[str, float], ...] = (
    (_LABEL.format("situation|context|background|setting"), 3.0),
    # an explicit time anchor ("last year", "two years ago", "in 2021") sets a scene on its own
    (r"\b(?:last|that|this) (?:year|month|week|spring|summer|autumn|fall|winter|quarter)\b", 1.0),
    (r"\b(?:\w+|a few|a couple of) (?:years?|months?|weeks?) ago\b", 1.0),
    (rf"\bin (?:(?:early|late|mid-?)\s*)?(?:(?:19|20)\d\d|{_MONTHS})\b", 1.0),
    (r"\b(?:back in|during the|halfway through|at the time|once|at one point|a while ago)\b", 0.6),
    (r"\b(?:when|while) (?:i|we) (?:joined|was|were|started|took over|worked|first)\b", 0.9),
    (rf"\b(?:at|in|on) (?:my|our) (?:last|previous|current|first|old|former|second|\w+) {_ORG}\b", 0.9),
    (rf"\bat (?:an?|the) (?:[\w\-]+ ){{0,3}}{_ORG}\b|\bat (?:university|school|college|work)\b", 0.7),
    (r"\b(?:i|we) (?:was|were|am|are|'m) an? \w+", 0.5),  # "I was a junior analyst", "we were a team of four"
    (r"\b(?:i|we) (?:was|were|am|are|'m) (?:working|employed|based)\b", 0.9),
    (r"\bi(?: worked| was) (?:as|at|for|on)\b", 0.6),
    (r"\b(?:we|they|the team|our \w+) had (?!to\b)", 0.5),
    (r"\bthere (?:was|were|had been)\b", 0.5),
    (r"\b(?:our|the|my) (?:team|company|department|client|customer|manager|director|product|site|app)\b", 0.2),
    (r"\b(?:was|were|is|are) (?!\w+ing to\b)\w{3,}ing\b", 0.4),  # progressive: background action
    (r"\bhad (?:been|just|already|\w+ed)\b", 0.4),  # past perfect: what happened before the story
    (r"\bkept \w+ing\b|\bkeep \w+ing\b", 0.5),
    (
        r"\b(?:struggl\w*|late|overrun\w*|falling|complain\w*|understaffed|delayed|furious|crash\w*|clash\w*|"
        r"disagreed|cancel\w*|problem|issue|broken|on fire|failing|losing|drowning|overwhelmed|behind|"
        r"nobody|no one|without|too (?:long|slow|many))\b",
        0.4,
    ),
)

_TASK_CUES: tuple[tuple[str, float], ...] = (
    (_LABEL.format("task|goal|objective|challenge|problem"), 3.0),
    (r"\b(?:my|our|the) (?:job|task|role|goal|aim|responsibility|brief|mission|objective|challenge) (?:was|is)\b", 1.6),
    (r"\bi (?:was|am|'m) (?:responsible|in charge|accountable|tasked|asked|expected|supposed|meant)\b", 1.6),
    (r"\b(?:asked|asks|told|tells|needed|wanted|wants|needs) me to\b|\bgave me the (?:job|task)\b", 1.4),
    (r"\b(?:i|we) (?:needed|had|have|need|must|got) to\b|^(?:needed|had) to\b", 1.2),
    (r"\bit(?: was|'s| is) (?:on me|my job|my responsibility|up to me|my call|my task)\b", 1.4),
    (r"\b(?:was|were|is|are) mine\b|\bmine to\b|\bfell to me\b|\bso it was my\b", 1.2),
    (r"\bi (?:owned|own|volunteered to|decided to take|took it on|took ownership|took on|had taken)\b", 1.1),
    (r"\bi (?:was|am|'m) the (?:only )?(?:[\w\-]+ ){0,2}(?:lead|manager|owner|developer|engineer|analyst)\b", 0.5),
    (r"\bi wanted to\b|\bmy plan was\b", 0.6),
    (r"\b(?:so that|in order to|without (?:hurting|lowering|losing|breaking))\b", 0.3),
)

_RESULT_CUES: tuple[tuple[str, float], ...] = (
    (_LABEL.format("result|results|outcome|impact"), 3.0),
    (r"\b(?:as a result|the (?:outcome|result|upshot) was|in the end|by the end|in the first|resulted in)\b", 1.3),
    (
        r"\b(?:which|that|this) led to\b|\bwhich meant\b|\bended up\b|\bsince then\b|\bafter that\b|\bfrom then on\b",
        0.8,
    ),
    (
        r"(?<!to )\b(?:dropped|fell|reduced|decreased|increased|rose|grew|improved|doubled|halved|tripled|saved|saves|"
        r"went (?:from|down|up)|goes (?:down|up)|came down|cut (?:\w+ )*by|reached|stayed (?:under|below|above)|"
        r"exceeded|beat|won|win|went live|shipped|delivered|deliver|launched on|extended|renewed|signed off|"
        r"got promoted|caught|finished|completed|became|came round|settled down|went out|paid off|fizzled out)\b",
        0.9,
    ),
    (r"\b(?:drop|rise|increase|reduction|fall|saving|savings|improvement|growth) (?:of|in)\b", 0.5),
    # vague results still show the part (the outcome check then asks for a number)
    (r"\b(?:went|going|go|goes) (?:really |very )?well\b|\bworked out\b", 1.0),
    (r"\b(?:was|were|are|is) (?:\w+ )?(?:happy|pleased)\b", 1.0),
    (r"\b(?:positive|good|great) (?:feedback|grade|reviews?)\b|\breally liked\b", 0.9),
    (r"\bmore confident\b|\bmuch better\b", 0.9),
    # a lesson learned is a result of a story about failure
    (r"\b(?:i|we) learn(?:ed|t) (?:that|a lot|to|how|from)\b|\bwhat i learn(?:ed|t)\b", 0.8),
    (r"\blesson\b|\blooking back\b", 0.8),
    (r"\bnow\b|\bever since\b|\bstill (?:used|in use|running)\b", 0.4),
    (r"\bnever did before\b|\binstead of\b|\bno longer\b|\bwithout a single\b|\bzero\b|\bhalf as many\b", 0.5),
    (r"\d\s?%|\bper ?cent\b|[$£€]\s?\d|\b(?:dollars|pounds|euros)\b", 0.4),
)

# A generic or hypothetical sentence ("I always help", "I would ask") tells no story: it shows no part.
_GENERIC = re.compile(
    r"\bi(?: am| 'm|'m)? (?:always|usually|generally|normally|typically|tend to|would|will|try to)\b|"
    r"\b(?:whenever|the kind of person|i'd|i'll|if i)\b",
    re.IGNORECASE,
)

# Action: "I" or "we" then a past-tense verb (or a narrative present one), outside a when/because clause.
_IRREGULAR_PAST = (
    "built|wrote|set|ran|met|took|made|sent|held|broke|drew|chose|led|found|spoke|told|gave|put|brought|"
    "bought|began|sat|spent|read|split|kept|taught|rewrote|rebuilt|redid|paid|stepped|dug|fought|"
    "went through|went back|sat down|won over"
)
# Verbs after "I"/"we" that are states, feelings or outcomes rather than actions.
_NOT_ACTIONS = {
    "wanted", "needed", "liked", "loved", "hated", "felt", "seemed", "learned", "learnt", "realised", "realized",
    "noticed", "worked", "used", "supposed", "joined", "remembered", "disagreed", "believed",
    "hoped", "owned", "volunteered", "guessed", "expected", "preferred", "enjoyed", "managed", "tried",
    "succeeded", "failed", "missed", "forgot", "received", "reached", "dropped", "cut", "delivered",
    "shipped", "launched", "reduced", "increased", "improved", "saved", "got", "had", "was", "were", "did",
}  # fmt: skip
_PRESENT_ACTION = (
    "call|look|offer|pair|build|write|review|split|set up|go through|talk|ask|meet|run|fix|adjust|plan|"
    "send|test|add|move|take|organise|organize|rewrite|rebuild|analyse|analyze|map|train|propose|suggest|"
    "create|introduce|book|check|explain|present|collect|trace|visit|invite|schedule"
)
_ADVERB = r"(?:(?:also|then|first|quickly|immediately|personally|just|kind of|finally|eventually|together) ){0,2}"
_ACTION_SUBJECT = re.compile(
    rf"(?:^|[,;:]\s*|\b(?:and|so|then|but)\s+)(i|we)\s+{_ADVERB}(\w+(?: \w+)?)",
    re.IGNORECASE,
)
_SUBORDINATE = re.compile(r"\b(?:when|while|because|since|before|after|where|who|that|if|until|as)\s+$", re.I)
_LIST_VERB = re.compile(rf"(?:,\s*(?:and\s+)?|\band\s+|\bthen\s+)(?:i\s+)?{_ADVERB}(\w+ed|{_IRREGULAR_PAST})\b", re.I)
_ACTION_LABEL = re.compile(_LABEL.format("action|actions|what i did|approach"), re.IGNORECASE)
_AUXILIARY = re.compile(r"^(?:had|was|were|am|are|'m|have|has)\b", re.IGNORECASE)  # past perfect, progressive
_KEPT_DOING = re.compile(r"kept \w+ing")  # "we kept clashing": a state of affairs, not an action
_IRREGULAR_PAST_RE = re.compile(rf"(?:{_IRREGULAR_PAST})")
_PRESENT_ACTION_RE = re.compile(rf"(?:{_PRESENT_ACTION})")

_OUTCOME = re.compile(
    rf"\d|%|[$£€]|\b(?:{_NUMBER_WORDS})\b|\b(?:a|one|per) (?:{_UNITS})\b|"
    r"\b(?:dollars|pounds|euros|per ?cent)\b|"
    r"\b(?:went|moved|changed|dropped|fell|rose|grew|cut \w+) from\b|"
    r"\b(?:instead of|no longer|never did before|half as many|twice as many)\b|"
    r"\b(?:zero|none|no errors|no complaints|without a single|not a single|nobody|no one)\b|"
    r"\b(?:on time|early|ahead of schedule|on the agreed date|before the deadline|went live|won|win)\b",
    re.IGNORECASE,
)

_COMPILED: dict[StarPart, tuple[tuple[re.Pattern[str], float], ...]] = {
    StarPart.SITUATION: tuple((re.compile(p, re.IGNORECASE), w) for p, w in _SITUATION_CUES),
    StarPart.TASK: tuple((re.compile(p, re.IGNORECASE), w) for p, w in _TASK_CUES),
    StarPart.RESULT: tuple((re.compile(p, re.IGNORECASE), w) for p, w in _RESULT_CUES),
}


def _cue_score(sentence: str, part: StarPart) -> float:
    return sum(weight for pattern, weight in _COMPILED[part] if pattern.search(sentence))


def _is_action_verb(verb: str) -> bool:
    """Whether a word after "I"/"we" is an action in the past (or narrative present) tense."""
    low = verb.lower()
    first = low.split(" ")[0]
    if _AUXILIARY.match(low) or first in _NOT_ACTIONS or _KEPT_DOING.fullmatch(low):
        return False
    if any(pattern.fullmatch(word) for pattern in (_IRREGULAR_PAST_RE, _PRESENT_ACTION_RE) for word in (low, first)):
        return True
    return first.endswith("ed") and len(first) > 4


def action_score(sentence: str) -> float:
    """Cue score for Action: 1.1 for "I <did something>", 1.0 with "we", 0.25 per further listed verb.

    Args:
        sentence: one answer sentence.

    Returns:
        0.0 when no first-person action is told; 3.0 and more for a labelled ``Action:`` line.
    """
    score = 3.0 if _ACTION_LABEL.search(sentence) else 0.0
    best = 0.0
    for match in _ACTION_SUBJECT.finditer(sentence):
        if _SUBORDINATE.search(sentence[max(0, match.start(1) - 12) : match.start(1)]):
            continue
        if _is_action_verb(match.group(2)):
            best = max(best, 1.1 if match.group(1).lower() == "i" else 1.0)
    if best or score:
        score += best + 0.25 * min(3, len(_LIST_VERB.findall(sentence)))
    return score


OPENING_BONUS = 0.7  # the first sentence that sets a scene and shows no other part is the situation
ACTION_OVER_SITUATION = 0.5  # a sentence that tells an action is scene-setting only with strong cues
OUTCOME_BONUS = 0.4  # among result sentences, one with a measurable outcome beats a vague one or a lesson


def _position_prior(part: StarPart, index: int, count: int) -> float:
    """Scene-setting tends to come first and outcomes last; a small nudge, never enough on its own."""
    if count < 2:
        return 0.0
    if part is StarPart.SITUATION:
        return 0.3 if index == 0 else 0.1 if index == 1 else 0.0
    if part is StarPart.RESULT:
        return 0.3 if index == count - 1 else 0.0
    return 0.0


def _sentence_scores(sentence: str, index: int, count: int) -> dict[StarPart, float]:
    """Cue scores of one sentence, with the position prior, the action penalty and the outcome bonus."""
    if _GENERIC.search(sentence):
        return dict.fromkeys(StarPart, 0.0)
    row = {part: _cue_score(sentence, part) for part in _COMPILED}
    row[StarPart.ACTION] = action_score(sentence)
    for part in StarPart:
        if row[part] > 0:
            row[part] += _position_prior(part, index, count)
    if row[StarPart.ACTION] >= SHOWN_AT:
        row[StarPart.SITUATION] = max(0.0, row[StarPart.SITUATION] - ACTION_OVER_SITUATION)
    if row[StarPart.RESULT] > 0 and has_outcome(sentence):
        row[StarPart.RESULT] += OUTCOME_BONUS
    return row


def part_scores(sentences: Sequence[str]) -> list[dict[StarPart, float]]:
    """Per sentence, the score of each STAR part (0.0 for generic sentences such as "I always help").

    Cue tables plus a position prior; the first sentence that has a situation cue and shows no other part
    gets ``OPENING_BONUS`` (answers often open with the scene, or open with the result and then the scene).

    Args:
        sentences: the answer's sentences, as ``split_sentences(normalize_text(answer))`` gives them.

    Returns:
        One ``{part: score}`` dict per sentence; a part is shown where a score reaches ``SHOWN_AT``.
    """
    scores = [_sentence_scores(sentence, index, len(sentences)) for index, sentence in enumerate(sentences)]
    others = (StarPart.TASK, StarPart.ACTION, StarPart.RESULT)
    for row in scores:
        if row[StarPart.SITUATION] > 0 and all(row[part] < SHOWN_AT for part in others):
            row[StarPart.SITUATION] += OPENING_BONUS
            break
    return scores


def has_outcome(sentence: str) -> bool:
    """Whether a result sentence names a measurable outcome: a number, percentage, time, money or before/after."""
    return bool(_OUTCOME.search(sentence))


def analyse_star(answer: str) -> StarAnalysis:
    """Which STAR parts ``answer`` shows, the sentence for each, and notes on what to add.

    Args:
        answer: the candidate's answer, untrusted free text (any length; empty is fine).

    Returns:
        A ``StarAnalysis``; each part's sentence is verbatim from ``split_sentences(normalize_text(answer))``.
    """
    sentences = split_sentences(normalize_text(answer))
    scores = part_scores(sentences)
    findings: dict[StarPart, PartFinding] = {}
    for part in StarPart:
        best_index, best_score = None, 0.0
        for index, row in enumerate(scores):
            if row[part] >= SHOWN_AT and row[part] > best_score:
                best_index, best_score = index, row[part]
        if best_index is None:
            findings[part] = PartFinding(part, False)
        else:
            findings[part] = PartFinding(part, True, sentences[best_index], best_index)
    result = findings[StarPart.RESULT]
    outcome = result.sentence is not None and has_outcome(result.sentence)
    notes = [MISSING_NOTES[part] for part in StarPart if not findings[part].shown]
    if result.shown and not outcome:
        notes.append(NO_OUTCOME_NOTE)
    return StarAnalysis(
        situation=findings[StarPart.SITUATION],
        task=findings[StarPart.TASK],
        action=findings[StarPart.ACTION],
        result=result,
        result_has_outcome=outcome,
        notes=notes,
    )


def star_lines(analysis: StarAnalysis) -> list[str]:
    """The analysis as four short display lines, one per part, for the report and the exports.

    Args:
        analysis: what ``analyse_star`` returned.

    Returns:
        e.g. ``["Situation: shown - “Last year our team …”", ..., "Result: missing - Add the result: …"]``.
    """
    lines = []
    for part in StarPart:
        finding = analysis.finding(part)
        name = part.value.capitalize()
        if not finding.shown or finding.sentence is None:
            lines.append(f"{name}: missing - {MISSING_NOTES[part]}")
        elif part is StarPart.RESULT and not analysis.result_has_outcome:
            lines.append(
                f"{name}: shown, no outcome or number - “{quote(finding.sentence, QUOTE_CHARS)}” {NO_OUTCOME_NOTE}"
            )
        else:
            lines.append(f"{name}: shown - “{quote(finding.sentence, QUOTE_CHARS)}”")
    return lines


def star_structure(answer: str) -> StarStructure:
    """``analyse_star`` as the ``StarStructure`` an assessment carries (sentences, outcome, notes, lines)."""
    analysis = analyse_star(answer)
    return StarStructure(
        sentences={part.value: analysis.finding(part).sentence for part in StarPart},
        result_has_outcome=analysis.result_has_outcome,
        notes=list(analysis.notes),
        lines=star_lines(analysis),
    )


# -- Benchmark on the labelled set ----------------------------------------------------------------------


@dataclass(frozen=True)
class LabelledAnswer:
    """One hand-labelled answer: per part the index of a sentence showing it (None: not shown)."""

    id: str
    question: str
    answer: str
    labels: dict[StarPart, int | None]
    result_has_outcome: bool


def load_labelled(path: Path = LABELLED_SET) -> list[LabelledAnswer]:
    """The labelled answers in ``path`` (JSON lines), sorted by id."""
    answers = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            data = json.loads(line)
            labels = {part: data["labels"][part.value] for part in StarPart}
            answers.append(
                LabelledAnswer(data["id"], data["question"], data["answer"], labels, bool(data["result_has_outcome"]))
            )
    return sorted(answers, key=lambda a: a.id)


@dataclass(frozen=True)
class StarAgreement:
    """Agreement of ``analyse_star`` with the labels over a set of answers (shares in 0..1)."""

    answers: int
    shown: float  # parts (4 per answer) where shown / not shown agrees
    sentence: float  # parts where shown agrees and, when shown, the chosen sentence is the labelled one
    sentence_of_labelled: float  # of the parts labelled shown, those where the chosen sentence is the labelled one
    outcome: float  # answers where result_has_outcome agrees
    shown_by_part: dict[StarPart, float]
    sentence_by_part: dict[StarPart, float]


def agreement(answers: Sequence[LabelledAnswer]) -> StarAgreement:
    """How often ``analyse_star`` agrees with the labels of ``answers`` (must not be empty)."""
    shown = {part: 0 for part in StarPart}
    exact = {part: 0 for part in StarPart}
    labelled = labelled_exact = outcome = 0
    for item in answers:
        analysis = analyse_star(item.answer)
        for part in StarPart:
            finding, label = analysis.finding(part), item.labels[part]
            if finding.shown == (label is not None):
                shown[part] += 1
                exact[part] += finding.index == label
            if label is not None:
                labelled += 1
                labelled_exact += finding.index == label
        outcome += analysis.result_has_outcome == item.result_has_outcome
    n = len(answers)
    return StarAgreement(
        answers=n,
        shown=sum(shown.values()) / (4 * n),
        sentence=sum(exact.values()) / (4 * n),
        sentence_of_labelled=labelled_exact / labelled if labelled else 1.0,
        outcome=outcome / n,
        shown_by_part={part: shown[part] / n for part in StarPart},
        sentence_by_part={part: exact[part] / n for part in StarPart},
    )


def _report(name: str, result: StarAgreement) -> list[str]:
    per_part = ", ".join(
        f"{part.value} {result.shown_by_part[part]:.0%}/{result.sentence_by_part[part]:.0%}" for part in StarPart
    )
    return [
        f"{name} ({result.answers} answers, {4 * result.answers} parts)",
        f"  shown/not shown agrees: {result.shown:.1%}",
        f"  shown agrees and, where shown, same sentence as labelled: {result.sentence:.1%}",
        f"  of the parts labelled shown, same sentence as labelled: {result.sentence_of_labelled:.1%}",
        f"  result_has_outcome agrees: {result.outcome:.1%}",
        f"  per part (shown / same sentence): {per_part}",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Print agreement on the labelled set: the development half, the held-out half and all (exit 0)."""
    path = Path(argv[0]) if argv else LABELLED_SET
    answers = load_labelled(path)
    half = len(answers) // 2
    lines = [f"STAR detection vs hand labels in {path.name}"]
    lines += _report(f"development half ({answers[0].id}..{answers[half - 1].id})", agreement(answers[:half]))
    lines += _report(f"held-out half ({answers[half].id}..{answers[-1].id})", agreement(answers[half:]))
    lines += _report("all", agreement(answers))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
