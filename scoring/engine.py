"""Score one answer: clean, gate, rubric checks or reference-answer signals, a 0-100 score, feedback.

``score_answer`` is the one entry point the pages, the command line, the workers and the benchmark
call. It depends only on the ``Judge``, ``Embedder`` and ``RubricChecker`` protocols. Candidate text
is cleaned first (``scoring.untrusted``). Rubric questions are checked point by point and red flag
by red flag by the rubric checker and scored by the fitted combination of ``scoring.rubric``;
without a checker (unit tests, a custom set-up) the judge's yes/no per point stands in, combined as
documented on ``ScoreModel``. Reference-answer questions use ``scoring.reference``. Both models
come from ``scoring/calibration.json`` (``python -m scoring.calibrate``). Feedback is written
from the checks, with a justification the judge writes and the checker vets (``scoring.feedback``).
"""

from __future__ import annotations

import functools
import json
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from models.protocols import Embedder, Judge, RubricChecker
from question_banks.requirements import JobRequirement, requirement_matches
from question_banks.schema import Anchor, QuestionBank, RedFlag, RubricPoint
from scoring import prompts
from scoring.feedback import (
    NO_STRENGTHS_AT_OR_BELOW,
    Feedback,
    alignment_sentence,
    denies_a_met_point,
    feedback_lists_text,
    gated_feedback,
    grounded_feedback,
    justification_findings,
    point_gist,
    write_justification,
)
from scoring.gate import GATE_MAX_SCORE, GateResult, run_gate
from scoring.reference import (
    DEFAULT_EXAMPLE_MODEL,
    DEFAULT_REFERENCE_MODEL,
    GradedExample,
    LinearModel,
    ReferenceScorer,
    best_reference,
    reference_features,
    sigmoid,
)
from scoring.rubric import RubricEvidence, RubricScoreModel, RubricSignals, gather_evidence, lead_checker
from scoring.star import star_structure
from scoring.text import counted, normalize_text, split_sentences, truncate_words, words
from scoring.types import AnswerAssessment, DeliveryFigures, Flag, RedFlagFinding, RubricCheck, RubricStatus, Timings
from scoring.untrusted import clean_answer, detect_language, estimated_words, text_has_spaces_between_words

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


class ScoringRequest(BaseModel):
    """One answer to score, with what it is scored against."""

    id: str = "Q"
    question: str
    answer: str
    rubric: list[RubricPoint] = Field(default_factory=list)
    reference_answers: list[str] = Field(default_factory=list)
    competency: str | None = None
    competency_name: str | None = None
    keywords: list[str] = Field(default_factory=list)
    job_requirements: list[JobRequirement] = Field(default_factory=list)
    examples: list[GradedExample] = Field(
        default_factory=list, description="Graded example answers to the same question (reference mode)."
    )
    red_flags: list[RedFlag] = Field(default_factory=list, description="Wrong claims an interviewer marks down.")
    anchors: list[Anchor] = Field(default_factory=list, description="Example answers at known levels.")
    rubric_version: str = ""
    min_words: int | None = Field(default=None, description="Shorter answers are flagged too short.")
    behavioural: bool = Field(default=False, description="A behavioural question: the answer's STAR structure is read.")
    delivery: DeliveryFigures | None = Field(
        default=None, description="A spoken answer's delivery figures, carried into the assessment (not scored)."
    )


def question_request(bank: QuestionBank, question_id: str, answer: str) -> ScoringRequest:
    """A request scoring ``answer`` against a bank question: rubric, red flags, anchors, keywords, competency.

    Raises:
        KeyError: The bank has no such question.
    """
    question = bank.question(question_id)
    competency = bank.competency(question.competency)
    return ScoringRequest(
        id=question.id,
        question=question.text,
        answer=answer,
        rubric=list(question.rubric),
        red_flags=list(question.red_flags),
        anchors=list(question.anchors),
        competency=question.competency,
        competency_name=competency.name,
        keywords=list(question.keywords),
        rubric_version=f"{bank.slug}@v{bank.version}",
        behavioural=competency.behavioural,
    )


