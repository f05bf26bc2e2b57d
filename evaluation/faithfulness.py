"""The faithfulness report of issue 12: is the written feedback true to the answer and to the checks?

Over the graded development set (each answer's checks made by the combination fitted without its
question, as ``scoring.devset.out_of_fold`` scores it) and the reference report's answers:

- strengths: the share whose quote occurs verbatim in the answer, the share tied to a point the
  checks call met (and, on the development set, the share whose point the labels call met), the
  answers scored <= 25 that list any, and the strengths of a strong answer with one serious error that
  quote its erring sentence (one its error-free twin lacks);
- weaknesses: the answers with a labelled red flag whose weaknesses name it, the answers where the
  scorer found a red flag that name it, and the points listed missing that the labels mark met;
- tips: how many are not instructions (``scoring.feedback.is_instruction``), and whether every
  weakness has its tip.

``python -m evaluation.bench`` prints it as ``feedback_faithfulness``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from models.protocols import Embedder, RubricChecker
from question_banks.loader import BankSet
from scoring.devset import DevRow, dev_request
from scoring.engine import judged_rubric, rubric_flags
from scoring.feedback import NO_STRENGTHS_AT_OR_BELOW, Feedback, gated_feedback, grounded_feedback, is_instruction
from scoring.rubric import RubricScoreModel
from scoring.text import split_sentences
from scoring.types import AnswerAssessment, RubricCheck, RubricStatus

_QUOTE = re.compile(r"\u201c(.+?)\u201d")


@dataclass(frozen=True)
class FeedbackRecord:
    """One answer's feedback with what it is checked against.

    Attributes:
        labels: Each rubric point's label (met / partly / missing / contradicted), or ``None`` when unlabelled.
        labelled_flags: The texts of the red flags the labels say the answer states (``None``: unlabelled).
        found_flags: The texts of the red flags the scorer found.
        error_free_twin: For a strong answer with one serious error, its error-free twin's text: the sentences it
            lacks hold the error.
    """

    answer: str
    score: int
    feedback: Feedback
    checks: list[RubricCheck]
    labels: list[str] | None = None
    labelled_flags: list[str] | None = None
    found_flags: list[str] = field(default_factory=list)
    error_free_twin: str | None = None


def _plain(text: str) -> str:
    return " ".join(text.split())


def quotes(item: str) -> list[str]:
    """The quoted spans of a feedback item, without a closing "…" (what must occur in the answer)."""
    return [q.rstrip("\u2026").strip() for q in _QUOTE.findall(item)]


def _strength_point(strength: str, checks: Sequence[RubricCheck]) -> int | None:
    for index, check in enumerate(checks):
        if strength.startswith(check.point.rstrip(".") + ":"):
            return index
    return None


def _names(weaknesses: Sequence[str], flag: str) -> bool:
    head = flag.rstrip(".").lower()
    return any(head in w.lower() for w in weaknesses)


def _listed_missing(weaknesses: Sequence[str], point: str) -> bool:
    head = point.rstrip(".").lower()
    return any(w.lower().startswith("missing: ") and head in w.lower() for w in weaknesses)


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 3) if total else None


def faithfulness_figures(records: Sequence[FeedbackRecord]) -> dict[str, object]:
    """The figures of the module docstring for ``records``."""
    strengths = verbatim = tied = labelled_met = labelled_total = 0
    low_with_strengths = flagged = flagged_named = found = found_named = missing_but_met = 0
    tips = not_instructions = unpaired = erring_praised = 0
    for record in records:
        if record.error_free_twin is not None:
            twin = _plain(record.error_free_twin)
            erring = [_plain(s) for s in split_sentences(record.answer) if _plain(s) not in twin]
            erring_praised += sum(
                any(_plain(span) in sentence for span in quotes(item) for sentence in erring)
                for item in record.feedback.strengths
            )
        feedback, answer = record.feedback, _plain(record.answer)
        if record.score <= NO_STRENGTHS_AT_OR_BELOW and feedback.strengths:
            low_with_strengths += 1
        for strength in feedback.strengths:
            strengths += 1
            spans = quotes(strength)
            verbatim += bool(spans) and all(_plain(span) in answer for span in spans)
            index = _strength_point(strength, record.checks)
            tied += index is not None and record.checks[index].status is RubricStatus.MET
            if record.labels is not None and index is not None and index < len(record.labels):
                labelled_total += 1
                labelled_met += record.labels[index] == "met"
        if record.labelled_flags:
            flagged += 1
            flagged_named += any(_names(feedback.weaknesses, flag) for flag in record.labelled_flags)
        if record.found_flags:
            found += 1
            found_named += all(_names(feedback.weaknesses, flag) for flag in record.found_flags)
        if record.labels is not None:
            missing_but_met += sum(
                label == "met" and _listed_missing(feedback.weaknesses, check.point)
                for check, label in zip(record.checks, record.labels, strict=False)
            )
        tips += len(feedback.tips)
        not_instructions += sum(not is_instruction(tip) for tip in feedback.tips)
        unpaired += bool(feedback.weaknesses) and len(feedback.tips) != len(feedback.weaknesses)
    return {
        "answers": len(records),
        "strengths": strengths,
        "strength_quotes_verbatim": _share(verbatim, strengths),
        "strengths_tied_to_a_met_point": _share(tied, strengths),
        "strengths_on_points_labelled_met": _share(labelled_met, labelled_total),
        "answers_scored_le_25_with_strengths": low_with_strengths,
        "strengths_quoting_an_erring_sentence": erring_praised,
        "labelled_red_flag_answers": flagged,
        "labelled_red_flag_named": _share(flagged_named, flagged),
        "found_red_flag_answers": found,
        "found_red_flag_named": _share(found_named, found),
        "points_listed_missing_but_labelled_met": missing_but_met,
        "tips": tips,
        "tips_not_instructions": not_instructions,
        "answers_with_a_tip_count_unlike_their_weaknesses": unpaired,
    }


def record_of(assessment: AnswerAssessment) -> FeedbackRecord:
    """An assessment's feedback, checked against its own checks (no labels)."""
    feedback = Feedback(assessment.strengths, assessment.weaknesses, assessment.tips, assessment.justification)
    found = [f.flag for f in assessment.red_flags]
    return FeedbackRecord(assessment.answer, assessment.score, feedback, list(assessment.rubric), found_flags=found)


