"""The shipped rubric checker: loads offline, checks its sha256, tells states from contradicts from silent."""

import json
import shutil

import pytest

from models.checker import (
    COMMITTEE_FOLDERS,
    CheckerCommittee,
    check_groups,
    length_batches,
    load_checker,
    weights_sha256,
)
from models.errors import ChecksumMismatchError, ModelLoadError
from models.protocols import CheckProbabilities

CHECKER_FOLDER = COMMITTEE_FOLDERS[0]

POINT = "Uses precision and recall or PR-AUC rather than accuracy to evaluate the fraud model."


@pytest.mark.real_model
def test_the_shipped_checkers_match_their_manifests(real_checker):
    versions = []
    for folder in COMMITTEE_FOLDERS:
        manifest = json.loads((folder / "checker.json").read_text(encoding="utf-8"))
        assert weights_sha256(folder) == manifest["sha256"]
        assert (folder / "MODEL_CARD.md").is_file()
        versions.append(manifest["version"])
    assert len(set(versions)) == len(COMMITTEE_FOLDERS)
    assert real_checker.name == "candid-checker@" + "+".join(versions)


class _Fixed:
    """A fake checker giving the same probabilities for every pair."""

    def __init__(self, name: str, states: float, contradicts: float) -> None:
        self.name = name
        self.verdict = CheckProbabilities(states, contradicts, 1.0 - states - contradicts)

    def check(self, pairs):
        return [self.verdict for _ in pairs]


def test_a_committee_gives_its_members_mean_per_pair():
    committee = CheckerCommittee([_Fixed("candid-checker@aaaa", 0.9, 0.05), _Fixed("candid-checker@bbbb", 0.3, 0.6)])
    assert committee.name == "candid-checker@aaaa+bbbb"
    (verdict,) = committee.check([("claim", "passage")])
    assert verdict.states == pytest.approx(0.6)
    assert verdict.contradicts == pytest.approx(0.325)
    assert verdict.states + verdict.contradicts + verdict.silent == pytest.approx(1.0)
    assert committee.check([]) == []
    committee.clear_memo()  # members without a memo have nothing to forget
    assert committee.lead is committee.members[0]
    with pytest.raises(ValueError, match="at least one member"):
        CheckerCommittee([])


def test_a_lead_apart_from_the_members_is_named_but_not_averaged():
    members = [_Fixed("candid-checker@aaaa", 0.9, 0.05), _Fixed("candid-checker@bbbb", 0.3, 0.6)]
    lead = _Fixed("candid-checker@cccc", 0.1, 0.1)
    committee = CheckerCommittee(members, lead)
    assert committee.name == "candid-checker@aaaa+bbbb/lead@cccc"
    assert committee.lead is lead
    assert committee.check([("claim", "passage")])[0].states == pytest.approx(0.6)  # the members' mean only
    assert CheckerCommittee(members, members[0]).name == "candid-checker@aaaa+bbbb"  # a member as lead: as before


class _Counting(_Fixed):
    """A fixed fake that records every call's pairs."""

    def __init__(self, name: str, states: float, contradicts: float) -> None:
        super().__init__(name, states, contradicts)
        self.calls: list[list[tuple[str, str]]] = []

    def check(self, pairs):
        self.calls.append(list(pairs))
        return super().check(pairs)


def test_grouped_calls_read_each_member_once_and_give_what_separate_calls_give():
    lead, other = _Counting("candid-checker@aaaa", 0.9, 0.05), _Counting("candid-checker@bbbb", 0.3, 0.6)
    committee = CheckerCommittee([lead, other])
    points, flags = [("point", "p1"), ("point", "p2")], [("flag", "p1")]
    by_committee, by_lead, nothing = check_groups([(committee, points), (lead, flags), (lead, [])])
    assert by_committee == committee.check(points) and by_lead == lead.check(flags) and nothing == []
    assert lead.calls[0] == [*points, *flags] and other.calls[0] == points  # one call each, before the checks above
    assert by_committee[0].states == pytest.approx(0.6) and by_lead[0].states == pytest.approx(0.9)
    assert check_groups([]) == []


def test_grouped_calls_send_a_separate_leads_pairs_to_the_lead_alone():
    members = [_Counting("candid-checker@aaaa", 0.9, 0.05), _Counting("candid-checker@bbbb", 0.3, 0.6)]
    committee = CheckerCommittee(members, _Counting("candid-checker@cccc", 0.1, 0.2))
    points, flags = [("point", "p1")], [("flag", "p1"), ("flag", "p2")]
    by_committee, by_lead = check_groups([(committee, points), (committee.lead, flags)])
    assert [m.calls for m in members] == [[points], [points]] and committee.lead.calls == [flags]
    assert by_committee[0].states == pytest.approx(0.6) and [v.states for v in by_lead] == [0.1, 0.1]


