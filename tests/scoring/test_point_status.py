"""The fitted point-status model, and the red-flag examples the banks carry (fakes; no real model)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from question_banks.loader import load_banks
from scoring.devset import DevAnswer, DevRow, fit_point_model, point_agreement
from scoring.rubric import (
    FEATURES,
    MISSING_ODDS,
    POINT_CLASSES,
    POINT_FEATURES,
    ClaimVerdict,
    PointStatusModel,
    RedFlagModel,
    RubricEvidence,
    RubricScoreModel,
    flag_example_readings,
)
from scoring.types import RubricStatus


def _verdict(states: float, contradicts: float = 0.0, text: str = "") -> ClaimVerdict:
    return ClaimVerdict(states, contradicts, text or f"s{states}", text or f"c{contradicts}")


def test_every_shipped_red_flag_has_examples_a_candidate_would_say():
    banks = load_banks().banks
    flags = [flag for bank in banks.values() for question in bank.questions for flag in question.red_flags]
    assert len(flags) >= 390
    for flag in flags:
        assert len(flag.examples) >= 2, flag.flag
        assert all(10 <= len(example.split()) <= 60 for example in flag.examples), flag.flag
        assert flag.flag not in flag.examples


def _evidence(states: list[float], *, anchors: bool = True) -> RubricEvidence:
    return RubricEvidence(
        points=[_verdict(s) for s in states],
        flags=[_verdict(0.1)],
        specificity=5.0,
        anchor_margin=0.1,
        log_words=5.0,
        anchor_agreement={"strong": 0.5, "wrong": 0.3} if anchors else {},
    )


def _model(missing_odds: float = MISSING_ODDS) -> PointStatusModel:
    """Only the point's own P(states) counts: met above 0.6, missing below 0.2, partly between."""
    coefficients = {s.value: dict.fromkeys(POINT_FEATURES, 0.0) for s in POINT_CLASSES}
    coefficients["met"]["states"], coefficients["missing"]["states"] = 10.0, -10.0
    return PointStatusModel(
        means=dict.fromkeys(POINT_FEATURES, 0.0),
        scales=dict.fromkeys(POINT_FEATURES, 1.0),
        coefficients=coefficients,
        intercepts={"met": -6.0, "partly": 0.0, "missing": 2.0},
        missing_odds=missing_odds,
    )


@pytest.mark.parametrize(
    ("states", "odds", "expected"),
    [
        (0.9, 3.0, RubricStatus.MET),
        (0.4, 3.0, RubricStatus.PARTLY),
        (0.02, 3.0, RubricStatus.MISSING),
        (0.02, 1e9, RubricStatus.PARTLY),  # missing never wins against enough odds: partly stands in
        (0.9, 1e9, RubricStatus.MET),
    ],
)
def test_point_statuses_table(states, odds, expected):
    assert _model(odds).statuses(_evidence([states])) == [expected]
    probabilities = _model(odds).probabilities(_evidence([states]))[0]
    assert math.isclose(sum(probabilities.values()), 1.0)


def test_a_point_likeliest_missing_but_not_surely_is_partly_never_met():
    # Partly is unlikely here (its intercept is low), so met is the second likeliest status; but an answer that is
    # probably missing a point has not shown it: it is partly met (the candidate gets its tip), not a strength.
    model = replace(_model(25.0), intercepts={"met": -6.0, "partly": -20.0, "missing": 2.0})
    probabilities = model.probabilities(_evidence([0.3]))[0]
    assert probabilities[RubricStatus.MISSING] > probabilities[RubricStatus.MET] > probabilities[RubricStatus.PARTLY]
    assert probabilities[RubricStatus.MISSING] < 25.0 * probabilities[RubricStatus.MET]
    assert model.statuses(_evidence([0.3])) == [RubricStatus.PARTLY]
    assert replace(model, missing_odds=3.0).statuses(_evidence([0.3])) == [RubricStatus.MISSING]  # odds e^2 > 3


