"""Score a short answer against reference answers (and, optionally, graded example answers).

Used for questions that have no rubric but a reference answer: ad-hoc questions in the live demo,
bulk scoring from the command line, and the SemEval-2013 calibration. The score is a logistic
regression over signals measured between the answer and the reference, fitted on the SemEval-2013
Task 7 training split by ``python -m scoring.calibrate``:

- ``similarity``: cosine of the sentence embeddings of answer and reference;
- ``similarity_demoted``: the same after removing the question's own words from both ("question
  demoting": restating the question is not answering it);
- ``recall`` / ``recall_demoted``: the rarity-weighted share of the reference's content words the
  answer uses (without / with question demoting); ``precision_demoted``: the share of the answer's
  own new content that the reference contains;
- ``question_similarity``, ``log_words``, ``length_ratio``, ``negation_mismatch`` (one side
  negates, the other does not) and ``nothing_new`` (no content beyond the question's words).

With several alternative references the best-matching one counts. When graded example answers
for the question are given (a team grades a handful by hand), ``example_correct`` and
``example_incorrect`` (the answer's highest cosine similarity to a correct and to an incorrect
example) join the signals, through a second fitted model.

The judge is not part of this score: on the training split its P("same as the reference") added
nothing measurable to these signals (see README, Calibration). It still writes the feedback.
Everything here is pure and deterministic given the embedder.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from models.protocols import Embedder
from scoring.gate import FUNCTION_WORDS
from scoring.text import content_weights

REFERENCE_FEATURES = (
    "similarity",
    "similarity_demoted",
    "recall",
    "recall_demoted",
    "precision_demoted",
    "question_similarity",
    "log_words",
    "length_ratio",
    "negation_mismatch",
    "nothing_new",
)
EXAMPLE_FEATURES = ("example_correct", "example_incorrect")
EXAMPLES_PER_QUESTION = 10  # graded examples the example model is fitted with, and the most it is given
NEGATIONS = frozenset(
    {"not", "no", "never", "nothing", "none", "cannot", "can't", "don't", "doesn't", "isn't", "won't", "didn't"}
)


def sigmoid(z: float) -> float:
    """The logistic function, safe for any ``z`` (clamped where ``exp`` would overflow)."""
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True)
class LinearModel:
    """``P = sigmoid(bias + sum(weights[f] * features[f]))`` on raw (unscaled) features."""

    bias: float
    weights: Mapping[str, float] = field(default_factory=dict)

    def probability(self, features: Mapping[str, float]) -> float:
        """The modelled probability that the answer is correct (0-1)."""
        return sigmoid(self.bias + sum(w * float(features.get(name, 0.0)) for name, w in self.weights.items()))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"bias": self.bias, "weights": dict(self.weights)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> LinearModel:
        """Read the JSON form."""
        weights = data.get("weights", {})
        assert isinstance(weights, Mapping)
        return cls(bias=float(data["bias"]), weights={str(k): float(v) for k, v in weights.items()})  # type: ignore[arg-type]


class GradedExample(BaseModel):
    """An example answer to the same question that a person graded correct or incorrect."""

    model_config = ConfigDict(frozen=True)

    answer: str = Field(min_length=1, max_length=20_000)
    correct: bool


def _content(text: str, drop: frozenset[str] = frozenset()) -> dict[str, float]:
    return {stem: w for stem, w in content_weights(text, FUNCTION_WORDS).items() if stem not in drop}


def _share(covered: Mapping[str, float], of: Mapping[str, float]) -> float:
    total = sum(of.values())
    return sum(w for stem, w in of.items() if stem in covered) / total if total else 0.0


def _demoted(text: str, question_words: frozenset[str]) -> str:
    return " ".join(_content(text, question_words)) or text


def _negates(text: str) -> bool:
    return bool(set(text.lower().split()) & NEGATIONS)


def reference_features(
    question: str,
    answer: str,
    references: Sequence[str],
    embedder: Embedder,
    examples: Sequence[GradedExample] = (),
) -> list[dict[str, float]]:
    """The signals of ``answer`` against each reference (one dict per reference, same order).

    Graded examples, when given, add the same two example signals to every dict.
    """
    question_words = frozenset(_content(question))
    answer_demoted = _demoted(answer, question_words)
    refs_demoted = [_demoted(r, question_words) for r in references]
    texts = [answer, question, answer_demoted, *references, *refs_demoted]
    vectors = embedder.encode(texts)
    answer_vec, question_vec, answer_dem_vec = vectors[0], vectors[1], vectors[2]
    ref_vecs = vectors[3 : 3 + len(references)]
    ref_dem_vecs = vectors[3 + len(references) :]
    answer_content, answer_new = _content(answer), _content(answer, question_words)
    answer_words = len(answer.split())
    shared = {
        "question_similarity": float(answer_vec @ question_vec),
        "log_words": math.log1p(answer_words),
        "nothing_new": float(not answer_new),
    }
    if examples:
        example_vecs = embedder.encode([e.answer for e in examples])
        sims = example_vecs @ answer_vec
        good = [float(s) for s, e in zip(sims, examples, strict=True) if e.correct]
        bad = [float(s) for s, e in zip(sims, examples, strict=True) if not e.correct]
        shared |= {"example_correct": max(good, default=0.0), "example_incorrect": max(bad, default=0.0)}
    out = []
    for index, reference in enumerate(references):
        ref_new = _content(reference, question_words)
        out.append(
            {
                "similarity": float(answer_vec @ ref_vecs[index]),
                "similarity_demoted": float(answer_dem_vec @ ref_dem_vecs[index]),
                "recall": _share(answer_content, _content(reference)),
                "recall_demoted": _share(answer_new, ref_new),
                "precision_demoted": _share(ref_new, answer_new),
                "length_ratio": math.log((answer_words + 1) / (len(reference.split()) + 1)),
                "negation_mismatch": float(_negates(answer) != _negates(reference)),
            }
            | shared
        )
    return out


def best_reference(features: Sequence[Mapping[str, float]]) -> int:
    """Index of the reference the answer matches best (embedding plus word overlap; model-free)."""
    if not features:
        raise ValueError("no references")
    return int(np.argmax([f["similarity"] + f["recall"] for f in features]))


@dataclass(frozen=True)
class ReferenceScorer:
    """The fitted models: one for a reference alone, one for a reference plus graded examples."""

    reference: LinearModel
    with_examples: LinearModel

    def model_for(self, features: Mapping[str, float]) -> LinearModel:
        """The model that applies to these features (with examples when their signals are present)."""
        return self.with_examples if "example_correct" in features else self.reference

    def probability(self, features: Mapping[str, float]) -> float:
        """P(correct) for one answer-reference feature dict."""
        return self.model_for(features).probability(features)


# Used only when scoring/calibration.json is missing: rounded from the 2026-11-26 fit.
DEFAULT_REFERENCE_MODEL = LinearModel(
    bias=-3.0,
    weights={"similarity": 2.0, "similarity_demoted": 2.0, "recall": 1.5, "recall_demoted": 1.0},
)
DEFAULT_EXAMPLE_MODEL = LinearModel(
    bias=-3.0,
    weights={
        "similarity": 1.5,
        "similarity_demoted": 1.5,
        "recall": 1.0,
        "recall_demoted": 1.0,
        "example_correct": 3.0,
        "example_incorrect": -3.0,
    },
)
