"""Score one answer: gate, rubric coverage (embeddings + judge) or reference-answer signals, 0-100 score, feedback.

``score_answer`` is the one entry point the pages, the command line, the worker and the benchmark
call. It depends only on the ``Judge`` and ``Embedder`` protocols. How the signals combine into a
score is documented on ``ScoreModel``; the reference-answer model (``scoring.reference``) comes
from ``scoring/calibration.json``, fitted on the SemEval-2013 training split by ``python -m
scoring.calibrate``. Feedback is written section by section (``scoring.feedback.write_feedback``).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from models.protocols import Embedder, Judge
from question_banks.requirements import JobRequirement, requirement_matches
from question_banks.schema import RubricPoint
from scoring import prompts
from scoring.feedback import Feedback, coverage_feedback, parse_feedback, write_feedback
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
from scoring.text import normalize_text, split_sentences, truncate_words
from scoring.types import AnswerAssessment, Flag, RubricCheck, RubricStatus, Timings

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
    rubric_version: str = ""
    min_words: int | None = Field(default=None, description="Shorter answers are flagged too short.")


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

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> ScoreModel:
        """Read the calibrated parameters (defaults where the file is absent)."""
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        names = {f.name for f in fields(cls)} - {"reference"}
        values = {k: v for k, v in data.get("parameters", {}).items() if k in names}
        if "reference_model" in data and "example_model" in data:
            values["reference"] = ReferenceScorer(
                LinearModel.from_dict(data["reference_model"]), LinearModel.from_dict(data["example_model"])
            )
        return cls(**values)

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
    """An answer after normalisation, truncation and the gate, with the points it is scored against."""

    gate: GateResult
    points: list[str]
    tips: list[str]
    reference: bool
    alternatives: bool
    flags: list[Flag]
    notes: list[str]
    references: list[str] = field(default_factory=list)


def gate_answer(request: ScoringRequest, embedder: Embedder) -> GatedAnswer:
    """Normalise and truncate the answer, pick its rubric points and run the gate."""
    cut = truncate_words(normalize_text(request.answer))
    points, tips, reference, alternatives = _points(request)
    min_words = request.min_words if request.min_words is not None else (2 if reference else 12)
    gate = run_gate(
        cut.text,
        request.question,
        points,
        embedder,
        min_words=min_words,
        keywords=request.keywords,
        short_answer=reference,
    )
    flags, notes = list(gate.flags), list(gate.notes)
    if cut.truncated:
        flags.append(Flag.TRUNCATED)
        notes.append(f"The answer had {cut.original_words:,} words; only the first 5,000 were scored.")
    references = _references(request) if reference else []
    return GatedAnswer(gate, points, tips, reference, alternatives, flags, notes, references)


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


def _final_score(signals: Signals, flags: Sequence[Flag], model: ScoreModel) -> int:
    score = round(100 * signals.probability)
    if Flag.NO_DIRECT_EXPERIENCE in flags:
        score -= model.penalty
    if Flag.INSTRUCTS_GRADER in flags:
        score -= model.penalty
    return max(0, min(100, score))


def _coverage_lines(checks: Sequence[RubricCheck]) -> list[str]:
    """The rubric check as the judge sees it: each point and its status.

    Evidence sentences and the bank's tips are left out: the judge has the answer already, the
    bank's tips join the feedback directly, and every token here delays the first streamed word.
    """
    lines = [f"- [{check.status.value}] {check.point}" for check in checks]
    return lines or ["- (no rubric: judged on relevance to the question)"]


def score_answer(
    request: ScoringRequest,
    judge: Judge,
    embedder: Embedder,
    *,
    feedback: bool = True,
    on_feedback: Callable[[str], None] | None = None,
    model: ScoreModel | None = None,
) -> AnswerAssessment:
    """Score one answer and explain the score.

    Args:
        request: the question, answer and what the answer is scored against.
        judge: the instruction-tuned model.
        embedder: the sentence embedder.
        feedback: have the judge write the feedback (else it is built from the rubric check).
        on_feedback: called with each chunk of the judge's feedback as it is generated.
        model: score combination parameters (default: the calibrated ones).

    Returns:
        The assessment; everything but ``timings`` is the same for the same inputs.
    """
    model = model or default_score_model()
    started = time.perf_counter()
    prepared = gate_answer(request, embedder)
    gate, points, tips, reference = prepared.gate, prepared.points, prepared.tips, prepared.reference
    flags, notes = prepared.flags, prepared.notes
    gate_s = time.perf_counter() - started

    score: int | None = None
    if gate.blocked:
        checks = [
            RubricCheck(point=p, status=RubricStatus.MISSING, confidence=1.0, coverage=0.0, similarity=0.0, tip=t)
            for p, t in zip(points, tips, strict=True)
        ]
        score = (
            0 if Flag.EMPTY in flags or not gate.judge_text else round(GATE_MAX_SCORE * min(1.0, gate.topic_similarity))
        )
        score = min(GATE_MAX_SCORE, max(0, score))
        alignment: list[str] = []
        rubric_s = 0.0
    else:
        t = time.perf_counter()
        if reference:
            signals = reference_signals(request.question, gate, prepared, embedder, model, request.examples)
            checks, score = signals.checks, _final_score(signals, flags, model)
        else:
            checked = check_points(request.question, gate, points, tips, judge, embedder, model)
            checks = checked.checks
        alignment = requirement_matches(request.job_requirements, gate.judge_text, embedder)
        rubric_s = time.perf_counter() - t

    def settle() -> int:
        """The score. In rubric mode the judge's relevance check runs here, once: while feedback is being
        written it runs just before the justification, so the first feedback words come sooner."""
        nonlocal score, rubric_s
        if score is None:
            t = time.perf_counter()
            score = _final_score(rubric_signals(request.question, gate, checked, judge, model), flags, model)
            rubric_s += time.perf_counter() - t
        return score

    t = time.perf_counter()
    first_token: float | None = None
    written: Feedback | None = None
    if feedback and not gate.blocked:
        reply, first_feedback = write_feedback(
            judge.generate,
            prompts.feedback_messages(request.question, gate.judge_text, _coverage_lines(checks)),
            on_feedback,
            justification_start=lambda: f"The answer scores {settle()}/100 because",
        )
        if first_feedback is not None:
            first_token = t - started + first_feedback
        written = parse_feedback(reply)
    score = settle()
    if written is None:
        final = coverage_feedback(checks, score, flags, notes, alignment)
    else:  # the judge's words, plus what it was not asked to know: the gate's notes and the job match
        justification = written.justification
        if alignment:
            justification += f" Relevant to the job: {'; '.join(alignment[:2])}."
        # The bank's own tips for the points the answer missed lead: they are concrete and reviewed,
        # where a small judge's tips sometimes restate the answer instead of advising.
        authored = [c.tip for c in checks if c.status is not RubricStatus.MET and c.tip]
        tips = list(dict.fromkeys([*authored[:2], *written.tips]))[:3]
        final = Feedback(written.strengths, [*notes[:1], *written.weaknesses][:3], tips, justification)
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
        flags=flags,
        notes=notes,
        job_alignment=alignment,
        model=getattr(judge, "name", "judge"),
        embedder=getattr(embedder, "name", "embedder"),
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
