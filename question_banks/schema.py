"""Schema of a question bank: what a role's YAML file must contain, validated at load time.

A bank is data, not code (like lm-evaluation-harness task files): a team adds a role by dropping
a YAML file into ``question_banks/``. Everything here is a pydantic model so that a bad file fails
with the file, the question id and what is wrong.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
QUESTION_ID = re.compile(r"^[A-Z][A-Z0-9]*_Q[0-9]+$")
COMPETENCY_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")


class RubricPoint(BaseModel):
    """One observable thing a strong answer shows, with a tip for an answer that misses it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    point: NonEmpty = Field(
        description="Observable in an answer, e.g. 'names a concrete metric and how much it changed'."
    )
    tip: str = Field(default="", description="A concrete, actionable tip for an answer that misses this point.")

    @model_validator(mode="before")
    @classmethod
    def _accept_plain_string(cls, value: object) -> object:
        """Allow ``- some rubric point`` as shorthand for ``- point: some rubric point``."""
        if isinstance(value, str):
            return {"point": value}
        return value


MAX_RED_FLAG_EXAMPLES = 6  # each one is a pair the checker reads per answer (rubric.flag_example_readings)


class RedFlag(BaseModel):
    """A wrong claim or harmful practice an interviewer marks down, with why it is a problem."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    flag: NonEmpty = Field(
        description="What the answer says or does, e.g. 'resamples the whole dataset before splitting it'."
    )
    reason: NonEmpty = Field(description="One line on why it is a problem, shown to the candidate.")
    examples: list[NonEmpty] = Field(
        default_factory=list,
        max_length=MAX_RED_FLAG_EXAMPLES,
        description=(
            "What a candidate says when committing it, in a candidate's words (one or two sentences each). "
            "Shown to interviewers; the rubric checker reads each one against the answer passage that best states "
            "the flag, which tells an answer committing it from one that only shares its topic."
        ),
    )


AnchorLevel = Literal["strong", "good", "generic", "wrong"]
REQUIRED_ANCHOR_LEVELS: tuple[AnchorLevel, ...] = ("strong", "generic", "wrong")


class Anchor(BaseModel):
    """A written example answer at a known level, used as a graded example and shown as a model answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: AnchorLevel
    answer: NonEmpty


class Competency(BaseModel):
    """A competency group of a bank, e.g. ``ML`` / "Machine learning"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: NonEmpty
    name: NonEmpty
    description: str = ""
    behavioural: bool = Field(
        default=False, description="Questions ask about past behaviour ('Tell me about a time...'): STAR applies."
    )

    @field_validator("code")
    @classmethod
    def _code_shape(cls, code: str) -> str:
        if not COMPETENCY_CODE.match(code):
            raise ValueError(f"competency code {code!r} must be 2-12 upper-case letters or digits, e.g. 'ML'")
        return code


class Question(BaseModel):
    """One interview question with the rubric it is scored against."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: NonEmpty
    competency: NonEmpty
    text: NonEmpty
    probes: NonEmpty = Field(description="What the question is meant to find out about the candidate.")
    rubric: list[RubricPoint] = Field(min_length=4, max_length=6)
    exemplary_answer: NonEmpty = Field(description="Outline of an exemplary answer.")
    pitfalls: list[NonEmpty] = Field(min_length=1)
    follow_up: str = ""
    keywords: list[NonEmpty] = Field(default_factory=list, description="Terms a relevant answer tends to use.")
    red_flags: list[RedFlag] = Field(default_factory=list, description="Wrong claims or harmful practices.")
    anchors: list[Anchor] = Field(default_factory=list, description="Example answers at known levels.")

    @field_validator("id")
    @classmethod
    def _id_shape(cls, qid: str) -> str:
        if not QUESTION_ID.match(qid):
            raise ValueError(f"question id {qid!r} must look like 'ML_Q1' (CODE_Q<number>)")
        return qid

    @model_validator(mode="after")
    def _anchor_levels(self) -> Question:
        if self.anchors:
            levels = {anchor.level for anchor in self.anchors}
            missing = [level for level in REQUIRED_ANCHOR_LEVELS if level not in levels]
            if missing:
                raise ValueError(f"anchors lack the level(s) {missing}")
        return self

    def anchor(self, level: AnchorLevel) -> Anchor | None:
        """The first anchor answer at this level, or ``None``."""
        return next((anchor for anchor in self.anchors if anchor.level == level), None)

    @property
    def rubric_points(self) -> list[str]:
        """The rubric point texts, in order."""
        return [item.point for item in self.rubric]


class QuestionBank(BaseModel):
    """A role's bank: its competencies and questions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: NonEmpty = Field(description="Display name of the role, e.g. 'Machine Learning Engineer'.")
    slug: NonEmpty = Field(description="Stable identifier, e.g. 'machine_learning_engineer'.")
    description: str = ""
    version: int = Field(default=1, ge=1, description="Bump when rubric points change; stored with each score.")
    competencies: list[Competency] = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> QuestionBank:
        codes = [c.code for c in self.competencies]
        if len(set(codes)) != len(codes):
            raise ValueError(f"competency codes repeat: {sorted({c for c in codes if codes.count(c) > 1})}")
        seen: set[str] = set()
        for question in self.questions:
            if question.id in seen:
                raise ValueError(f"question {question.id}: id is used twice")
            seen.add(question.id)
            if question.competency not in codes:
                raise ValueError(f"question {question.id}: competency {question.competency!r} is not one of {codes}")
            points = [p.point.casefold() for p in question.rubric]
            if len(set(points)) != len(points):
                raise ValueError(f"question {question.id}: rubric points repeat")
        return self

    def competency(self, code: str) -> Competency:
        """The competency with this code."""
        for item in self.competencies:
            if item.code == code:
                return item
        raise KeyError(code)

    def question(self, question_id: str) -> Question:
        """The question with this id."""
        for item in self.questions:
            if item.id == question_id:
                return item
        raise KeyError(question_id)
