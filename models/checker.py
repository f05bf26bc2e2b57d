"""The rubric checker: a small cross-encoder that says whether a passage states, contradicts or is silent on a claim.

Input: pairs of (claim, passage), where the claim is a rubric point or a red flag and the passage a
few sentences of an answer. Output: P(states), P(contradicts), P(silent) per pair. It is
all-MiniLM-L6-v2 with a 3-way classification head, fine-tuned by ``python -m models.train_checker``
on the SemEval-2013 training split (reference answer, student answer: correct / contradictory /
incorrect) and on labelled passages written for the banks' rubric points and red flags. The
weights ship in the repository (``models/checker/``, float16), with their sha256 in
``models/checker/checker.json`` and a model card beside them. The scorer asks a committee
(``CheckerCommittee``, ``load_committee``): that checker and the earlier one trained without the annotated
answers (``models/checker_passages/``), their probabilities averaged; red flags, their examples and anchor
sentences are read by the committee's ``lead`` alone (the first; ``python -m scoring.calibrate --lead FOLDER``
measures a candidate lead apart from the members).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.errors import ChecksumMismatchError, ModelLoadError
from models.memo import RecentResults, clear_memos
from models.protocols import CheckProbabilities, RubricChecker

CHECKER_FOLDER = Path(__file__).resolve().parent / "checker"
# The committee the scorer uses (``load_committee``): the checker trained with the annotated answers, and the
# one trained on written passages only (candid-checker@2f1487f4, shipped alone until 2026-11-30).
PASSAGES_CHECKER_FOLDER = Path(__file__).resolve().parent / "checker_passages"
COMMITTEE_FOLDERS = (CHECKER_FOLDER, PASSAGES_CHECKER_FOLDER)
LABELS = ("states", "contradicts", "silent")  # the classifier's output order
MAX_LENGTH = 256  # tokens of claim + passage; the passages the scorer sends are a few sentences
# Pairs per forward pass, after sorting by length: a batch closes at BATCH_SIZE pairs, or earlier when the next
# pair would make its padding more than PADDING_SHARE of the tokens it holds. On the scorer's pairs (the ten
# reference answers: 769 pairs, 63 tokens each on average, 2 AVX2 cores; /tmp study, 2026-12-01) fixed batches
# of 16 padded 46% more tokens than the pairs hold and took 13.0 s; these bounds 10.6 s (median of three).
BATCH_SIZE = 32
PADDING_SHARE = 0.2
MEMO_SIZE = 8192  # recent (claim, passage) pairs remembered per checker (about 1 KB each with their text)


class CrossEncoderChecker:
    """A fine-tuned sequence-pair classifier behind the ``RubricChecker`` protocol; thread-safe.

    Args:
        model: A ``transformers`` sequence-classification model with three labels in ``LABELS`` order.
        tokenizer: Its tokenizer.
        name: Shown in assessments, e.g. ``"candid-checker@3f2a9c1b"``.
    """

    def __init__(self, model: Any, tokenizer: Any, *, name: str, memo_size: int = MEMO_SIZE) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self._lock = threading.Lock()
        self._memo: RecentResults[tuple[str, str], CheckProbabilities] = RecentResults(memo_size)

    def clear_memo(self) -> None:
        """Forget every memoised pair (the next ``check`` computes them again)."""
        with self._lock:
            self._memo.clear()

    def check(self, pairs: Sequence[tuple[str, str]]) -> list[CheckProbabilities]:
        """Classify (claim, passage) pairs.

        Pairs seen recently come from a memo (the ``memo_size`` most recent): the scorer reads a quoted
        sentence again after reading it in its passage window, and a live rescore reads the unchanged
        sentences of an answer again.

        Args:
            pairs: ``(claim, passage)`` tuples; the passage is truncated to fit ``MAX_LENGTH`` tokens.

        Returns:
            One ``CheckProbabilities`` per pair, in order. Same input, same output, to float rounding: a pair
            classified in another batch (other lengths, other padding) can differ in the 7th decimal place.
        """
        if not pairs:
            return []
        with self._lock:
            rows = self._memo.get(list(pairs), self._classify)
        return rows

    def _classify(self, pairs: Sequence[tuple[str, str]]) -> list[CheckProbabilities]:
        """The model's probabilities for each pair, in order (the caller holds the lock)."""
        import torch

        # Pairs are batched by length, so a batch is padded to its own longest pair, not the longest of
        # all: a short claim with one sentence is no longer padded to a whole answer's length. The
        # attention mask makes padding inert, so the order changes only the speed.
        lengths = [
            len(ids)
            for ids in self.tokenizer(
                [claim for claim, _ in pairs],
                [passage for _, passage in pairs],
                truncation="only_second",
                max_length=MAX_LENGTH,
            )["input_ids"]
        ]
        order = sorted(range(len(pairs)), key=lambda i: (lengths[i], i))
        results: list[CheckProbabilities | None] = [None] * len(pairs)
        with torch.inference_mode():
            for rows in length_batches(order, lengths):
                encoded = self.tokenizer(
                    [pairs[i][0] for i in rows],
                    [pairs[i][1] for i in rows],
                    truncation="only_second",
                    max_length=MAX_LENGTH,
                    padding=True,
                    return_tensors="pt",
                )
                probabilities = torch.softmax(self.model(**encoded).logits.float(), dim=-1).tolist()
                for i, row in zip(rows, probabilities, strict=True):
                    results[i] = CheckProbabilities(*row)
        return [r for r in results if r is not None]