def test_a_contradicted_point_stays_contradicted_whatever_the_point_model_says():
    model = RubricScoreModel(contradicted=0.5, point_model=_model())
    evidence = _evidence([0.9, 0.9])
    evidence = RubricEvidence(**{**evidence.__dict__, "points": [_verdict(0.1, 0.8), _verdict(0.9)]})
    assert model.statuses(evidence) == [RubricStatus.CONTRADICTED, RubricStatus.MET]
    assert model.findings(evidence) == 1


def test_a_question_without_anchors_counts_their_features_at_the_mean():
    model = _model()
    model.coefficients["met"]["strong_anchor_agreement"] = 50.0  # would decide everything if it were read
    assert model.statuses(_evidence([0.4], anchors=False)) == [RubricStatus.PARTLY]


def test_the_point_model_survives_the_calibration_file_round_trip():
    model = RubricScoreModel(point_model=_model(2.0), version="t")
    again = RubricScoreModel.from_dict(model.to_dict())
    assert again == model and isinstance(again.point_model, PointStatusModel)
    assert RubricScoreModel.from_dict({"version": "old"}).point_model is None  # a file written before it


def _row(index: int, states: list[float], labels: list[str]) -> DevRow:
    item = DevAnswer(f"A{index}", "bank", f"Q{index % 5}", "strong", "text", labels, [], None)
    return DevRow(item, _evidence(states), None, [])


def test_the_fitted_point_model_reproduces_labels_the_thresholds_miss():
    # Points in rich answers are met even at a middling P(states); in thin answers they are missing.
    rows = []
    for i in range(40):
        rich = i % 2 == 0
        states = [0.45, 0.5, 0.55] if rich else [0.45, 0.5, 0.05]
        labels = ["met", "met", "met"] if rich else ["missing", "missing", "missing"]
        evidence = _evidence(states)
        evidence = RubricEvidence(**{**evidence.__dict__, "specificity": 12.0 if rich else 1.0})
        rows.append(DevRow(_row(i, states, labels).item, evidence, None, []))
    thresholds = RubricScoreModel(met=0.6, partly=0.25)  # the checker confirms none of these points
    fitted = RubricScoreModel(met=0.6, partly=0.25, point_model=fit_point_model(rows, missing_odds=1.0))
    assert point_agreement(rows, thresholds) < 0.6
    assert point_agreement(rows, fitted) == 1.0
    assert set(fitted.point_model.coefficients) == {"met", "missing"}  # only the statuses seen are fitted


def test_the_score_signals_read_the_checker_thresholds_and_the_statuses_the_point_model():
    model = RubricScoreModel(met=0.4, partly=0.2, point_model=_model(), weights=dict.fromkeys(FEATURES, 0.0))
    evidence = _evidence([0.45, 0.45])
    assert model.statuses(evidence) == [RubricStatus.PARTLY, RubricStatus.PARTLY]
    assert model.signals(evidence).met_share == 1.0


def test_the_point_model_cannot_call_missing_a_point_the_checker_confirms():
    # The fake model calls P(states) 0.02 missing; with met at 0.01 the checker confirms it, so it stays met.
    confirmed = RubricScoreModel(met=0.01, partly=0.005, point_model=_model())
    assert confirmed.statuses(_evidence([0.02])) == [RubricStatus.MET]
    # Partly from the model stands (it reads a point as only partly stated), and missing stands where the
    # checker does not confirm the point.
    assert confirmed.statuses(_evidence([0.4])) == [RubricStatus.PARTLY]
    assert RubricScoreModel(met=0.5, partly=0.25, point_model=_model()).statuses(_evidence([0.02])) == [
        RubricStatus.MISSING
    ]