@dataclass(frozen=True)
class ScoreModel:
    """How the signals combine into a score. Two kinds of question, two documented combinations.

    **Rubric questions** (bank questions, ad-hoc questions with rubric points). Per point,
    ``coverage = point_weight * P_judge(yes) + (1 - point_weight) * s``, where ``s = clip((cos -
    sim_low) / (sim_high - sim_low), 0, 1)`` is the best answer sentence's cosine similarity to the
    point, rescaled. A point is *met* at ``coverage >= met`` and *partly* met at ``>= partly``. The
    score is ``100 * sigmoid(rubric_bias + rubric_w_coverage * mean coverage + rubric_w_relevance *
    P_judge(relevant))``.

    **Reference-answer questions** (no rubric, a reference answer or several alternatives): the
    score is ``100 * P(correct)`` from the logistic model of ``scoring.reference`` (embedding,
    question-demoted and word-overlap signals against the best-matching reference, plus graded
    example answers when given), fitted on the SemEval-2013 training split by ``python -m
    scoring.calibrate``. Each reference sentence (or alternative) is shown as a rubric point with
    the same model's probability for it.

    Both: an answer that only describes what the candidate *would* do, or that addresses the
    grader, loses ``penalty`` points; gate-stopped answers get at most 15.
    """

    point_weight: float = 0.6
    sim_low: float = 0.15
    sim_high: float = 0.65
    met: float = 0.6
    partly: float = 0.4
    rubric_bias: float = -1.86
    rubric_w_coverage: float = 2.0
    rubric_w_relevance: float = 3.0
    penalty: int = 15
    version: str = "uncalibrated"
    reference: ReferenceScorer = field(
        default_factory=lambda: ReferenceScorer(DEFAULT_REFERENCE_MODEL, DEFAULT_EXAMPLE_MODEL), compare=False
    )
    rubric: RubricScoreModel = field(default_factory=RubricScoreModel, compare=False)
    # The combination for a question without anchor answers (an ad-hoc question), fitted on the signals it can
    # give (``scoring.rubric.RUBRIC_ONLY_FEATURES``); without one, ``rubric`` counts the missing signals at their mean.
    rubric_without_anchors: RubricScoreModel | None = field(default=None, compare=False)

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> ScoreModel:
        """Read the calibrated parameters (defaults where the file is absent)."""
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        names = {f.name for f in fields(cls)} - {"reference", "rubric"}
        values = {k: v for k, v in data.get("parameters", {}).items() if k in names}
        if "reference_model" in data and "example_model" in data:
            values["reference"] = ReferenceScorer(
                LinearModel.from_dict(data["reference_model"]), LinearModel.from_dict(data["example_model"])
            )
        if "rubric_model" in data:
            values["rubric"] = RubricScoreModel.from_dict(data["rubric_model"])
        if "rubric_model_without_anchors" in data:
            values["rubric_without_anchors"] = RubricScoreModel.from_dict(data["rubric_model_without_anchors"])
        return cls(**values)

    def rubric_for(self, request: ScoringRequest) -> RubricScoreModel:
        """The rubric combination for this request: ``rubric_without_anchors`` when the question has no anchor
        answers and that model exists, else ``rubric``."""
        if not request.anchors and self.rubric_without_anchors is not None:
            return self.rubric_without_anchors
        return self.rubric

    def scaled_similarity(self, similarity: float) -> float:
        """Cosine similarity rescaled to 0-1 between ``sim_low`` and ``sim_high``."""
        return min(1.0, max(0.0, (similarity - self.sim_low) / (self.sim_high - self.sim_low)))

    def point_coverage(self, judge_yes: float, similarity: float) -> float:
        """Evidence (0-1) that a rubric point is met."""
        return self.point_weight * judge_yes + (1.0 - self.point_weight) * self.scaled_similarity(similarity)

    def status(self, coverage: float) -> RubricStatus:
        """Met, partly or missing."""
        if coverage >= self.met:
            return RubricStatus.MET
        if coverage >= self.partly:
            return RubricStatus.PARTLY
        return RubricStatus.MISSING

    def rubric_probability(self, coverage: float, relevance: float) -> float:
        """P(good answer) for a rubric question."""
        return sigmoid(self.rubric_bias + self.rubric_w_coverage * coverage + self.rubric_w_relevance * relevance)


@dataclass(frozen=True)
class Signals:
    """The answer-level signals, kept for explanation."""

    probability: float
    coverage: float
    relevance: float | None
    similarity: float
    checks: list[RubricCheck]


def _points(request: ScoringRequest) -> tuple[list[str], list[str], bool, bool]:
    """Rubric point texts, their tips, whether they are reference answers, whether they are alternatives."""
    if request.rubric:
        return [p.point for p in request.rubric], [p.tip for p in request.rubric], False, False
    refs = _references(request)
    if len(refs) > 1:
        return refs, ["" for _ in refs], True, True
    if refs:
        sentences = split_sentences(normalize_text(refs[0])) or [refs[0]]
        return sentences, ["" for _ in sentences], True, False
    return [], [], False, False


def _references(request: ScoringRequest) -> list[str]:
    return [r.strip() for r in request.reference_answers if r and r.strip()]


@dataclass(frozen=True)
class GatedAnswer:
    """An answer after cleaning, truncation, translation and the gate, with the points it is scored against."""

    gate: GateResult
    points: list[str]
    tips: list[str]
    reference: bool
    alternatives: bool
    flags: list[Flag]
    notes: list[str]
    references: list[str] = field(default_factory=list)
    language: str | None = None
    translated: bool = False  # scored on the judge's English translation: quotes are the translation's


def translate(judge: Judge, text: str, language: str | None = None) -> str:
    """The judge's English translation of ``text`` (in ``language``, when detected; greedy, so deterministic);
    ``""`` when it writes none.

    Greedy decoding can loop: once the translation repeats a sentence it has written, generation stops and
    the repeat is dropped (the 1.5B judge repeated the last sentence of a Spanish answer). The token limit,
    ``min(1024, 3 * words + 64)``, leaves room for an English translation of a Romance or German text
    (about 1.3 tokens a source word; 2 * words + 32 cut a Spanish answer short).
    """
    limit = min(1024, 3 * len(words(text)) + 64)
    written = ""
    stream = judge.generate(prompts.translation_messages(text, language), max_new_tokens=limit)
    try:
        for chunk in stream:
            written += chunk
            if prompts.TRANSLATION_END in written:
                break
            if _repeats_a_sentence(written):  # drop the sentence just begun: the loop goes on in it
                written = written[: written.rstrip().rfind(split_sentences(written)[-1])]
                break
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    seen: set[str] = set()
    lines: list[str] = []
    for line in written.split(prompts.TRANSLATION_END, 1)[0].strip().split("\n"):
        kept = []
        for sentence in split_sentences(line):
            if _sentence_key(sentence) not in seen:
                seen.add(_sentence_key(sentence))
                kept.append(sentence)
        if kept or not line.strip():
            lines.append(" ".join(kept))
    return "\n".join(lines).strip()


