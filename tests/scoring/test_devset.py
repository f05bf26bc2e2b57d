"""Fitting the combination on the development set: the thresholds at which a finding caps a score."""

from scoring.devset import FINDING_GRID, NEVER, false_alarm_threshold


def test_a_finding_caps_only_above_the_threshold_with_few_false_alarms():
    # Ten answers labelled without the error; the checker's strongest reading of it in each.
    readings = [0.1, 0.2, 0.3, 0.4, 0.55, 0.6, 0.7, 0.8, 0.9, 0.97]

    def found(reading: float, threshold: float) -> bool:
        return reading >= threshold

    # At most 1 in 10 flagged: 0.9 still flags two (0.9, 0.97), 0.92 flags one.
    assert false_alarm_threshold(readings, found, 0.10) == 0.92
    assert false_alarm_threshold(readings, found, 0.30) == 0.72  # 0.8, 0.9, 0.97
    assert false_alarm_threshold(readings, found, 0.0) == 0.98
    assert false_alarm_threshold([0.99] * 10, found, 0.05) == NEVER  # never sure enough: never caps
    assert false_alarm_threshold([], found, 0.0) == FINDING_GRID[0]  # nothing to contradict it
    assert NEVER > 1.0


def test_band_quantiles_spread_each_kind_over_its_band():
    from scoring.devset import BANDS, band_quantiles

    assert list(band_quantiles(["strong"] * 4, [0.0, 0.5, 1.0])) == [80.0, 90.0, 100.0]
    # Half strong, half wrong: the lower half of the scale is the wrong band, the upper half the strong one.
    mixed = band_quantiles(["strong", "confidently_wrong"], [0.0, 0.25, 0.75, 1.0])
    assert list(mixed) == [0.0, 10.0, 90.0, 100.0]
    assert all(low < high for low, high in BANDS.values())


def test_the_equipercentile_mapping_gives_the_top_raw_values_the_strong_band_and_keeps_order():
    from scoring.devset import equipercentile_knots
    from scoring.rubric import RubricScoreModel

    # Raw values squeezed into a narrow range, as a regression towards band midpoints leaves them: one answer in
    # five strong, the rest wrong.
    raw = [40.0 + i * 0.1 for i in range(100)]
    kinds = ["confidently_wrong"] * 80 + ["strong"] * 20
    knots = equipercentile_knots(raw, kinds, knots=21)
    xs = [x for x, _ in knots]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    model = RubricScoreModel(calibration=knots)
    mapped = [model.calibrated(r) for r in raw]
    assert mapped == sorted(mapped)  # monotone: the ranking is the combination's
    assert min(mapped[80:]) >= 80 - 1e-6  # the top fifth reaches the strong band
    assert max(mapped[:75]) <= 20 + 1e-6  # the rest stays in the wrong band (linear between the two knots at the gap)
    assert equipercentile_knots([5.0] * 10, ["strong"] * 10) == [[5.0, 80.0]]  # one raw value: one knot
