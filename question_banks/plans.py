"""Interview plans: which questions of a bank to ask, balanced across competencies and tailored to a job.

``build_plan`` picks questions round robin over the chosen competencies. Given a job description
and an ``Embedder`` it ranks each competency's questions by similarity to the description's
requirement sentences (``extract_requirements``); otherwise the choice is seeded, so the same
inputs always give the same plan.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.protocols import Embedder
from question_banks.loader import QuestionRef
from question_banks.requirements import (
    MAX_REQUIREMENTS,
    MAX_TEXT_CHARS,
    JobRequirement,
    extract_requirements,
    normalise_text,
    requirement_matches,
    unit_embeddings,
)
from question_banks.schema import Question, QuestionBank

__all__ = [
    "ORDERS",
    "InterviewPlan",
    "JobRequirement",
    "Order",
    "build_plan",
    "extract_requirements",
    "question_document",
    "question_relevance",
    "requirement_matches",
]

Order = Literal["balanced", "bank", "shuffled"]
ORDERS: tuple[str, ...] = get_args(Order)


class InterviewPlan(BaseModel):
    """Which questions of which bank to ask, in what order, and the inputs that chose them.

    Rebuilding a plan from its own fields (with the same embedder) gives the same plan.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    bank_slug: str = Field(min_length=1)
    bank_version: int = Field(default=1, ge=1)
    num_questions: int = Field(ge=1, description="How many questions the plan holds.")
    competencies: list[str] = Field(default_factory=list, description="Chosen competency codes; empty = all.")
    order: Order = "balanced"
    time_limit_s: int | None = Field(default=None, gt=0, description="Answer time per question, in seconds.")
    job_description: str = Field(default="", max_length=MAX_TEXT_CHARS)
    resume: str = Field(default="", max_length=MAX_TEXT_CHARS)
    seed: int = 0
    question_ids: list[str] = Field(min_length=1)
    requirements: list[JobRequirement] = Field(default_factory=list, max_length=MAX_REQUIREMENTS)
    relevance: dict[str, float] = Field(
        default_factory=dict, description="Similarity of each chosen question to the job (empty when not ranked)."
    )
    ranked_by: str | None = Field(default=None, description="Name of the embedder that ranked the questions.")
    follow_ups: bool = Field(
        default=False, description="Ask one follow-up per question, on the most important rubric point it missed."
    )

    @model_validator(mode="after")
    def _consistent(self) -> InterviewPlan:
        if len(set(self.question_ids)) != len(self.question_ids):
            raise ValueError("a question appears twice in the plan")
        if len(self.question_ids) != self.num_questions:
            raise ValueError(f"num_questions is {self.num_questions} but the plan holds {len(self.question_ids)}")
        return self

    def refs(self) -> list[QuestionRef]:
        """The global ``(slug, question id)`` of each planned question, in order."""
        return [QuestionRef(self.bank_slug, question_id) for question_id in self.question_ids]

    def questions(self, bank: QuestionBank) -> list[Question]:
        """The planned questions, in order, looked up in ``bank``.

        Raises:
            ValueError: ``bank`` is not the bank the plan was built from.
            KeyError: The bank no longer has one of the planned questions.
        """
        if bank.slug != self.bank_slug:
            raise ValueError(f"this plan is for bank {self.bank_slug!r}, not {bank.slug!r}")
        return [bank.question(question_id) for question_id in self.question_ids]