def length_batches(
    order: Sequence[int], lengths: Sequence[int], size: int = BATCH_SIZE, padding_share: float = PADDING_SHARE
) -> list[list[int]]:
    """Split indices sorted by length into batches: a batch closes at ``size`` indices, or before the index that
    would make its padding (every row padded to the longest) more than ``padding_share`` of its tokens.

    Args:
        order: Indices into ``lengths``, shortest first.
        lengths: Tokens per pair.

    Returns:
        The batches, in order; together they hold every index of ``order`` once.
    """
    batches: list[list[int]] = []
    batch: list[int] = []
    held = longest = 0
    for i in order:
        grown = max(longest, lengths[i])
        if batch and (len(batch) >= size or grown * (len(batch) + 1) > (1 + padding_share) * (held + lengths[i])):
            batches.append(batch)
            batch, held, grown = [], 0, lengths[i]
        batch.append(i)
        held += lengths[i]
        longest = grown
    if batch:
        batches.append(batch)
    return batches


def check_groups(
    requests: Sequence[tuple[RubricChecker, Sequence[tuple[str, str]]]],
) -> list[list[CheckProbabilities]]:
    """Several ``check`` calls made as one call per underlying checker: a committee is read as its members.

    The scorer reads rubric points with the committee and red flags and anchor sentences with its lead alone;
    asked apart, the lead would run three short batches of pairs, asked together it sorts all of them by length
    in one (fewer, fuller batches). The results equal those of calling each checker on its own pairs, to float
    rounding (a pair batched with others can differ in the 7th decimal place).

    Args:
        requests: ``(checker, pairs)`` per call; a checker with ``members`` (a ``CheckerCommittee``) answers
            with its members' mean.

    Returns:
        One list of ``CheckProbabilities`` per request, in order.
    """
    checkers: dict[int, RubricChecker] = {}
    queued: dict[int, list[tuple[str, str]]] = {}
    spans: list[list[tuple[int, int]]] = []
    for checker, pairs in requests:
        spans.append([])
        for member in getattr(checker, "members", [checker]):
            checkers.setdefault(id(member), member)
            queue = queued.setdefault(id(member), [])
            spans[-1].append((id(member), len(queue)))
            queue.extend(pairs)
    answers = {key: checkers[key].check(pairs) if pairs else [] for key, pairs in queued.items()}
    return [
        mean_probabilities([answers[key][start : start + len(pairs)] for key, start in member_spans], len(pairs))
        for (_, pairs), member_spans in zip(requests, spans, strict=True)
    ]


def mean_probabilities(votes: Sequence[Sequence[CheckProbabilities]], count: int) -> list[CheckProbabilities]:
    """Per pair, the mean of several checkers' ``CheckProbabilities`` (``count`` pairs each; they still sum to 1)."""
    return [
        CheckProbabilities(
            sum(v[i].states for v in votes) / len(votes),
            sum(v[i].contradicts for v in votes) / len(votes),
            sum(v[i].silent for v in votes) / len(votes),
        )
        for i in range(count)
    ]


