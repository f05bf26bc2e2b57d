"""Feedback rules, one table per rule (issue 12): grounded strengths, weaknesses with tips, checked justification."""

import pytest

from question_banks.schema import RedFlag
from scoring.engine import claims_absent_but_present, invented_names, justification_check
from scoring.feedback import (
    FLAG_TIPS,
    JUSTIFICATION_SENTENCES,
    MAX_ITEMS,
    Feedback,
    cut_prose,
    denies_a_met_point,
    feedback_lists_text,
    gated_feedback,
    grounded_feedback,
    improvements,
    is_instruction,
    point_gist,
    point_instruction,
    quote,
    strengths,
    template_justification,
    write_justification,
)
from scoring.types import Flag, RedFlagFinding, RubricCheck, RubricStatus
from tests.fakes import FakeChecker


def _check(point, status, evidence=None, tip="", support=None, coverage=0.5):
    return RubricCheck(
        point=point,
        status=status,
        confidence=0.8,
        coverage=coverage,
        evidence=evidence,
        similarity=0.4,
        support=support,
        tip=tip,
    )


MET = _check("Gives a quantified result.", RubricStatus.MET, "Churn fell by 8 percent.", "Quantify it.", 0.9)
MET_UNCONFIRMED = _check("Names the model.", RubricStatus.MET, "We had a model.", "Name the model.", 0.2)
MISSING = _check("Explains how drift was detected.", RubricStatus.MISSING, tip="Name the drift test and threshold.")
PARTLY = _check("Names a challenge.", RubricStatus.PARTLY, "It was hard.", support=0.3)
CONTRADICTED = _check(
    "Uses a stratified split.", RubricStatus.CONTRADICTED, "We split at random.", "Stratify the split.", 0.9
)
FLAG = RedFlagFinding(
    flag="Uses accuracy as the metric on a 0.5% positive class.",
    reason="A model that predicts no fraud is 99.5% accurate.",
    evidence="Accuracy was our main metric.",
    probability=0.95,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Churn fell by 8 percent.", "Churn fell by 8 percent."),
        ("  Churn   fell\nby 8 percent. ", "Churn fell by 8 percent."),
        ("word " * 60, ("word " * 39).strip() + "\u2026"),
    ],
)
def test_quotes_are_the_candidates_words_or_their_start(text, expected):
    assert quote(text) == expected


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ("Names the statistical test.", "Name the statistical test."),
        ("Describes the rollout", "Describe the rollout."),
        ("Quantifies the improvement.", "Quantify the improvement."),
        ("Distinguishes causes from symptoms.", "Distinguish causes from symptoms."),
        ("Reaches a decision.", "Reach a decision."),
        ("Does the analysis.", "Do the analysis."),
        ("A clear hypothesis.", "Add this: a clear hypothesis."),
        ("Describes how they worked with their team.", "Describe how you worked with your team."),
        (
            "Explains that accuracy is misleading and uses precision/recall.",
            "Explain that accuracy is misleading and use precision/recall.",
        ),
        (
            "Describes the model, states the outcome, and quantifies it.",
            "Describe the model, state the outcome, and quantify it.",
        ),
        ("Names the tools and metrics.", "Name the tools and metrics."),
    ],
)
def test_a_point_becomes_an_instruction(point, expected):
    assert point_instruction(point) == expected
    assert is_instruction(point_instruction(point))


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("Name the drift test and its threshold.", True),
        ("Answer in a few full sentences.", True),
        ("Instead, say how the model reached users.", True),
        ("Next time, quantify the result.", True),
        ("Focus on one project.", True),
        ("The answer provides details on how data drift was detected.", False),
        ("Answer provides details on drift.", False),
        ("It does not name the test.", False),
        ("Provides a clear example.", False),
        ("Provided a clear example.", False),
        ("Lacking a metric.", False),
        ("You could add a metric.", False),
        ("Candidate needs to explain the rollback.", False),
        ("", False),
    ],
)
def test_is_instruction(text, ok):
    assert is_instruction(text) is ok


