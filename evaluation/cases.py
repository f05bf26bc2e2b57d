"""The handed cases' expectations: the ``expect`` grammar of shared/cases/README.md, checked against a score and flags.

``score<=N``, ``score>=N``, ``score_between A B``, ``flag:NAME`` and ``not_flag:NAME``, joined by `` | ``.
"""

from __future__ import annotations

import re

CONDITIONS = [  # (pattern, holds(match, score, flags))
    (r"score<=(\d+)", lambda m, score, flags: score <= int(m[1])),
    (r"score>=(\d+)", lambda m, score, flags: score >= int(m[1])),
    (r"score_between (\d+) (\d+)", lambda m, score, flags: int(m[1]) <= score <= int(m[2])),
    (r"flag:(\w+)", lambda m, score, flags: m[1] in flags),
    (r"not_flag:(\w+)", lambda m, score, flags: m[1] not in flags),
]


def unmet(expect: str, score: int, flags: list[str]) -> list[str]:
    """The parts of an ``expect`` string (shared/cases/README.md grammar) that do not hold."""
    failed = []
    for part in (p.strip() for p in expect.split("|")):
        for pattern, holds in CONDITIONS:
            if (match := re.fullmatch(pattern, part)) and not holds(match, score, flags):
                failed.append(part)
    return failed