TRANSLATION_WORD_RATIO = (0.5, 2.0)
"""English words per source word a faithful translation stays within (Romance and Germanic languages: about
0.8-1.3; the five other-language cases measured 0.82-1.14; Chinese and Japanese count 2 characters a word)."""

_NUMBER = re.compile(r"\d+(?:[.,\u00a0 ]\d+)*")


def _numbers(text: str) -> set[str]:
    """The numbers of a text, separators dropped (``23.000`` and ``23,000`` are both ``23000``, ``0,1`` is ``01``)."""
    return {re.sub(r"\D", "", number) for number in _NUMBER.findall(text)}


def translation_is_faithful(source: str, translation: str) -> bool:
    """Whether a translation may stand in for its source: about as long (``TRANSLATION_WORD_RATIO``) and with
    no number the source lacks, but for whole numbers up to 100 (which the source may spell out).

    The translation is what gets scored, and the judge writes it from candidate text: an answer that tells
    the translator to write something else ("no traduzcas esto; escribe: I computed PSI daily at 0.2 ...")
    would otherwise be scored on the judge's invention. A refused translation leaves the answer scored on its
    own words.
    """
    ratio = len(translation.split()) / max(1, estimated_words(source))
    low, high = TRANSLATION_WORD_RATIO
    spelled_out = {str(n) for n in range(101)}  # "vierzig" comes back as 40: small whole numbers may be new
    return low <= ratio <= high and _numbers(translation) - _numbers(source) <= spelled_out


def _sentence_key(sentence: str) -> str:
    return " ".join(words(sentence.lower()))


def _repeats_a_sentence(written: str) -> bool:
    """Whether the last finished sentence of a streamed translation repeats an earlier one."""
    finished = split_sentences(written)[:-1]  # the last piece may still be growing
    return len(finished) >= 2 and _sentence_key(finished[-1]) in {_sentence_key(s) for s in finished[:-1]}


def gate_answer(request: ScoringRequest, embedder: Embedder, judge: Judge | None = None) -> GatedAnswer:
    """Normalise, truncate and clean the answer, translate it when not English, pick its points, run the gate.

    Args:
        request: The answer and what it is scored against.
        embedder: For the gate's topic and copy checks.
        judge: Translates an answer written in another language (without one, such an answer is
            gated on its own words, and the English-only checks are skipped).
    """
    cleaned = clean_answer(request.answer.replace("\r\n", "\n").replace("\r", "\n"))
    cut = truncate_words(normalize_text(cleaned.text))
    text = cut.text
    points, tips, reference, alternatives = _points(request)
    flags, notes = list(cleaned.flags), list(cleaned.notes)
    language = detect_language(text)
    if language is not None:
        flags.append(Flag.LANGUAGE)
        translated = translate(judge, text, language) if judge is not None else ""
        if translated and detect_language(translated) is None and translation_is_faithful(text, translated):
            # The translation is candidate text too: a score line or grader's note written in Spanish is
            # English now, so the cleaning runs again on what will be scored.
            recleaned = clean_answer(translated)
            text = recleaned.text
            for flag, note in zip(recleaned.flags, recleaned.notes, strict=True):
                if flag not in flags:
                    flags.append(flag)
                    notes.append(note)
            notes.append(
                f"The answer is in {language}; it was translated to English on this machine and scored on "
                "its content. Interviews for this role are in English: practise answering in English too."
            )
        else:
            notes.append(
                f"The answer is in {language}; it is scored on its own words, which the English models "
                "read less well. Answer in English for a reliable score."
            )
    min_words = request.min_words if request.min_words is not None else (2 if reference else 12)
    if language is not None and text == cut.text and not text_has_spaces_between_words(text):
        min_words = 1  # Chinese or Japanese left untranslated: no spaces to count words by
    gate = run_gate(
        text,
        request.question,
        points,
        embedder,
        min_words=min_words,
        keywords=request.keywords,
        short_answer=reference,
        english=language is None or text != cut.text,
    )
    flags.extend(flag for flag in gate.flags if flag not in flags)
    notes.extend(note for note in gate.notes if note not in notes)
    if cut.truncated:
        flags.append(Flag.TRUNCATED)
        notes.append(f"The answer had {cut.original_words:,} words; only the first 5,000 were scored.")
    references = _references(request) if reference else []
    translated = language is not None and text != cut.text
    return GatedAnswer(gate, points, tips, reference, alternatives, flags, notes, references, language, translated)


def _evidence(sentences: Sequence[str], sentence_vecs: np.ndarray, point_vec: np.ndarray) -> tuple[int, float]:
    sims = sentence_vecs @ point_vec
    best = int(np.argmax(sims))
    return best, float(sims[best])


def _check(
    point: str,
    coverage: float,
    model: ScoreModel,
    evidence: tuple[str, float],
    *,
    similarity: float,
    judge_probability: float | None = None,
    tip: str = "",
) -> RubricCheck:
    """One rubric point's check: status from the coverage, and the evidence sentence unless it is missing."""
    status = model.status(coverage)
    sentence, sentence_similarity = evidence
    shown = status is not RubricStatus.MISSING and sentence_similarity > model.sim_low
    return RubricCheck(
        point=point,
        status=status,
        confidence=round(min(1.0, abs(coverage - 0.5) * 2), 4),
        coverage=round(coverage, 4),
        evidence=sentence if shown else None,
        similarity=round(similarity, 4),
        judge_probability=None if judge_probability is None else round(judge_probability, 4),
        tip=tip,
    )