@pytest.mark.parametrize(
    ("checks", "flags", "score", "expected"),
    [
        ([MET, MISSING], [], 70, ["Gives a quantified result: \u201cChurn fell by 8 percent.\u201d"]),
        ([MET], [], 25, []),  # at or below 25: nothing to praise
        ([MET_UNCONFIRMED], [], 70, []),  # the quoted sentence alone does not state the point
        ([PARTLY, MISSING, CONTRADICTED], [], 70, []),  # only met points are strengths
        ([_check("Gives a quantified result.", RubricStatus.MET, FLAG.evidence, support=0.9)], [FLAG], 70, []),
        ([MET.model_copy(update={"contradiction": 0.8})], [], 70, []),  # also contradicted: mixed, not praised
        ([MET.model_copy(update={"red_flag_reading": 0.6})], [], 70, []),  # its sentence reads as a red flag
        (
            [MET.model_copy(update={"red_flag_reading": 0.3})],
            [],
            70,
            ["Gives a quantified result: \u201cChurn fell by 8 percent.\u201d"],
        ),  # read, and not as an error
        ([MET.model_copy(update={"evidence": "I would cut churn by 8 percent."})], [], 70, []),  # hypothetical
        (
            [_check("Names the model.", RubricStatus.MET, "We had a model.", coverage=0.7)],
            [],
            70,
            ["Names the model: \u201cWe had a model.\u201d"],
        ),  # no checker ran (support None): the status stands
    ],
)
def test_strengths_are_confirmed_met_points_with_their_quote(checks, flags, score, expected):
    assert strengths(checks, flags, score, confirm_at=0.5) == expected


def test_weaknesses_come_most_serious_first_each_with_its_own_instruction():
    found = improvements(
        [MET, MISSING, PARTLY, CONTRADICTED], [FLAG], [Flag.NO_SPECIFICS], ["The answer names no number."]
    )
    assert [f.weakness.split(":")[0] for f in found] == [
        "Red flag",
        "Contradicts a rubric point",
        "The answer names no number.",
        "Missing",
        "Not clearly shown",
    ]
    assert "\u201cAccuracy was our main metric.\u201d" in found[0].weakness and FLAG.reason in found[0].weakness
    assert "\u201cWe split at random.\u201d" in found[1].weakness
    assert found[3].tip == "Name the drift test and threshold."
    assert found[4].tip == "Name a challenge."  # no bank tip: the point as an instruction
    assert all(is_instruction(f.tip) for f in found)
    assert not any("quantified result" in f.weakness for f in found)  # a met point is never a weakness


def test_two_red_flags_and_a_contradicted_point_never_share_a_tip():
    metric = _check("Chooses a metric suited to the rare positive class.", RubricStatus.PARTLY, tip="Name PR-AUC.")
    split = _check("Splits the data before resampling.", RubricStatus.CONTRADICTED, "We used SMOTE.", "Split first.")
    leak = RedFlagFinding(flag="Resamples the data before the split.", evidence="We used SMOTE.", probability=0.9)
    second = RedFlagFinding(flag="Reports accuracy on the positive class.", evidence="Accuracy 99%.", probability=0.9)
    found = improvements([metric, split], [FLAG, second, leak], [], [])
    tips = [f.tip for f in found]
    assert len(tips) == len(set(tips)), tips
    assert tips[0] == "Instead, name PR-AUC."  # the first flag gets the point closest to it
    # That point is taken and the split point is the contradicted one's: what to do in place of each flag.
    assert tips[1] == (
        "Instead, describe the practice an interviewer expects in place of reports accuracy on the positive class, "
        "and why."
    )
    assert tips[2].startswith("Instead, describe the practice an interviewer expects in place of resamples")
    assert tips[-1] == "Split first."  # the contradicted point keeps its own tip
    assert all(is_instruction(tip) for tip in tips)
    assert not any(f.weakness.startswith("Not clearly shown") for f in found)  # the first flag carries its tip


def test_grounded_feedback_has_one_tip_per_weakness_and_the_checks_justification():
    feedback = grounded_feedback([MET, MISSING, PARTLY], 70, [], [], ["Experience with monitoring"])
    assert len(feedback.weaknesses) == len(feedback.tips) == 2
    assert feedback.justification == (
        "The answer scores 70/100: it clearly shows 1 of 3 rubric points and 1 only in part. The main gap: explains "
        "how drift was detected. It speaks to the job's requirement: experience with monitoring."
    )
    crowded = grounded_feedback([MISSING] * 5, 40, [], [])
    assert len(crowded.weaknesses) == len(crowded.tips) == MAX_ITEMS


def test_the_checks_justification_says_what_lowered_a_score_despite_points_met():
    mixed = MET.model_copy(update={"contradiction": 0.9})
    text = template_justification([mixed, MISSING], [], 15, flags=[Flag.NO_DIRECT_EXPERIENCE])
    assert text == (
        "The answer scores 15/100: it clearly shows 1 of 2 rubric points. In places it also says the opposite of a "
        "rubric point (gives a quantified result), which lowers the score. It says what you would do rather than "
        "what you did, which costs 15 points. The main gap: explains how drift was detected."
    )


def test_a_red_flag_leads_the_justification_of_the_checks():
    text = template_justification([MET, MISSING], [FLAG], 40)
    assert "states an error an interviewer marks down: uses accuracy as the metric" in text