def build_plan(
    bank: QuestionBank,
    *,
    num_questions: int,
    competencies: Sequence[str] = (),
    order: Order = "balanced",
    time_limit_s: int | None = None,
    job_description: str = "",
    resume: str = "",
    seed: int = 0,
    embedder: Embedder | None = None,
) -> InterviewPlan:
    """Choose ``num_questions`` questions from ``bank``, balanced across competencies.

    Questions are taken round robin over the chosen competencies, so their counts differ by at most
    one while each has questions left; when fewer questions than competencies are asked, the most
    job-relevant competencies (seeded choice without a job description) win. With a job description
    and an embedder each competency's questions are ranked by their best cosine similarity to a
    requirement of the job; otherwise ``random.Random(seed)`` chooses, so the same inputs always give
    the same plan.

    Args:
        bank: The bank to choose from.
        num_questions: How many questions to ask; more than the chosen competencies hold means all of them.
        competencies: Competency codes to draw from; empty means every competency of the bank.
        order: ``"balanced"`` (interleaved by competency, in choice order), ``"bank"`` (the bank's
            order) or ``"shuffled"`` (seeded shuffle).
        time_limit_s: Optional answer time per question, in seconds.
        job_description: Optional job description to tailor the plan to.
        resume: Optional résumé text, kept with the plan for the scorer.
        seed: Seed of every random choice.
        embedder: Embedder used to rank questions against the job description.

    Returns:
        The plan.

    Raises:
        ValueError: ``num_questions`` is below 1, ``order`` or a competency code is unknown, or the
            chosen competencies have no questions.
    """
    if num_questions < 1:
        raise ValueError(f"num_questions must be at least 1, not {num_questions}")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {list(ORDERS)}, not {order!r}")
    chosen = _chosen_competencies(bank, [competencies] if isinstance(competencies, str) else competencies)
    pools = {code: [q for q in bank.questions if q.competency == code] for code in chosen or _codes(bank)}
    pools = {code: questions for code, questions in pools.items() if questions}
    if not pools:
        raise ValueError(f"competencies {chosen} of bank {bank.slug!r} have no questions")
    job_description = normalise_text(job_description)
    requirements = extract_requirements(job_description, embedder) if job_description.strip() else []
    candidates = [question for questions in pools.values() for question in questions]
    relevance = question_relevance(candidates, requirements, embedder) if requirements and embedder else {}

    rng = random.Random(seed)
    priority = list(pools)
    rng.shuffle(priority)
    ranked: dict[str, list[Question]] = {}
    for code, questions in pools.items():
        shuffled = list(questions)
        rng.shuffle(shuffled)  # the seed breaks ties between equally relevant questions
        ranked[code] = sorted(shuffled, key=lambda q: -relevance[q.id]) if relevance else shuffled
    if relevance:
        priority.sort(key=lambda code: -relevance[ranked[code][0].id])
    picked = _round_robin(ranked, priority, num_questions)
    arranged = _arrange(picked, order, bank, seed)
    return InterviewPlan(
        bank_slug=bank.slug,
        bank_version=bank.version,
        num_questions=len(arranged),
        competencies=chosen,
        order=order,
        time_limit_s=time_limit_s,
        job_description=job_description,
        resume=normalise_text(resume),
        seed=seed,
        question_ids=[question.id for question in arranged],
        requirements=requirements,
        relevance={question.id: round(relevance[question.id], 4) for question in arranged} if relevance else {},
        ranked_by=embedder.name if relevance and embedder is not None else None,
    )


def question_document(question: Question) -> str:
    """The text a question is compared on: its text, keywords, what it probes and its rubric points."""
    parts = [question.text]
    if question.keywords:
        parts.append("Keywords: " + ", ".join(question.keywords) + ".")
    parts.extend([question.probes, *question.rubric_points])
    return "\n".join(parts)


def question_relevance(
    questions: Sequence[Question], requirements: Sequence[JobRequirement], embedder: Embedder
) -> dict[str, float]:
    """Each question's best cosine similarity to any requirement.

    Args:
        questions: The questions to score (ids must be unique).
        requirements: The job's requirements.
        embedder: The embedder.

    Returns:
        Question id to its highest similarity over the requirements (empty without requirements).
    """
    if not questions or not requirements:
        return {}
    question_vectors = unit_embeddings(embedder, [question_document(question) for question in questions])
    requirement_vectors = unit_embeddings(embedder, [requirement.text for requirement in requirements])
    best = (question_vectors @ requirement_vectors.T).max(axis=1)
    return {question.id: float(score) for question, score in zip(questions, best, strict=True)}


def _codes(bank: QuestionBank) -> list[str]:
    return [competency.code for competency in bank.competencies]


def _chosen_competencies(bank: QuestionBank, competencies: Iterable[str]) -> list[str]:
    """The chosen codes, deduplicated, in the bank's order."""
    wanted = {code.strip() for code in competencies if code.strip()}
    unknown = sorted(wanted - set(_codes(bank)))
    if unknown:
        raise ValueError(f"bank {bank.slug!r} has no competency {', '.join(unknown)}; it has {_codes(bank)}")
    return [code for code in _codes(bank) if code in wanted]


def _round_robin(ranked: dict[str, list[Question]], priority: list[str], count: int) -> list[Question]:
    """Take each competency's next question in ``priority`` order, round after round."""
    picked: list[Question] = []
    depth = 0
    while len(picked) < count:
        round_ = [ranked[code][depth] for code in priority if depth < len(ranked[code])]
        if not round_:
            break
        picked.extend(round_[: count - len(picked)])
        depth += 1
    return picked


def _arrange(picked: list[Question], order: Order, bank: QuestionBank, seed: int) -> list[Question]:
    if order == "bank":
        position = {question.id: index for index, question in enumerate(bank.questions)}
        return sorted(picked, key=lambda question: position[question.id])
    if order == "shuffled":
        shuffled = list(picked)
        random.Random(f"{seed}:order").shuffle(shuffled)  # its own stream: the order never changes the choice
        return shuffled
    return picked