def test_a_question_without_red_flags_counts_the_red_flag_feature_at_its_mean():
    evidence = RubricEvidence(**{**_evidence([0.5]).__dict__, "flags": []})
    assert PointStatusModel.features(evidence)[0]["red_flag"] is None
    model = _model()
    model.coefficients["missing"]["red_flag"] = -50.0  # a red flag of 0 would decide everything if it were read
    assert model.statuses(evidence) == [RubricStatus.PARTLY]


def test_dev_figures_count_agreement_and_labelled_met_points_called_missing():
    from scoring.devset import dev_figures

    model = RubricScoreModel(met=0.5, partly=0.25)  # thresholds only: 0.9 met, 0.3 partly, 0.05 missing
    rows = [
        DevRow(_row(0, [], ["met", "met", "missing"]).item, _evidence([0.9, 0.05, 0.05]), None, []),
        DevRow(_row(1, [], ["partly", "met"]).item, _evidence([0.3, 0.9]), None, []),
        DevRow(replace(_row(2, [], ["met"]).item, kind="generic"), None, 5, []),  # gated: no statuses listed
    ]
    figures = dev_figures(rows, [80, 70, 5], lambda row: model)
    assert figures["point_status_agreement"] == round(4 / 6, 3)  # the gated point counts as missing: wrong
    assert figures["labelled_met_called_missing"] == 1  # row 0's second point; the gated row lists none
    assert figures["labelled_met_called_contradicted"] == 0
    contradicted = _evidence([0.9])
    contradicted = RubricEvidence(**{**contradicted.__dict__, "points": [_verdict(0.1, 0.8)]})
    again = dev_figures([DevRow(_row(3, [], ["met"]).item, contradicted, None, [])], [30], lambda row: model)
    assert again["labelled_met_called_contradicted"] == 1 and again["labelled_met_called_missing"] == 0


def test_the_development_set_loads_with_answers_keyed_by_bank_and_twins_found(tmp_path):
    import json

    from scoring.devset import load_devset

    answers = load_devset()
    assert len(answers) >= 450 and len({a.key for a in answers}) == len(answers)
    assert {a.key for a in answers} >= {a.twin_key for a in answers if a.twin_key}
    line = {"id": "Q1-strong", "bank": "b", "question_id": "Q1", "kind": "strong", "answer": "x", "points": ["met"]}
    (tmp_path / "b.jsonl").write_text(json.dumps(line) + "\n" + json.dumps(line) + "\n")
    with pytest.raises(ValueError, match="repeats in its bank"):
        load_devset(tmp_path)
    other = {**line, "bank": "c", "kind": "strong_with_error", "id": "Q1-err", "twin_of": "Q1-strong"}
    (tmp_path / "b.jsonl").write_text(json.dumps(line) + "\n")
    (tmp_path / "c.jsonl").write_text(json.dumps(other) + "\n")  # its twin is in another bank: not found
    with pytest.raises(ValueError, match="twin_of 'Q1-strong' is not an answer of its bank"):
        load_devset(tmp_path)


def _flag_row(index: int, flag_states: float, wrong_agreement: float, committed: bool) -> DevRow:
    label = "met" if index % 3 else "missing"  # both statuses, for the point model fitted beside it
    item = DevAnswer(f"F{index}", "bank", f"Q{index % 5}", "strong", "text", [label], [0] if committed else [], None)
    evidence = RubricEvidence(
        points=[_verdict(0.6)],
        flags=[_verdict(flag_states)],
        specificity=5.0,
        anchor_margin=0.1,
        log_words=5.0,
        anchor_agreement={"strong": 1.0 - wrong_agreement, "wrong": wrong_agreement},
    )
    return DevRow(item, evidence, None, [])


