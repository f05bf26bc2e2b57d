"""The load benchmark's figures (the benchmark itself is run by hand: `python -m jobs.loadbench`)."""

from __future__ import annotations

import pytest

from jobs.loadbench import percentile


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, 0.0),
        ([3.0], 0.95, 3.0),
        ([1.0, 2.0, 3.0, 4.0], 0.5, 2.0),
        ([float(n) for n in range(1, 101)], 0.95, 95.0),
        ([5.0, 1.0, 3.0], 0.5, 3.0),
    ],
)
def test_percentile_is_nearest_rank(values, fraction, expected):
    assert percentile(values, fraction) == expected
