"""The handed cases' expectations: the ``expect`` grammar of shared/cases/README.md, checked against a score and flags.

``score<=N``, ``score>=N``, ``score_between A B``, ``flag:NAME`` and ``not_flag:NAME``, joined by `` | ``.
"""

from __future__ import annotations

import re
from typing import Any

from question_banks.schema import QuestionBank
from scoring.batch import request_from_line
from scoring.engine import ScoringRequest

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


def case_request(case: dict[str, Any], bank: QuestionBank | None) -> ScoringRequest:
    """The request ``python -m scoring score --bank ROLE`` builds for a case line (a named bank question lends
    its rubric, red flags and anchors; otherwise the case's own rubric or reference answer)."""
    line = {"id": case.get("question_id") or case["id"], "question": case["question"], "answer": case["answer"]}
    line |= {key: case[key] for key in ("rubric", "reference_answer") if key in case}
    return request_from_line(line, 1, bank=bank)