def test_the_red_flag_model_reads_a_middling_flag_in_the_light_of_the_wrong_anchor():
    from scoring.devset import fit_flag_model, fit_thresholds

    # The checker reads every flag at 0.5; the answers that commit it are the ones agreeing with the wrong anchor.
    rows = [_flag_row(i, 0.5, 0.8 if i % 2 else 0.1, committed=bool(i % 2)) for i in range(40)]
    rows += [_flag_row(40 + i, 0.05, 0.1, committed=False) for i in range(20)]
    model = fit_flag_model(rows)
    assert model is not None
    committed, clean = rows[1].evidence, rows[0].evidence
    assert model.probabilities(committed)[0] > 0.5 > model.probabilities(clean)[0]
    fitted = fit_thresholds(rows, RubricScoreModel())
    assert fitted.flag_model is not None
    assert fitted.flags_found(committed) == [0] and fitted.flags_found(clean) == []
    # Without the model, the checker's P(states) alone cannot tell the two apart.
    plain = replace(fitted, flag_model=None, finding=0.5)
    assert plain.flags_found(committed) == plain.flags_found(clean) == [0]
    again = RubricScoreModel.from_dict(fitted.to_dict())
    assert again.flag_model == fitted.flag_model
    assert fit_flag_model(rows[40:]) is None  # no committed flag to learn from


def _topical_flag_row(index: int, example_states: float, committed: bool) -> DevRow:
    """An answer whose best passage for the flag shares its topic (the checker reads the flag at 0.8 either way);
    only the flag's written examples, read against that passage, tell commitment from topic."""
    label = "met" if index % 3 else "missing"  # both statuses, for the point model fitted beside it
    item = DevAnswer(f"T{index}", "bank", f"Q{index % 5}", "strong", "text", [label], [0] if committed else [], None)
    evidence = RubricEvidence(
        points=[_verdict(0.6)],
        flags=[_verdict(0.8)],
        specificity=5.0,
        anchor_margin=0.1,
        log_words=5.0,
        anchor_agreement={"strong": 0.5, "wrong": 0.3},
        flag_examples=[[example_states, example_states / 2, 0.05]],
    )
    return DevRow(item, evidence, None, [])


def test_the_red_flag_model_tells_a_committed_flag_from_its_topic_by_the_flags_examples():
    from scoring.devset import fit_flag_model, fit_thresholds

    rows = [_topical_flag_row(i, 0.9 if i % 2 else 0.1, committed=bool(i % 2)) for i in range(40)]
    fitted = fit_thresholds(rows, RubricScoreModel())
    committed, topical = rows[1].evidence, rows[0].evidence
    assert fitted.flags_found(committed) == [0] and fitted.flags_found(topical) == []
    features = RedFlagModel.features(committed)[0]
    assert features["example_max"] == 0.9 and features["example_mean"] == pytest.approx((0.9 + 0.45 + 0.05) / 3)
    # Evidence without example readings (a flag without examples, an older cache) counts them at their mean.
    older = RubricEvidence(**{**committed.__dict__, "flag_examples": []})
    assert RedFlagModel.features(older)[0]["example_max"] is None
    middle = fit_flag_model(rows).probabilities(older)[0]  # type: ignore[union-attr]
    assert fitted.flag_model.probabilities(topical)[0] < middle < fitted.flag_model.probabilities(committed)[0]  # type: ignore[union-attr]


def test_a_flags_examples_are_read_against_the_flags_best_passage_only():
    from tests.fakes import FakeChecker

    checker = FakeChecker()
    flags = [
        _verdict(0.8, text="we reported page views as the primary metric"),
        ClaimVerdict(0, 0, "", ""),
        _verdict(0.3),
    ]
    examples = [["success was page views", "the headline number was app downloads"], ["unread"]]
    readings = flag_example_readings(checker, flags, examples)
    assert checker.pairs == [
        ("success was page views", "we reported page views as the primary metric"),
        ("the headline number was app downloads", "we reported page views as the primary metric"),
    ]  # the flag without a passage, and the one without examples, cost no pair
    assert len(readings) == 3 and readings[1] == readings[2] == []
    assert readings[0][0] > readings[0][1]  # the example that shares the passage's words reads as stated
    assert flag_example_readings(checker, [], []) == []
