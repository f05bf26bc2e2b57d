"""Rubric questions: each point and red flag checked by the rubric checker, answer-level signals, a fitted score.

The per-point judgment comes from the trained rubric checker (``models.checker``; the ``RubricChecker``
protocol): for every claim (a rubric point or a red flag) and the passages of the answer that
discuss it (each sentence and each pair of neighbouring sentences; the ``PASSAGES_PER_CLAIM`` most
similar by embedding), P(states), P(contradicts), P(silent). A claim's verdict is its best passage.
Red flags and anchor sentences are read by the committee's lead member alone (``lead_checker``), and so are each
red flag's written examples, against the flag's best passage (``flag_example_readings``).
Embedding similarity only finds where a claim is discussed; it never decides a point: a
contradiction looks as close to a point as agreement does.

Answer-level signals (``RubricSignals``): mean P(states) over the points, the share met, the
strongest contradiction and red flag, concrete content per 100 words, the margin of similarity to
the strong anchor answer over the weak ones, length, and the anchors as graded examples: each
sentence of the question's strong and wrong anchor answers is checked as a claim, and the mean
P(states) says how much of the strong answer, and of the wrong one, this answer also says (measured:
the wrong anchor's agreement alone lifted the out-of-fold Spearman from 0.735 to 0.769).
``RubricScoreModel`` combines them with weights fitted on the graded development set
(``scoring/data/devset``) by ``python -m scoring.calibrate --rubric`` (ridge regression to the band
midpoint of each answer's kind, mapped onto the score scale by equipercentile linking to the kinds'
bands, cross-validated grouped by question), then applies the caps: a
contradicted point or a red flag caps the score at ``cap_one``, two or more at ``cap_many``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import zip_longest

import numpy as np

from models.checker import check_groups
from models.protocols import CheckProbabilities, Embedder, RubricChecker
from scoring.text import first_person_actions, split_sentences, words
from scoring.types import RubricStatus

MAX_PASSAGES = 24  # passages per answer; long answers use wider windows
PASSAGES_PER_CLAIM = 4  # the checker reads each claim against its most similar passages only
WHOLE_ANSWER_WORDS = 120  # the longest passages the checker was trained on
FEATURES = (
    "coverage",
    "met_share",
    "contradiction",
    "red_flag",
    "specificity",
    "anchor_margin",
    "log_words",
    "strong_anchor_agreement",
    "wrong_anchor_agreement",
)
# The signals a question without anchor answers can give (an ad-hoc question; its red flags, if any, are
# read by the checker): the combination for such questions is fitted on these alone (``RubricScoreModel.features``).
RUBRIC_ONLY_FEATURES = ("coverage", "met_share", "contradiction", "red_flag", "specificity", "log_words")
GRADED_ANCHOR_LEVELS = ("strong", "wrong")  # anchors whose sentences are checked as claims
ANCHOR_CLAIMS = 8  # sentences of an anchor checked at most (the first ones)
# Anchor sentences are read by the committee's lead alone against their closest passage: they were most of the
# checker's pairs. Out of fold (450 development answers, 2026-11-30): 4 -> 2 passages scored as well (Spearman
# 0.808 against 0.814, strong >= 80 39% against 33%) for 30% fewer pairs; 2 passages and both members -> 1 and the
# lead, refitted on the same answers (evidence memoised, `/tmp` study script): Spearman 0.815 -> 0.809, wrong <= 25
# 89.6% -> 88.9%, strong >= 80 60.0% -> 60.0%, twin gap >= 20 46.7% -> 57.8%, points agree 67.9% -> 68.1%, red flags
# named 70.0% -> 68.2% (false alarms 11.8% -> 10.0%), for 101 -> 65 pairs an answer (36% fewer).
ANCHOR_PASSAGES = 1
ANCHOR_CLAIM_MIN_WORDS = 5  # shorter sentences ("It worked.") say nothing checkable
_NUMBER = re.compile(r"\d")
_COMMON_CAPITALISED = {"i", "we", "my", "our", "the", "a", "an", "in", "on", "at", "it", "this", "that", "then"}


@dataclass(frozen=True)
class ClaimVerdict:
    """The checker's verdict on one claim over the whole answer: its best passage.

    Attributes:
        states: Highest P(states) over the passages (0-1).
        contradicts: Highest P(contradicts) over the passages (0-1).
        evidence: The passage with the highest P(states).
        contradiction_evidence: The passage with the highest P(contradicts).
    """

    states: float
    contradicts: float
    evidence: str
    contradiction_evidence: str


def lead_checker(checker: RubricChecker) -> RubricChecker:
    """The checker that reads red flags and anchor sentences: a committee's ``lead`` member
    (``models.checker.CheckerCommittee``), else ``checker`` itself.

    The lead, trained with the annotated interview answers, reads red flags in long answers far better than
    the committee's mean: on the development set (no question trained on) ROC-AUC 0.86 against 0.68 for the
    other member, and out of fold, at the same bound on false alarms (10%), it names 52% of the labelled red
    flags where the committee named 32% (2026-11-30). Rubric points stay with the committee: there the other
    member keeps terse answers (bullets, a pasted config) from false contradictions. Anchor sentences went to
    the lead too (``ANCHOR_PASSAGES``): a third fewer pairs, the same figures.
    """
    return getattr(checker, "lead", checker)


def answer_passages(sentences: Sequence[str]) -> list[str]:
    """The passages the checker reads: each sentence, each pair of neighbours (wider windows when long), and
    the whole answer when it has at most ``WHOLE_ANSWER_WORDS`` words (a point spread over bullets).

    Args:
        sentences: The answer's sentences, in order.

    Returns:
        At most ``MAX_PASSAGES`` passages (plus the whole answer); ``[]`` for no sentences.
    """
    sentences = [s for s in sentences if s.strip()]
    if not sentences:
        return []
    whole = " ".join(sentences)
    width = 1
    while math.ceil(len(sentences) / width) * 2 - 1 > MAX_PASSAGES:
        width += 1
    singles = [" ".join(sentences[i : i + width]) for i in range(0, len(sentences), width)]
    pairs = [" ".join(sentences[i : i + 2 * width]) for i in range(0, len(sentences) - width, width)]
    passages = list(dict.fromkeys([*singles, *pairs]))[:MAX_PASSAGES]
    if len(sentences) > 2 and len(whole.split()) <= WHOLE_ANSWER_WORDS and whole not in passages:
        passages.append(whole)
    return passages


def check_claims(
    checker: RubricChecker,
    claims: Sequence[str],
    passages: Sequence[str],
    embedder: Embedder | None = None,
    top_k: int = PASSAGES_PER_CLAIM,
) -> list[ClaimVerdict]:
    """Each claim against the passages that discuss it; one ``ClaimVerdict`` per claim, in order.

    With an embedder, each claim is checked only against its ``top_k`` most similar passages:
    embeddings find *where* a claim is discussed (a contradiction is as close as agreement), and the
    checker decides *what* the passage says about it. Without one, every passage is checked.
    """
    return check_claim_groups([ClaimGroup(checker, claims, top_k)], passages, embedder)[0]


@dataclass(frozen=True)
class ClaimGroup:
    """Claims read by one checker against their ``top_k`` most similar passages (``check_claim_groups``)."""

    checker: RubricChecker
    claims: Sequence[str]
    top_k: int = PASSAGES_PER_CLAIM


def check_claim_groups(
    groups: Sequence[ClaimGroup], passages: Sequence[str], embedder: Embedder | None = None
) -> list[list[ClaimVerdict]]:
    """``check_claims`` for several groups of claims over the same passages: one embedding pass for all of
    them, then one checker call per underlying checker for all groups (``models.checker.check_groups``: a
    committee's lead reads its groups' pairs in one length-sorted batch). Returns one list of verdicts per group,
    in order."""
    if not passages:
        return [[ClaimVerdict(0.0, 0.0, "", "") for _ in group.claims] for group in groups]
    claims = [claim for group in groups for claim in group.claims]
    similarity = None
    if embedder is not None and claims and any(len(passages) > group.top_k for group in groups):
        vectors = embedder.encode([*claims, *passages])
        similarity = vectors[: len(claims)] @ vectors[len(claims) :].T
    chosen_by_group, requests, row = [], [], 0
    for group in groups:
        chosen = []
        for _ in group.claims:
            if similarity is not None and len(passages) > group.top_k:
                chosen.append(sorted(np.argsort(-similarity[row], kind="stable")[: group.top_k].tolist()))
            else:
                chosen.append(list(range(len(passages))))
            row += 1
        chosen_by_group.append(chosen)
        pairs = [(claim, passages[i]) for claim, rows in zip(group.claims, chosen, strict=True) for i in rows]
        requests.append((group.checker, pairs))
    results = check_groups(requests)
    return [_verdicts(found, chosen, passages) for found, chosen in zip(results, chosen_by_group, strict=True)]


def _verdicts(
    results: Sequence[CheckProbabilities], chosen: Sequence[Sequence[int]], passages: Sequence[str]
) -> list[ClaimVerdict]:
    """Each claim's verdict over its chosen passages (``results``: the checker's reading of each claim with each
    of its passages, in order): the best passage for P(states), the worst for P(contradicts)."""
    verdicts, offset = [], 0
    for rows in chosen:
        found = results[offset : offset + len(rows)]
        offset += len(rows)
        best = max(range(len(rows)), key=lambda i: (found[i].states, -i))
        worst = max(range(len(rows)), key=lambda i: (found[i].contradicts, -i))
        verdicts.append(
            ClaimVerdict(found[best].states, found[worst].contradicts, passages[rows[best]], passages[rows[worst]])
        )
    return verdicts


def specificity(text: str) -> float:
    """Concrete content per 100 words: numbers, named methods/tools/metrics and first-person actions.

    A "named" token is capitalised (or all capitals, or mixed case) and not the first word of its
    sentence nor a common word. Polished prose without substance scores near 0; a specific answer 5-15.
    """
    tokens = words(text)
    if not tokens:
        return 0.0
    count = sum(1 for token in tokens if _NUMBER.search(token))
    previous = "."
    for match in re.finditer(r"\S+", text):
        raw = match.group(0)
        token = raw.strip("()[]{},;:\"'“”‘’")
        if (
            token[:1].isupper()
            and token.lower() not in _COMMON_CAPITALISED
            and not previous.endswith((".", "!", "?", ":", "-"))
            and not _NUMBER.search(token)
        ):
            count += 1
        previous = raw
    count += first_person_actions(text)
    return 100.0 * count / len(tokens)


def anchor_margin(answer: str, strong: Sequence[str], weak: Sequence[str], embedder: Embedder) -> float:
    """Cosine similarity to the nearest strong anchor answer minus that to the nearest weak one (0 without both)."""
    if not strong or not weak:
        return 0.0
    vectors = embedder.encode([answer, *strong, *weak])
    sims = vectors[1:] @ vectors[0]
    return float(np.max(sims[: len(strong)]) - np.max(sims[len(strong) :]))


def anchor_claims(answer: str) -> list[str]:
    """The sentences of an anchor answer that are checked as claims (at most ``ANCHOR_CLAIMS``)."""
    return [s for s in split_sentences(answer) if len(s.split()) >= ANCHOR_CLAIM_MIN_WORDS][:ANCHOR_CLAIMS]


@dataclass(frozen=True)
class RubricEvidence:
    """What the checker and the embedder found in one answer, before any threshold or weight.

    Attributes:
        points: One verdict per rubric point, in order.
        flags: One verdict per red flag, in order.
        specificity: Concrete items per 100 words (``specificity``).
        anchor_margin: Similarity to the strong anchor minus that to the nearest weak one.
        log_words: ``log(1 + words)``.
        anchor_agreement: Per graded anchor level (``GRADED_ANCHOR_LEVELS``), the mean over the anchor's
            sentences of the checker's best P(states) in this answer: how much of the strong example
            answer, and of the wrong one, this answer also says (0-1).
        flag_examples: Per red flag, in order, P(states) of each of the flag's written examples (what a
            candidate says when committing it) read against the flag's best passage (0-1; ``[]`` for a flag
            without examples, and for evidence gathered before 2026-12-01).
    """

    points: list[ClaimVerdict]
    flags: list[ClaimVerdict]
    specificity: float
    anchor_margin: float
    log_words: float
    anchor_agreement: dict[str, float] = field(default_factory=dict)
    flag_examples: list[list[float]] = field(default_factory=list)


def gather_evidence(
    text: str,
    sentences: Sequence[str],
    points: Sequence[str],
    red_flags: Sequence[str],
    strong_anchors: Sequence[str],
    weak_anchors: Sequence[str],
    checker: RubricChecker,
    embedder: Embedder,
    graded_anchors: Mapping[str, str] | None = None,
    red_flag_examples: Sequence[Sequence[str]] = (),
) -> RubricEvidence:
    """Check every point, red flag and graded anchor sentence against the answer's passages.

    Points are read by ``checker``; red flags by its ``lead_checker`` alone, and so is each anchor sentence,
    against its ``ANCHOR_PASSAGES`` closest passages only (see that constant for why). Then the lead reads each
    red flag's written examples against the flag's best passage (``flag_example_readings``).

    Args:
        graded_anchors: Anchor answers by level (``GRADED_ANCHOR_LEVELS``); each one's sentences
            (``anchor_claims``) are checked as claims, giving ``anchor_agreement``.
        red_flag_examples: Per red flag, in order, its written examples (``question_banks.schema.RedFlag``);
            missing or empty for a flag without any.
    """
    given = graded_anchors or {}
    anchors = {level: anchor_claims(given[level]) for level in GRADED_ANCHOR_LEVELS if level in given}
    anchors = {level: claims for level, claims in anchors.items() if claims}
    lead = lead_checker(checker)
    point_verdicts, flag_verdicts, anchor_verdicts = check_claim_groups(
        [
            ClaimGroup(checker, points),
            ClaimGroup(lead, red_flags),
            ClaimGroup(lead, [claim for level in anchors for claim in anchors[level]], ANCHOR_PASSAGES),
        ],
        answer_passages(sentences or [text]),
        embedder,
    )
    agreement, offset = {}, 0
    for level, sentences_of_anchor in anchors.items():
        found = anchor_verdicts[offset : offset + len(sentences_of_anchor)]
        offset += len(sentences_of_anchor)
        agreement[level] = float(np.mean([v.states for v in found]))
    return RubricEvidence(
        points=point_verdicts,
        flags=flag_verdicts,
        specificity=specificity(text),
        anchor_margin=anchor_margin(text, strong_anchors, weak_anchors, embedder),
        log_words=math.log1p(len(words(text))),
        anchor_agreement=agreement,
        flag_examples=flag_example_readings(lead, flag_verdicts, red_flag_examples),
    )


def flag_example_readings(
    checker: RubricChecker, flags: Sequence[ClaimVerdict], examples: Sequence[Sequence[str]]
) -> list[list[float]]:
    """P(states) of each red flag's written examples read against the flag's best passage, per flag in order.

    The checker follows a passage's topic: "For primary metric I chose the share of users who ... saved at least
    20 pounds after 30 days" reads as stating "Chooses a vanity metric such as page views ... as the primary
    metric" (0.80). A flag's examples are concrete ("success was page views; we aimed for 100,000 ... and beat
    it"), so the passage that merely shares the flag's topic reads far less like them than one that commits
    the error does; the red-flag model weighs both readings (``FLAG_FEATURES``). One batch of short pairs
    (three examples a flag in the shipped banks). Measured out of fold on the 450 development answers (the
    examples were written blind to them, 2026-12-01): red flags named at 10% false alarms 68.2% -> 77.6%,
    error twins 20 points apart 48.9% -> 60.0%, wrong or contradicting <= 25 88.1% -> 91.1% (README).

    Args:
        flags: The flags' verdicts (``ClaimVerdict.evidence`` is the passage read).
        examples: Per flag, its examples; a flag without examples, or without a passage, gets ``[]``.

    Returns:
        One list of P(states) per flag (0-1), each as long as the flag's examples (or empty).
    """
    wanted = [
        list(found) if verdict.evidence else []
        for verdict, found in zip_longest(flags, examples[: len(flags)], fillvalue=())
    ]
    pairs = [(example, verdict.evidence) for verdict, found in zip(flags, wanted, strict=True) for example in found]
    readings = iter(checker.check(pairs) if pairs else [])
    return [[next(readings).states for _ in found] for found in wanted]


@dataclass(frozen=True)
class RubricSignals:
    """The answer-level signals of a rubric question (the ``FEATURES`` of the score model).

    The anchor signals are ``None`` for a question without anchor answers (an ad-hoc question): the
    combination then counts them at their average, so a missing example neither lifts nor lowers.
    """

    coverage: float
    met_share: float
    contradiction: float
    red_flag: float
    specificity: float
    anchor_margin: float | None
    log_words: float
    strong_anchor_agreement: float | None = None
    wrong_anchor_agreement: float | None = None

    def vector(self, names: Sequence[str] = FEATURES) -> list[float]:
        """The signals ``names`` in order (``nan`` for one the question cannot give: no anchors)."""
        return [float("nan") if getattr(self, name) is None else float(getattr(self, name)) for name in names]


POINT_FEATURES = (
    "states",
    "contradicts",
    "log_states",
    "log_contradicts",
    "coverage",
    "best_point",
    "contradiction",
    "specificity",
    "log_words",
    "strong_anchor_agreement",
    "wrong_anchor_agreement",
    "anchor_margin",
    "red_flag",
)
POINT_CLASSES = (RubricStatus.MET, RubricStatus.PARTLY, RubricStatus.MISSING)


def answer_context(evidence: RubricEvidence) -> dict[str, float | None]:
    """The answer-level features the point-status and red-flag models read beside a claim's own verdict:
    coverage (mean P(states) over the points), the best point, the strongest contradiction, concrete content,
    length, agreement with the anchors, the anchor margin and the strongest red flag (``None`` where the
    question has no anchors, or no red flags: counted at the feature's mean)."""
    points = evidence.points
    states = [v.states for v in points]
    return {
        "coverage": float(np.mean(states)) if states else 0.0,
        "best_point": max(states, default=0.0),
        "contradiction": max((v.contradicts for v in points), default=0.0),
        "specificity": evidence.specificity,
        "log_words": evidence.log_words,
        "strong_anchor_agreement": evidence.anchor_agreement.get("strong"),
        "wrong_anchor_agreement": evidence.anchor_agreement.get("wrong"),
        "anchor_margin": evidence.anchor_margin if evidence.anchor_agreement else None,
        "red_flag": max((v.states for v in evidence.flags), default=None),
    }


MISSING_ODDS = 25.0  # a point is listed missing only when the model finds that 25x as likely as met (see below)


@dataclass(frozen=True)
class PointStatusModel:
    """A rubric point's status (met, partly, missing) from its checker verdict *and* the answer around it.

    Multinomial logistic regression on ``POINT_FEATURES``: the point's own P(states) and
    P(contradicts) (and their logs), and the answer's evidence (mean P(states) over its points, the best
    point, the strongest contradiction and red flag, concrete content, length, agreement with the anchors).
    The checker alone reads a point from one or two sentences; an answer that states the rest of the
    rubric in detail usually states this point too in words the checker misses, and a vague one does
    not. Fitted on the graded development set by ``python -m scoring.calibrate --rubric``; out of fold
    (grouped by question), with ``RubricScoreModel.statuses``' rule that the model cannot call missing a
    point the checker finds met, it agreed with the point labels on 69.4% of points (315 answers, first
    checker), the checker's thresholds alone on 57.6%; with the rule below, 67.9% of 450 (2026-11-30).

    The status with the highest probability wins, except that *missing* needs ``missing_odds`` times the
    probability of *met*, and a point likeliest missing but not that surely is *partly* met (shown "not
    clearly shown", with its tip): telling a candidate that a point they made is missing is the costlier
    error. Out of fold on the 450 development answers (2026-11-30), labelled-met points called missing and
    agreement: odds 3, 19 and 70.1%; 12, 2 and 69.0%; 25, none and 67.9%. Falling back to the likelier of met
    and partly instead (until 2026-11-30) called 175 labelled-missing points met, against 113 now.
    Contradiction is not decided here: a point the checker finds contradicted stays contradicted. The score's
    ``met_share`` signal keeps the checker's thresholds (``signals``).
    """

    means: dict[str, float]
    scales: dict[str, float]
    coefficients: dict[str, dict[str, float]]  # status value -> feature -> weight on the standardised feature
    intercepts: dict[str, float]  # status value -> intercept
    missing_odds: float = MISSING_ODDS

    @staticmethod
    def features(evidence: RubricEvidence) -> list[dict[str, float | None]]:
        """``POINT_FEATURES`` of each point of the evidence, in order (``None`` where the question has no anchors)."""
        shared = answer_context(evidence)
        return [
            {
                "states": v.states,
                "contradicts": v.contradicts,
                "log_states": math.log(v.states + 1e-3),
                "log_contradicts": math.log(v.contradicts + 1e-3),
            }
            | shared
            for v in evidence.points
        ]

    def probabilities(self, evidence: RubricEvidence) -> list[dict[RubricStatus, float]]:
        """P(met), P(partly), P(missing) of each point, in order (a feature that is ``None`` counts as its mean;
        a status the fit never saw has probability 0)."""
        classes = [status for status in POINT_CLASSES if status.value in self.intercepts]  # those fitted
        out = []
        for row in self.features(evidence):
            z = {
                name: 0.0 if row[name] is None else (float(row[name]) - self.means[name]) / (self.scales[name] or 1.0)
                for name in POINT_FEATURES
            }
            logits = np.array(
                [
                    self.intercepts[status.value]
                    + sum(self.coefficients[status.value][n] * z[n] for n in POINT_FEATURES)
                    for status in classes
                ]
            )
            weights = np.exp(logits - logits.max())
            found = dict(zip(classes, (weights / weights.sum()).tolist(), strict=True))
            out.append({status: found.get(status, 0.0) for status in POINT_CLASSES})
        return out

    def statuses(self, evidence: RubricEvidence) -> list[RubricStatus]:
        """Each point's status: the likeliest, with *missing* only at ``missing_odds`` times P(met) (else partly:
        not surely missing, and not met either)."""
        out = []
        for p in self.probabilities(evidence):
            status = max(POINT_CLASSES, key=lambda s: p[s])
            if status is RubricStatus.MISSING and p[RubricStatus.MISSING] < self.missing_odds * p[RubricStatus.MET]:
                status = RubricStatus.PARTLY
            out.append(status)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PointStatusModel:
        """Read what ``dataclasses.asdict`` wrote."""
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})  # type: ignore[arg-type]