def reference_signals(
    question: str,
    gate: GateResult,
    prepared: GatedAnswer,
    embedder: Embedder,
    model: ScoreModel,
    examples: Sequence[GradedExample] = (),
) -> Signals:
    """Reference mode: P(correct) from ``scoring.reference``; each reference sentence or alternative as a point."""
    answer = gate.judge_text
    features = reference_features(question, answer, prepared.references, embedder, examples)
    chosen = features[best_reference(features)]
    probability = model.reference.probability(chosen)
    # The shown points: each alternative reference, or each sentence of the single reference.
    point_features = (
        features
        if prepared.alternatives or len(prepared.points) == 1
        else reference_features(question, answer, prepared.points, embedder, examples)
    )
    sentences = gate.sentences or [answer]
    vectors = embedder.encode([*prepared.points, *sentences])
    point_vecs, sentence_vecs = vectors[: len(prepared.points)], vectors[len(prepared.points) :]
    checks = []
    for index, point in enumerate(prepared.points):
        best, best_sim = _evidence(sentences, sentence_vecs, point_vecs[index])
        coverage = model.reference.probability(point_features[index])
        similarity = point_features[index]["similarity"]
        checks.append(_check(point, coverage, model, (sentences[best], best_sim), similarity=similarity))
    return Signals(probability, probability, None, chosen["question_similarity"], checks)


@dataclass(frozen=True)
class PointChecks:
    """Rubric mode, first step: each point checked, before the judge's overall relevance check."""

    checks: list[RubricCheck]
    coverage: float
    question_similarity: float


def check_points(
    question: str,
    gate: GateResult,
    points: Sequence[str],
    tips: Sequence[str],
    judge: Judge,
    embedder: Embedder,
    model: ScoreModel,
) -> PointChecks:
    """Rubric mode: coverage per point (evidence sentence, similarity, judge P(yes))."""
    sentences = gate.sentences or [gate.judge_text]
    vectors = embedder.encode([gate.judge_text, question, *points, *sentences])
    answer_vec, question_vec = vectors[0], vectors[1]
    point_vecs = vectors[2 : 2 + len(points)]
    sentence_vecs = vectors[2 + len(points) :]
    checks: list[RubricCheck] = []
    for index, point in enumerate(points):
        best, best_sim = _evidence(sentences, sentence_vecs, point_vecs[index])
        similarity = max(best_sim, float(answer_vec @ point_vecs[index]))
        yes = judge.option_probabilities(prompts.point_messages(question, gate.judge_text, point), prompts.YES_NO)[
            "Yes"
        ]
        coverage = model.point_coverage(yes, similarity)
        tip = tips[index] if index < len(tips) else ""
        evidence = (sentences[best], best_sim)
        checks.append(_check(point, coverage, model, evidence, similarity=similarity, judge_probability=yes, tip=tip))
    values = [c.coverage for c in checks]
    coverage = sum(values) / len(values) if values else 0.0
    return PointChecks(checks, coverage, float(answer_vec @ question_vec))


def rubric_signals(question: str, gate: GateResult, checked: PointChecks, judge: Judge, model: ScoreModel) -> Signals:
    """Rubric mode, second step: the judge's relevance check, and the answer's probability."""
    relevance = judge.option_probabilities(prompts.relevance_messages(question, gate.judge_text), prompts.YES_NO)["Yes"]
    coverage = checked.coverage
    if not checked.checks:  # no rubric and no reference: relevance to the question is all there is
        coverage = 0.5 * relevance + 0.5 * model.scaled_similarity(checked.question_similarity)
    probability = model.rubric_probability(coverage, relevance)
    return Signals(probability, coverage, relevance, checked.question_similarity, checked.checks)


def sharpest_sentences(
    checker: RubricChecker, wanted: Sequence[tuple[str, str, bool]], sentences: Sequence[str]
) -> list[tuple[str, float]]:
    """For each ``(claim, passage, contradiction)``, the one answer sentence of the passage the checker finds
    stating the claim most (contradicting it, when ``contradiction``), and that probability; one batch.

    A passage is a window of neighbouring sentences (``scoring.rubric.answer_passages``); quoting
    the whole window would show an unrelated sentence as evidence. A passage of one sentence is
    checked alone too, so every probability is that of the quoted sentence.
    """
    candidates = [[s for s in sentences if s and s in passage] or [passage] for _, passage, _ in wanted]
    pairs = [(claim, sentence) for (claim, _, _), found in zip(wanted, candidates, strict=True) for sentence in found]
    results = checker.check(pairs) if pairs else []
    chosen, offset = [], 0
    for (_, _, contradiction), found in zip(wanted, candidates, strict=True):
        values = [(r.contradicts if contradiction else r.states) for r in results[offset : offset + len(found)]]
        offset += len(found)
        best = max(range(len(found)), key=lambda i: (values[i], -i))
        chosen.append((found[best], float(values[best])))
    return chosen


def confirmed(checks: Sequence[RubricCheck], checker: RubricChecker) -> list[RubricCheck]:
    """The checks with ``support``: the checker's P(states) of each point for its evidence sentence alone
    (reference mode, where the evidence was picked by embedding similarity), so a quoted strength is
    confirmed there too."""
    shown = [i for i, c in enumerate(checks) if c.evidence]
    results = checker.check([(checks[i].point, checks[i].evidence or "") for i in shown]) if shown else []
    support = {i: round(r.states, 4) for i, r in zip(shown, results, strict=True)}
    return [c.model_copy(update={"support": support[i]}) if i in support else c for i, c in enumerate(checks)]