def test_gated_feedback_invents_nothing():
    feedback = gated_feedback(0, [Flag.EMPTY], ["The answer is empty."])
    assert feedback == Feedback(
        [],
        ["The answer is empty."],
        ["Write an answer: the situation, what you did, and the result."],
        "The answer scores 0/100: it was not scored on content. The answer is empty.",
    )


def test_the_streamed_lists_show_none_for_an_empty_list():
    text = feedback_lists_text(Feedback([], ["Missing: a metric."], ["Name a metric."], ""))
    assert text == "STRENGTHS:\n- (none)\n\nWEAKNESSES:\n- Missing: a metric.\n\nTIPS:\n- Name a metric."


@pytest.mark.parametrize(
    ("text", "kept", "done"),
    [
        ("\nThe answer is specific.", "\nThe answer is specific.", False),
        ("\nOne. Two. Three. Four.", "\nOne. Two. Three.", True),
        ("\nOne. Two.\n\nSTRENGTHS:", "\nOne. Two.", True),
        ("\nOne.\nTIPS: more", "\nOne.", True),
        ("\nVersion 2.0 is used. Two", "\nVersion 2.0 is used. Two", False),
        ("\nIt meets the following criteria:\n1. Names", "\nIt meets the following criteria:", True),  # no lists
        ("\nIt covers:\n- the tools", "\nIt covers:", True),
    ],
)
def test_cut_prose(text, kept, done):
    assert cut_prose(text, 3) == (kept, done)


def _script(*pieces, closed=None):
    def generate(messages, max_new_tokens):
        assert messages[-1] == {"role": "assistant", "content": "JUSTIFICATION:\nThe answer scores 60/100 because"}
        try:
            yield from pieces
        finally:
            if closed is not None:
                closed.append(True)

    return generate


START = "The answer scores 60/100 because"


def test_the_justification_streams_the_judges_one_sentence_and_stops_there():
    shown, closed = [], []
    generate = _script(" it names", " a metric. It lacks", " monitoring. A third sentence.", closed=closed)
    text, first = write_justification(generate, [], START, lambda s: True, shown.append)
    assert JUSTIFICATION_SENTENCES == 1  # what lowered the score is the checks' to say (engine)
    assert text == "The answer scores 60/100 because it names a metric."
    assert shown == [text]
    assert first is not None and closed == [True]  # the stream is closed: nothing more is generated


def test_a_refused_sentence_ends_the_justification():
    shown = []
    generate = _script(" it names a metric. It shows drift detection. It lacks nothing.")
    text, _ = write_justification(generate, [], START, lambda s: "drift" not in s, shown.append)
    assert text == "The answer scores 60/100 because it names a metric."
    assert shown == [text]


def test_an_unfinished_last_sentence_is_dropped_and_a_silent_judge_gives_nothing():
    text, _ = write_justification(_script(" it names a metric. It stops mid"), [], START, lambda s: True)
    assert text == "The answer scores 60/100 because it names a metric."
    text, first = write_justification(_script(), [], START, lambda s: True)
    assert text == "" and first is None


RED_FLAGS = [
    RedFlag(flag=FLAG.flag, reason=FLAG.reason),
    RedFlag(flag="Resamples the whole dataset before splitting.", reason="Test rows leak into training."),
]


@pytest.mark.parametrize(
    ("sentence", "score", "ok"),
    [
        ("The answer scores 60/100 because it gives a quantified result.", 60, True),
        ("The answer scores 60/100 because it explains how drift was detected.", 60, False),  # a missing point
        ("It resamples the whole dataset before splitting.", 60, False),  # a red flag not found
        ("Using accuracy as the metric on a 0.5% positive class is appropriate.", 60, False),  # approves an error
        ("Using accuracy as the metric on a 0.5% positive class is wrong here.", 60, True),
        ("The answer scores 20/100 because it is thorough and well structured.", 20, False),
        ("The answer scores 20/100 because it is not specific.", 20, True),
        ("The answer scores 60/100 because it does not give a quantified result.", 60, False),  # denies a met point
        ("It gives no quantified result.", 60, False),
        ("The answer scores 49/100 because it gives a comprehensive overview of the project.", 49, False),  # sweeping
        ("The answer scores 60/100 because it names a challenge.", 60, True),  # partly, but a point is missing
        ("The answer scores 85/100 because it gives a comprehensive overview of the project.", 85, True),
        ("The answer scores 49/100 because it is thorough on the metric, though brief elsewhere.", 49, True),
    ],
)
def test_the_justification_check(sentence, score, ok):
    keep = justification_check([MET, MISSING, PARTLY], [FLAG], RED_FLAGS, score, FakeChecker(), 0.5)
    assert keep(sentence) is ok