FLAG_FEATURES = (
    "states",
    "log_states",
    "contradicts",
    "example_max",
    "example_mean",
    "coverage",
    "contradiction",
    "strong_anchor_agreement",
    "wrong_anchor_agreement",
)


@dataclass(frozen=True)
class RedFlagModel:
    """P(the answer commits a red flag) from the checker's reading of the flag *and* the answer around it.

    Binary logistic regression on ``FLAG_FEATURES``: the flag's own P(states), its log and P(contradicts) (the
    answer doing the right practice instead), how much the flag's best passage reads like the flag's written
    examples (``flag_example_readings``: their highest and mean P(states); a passage that only shares the flag's
    topic reads unlike them), and the answer's evidence (mean P(states) over the points, the
    strongest contradiction of a point, agreement with the strong and the wrong anchor answers). An answer that
    agrees with the question's wrong anchor and misses its points is likelier to commit a flag the checker
    reads at a middling probability. Fitted on the graded development set by ``python -m scoring.calibrate
    --rubric`` (each bank red flag of each answer, labelled by the answer's ``red_flags``); a flag is found at
    probability ``>= RubricScoreModel.finding``. Out of fold (grouped by question, 2026-11-30, 1,350 flags of
    450 answers): ROC-AUC 0.893 against 0.864 for the checker's P(states) alone, and at most 1 in 10 answers
    without a red flag flagged, it names 70% of the answers' labelled flags against 51%; with the examples'
    readings (2026-12-01), 77.6% of the answers with a labelled flag name it, against 68.2% without them.
    """

    means: dict[str, float]
    scales: dict[str, float]
    coefficients: dict[str, float]  # feature -> weight on the standardised feature
    intercept: float

    @staticmethod
    def features(evidence: RubricEvidence) -> list[dict[str, float | None]]:
        """``FLAG_FEATURES`` (and the rest of ``answer_context``) of each red flag of the evidence, in order."""
        shared = answer_context(evidence)
        return [
            {
                "states": v.states,
                "log_states": math.log(v.states + 1e-3),
                "contradicts": v.contradicts,
                "example_max": max(found) if found else None,
                "example_mean": float(np.mean(found)) if found else None,
            }
            | shared
            for v, found in zip_longest(evidence.flags, evidence.flag_examples, fillvalue=[])
        ]

    def probabilities(self, evidence: RubricEvidence) -> list[float]:
        """P(committed) of each red flag, in order (a feature that is ``None`` counts as its mean)."""
        out = []
        for row in self.features(evidence):
            logit = self.intercept + sum(
                weight * (float(row[name]) - self.means[name]) / (self.scales[name] or 1.0)
                for name, weight in self.coefficients.items()
                if row.get(name) is not None
            )
            out.append(1.0 / (1.0 + math.exp(-logit)))
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RedFlagModel:
        """Read what ``dataclasses.asdict`` wrote."""
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})  # type: ignore[arg-type]


