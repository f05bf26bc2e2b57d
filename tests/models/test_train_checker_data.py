"""The checker's training pairs: sources, labels and the development set's questions kept out (no training run)."""

from __future__ import annotations

from collections import Counter

from models.train_checker import anchor_pairs, bank_pairs, example_pairs, split_by_question
from question_banks.loader import load_banks
from scoring.devset import load_devset


def test_red_flag_examples_become_states_and_silent_pairs_for_trained_questions_only():
    written = bank_pairs()
    pairs = example_pairs(written)
    labels = Counter(pair.label for pair in pairs)
    assert labels["states"] > 500 and labels["silent"] > 500 and set(labels) == {"states", "silent"}
    trained = {pair.group for pair in written}
    assert {pair.group for pair in pairs} <= trained
    devset = {f"bank:{item.bank}:{item.question_id}" for item in load_devset()}
    assert not devset & {pair.group for pair in pairs}
    banks = load_banks().banks
    questions = [question for bank in banks.values() for question in bank.questions]
    flags = {flag.flag: flag.examples for question in questions for flag in question.red_flags}
    for pair in pairs:
        if pair.claim in flags:  # (flag, one of its own examples)
            assert pair.label == "states" and pair.passage in flags[pair.claim]


def test_anchor_and_example_pairs_share_the_questions_held_out():
    written = bank_pairs()
    train, held = split_by_question([*written, *anchor_pairs(written), *example_pairs(written)], seed=2013)
    assert held and train
    assert not {pair.group for pair in train} & {pair.group for pair in held}
    assert {pair.source for pair in held} >= {"bank", "bank-example"}