@pytest.mark.parametrize(
    ("lengths", "size", "expected"),
    [
        ([], 4, []),
        ([10, 10, 10, 10, 10], 4, [[0, 1, 2, 3], [4]]),  # full at ``size``
        ([10, 10, 11, 30, 31], 8, [[0, 1, 2], [3, 4]]),  # the 30 would pad the three short rows by 60 tokens
        ([5], 4, [[0]]),
        ([10, 12, 12, 12], 8, [[0, 1, 2, 3]]),  # 6 padding tokens of 46: under a fifth
    ],
)
def test_length_batches_close_at_the_size_or_before_too_much_padding(lengths, size, expected):
    batches = length_batches(list(range(len(lengths))), lengths, size=size, padding_share=0.2)
    assert batches == expected
    for batch in batches:
        padded = max(lengths[i] for i in batch) * len(batch)
        assert padded <= 1.2 * sum(lengths[i] for i in batch) and len(batch) <= size


@pytest.mark.real_model
def test_states_contradicts_and_silent_are_told_apart(real_checker):
    stated, contradicted, silent = real_checker.check(
        [
            (
                POINT,
                "I evaluated it with PR-AUC and with recall at 90% precision, which is what matters for fraud.",
            ),
            (POINT, "I used accuracy as the main metric, since 99.5% accuracy clearly means the model works."),
            (POINT, "We deployed the service on Kubernetes behind an API gateway with two replicas."),
        ]
    )
    for verdict in (stated, contradicted, silent):
        assert verdict.states + verdict.contradicts + verdict.silent == pytest.approx(1.0, abs=1e-4)
    assert stated.states > max(contradicted.states, silent.states)
    assert contradicted.contradicts > max(stated.contradicts, silent.contradicts)
    assert silent.states < 0.5
    assert real_checker.check([(POINT, "I used PR-AUC.")]) == real_checker.check([(POINT, "I used PR-AUC.")])


@pytest.mark.real_model
def test_a_memoised_pair_gives_what_the_model_gives(real_checker):
    """Pairs come from the memo once seen, duplicates are classified once, and a cleared memo recomputes them."""
    from models.checker import CrossEncoderChecker

    lead = real_checker.lead
    checker = CrossEncoderChecker(lead.model, lead.tokenizer, name=lead.name, memo_size=2)
    a, b, c = [(POINT, text) for text in ("I used PR-AUC.", "I used accuracy.", "We deployed on Kubernetes.")]
    first = checker.check([a, b, a])
    assert first[0] == first[2] and len(checker._memo) == 2
    again = checker.check([c, a, b])  # one new pair; the memo keeps the two most recent
    assert len(checker._memo) == 2 and (a, b) == tuple(checker._memo)[-2:]
    assert again[1] == first[0] and again[2] == first[1]
    checker.clear_memo()
    assert len(checker._memo) == 0
    fresh = checker.check([a])[0]
    assert fresh.states == pytest.approx(first[0].states, abs=1e-5)
    assert fresh.contradicts == pytest.approx(first[0].contradicts, abs=1e-5)


ACCURACY_POINT = (
    "Explains that accuracy is misleading at this base rate and uses precision/recall, PR-AUC or recall at a fixed "
    "precision"
)


@pytest.mark.real_model
@pytest.mark.xfail(
    strict=True,
    reason="issues 11-12: both shipped checkers read correct practice phrased as a negation as contradicting the "
    "point (P(contradicts) 0.93 and 0.90 on 2026-11-30); one-epoch fine-tunes on the negation passages read it at "
    "0.72-0.84, and a checker trained from scratch with them (7d3a5473, which reads 74-95% of the held-out negation "
    "passages right) at 0.95: the sentence's own words ('accuracy', '99.5%') outweigh its negation",
)
def test_correct_practice_phrased_as_a_negation_is_not_read_as_a_contradiction(real_checker):
    (verdict,) = real_checker.check(
        [
            (
                ACCURACY_POINT,
                "I would not use accuracy here, since at a 0.5% base rate a model predicting no fraud gets 99.5%; "
                "I'd use PR-AUC.",
            )
        ]
    )
    assert verdict.contradicts < 0.5 < verdict.states


def test_tampered_weights_are_refused(tmp_path):
    folder = tmp_path / "checker"
    shutil.copytree(CHECKER_FOLDER, folder)
    manifest = json.loads((folder / "checker.json").read_text(encoding="utf-8"))
    manifest["sha256"] = "0" * 64
    (folder / "checker.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ChecksumMismatchError, match="sha256"):
        load_checker(folder)


def test_a_missing_checker_says_where_it_ships(tmp_path):
    with pytest.raises(ModelLoadError, match="ships with Candid"):
        load_checker(tmp_path / "nowhere")


@pytest.mark.real_model
def test_pairs_batched_by_length_give_what_each_pair_alone_gives(real_checker):
    """Batching (length-sorted, padded) changes the speed only: each pair read alone gives the same probabilities."""
    from models.checker import CrossEncoderChecker

    lead = real_checker.lead
    checker = CrossEncoderChecker(lead.model, lead.tokenizer, name=lead.name)
    texts = ["I used PR-AUC.", "We deployed on Kubernetes behind a gateway with two replicas and a canary.", "No."]
    pairs = [(POINT, text * repeat) for text in texts for repeat in (1, 3, 6)]
    together = checker._classify(pairs)
    for pair, row in zip(pairs, together, strict=True):
        (alone,) = checker._classify([pair])
        assert row.states == pytest.approx(alone.states, abs=1e-5)
        assert row.contradicts == pytest.approx(alone.contradicts, abs=1e-5)