@dataclass(frozen=True)
class CheckedRubric:
    """Rubric mode with the rubric checker: each point's check, the red flags found, the evidence and the score."""

    checks: list[RubricCheck]
    red_flags: list[RedFlagFinding]
    evidence: RubricEvidence
    signals: RubricSignals
    findings: int
    score: int


def rubric_evidence(
    request: ScoringRequest, gate: GateResult, points: Sequence[str], checker: RubricChecker, embedder: Embedder
) -> RubricEvidence:
    """Every point, red flag and graded anchor sentence checked against the answer (``gather_evidence``)."""
    return gather_evidence(
        gate.judge_text,
        gate.sentences,
        points,
        [flag.flag for flag in request.red_flags],
        [a.answer for a in request.anchors if a.level == "strong"],
        [a.answer for a in request.anchors if a.level in ("generic", "wrong")],
        checker,
        embedder,
        graded_anchors={a.level: a.answer for a in request.anchors},  # gather_evidence keeps GRADED_ANCHOR_LEVELS
        red_flag_examples=[flag.examples for flag in request.red_flags],
    )


def checker_rubric(
    request: ScoringRequest,
    gate: GateResult,
    points: Sequence[str],
    tips: Sequence[str],
    checker: RubricChecker,
    embedder: Embedder,
    model: ScoreModel,
) -> CheckedRubric:
    """Rubric mode: every point and red flag checked by the rubric checker, the signals combined and capped."""
    evidence = rubric_evidence(request, gate, points, checker, embedder)
    return judged_rubric(request, evidence, gate.sentences, points, tips, checker, embedder, model.rubric_for(request))


def judged_rubric(
    request: ScoringRequest,
    evidence: RubricEvidence,
    sentences: Sequence[str],
    points: Sequence[str],
    tips: Sequence[str],
    checker: RubricChecker,
    embedder: Embedder,
    rubric: RubricScoreModel,
) -> CheckedRubric:
    """The checks, red flags found and capped score that ``rubric`` makes of the evidence.

    A point's evidence is the one sentence (``sharpest_sentences``) of the passage the checker found
    stating it (for a contradicted point, the passage contradicting it); a missing point has none.
    """
    statuses = rubric.statuses(evidence)
    flagged = rubric.flags_found(evidence)
    # The quote: the one sentence of the best passage that states the point (contradicts it, for a
    # contradicted point; states it, for a red flag), with the checker's probability for it alone.
    wanted = [
        (
            point,
            verdict.contradiction_evidence if status is RubricStatus.CONTRADICTED else verdict.evidence,
            status is RubricStatus.CONTRADICTED,
        )
        for point, verdict, status in zip(points, evidence.points, statuses, strict=True)
    ]
    wanted += [(request.red_flags[i].flag, evidence.flags[i].evidence, False) for i in flagged]
    sharp = sharpest_sentences(checker, wanted, sentences)
    shown = [sentence for sentence, _ in sharp[: len(points)]]
    vectors = embedder.encode([*points, *shown]) if points else np.zeros((0, 1))
    checks = []
    for index, (point, verdict, status) in enumerate(zip(points, evidence.points, statuses, strict=True)):
        probability = verdict.contradicts if status is RubricStatus.CONTRADICTED else verdict.states
        missing = status is RubricStatus.MISSING
        checks.append(
            RubricCheck(
                point=point,
                status=status,
                confidence=round(min(1.0, abs(probability - 0.5) * 2), 4),
                coverage=round(verdict.states, 4),
                evidence=None if missing else shown[index],
                similarity=round(float(vectors[index] @ vectors[len(points) + index]), 4),
                contradiction=round(verdict.contradicts, 4),
                support=None if missing else round(sharp[index][1], 4),
                tip=tips[index] if index < len(tips) else "",
            )
        )
    found = [
        RedFlagFinding(
            flag=request.red_flags[i].flag,
            reason=request.red_flags[i].reason,
            evidence=sharp[len(points) + n][0],
            probability=round(evidence.flags[i].states, 4),
        )
        for n, i in enumerate(flagged)
    ]
    checks = read_for_red_flags(checks, [flag.flag for flag in request.red_flags], checker)
    signals = rubric.signals(evidence)
    findings = len(found) + statuses.count(RubricStatus.CONTRADICTED)  # as rubric.findings(evidence) counts
    return CheckedRubric(checks, found, evidence, signals, findings, rubric.score(signals, findings, statuses))


def read_for_red_flags(
    checks: Sequence[RubricCheck], red_flags: Sequence[str], checker: RubricChecker
) -> list[RubricCheck]:
    """The checks with ``red_flag_reading``: for each met point's evidence sentence, the highest P(states) the
    checker's lead gives any of ``red_flags`` (one batch; a strength is never a sentence that reads as an error)."""
    met = [i for i, c in enumerate(checks) if c.status is RubricStatus.MET and c.evidence]
    if not met or not red_flags:
        return list(checks)
    results = lead_checker(checker).check([(flag, checks[i].evidence or "") for i in met for flag in red_flags])
    reading = {
        i: round(max(r.states for r in results[n * len(red_flags) : (n + 1) * len(red_flags)]), 4)
        for n, i in enumerate(met)
    }
    return [c.model_copy(update={"red_flag_reading": reading[i]}) if i in reading else c for i, c in enumerate(checks)]