@dataclass(frozen=True)
class RubricScoreModel:
    """The fitted combination of rubric signals, its thresholds and its caps.

    ``raw = intercept + sum(weights[f] * (signal[f] - means[f]) / scales[f])``, mapped onto the band
    scale by equipercentile knots fitted on the same data (``calibration``), clipped to 0-100, then
    capped at ``cap_one`` when one rubric point is contradicted or one red flag found, at ``cap_many``
    when two or more are, at ``none_met_cap`` when the checklist shows no point met, and raised to
    ``strong_floor`` when it shows every point met and nothing was found (either way the score then agrees
    with the checklist the candidate sees). A point is *met*
    at ``P(states) >= met``, *partly* at ``>= partly``, *contradicted* when ``P(contradicts) >=
    contradicted`` and above its P(states); a red flag is found when ``flag_probabilities`` (the
    fitted ``flag_model``'s) reach ``finding``. The defaults are placeholders until ``python -m
    scoring.calibrate --rubric`` writes fitted values into ``scoring/calibration.json``; ``version``
    names the fit.
    """

    weights: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FEATURES, 0.0) | {"coverage": 30.0})
    means: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FEATURES, 0.0))
    scales: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FEATURES, 1.0))
    intercept: float = 10.0
    met: float = 0.5
    partly: float = 0.25
    contradicted: float = 0.5
    finding: float = 0.5
    cap_one: int = 60
    cap_many: int = 25
    strong_floor: int = 80  # every point met and no finding: at least the strong band's floor (issue 11: 80-100)
    none_met_cap: int = 30  # no point met: at most the vague band's top (``scoring.devset.BANDS``: 0-30)
    calibration: list[list[float]] = field(default_factory=list)  # equipercentile knots [[raw, score], ...]
    version: str = "unfitted"
    point_model: PointStatusModel | None = None  # fitted point statuses; without one, the thresholds decide
    flag_model: RedFlagModel | None = None  # fitted red-flag probabilities; without one, the checker's P(states)
    features: list[str] = field(default_factory=lambda: list(FEATURES))  # the signals it combines

    def raw_score(self, signals: RubricSignals) -> float:
        """The combination of ``features`` before calibration, clipping and caps."""
        total = self.intercept
        for name, value in zip(self.features, signals.vector(self.features), strict=True):
            if math.isnan(value):  # a signal this question cannot give (no anchors) counts as the average one
                continue
            total += self.weights.get(name, 0.0) * (value - self.means.get(name, 0.0)) / (self.scales.get(name) or 1.0)
        return total

    def calibrated(self, raw: float) -> float:
        """The raw combination mapped onto the score scale, linearly between the fitted knots (identity without)."""
        if not self.calibration:
            return raw
        xs, ys = zip(*self.calibration, strict=True)
        return float(np.interp(raw, xs, ys))

    def status(self, verdict: ClaimVerdict) -> RubricStatus:
        """A point's status from its verdict: contradicted, met, partly or missing."""
        if verdict.contradicts >= self.contradicted and verdict.contradicts > verdict.states:
            return RubricStatus.CONTRADICTED
        if verdict.states >= self.met:
            return RubricStatus.MET
        if verdict.states >= self.partly:
            return RubricStatus.PARTLY
        return RubricStatus.MISSING

    def statuses(self, evidence: RubricEvidence) -> list[RubricStatus]:
        """Each point's status in the context of the whole answer: contradicted by the checker's rule
        (``status``), else the fitted ``point_model``'s (the thresholds' without one); a point the checker
        finds met that the model calls missing stays met."""
        fitted = self.point_model.statuses(evidence) if self.point_model is not None else None
        out = []
        for index, verdict in enumerate(evidence.points):
            status = self.status(verdict)
            if fitted is not None and status is not RubricStatus.CONTRADICTED:
                # The model may not overrule the checker's confirmation with "missing" (a short answer that
                # states a point plainly reads as thin to it): the checker's "met" stands. Out of fold: 69.4%
                # agreement against 71.6% without this rule, 70.1% with "partly" instead.
                confirmed = status is RubricStatus.MET
                status = fitted[index]
                if confirmed and status is RubricStatus.MISSING:
                    status = RubricStatus.MET
            out.append(status)
        return out

    def flag_probabilities(self, evidence: RubricEvidence) -> list[float]:
        """P(committed) of each red flag: the fitted ``flag_model``'s, else the checker's P(states)."""
        if self.flag_model is not None:
            return self.flag_model.probabilities(evidence)
        return [verdict.states for verdict in evidence.flags]

    def flags_found(self, evidence: RubricEvidence) -> list[int]:
        """Indices of the red flags the answer commits (``flag_probabilities >= finding``)."""
        return [i for i, p in enumerate(self.flag_probabilities(evidence)) if p >= self.finding]

    def findings(self, evidence: RubricEvidence) -> int:
        """Contradicted points plus red flags found: what the caps count."""
        contradicted = sum(self.status(v) is RubricStatus.CONTRADICTED for v in evidence.points)  # as statuses()
        return contradicted + len(self.flags_found(evidence))

    def signals(self, evidence: RubricEvidence) -> RubricSignals:
        """The answer-level signals of the evidence under this model's thresholds."""
        points = evidence.points
        return RubricSignals(
            coverage=float(np.mean([v.states for v in points])) if points else 0.0,
            # The checker's own reading (thresholds), not ``statuses``: measured out of fold, the point model's
            # statuses in this signal lifted the scores of confidently wrong answers (<= 25: 88% -> 77%).
            met_share=float(np.mean([self.status(v) is RubricStatus.MET for v in points])) if points else 0.0,
            contradiction=max((v.contradicts for v in points), default=0.0),
            red_flag=max((v.states for v in evidence.flags), default=0.0),
            specificity=evidence.specificity,
            anchor_margin=evidence.anchor_margin if evidence.anchor_agreement else None,
            log_words=evidence.log_words,
            strong_anchor_agreement=evidence.anchor_agreement.get("strong"),
            wrong_anchor_agreement=evidence.anchor_agreement.get("wrong"),
        )

    def score_evidence(self, evidence: RubricEvidence) -> int:
        """The 0-100 score of the evidence: signals combined, then capped (or raised to ``strong_floor``)."""
        return self.score(self.signals(evidence), self.findings(evidence), self.statuses(evidence))

    def score(self, signals: RubricSignals, findings: int, statuses: Sequence[RubricStatus] = ()) -> int:
        """The 0-100 score, after the caps for ``findings`` (contradicted points plus red flags found).

        ``statuses``: the checklist (``statuses``). When it shows every rubric point met and nothing was found,
        the score is at least ``strong_floor``: a candidate shown every point met and no error cannot be scored
        as weaker than strong. Out of fold on the development set (2026-11-30, thirteenth session): strong
        answers at or above 80 went from 60.0% to 83.3%, and the error twins' gap of 20 or more from 57.8% to
        48.9% (an error the checker misses leaves every point met); the rank correlation 0.809 -> 0.807.

        When the checklist shows no point met, the score is at most ``none_met_cap``: an answer that shows
        none of the rubric is scored as vague at best, however clean it is. Without it the combination gave such
        answers credit for what they lack (no red flag, no contradiction, nothing of the wrong anchor said): "I
        led a project last year. I organised the team and we got it done. Everyone was happy with the result."
        scored 54. No strong, good or strong-with-an-error development answer has a checklist without a met
        point (out of fold, 2026-12-01); vague or verbose answers at or below 35 went from 88.9% to 100%.
        """
        score = max(0, min(100, round(self.calibrated(self.raw_score(signals)))))
        if statuses and not any(status is RubricStatus.MET for status in statuses):
            score = min(score, self.none_met_cap)
        if findings >= 2:
            return min(score, self.cap_many)
        if findings == 1:
            return min(score, self.cap_one)
        all_met = bool(statuses) and all(status is RubricStatus.MET for status in statuses)
        return max(score, self.strong_floor) if all_met else score

    def to_dict(self) -> dict[str, object]:
        """JSON-ready parameters."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> RubricScoreModel:
        """Read what ``to_dict`` wrote (unknown keys ignored)."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        if isinstance(known.get("point_model"), Mapping):
            known["point_model"] = PointStatusModel.from_dict(known["point_model"])  # type: ignore[arg-type]
        if isinstance(known.get("flag_model"), Mapping):
            known["flag_model"] = RedFlagModel.from_dict(known["flag_model"])  # type: ignore[arg-type]
        return cls(**known)  # type: ignore[arg-type]