class CheckerCommittee:
    """Several checkers behind the ``RubricChecker`` protocol: each pair's probabilities are their mean.

    Two checkers trained on different data err differently. Measured on the graded development set
    (questions none of them was trained on) and on the handed cases (docs/scoring-log.md): the
    checker trained with the annotated answers reads long spoken answers far better (red flags ROC-AUC
    0.86 against 0.68), the one trained on written passages alone reads terse answers better (bullets, a
    pasted config: it finds no contradiction in them where the other finds one at 0.74-0.79), and their
    mean keeps most of both. Costs one forward pass per member.

    Args:
        members: The checkers whose mean the committee answers with, each with a ``name``; the committee's name
            joins theirs, e.g. ``"candid-checker@d28f94b9+2f1487f4"``.
        lead: The checker the scorer asks alone where one reads best (``scoring.rubric.gather_evidence``: red
            flags, their examples, anchor sentences); default the first member. A lead that is not a member is
            named after them: ``"candid-checker@d28f94b9+2f1487f4/lead@5c1e0a77"``.

    Raises:
        ValueError: ``members`` is empty.
    """

    def __init__(self, members: Sequence[RubricChecker], lead: RubricChecker | None = None) -> None:
        if not members:
            raise ValueError("a checker committee needs at least one member")
        self.members = list(members)
        self.lead = lead if lead is not None else self.members[0]
        self.name = "+".join(
            [self.members[0].name, *(m.name.removeprefix("candid-checker@") for m in self.members[1:])]
        )
        if all(self.lead is not member for member in self.members):
            self.name += "/lead@" + self.lead.name.removeprefix("candid-checker@")

    def clear_memo(self) -> None:
        """Forget every member's (and the lead's) memoised pairs."""
        clear_memos([*self.members, self.lead])

    def check(self, pairs: Sequence[tuple[str, str]]) -> list[CheckProbabilities]:
        """The members' mean ``CheckProbabilities`` per pair, in order (they still sum to 1)."""
        return mean_probabilities([member.check(pairs) for member in self.members], len(pairs))


def load_committee(
    folders: Sequence[Path] = COMMITTEE_FOLDERS,
    *,
    lead: Path | None = None,
    threads: int | None = None,
) -> CheckerCommittee:
    """Load every checker of ``folders`` (``load_checker``: offline, sha256 checked) as one committee, with the
    checker of ``lead`` as its lead (``None``: the first of ``folders``).

    Raises:
        ModelLoadError: A folder, its weights or its manifest are missing, or the weights do not load.
        ChecksumMismatchError: Weights do not match the sha256 recorded beside them.
    """
    members = [load_checker(folder, threads=threads) for folder in folders]
    return CheckerCommittee(members, load_checker(lead, threads=threads) if lead is not None else None)


def weights_sha256(folder: Path) -> str:
    """The sha256 (hex) of the checker's ``model.safetensors``."""
    digest = hashlib.sha256()
    with (folder / "model.safetensors").open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_checker(folder: Path = CHECKER_FOLDER, *, threads: int | None = None) -> CrossEncoderChecker:
    """Load the checker from a local folder (never a hub), checking the weights' sha256.

    Args:
        folder: Holds ``config.json``, ``model.safetensors``, the tokenizer files and ``checker.json``.
        threads: torch threads (default: leave torch's setting).

    Raises:
        ModelLoadError: The folder, its weights or its manifest are missing, or the weights do not load.
        ChecksumMismatchError: The weights do not match the sha256 recorded in ``checker.json``.
    """
    manifest_path = folder / "checker.json"
    if not (folder / "model.safetensors").is_file() or not manifest_path.is_file():
        raise ModelLoadError(
            f"The rubric checker is missing from {folder}: it ships with Candid (restore the folder from git, "
            "or train one with `python -m models.train_checker`)."
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    actual = weights_sha256(folder)
    if actual != manifest["sha256"]:
        raise ChecksumMismatchError(str(folder / "model.safetensors"), manifest["sha256"], actual)
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from models.runtime import set_threads

    if threads:
        set_threads(threads)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(
            str(folder), local_files_only=True, dtype=torch.float32
        )
    except Exception as exc:
        raise ModelLoadError(f"cannot load the rubric checker from {folder}: {exc}") from exc
    model.eval()
    return CrossEncoderChecker(model, tokenizer, name=f"candid-checker@{manifest['version']}")
