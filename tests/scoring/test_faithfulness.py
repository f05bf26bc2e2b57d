"""The feedback-faithfulness report's figures (evaluation/faithfulness.py), on hand-made records."""

from __future__ import annotations

from evaluation.faithfulness import FeedbackRecord, faithfulness_figures
from scoring.feedback import Feedback
from scoring.types import RubricCheck, RubricStatus

TWIN = "We split by time. I tuned the threshold on validation. Recall rose to 0.8."
ERRING = "We split by time. I tuned the threshold on the test set. Recall rose to 0.8."


def _record(strengths: list[str], answer: str = ERRING, twin: str | None = TWIN, score: int = 70) -> FeedbackRecord:
    check = RubricCheck(point="Gives a result.", status=RubricStatus.MET, confidence=1.0, coverage=0.9, similarity=0.5)
    return FeedbackRecord(answer, score, Feedback(strengths, [], [], ""), [check], error_free_twin=twin)


def test_a_strength_quoting_the_sentence_the_error_free_twin_lacks_is_counted():
    praised = _record(["Gives a result: \u201cI tuned the threshold on the test set.\u201d"])
    fine = _record(["Gives a result: \u201cRecall rose to 0.8.\u201d"])
    no_twin = _record(["Gives a result: \u201cI tuned the threshold on the test set.\u201d"], twin=None)
    assert faithfulness_figures([praised])["strengths_quoting_an_erring_sentence"] == 1
    assert faithfulness_figures([fine, no_twin])["strengths_quoting_an_erring_sentence"] == 0
    figures = faithfulness_figures([praised, fine])
    assert figures["strengths"] == 2 and figures["strength_quotes_verbatim"] == 1.0
    assert figures["strengths_tied_to_a_met_point"] == 1.0


def test_strengths_on_a_low_score_and_quotes_not_in_the_answer_are_counted():
    figures = faithfulness_figures([_record(["Gives a result: \u201cRecall rose to 0.9.\u201d"], score=20)])
    assert figures["answers_scored_le_25_with_strengths"] == 1
    assert figures["strength_quotes_verbatim"] == 0.0
