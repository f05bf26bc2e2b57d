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