def devset_records(
    rows: Sequence[DevRow],
    scores: Sequence[int],
    model_for: Callable[[DevRow], RubricScoreModel],
    banks: BankSet,
    checker: RubricChecker,
    embedder: Embedder,
) -> list[FeedbackRecord]:
    """Each development answer's feedback as ``score_answer`` builds it without the judge, from the checks
    that the row's (out-of-fold) model makes of its cached evidence."""
    records = []
    twins = {row.item.key: row.item.answer for row in rows}
    for row, score in zip(rows, scores, strict=True):
        request = dev_request(banks, row.item)
        labelled = [request.red_flags[i].flag for i in row.item.red_flags if i < len(request.red_flags)]
        if row.evidence is None:
            feedback = gated_feedback(score, row.flags, row.notes)
            records.append(FeedbackRecord(row.item.answer, score, feedback, [], row.item.points, labelled))
            continue
        points, tips = [p.point for p in request.rubric], [p.tip for p in request.rubric]
        model = model_for(row)
        checked = judged_rubric(request, row.evidence, row.sentences, points, tips, checker, embedder, model)
        flags, notes = rubric_flags(checked, row.flags, row.notes)
        feedback = grounded_feedback(checked.checks, score, flags, notes, (), checked.red_flags, model.met)
        found = [f.flag for f in checked.red_flags]
        twin = twins.get(row.item.twin_key) if row.item.kind == "strong_with_error" else None
        records.append(
            FeedbackRecord(row.item.answer, score, feedback, checked.checks, row.item.points, labelled, found, twin)
        )
    return records