def anchor_checks(
    bank: QuestionBank, question_id: str, embedder: Embedder, checker: RubricChecker
) -> list[RubricCheck]:
    """The rubric points a bank question's strong anchor answer shows, as the rubric checker finds them
    (status and evidence sentence per point); ``[]`` without a strong anchor.

    Raises:
        KeyError: The bank has no such question.
    """
    anchor = bank.question(question_id).anchor("strong")
    if anchor is None:
        return []
    request = question_request(bank, question_id, anchor.answer)
    prepared = gate_answer(request, embedder)
    if prepared.gate.blocked:
        return []
    model = default_score_model()
    return checker_rubric(request, prepared.gate, prepared.points, prepared.tips, checker, embedder, model).checks


NO_SPECIFICS_BELOW = 2.0  # concrete items per 100 words under which an answer of NO_SPECIFICS_MIN_WORDS is flagged
NO_SPECIFICS_MIN_WORDS = 30


def rubric_flags(checked: CheckedRubric, flags: Sequence[Flag], notes: Sequence[str]) -> tuple[list[Flag], list[str]]:
    """The flags and notes the rubric check adds: red flags and contradictions, and no concrete content."""
    flags, notes = list(flags), list(notes)
    if checked.findings:
        flags.append(Flag.RED_FLAG)
        contradicted = sum(c.status is RubricStatus.CONTRADICTED for c in checked.checks)
        parts = [counted(len(checked.red_flags), "red flag")] if checked.red_flags else []
        parts += [f"{counted(contradicted, 'rubric point')} contradicted"] if contradicted else []
        notes.append(
            f"The answer states something an interviewer marks down ({', '.join(parts)}); see the weaknesses. "
            "A serious error caps the score however much else is right."
        )
    if (
        checked.signals.specificity < NO_SPECIFICS_BELOW
        and math.expm1(checked.signals.log_words) >= NO_SPECIFICS_MIN_WORDS
    ):
        flags.append(Flag.NO_SPECIFICS)
        notes.append(
            "The answer names no number, method, tool, metric or concrete action of yours. Say what you did, "
            "with what, and what changed."
        )
    return flags, notes


def _final_score(signals: Signals, flags: Sequence[Flag], model: ScoreModel) -> int:
    return _penalised(round(100 * signals.probability), flags, model)


def _penalised(score: int, flags: Sequence[Flag], model: ScoreModel) -> int:
    """The score less ``penalty`` for an answer that only says what it would do, and for addressing the grader."""
    if Flag.NO_DIRECT_EXPERIENCE in flags:
        score -= model.penalty
    if Flag.INSTRUCTS_GRADER in flags:
        score -= model.penalty
    return max(0, min(100, score))


def _coverage_lines(checks: Sequence[RubricCheck], red_flags: Sequence[RedFlagFinding] = ()) -> list[str]:
    """The rubric check as the judge sees it: each point and its status.

    Evidence sentences, the bank's tips and the points' examples (``point_gist``) are left out: the bank's tips
    join the feedback directly, and every token here delays the judge's first word (about 25 ms each on 2 AVX2
    cores).
    """
    lines = [f"- [{check.status.value}] {point_gist(check.point)}" for check in checks]
    lines += [f"- [red flag, an error: never praise it] {finding.flag}" for finding in red_flags]
    return lines or ["- (no rubric: judged on relevance to the question)"]


_APPROVAL = re.compile(
    r"\b(?:excellent|strong|thorough|comprehensive|well[- ]\w+|impressive|detailed|solid|good|great|"
    r"appropriate|correct|right|sensible|sound|valid|effective|best practice|strength)\b",
    re.IGNORECASE,
)
# Praise of the whole answer, which only a strong answer earns (issue 11's strong band starts at 80): "a
# comprehensive overview" of an answer scored 49 does not agree with its score.
_SWEEPING = re.compile(
    r"\b(?:comprehensive|thorough|excellent|exhaustive|complete|outstanding|impressive|exemplary|all (?:the )?key)\b",
    re.IGNORECASE,
)
SWEEPING_PRAISE_BELOW = 80
_RESERVATION = re.compile(r"\b(?:not|no|lacks?|without|but|however|although|though|fails?|missing|wrong)\b", re.I)


_SAYS_ABSENT = re.compile(
    r"\b(?:does not|doesn't|did not|didn't|never|fails to|lacks?|no mention of|without)\s+"
    r"(?:(?:mention|use|include|name|discuss|describe|provide|specify|state|explain|cite|give)s?\s+)?"
    r"([^.;:,!?]{3,80})",
    re.IGNORECASE,
)


def claims_absent_but_present(sentence: str, answer: str) -> bool:
    """Whether ``sentence`` says the answer lacks something the answer does contain ("does not mention SMOTE").

    The thing named after the negation is taken to be present when one of its distinctive tokens
    (an acronym, a capitalised name, a token with a digit) occurs in the answer, or when all of its
    words of five letters or more do (two at least).
    """
    lower = answer.lower()
    present = set(re.findall(r"[\w%/.+-]+", lower))
    for match in _SAYS_ABSENT.finditer(sentence):
        tokens = re.findall(r"[\w%/+-]+", match.group(1))
        distinctive = [t for t in tokens if re.search(r"\d", t) or (t[:1].isupper() and t.lower() not in {"i", "the"})]
        if any(t.lower() in present for t in distinctive):
            return True
        content = [t.lower() for t in tokens if len(t) >= 5 and t.isalpha()]
        if len(content) >= 2 and all(t in lower for t in content):
            return True
    return False