def test_with_no_point_missing_the_justification_may_not_state_the_point_its_findings_call_not_clearly_shown():
    keep = justification_check([MET, PARTLY], [], [], 70, FakeChecker(), 0.5)
    assert not keep("The answer scores 70/100 because it names a challenge and gives a quantified result.")
    assert keep("The answer scores 70/100 because it gives a quantified result.")


@pytest.mark.parametrize(
    ("sentence", "invented"),
    [
        (
            "The answer scores 57/100 because it names the CI/CD tools (e.g., Jenkins, GitLab CI/CD).",
            ["Jenkins", "GitLab"],
        ),
        ("The answer scores 57/100 because it names GitHub Actions and a 30-minute build.", []),
        ("The answer scores 57/100 because it cut build time by 40%.", ["40%"]),
        ("The answer scores 57/100 because it explains the pipeline stages.", []),
    ],
)
def test_a_justification_may_not_name_what_neither_the_answer_nor_the_rubric_holds(sentence, invented):
    answer = "We set up CI/CD in GitHub Actions; a build took 30 minutes and ran every test on each merge."
    assert invented_names(sentence, answer, ["57/100", "Describe how you set up CI/CD for ML models."]) == invented
    keep = justification_check([MET], [], [], 57, None, 0.5, answer, "Describe how you set up CI/CD for ML models.")
    assert keep(sentence) is (not invented)


FRAUD = (
    "I'd use accuracy as the main metric. First I apply SMOTE to the whole dataset so fraud becomes 50%, then "
    "randomly split it 80/20 into train and test."
)


@pytest.mark.parametrize(
    ("sentence", "wrong"),
    [
        ("The answer also does not mention the use of SMOTE, which balances classes.", True),
        ("It does not say how the model was monitored after launch.", False),
        ("It does not say how the data was split into train and test.", True),  # it does: "randomly split 80/20"
        ("It doesn't give the 80/20 split.", True),
        ("It lacks a justification for why accuracy is misleading.", False),
        ("It does not describe class weights or focal loss.", False),
        ("It never mentions randomly split train data.", True),
    ],
)
def test_a_justification_may_not_say_the_answer_lacks_what_it_has(sentence, wrong):
    assert claims_absent_but_present(sentence, FRAUD) is wrong


@pytest.mark.parametrize(
    ("sentence", "denies"),
    [
        ("It does not provide a clear description of the dataset and quantify the problem.", True),
        ("It lacks a quantified result.", True),
        ("It describes the dataset and quantifies the problem.", False),  # no denial
        ("It does not say how drift was detected.", False),  # about another point
    ],
)
def test_denies_a_met_point(sentence, denies):
    met = ["Describes the dataset and quantifies the problem.", "Gives a quantified result."]
    assert denies_a_met_point(sentence, met) is denies


def test_a_justification_that_turns_into_a_list_keeps_only_its_finished_prose():
    generate = _script(" it is detailed. It meets the following criteria:\n1. Names the model.\n2. ...")
    text, _ = write_justification(generate, [], START, lambda s: True)
    assert text == "The answer scores 60/100 because it is detailed."


def test_strengths_of_a_translated_answer_say_their_quote_is_the_translation():
    feedback = grounded_feedback([MET], 70, [Flag.LANGUAGE], [], translated=True)
    assert feedback.strengths == [
        "Gives a quantified result: \u201cChurn fell by 8 percent.\u201d (from the English translation)"
    ]


def test_gated_feedback_leads_with_the_reason_the_answer_was_stopped():
    """A new user's answer with a fake score line and too few words: the weakness named only the score line."""
    notes = ["Part of the answer posed as a grader's note; it was removed.", "The answer is too short (3 words)."]
    feedback = gated_feedback(0, [Flag.INSTRUCTS_GRADER, Flag.TOO_SHORT], notes)
    assert feedback.weaknesses == [notes[1], notes[0]]
    assert feedback.tips == [FLAG_TIPS[Flag.TOO_SHORT], FLAG_TIPS[Flag.INSTRUCTS_GRADER]]
    assert feedback.justification.endswith("The answer is too short (3 words).")


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        (
            "Names the technique used to make reruns safe, such as partition overwrite or MERGE on keys.",
            "Names the technique used to make reruns safe.",
        ),
        (
            "Explains a specific trade-off (for example consistency versus availability) and the reasoning behind it.",
            "Explains a specific trade-off and the reasoning behind it.",
        ),
        (
            "Explains how the model was validated, including the split strategy and evaluation metric.",
            "Explains how the model was validated, including the split strategy and evaluation metric.",
        ),  # what follows "including" is required, not an example
        ("Uses PR-AUC (not accuracy).", "Uses PR-AUC (not accuracy)."),  # too short without it: kept whole
        ("States the outcome", "States the outcome."),
    ],
)
def test_a_points_gist_drops_its_examples_only(point, expected):
    assert point_gist(point) == expected