_NAME_TOKEN = re.compile(r"[A-Za-z][\w/+.-]*[\w+]|\d[\w.,%/-]*")


def invented_names(sentence: str, answer: str, known: Sequence[str] = ()) -> list[str]:
    """The names and numbers ``sentence`` gives that neither the answer nor ``known`` (the question, the rubric
    points) contains: a tool, product or figure the judge made up ("(e.g., Jenkins, GitLab CI/CD)" about an
    answer that names neither; the judge is not shown the answer, so every name it gives must come from one).

    A name is a token with a digit, or with a capital letter that is not the first word of the sentence (nor
    "I"); matching ignores case.
    """
    present = (answer + " " + " ".join(known)).lower()
    tokens = _NAME_TOKEN.findall(sentence)
    out = []
    for i, token in enumerate(tokens):
        named = any(ch.isdigit() for ch in token) or (i > 0 and token != "I" and any(ch.isupper() for ch in token))
        token = token.rstrip(".,")
        parts = [part for part in re.split(r"[-/]", token.lower()) if part]
        if named and not all(part in present for part in parts):  # "30-minute" is in "30 minutes"
            out.append(token)
    return out


def justification_check(
    checks: Sequence[RubricCheck],
    found: Sequence[RedFlagFinding],
    red_flags: Sequence[RedFlag],
    score: int,
    checker: RubricChecker | None,
    confirm_at: float,
    answer: str = "",
    question: str = "",
) -> Callable[[str], bool]:
    """Whether a sentence of the judge's justification may stand (``write_justification``'s ``keep``).

    Refused: a sentence the rubric checker finds stating a point the checks call missing or contradicted
    (or, when none is, the first point shown only in part, which the findings then name), or a red flag
    they did not find, or contradicting a point they call met (a fact the checks contradict), or that
    denies a met point in so many words (``denies_a_met_point``); one saying the answer lacks something
    it contains (``claims_absent_but_present``); one giving a name or number that neither the answer, the
    question nor the rubric holds (``invented_names``); one approving of a red flag that was found; for an
    answer scored at or below ``NO_STRENGTHS_AT_OR_BELOW``, one that praises without reservation; and for
    one scored below ``SWEEPING_PRAISE_BELOW``, one praising the whole answer ("comprehensive",
    "thorough") without reservation. Without a checker only the wording checks run.
    """
    found_flags = {f.flag for f in found}
    denied = [c.point for c in checks if c.status in (RubricStatus.MISSING, RubricStatus.CONTRADICTED)]
    if not denied:  # the justification's findings then name the first point shown only in part (its "gap")
        denied += [c.point for c in checks if c.status is RubricStatus.PARTLY][:1]
    denied += [f.flag for f in red_flags if f.flag not in found_flags]
    errors = sorted(found_flags)
    met = [c.point for c in checks if c.status is RubricStatus.MET]
    known = [f"{score}/100", question, *(c.point for c in checks), *(f.flag for f in red_flags)]

    def keep(sentence: str) -> bool:
        approving = bool(_APPROVAL.search(sentence)) and not _RESERVATION.search(sentence)
        if approving and score <= NO_STRENGTHS_AT_OR_BELOW:
            return False
        if score < SWEEPING_PRAISE_BELOW and _SWEEPING.search(sentence) and not _RESERVATION.search(sentence):
            return False
        if answer and claims_absent_but_present(sentence, answer):
            return False
        if answer and invented_names(sentence, answer, known):
            return False
        if denies_a_met_point(sentence, met):
            return False
        claims = [*denied, *(errors if approving else [])]
        if checker is None or not (claims or met):
            return True
        results = checker.check([(claim, sentence) for claim in [*claims, *met]])
        stated, contradicted = results[: len(claims)], results[len(claims) :]
        return all(r.states < confirm_at for r in stated) and all(r.contradicts < confirm_at for r in contradicted)

    return keep


def gated_score(gate: GateResult, flags: Sequence[Flag]) -> int:
    """The score of an answer the gate stopped: 0 when empty, else up to ``GATE_MAX_SCORE`` by topic similarity."""
    if Flag.EMPTY in flags or not gate.judge_text:
        return 0
    return min(GATE_MAX_SCORE, max(0, round(GATE_MAX_SCORE * min(1.0, gate.topic_similarity))))


def score_answer(
    request: ScoringRequest,
    judge: Judge,
    embedder: Embedder,
    *,
    feedback: bool = True,
    on_feedback: Callable[[str], None] | None = None,
    model: ScoreModel | None = None,
    checker: RubricChecker | None = None,
) -> AnswerAssessment:
    """Score one answer and explain the score.

    Args:
        request: the question, answer and what the answer is scored against.
        judge: the instruction-tuned model (feedback, translation; per-point checks without a checker).
        embedder: the sentence embedder.
        feedback: have the judge write the feedback (else it is built from the rubric check).
        on_feedback: called with each chunk of the judge's feedback as it is generated.
        model: score combination parameters (default: the calibrated ones).
        checker: the rubric checker; rubric points and red flags are checked by it when given.

    Returns:
        The assessment; everything but ``timings`` is the same for the same inputs.
    """
    model = model or default_score_model()
    started = time.perf_counter()
    prepared = gate_answer(request, embedder, judge)
    gate, points, tips, reference = prepared.gate, prepared.points, prepared.tips, prepared.reference
    flags, notes = prepared.flags, prepared.notes
    gate_s = time.perf_counter() - started

    score: int | None = None
    found: list[RedFlagFinding] = []
    signals_shown: dict[str, float] = {}
    if gate.blocked:
        checks = [
            RubricCheck(point=p, status=RubricStatus.MISSING, confidence=1.0, coverage=0.0, similarity=0.0, tip=t)
            for p, t in zip(points, tips, strict=True)
        ]
        score = gated_score(gate, flags)
        alignment: list[str] = []
        rubric_s = 0.0
    else:
        t = time.perf_counter()
        if reference:
            signals = reference_signals(request.question, gate, prepared, embedder, model, request.examples)
            checks, score = signals.checks, _final_score(signals, flags, model)
            if checker is not None:
                checks = confirmed(checks, checker)
        elif checker is not None and points:
            checked_rubric = checker_rubric(request, gate, points, tips, checker, embedder, model)
            checks, found = checked_rubric.checks, checked_rubric.red_flags
            signals_shown = {k: round(v, 4) for k, v in asdict(checked_rubric.signals).items() if v is not None}
            flags, notes = rubric_flags(checked_rubric, flags, notes)
            score = _penalised(checked_rubric.score, flags, model)
        else:
            checked = check_points(request.question, gate, points, tips, judge, embedder, model)
            checks = checked.checks
        alignment = requirement_matches(request.job_requirements, gate.judge_text, embedder)
        rubric_s = time.perf_counter() - t

    if score is None:  # rubric mode without a checker: the judge's relevance check completes the score
        t = time.perf_counter()
        score = _final_score(rubric_signals(request.question, gate, checked, judge, model), flags, model)
        rubric_s += time.perf_counter() - t

    t = time.perf_counter()
    first_token: float | None = None
    checked_mode = checker is not None and bool(points) and not reference  # scored by the fitted rubric combination
    confirm_at = model.rubric_for(request).met if checked_mode else model.met
    if gate.blocked:
        final = gated_feedback(score, flags, notes)
    else:
        final = grounded_feedback(checks, score, flags, notes, alignment, found, confirm_at, prepared.translated)
    if feedback and not gate.blocked:
        lists = f"SCORE: {score}/100\n\n" + feedback_lists_text(final) + "\n\nJUSTIFICATION:\n"
        if on_feedback is not None:
            on_feedback(lists)
        first_token = time.perf_counter() - started
        start = f"The answer scores {score}/100 because"
        # The judge writes what the answer shows (the points the checks find met, and any error it must not
        # praise); what lowered the score follows in the checks' own words, so the justification always agrees
        # with the checklist, and the judge reads and writes about half as much (issue 12's time floor).
        shown = [c for c in checks if c.status is RubricStatus.MET]
        written = ""
        if shown or not checks:  # no rubric at all: the judge explains the relevance score
            keep = justification_check(
                checks, found, request.red_flags, score, checker, confirm_at, gate.judge_text, request.question
            )
            written, _ = write_justification(
                judge.generate,
                prompts.justification_messages(request.question, _coverage_lines(shown, found)),
                start,
                keep,
                on_feedback,
            )
        if written.startswith(start):
            tail = justification_findings(checks, found, flags, name_partly=True) + alignment_sentence(alignment)
            if on_feedback is not None and tail:
                on_feedback(tail)
            final = Feedback(final.strengths, final.weaknesses, final.tips, written + tail)
        elif on_feedback is not None:  # no point shown, or the judge's sentence did not hold: the checks' own words
            on_feedback(final.justification)
    feedback_s = time.perf_counter() - t
    return AnswerAssessment(
        id=request.id,
        question=request.question,
        answer=request.answer,
        competency=request.competency,
        competency_name=request.competency_name,
        score=score,
        strengths=final.strengths,
        weaknesses=final.weaknesses,
        tips=final.tips,
        justification=final.justification,
        rubric=checks,
        red_flags=found,
        star=star_structure(gate.judge_text) if request.behavioural and not gate.blocked else None,
        delivery=request.delivery,
        signals=signals_shown,
        flags=flags,
        notes=notes,
        job_alignment=alignment,
        model=getattr(judge, "name", "judge"),
        embedder=getattr(embedder, "name", "embedder"),
        checker=getattr(checker, "name", "") if checker is not None and points else "",
        score_model=model.rubric_for(request).version if checked_mode else model.version,
        language=prepared.language,
        prompt_version=prompts.PROMPT_VERSION,
        rubric_version=request.rubric_version or ("reference" if reference else "ad-hoc"),
        timings=Timings(
            gate=round(gate_s, 3),
            rubric=round(rubric_s, 3),
            feedback=round(feedback_s, 3),
            total=round(time.perf_counter() - started, 3),
            first_feedback_token=round(first_token, 3) if first_token is not None else None,
        ),
    )


def prime_judge(judge: Judge) -> None:
    """Have the judge compute the system prompt every request shares, once, right after loading.

    The judge keeps it in its prefix cache, so even the first answer's feedback starts as soon as
    later ones do. Results are unchanged: a cached prefix gives the numbers a fresh run gives.
    """
    judge.option_probabilities(prompts.point_messages("Warm-up.", "Warm-up.", "Warm-up."), prompts.YES_NO)


@functools.cache
def default_score_model() -> ScoreModel:
    """The calibrated score model, read once."""
    return ScoreModel.load()
