import pytest

from scoring.feedback import (
    as_instruction,
    coverage_feedback,
    cut_bullets,
    cut_prose,
    parse_feedback,
    write_feedback,
)
from scoring.types import Flag, RubricCheck, RubricStatus

WELL_FORMED = """STRENGTHS:
- Gives a concrete metric: churn fell 8 percent.
WEAKNESSES:
- Does not say how drift was detected.
TIPS:
- Name the drift statistic and its alert threshold.
JUSTIFICATION:
The answer is specific and quantified, but monitoring is vague, which keeps it from the top band."""


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        (WELL_FORMED, True),
        (WELL_FORMED.replace("STRENGTHS:", "**Strengths:**"), True),
        (WELL_FORMED.replace("TIPS:", "Improvement Tips:"), True),
        (WELL_FORMED.replace("JUSTIFICATION:\n", "JUSTIFICATION: "), True),
        (WELL_FORMED.split("JUSTIFICATION")[0], False),
        ("The answer is good. Score: 85", False),
        ("", False),
        ("STRENGTHS:\nWEAKNESSES:\nTIPS:\nJUSTIFICATION:\n", False),
    ],
)
def test_parse_feedback(text, ok):
    parsed = parse_feedback(text)
    assert (parsed is not None) is ok
    if ok:
        assert parsed.strengths[0].startswith("Gives a concrete metric")
        assert parsed.tips and parsed.weaknesses
        assert parsed.justification.startswith("The answer is specific")


def _check(point, status, evidence=None, tip=""):
    return RubricCheck(
        point=point, status=status, confidence=0.8, coverage=0.5, evidence=evidence, similarity=0.4, tip=tip
    )


def test_coverage_feedback_grounds_strengths_in_evidence_and_tips_in_missing_points():
    checks = [
        _check("Gives a quantified result.", RubricStatus.MET, evidence="Churn fell by 8 percent."),
        _check("Explains how drift was detected.", RubricStatus.MISSING, tip="Name the drift test and threshold."),
        _check("Names a challenge.", RubricStatus.PARTLY),
    ]
    feedback = coverage_feedback(checks, 70, [], [], ["Experience with monitoring"])
    assert "Churn fell by 8 percent." in feedback.strengths[0]
    assert feedback.weaknesses[0] == "Missing: explains how drift was detected."
    assert feedback.tips[0] == "Name the drift test and threshold."
    assert "70/100" in feedback.justification and "1 of 3" in feedback.justification
    assert "monitoring" in feedback.justification


def test_coverage_feedback_is_never_empty():
    feedback = coverage_feedback([], 0, [Flag.EMPTY], ["The answer is empty."], [])
    assert feedback.strengths and feedback.weaknesses and feedback.tips and feedback.justification
    assert feedback.weaknesses[0] == "The answer is empty."


@pytest.mark.parametrize(
    ("text", "most", "kept", "done"),
    [
        (" Names a metric.", 2, " Names a metric.", False),
        (" Names a metric.\n", 2, " Names a metric.", False),  # the next line has not started
        (" One.\n- Two.\n- Three.", 2, " One.\n- Two.", True),
        (" One.\n- Two.\n", 2, " One.\n- Two.", False),
        (" One.\n- Two.\n-", 2, " One.\n- Two.", True),
        (" One.\n\nWEAKNESSES:", 2, " One.", True),
        (" One.\nWEAK", 2, " One.", True),
        (" One.\n- Tw", 2, " One.\n- Tw", False),
    ],
)
def test_cut_bullets(text, most, kept, done):
    assert cut_bullets(text, most) == (kept, done)


@pytest.mark.parametrize(
    ("text", "kept", "done"),
    [
        ("\nThe answer is specific.", "\nThe answer is specific.", False),
        ("\nOne. Two. Three. Four.", "\nOne. Two. Three.", True),
        ("\nOne. Two.\n\nSTRENGTHS:", "\nOne. Two.", True),
        ("\nOne.\nTIPS: more", "\nOne.", True),
        ("\nVersion 2.0 is used. Two", "\nVersion 2.0 is used. Two", False),
    ],
)
def test_cut_prose(text, kept, done):
    assert cut_prose(text, 3) == (kept, done)


def _scripted(replies):
    calls = []

    def generate(messages, max_new_tokens):
        calls.append((messages[-1]["content"], max_new_tokens))
        yield from replies[len(calls) - 1]

    return generate, calls


def test_write_feedback_prefills_each_heading_and_keeps_only_what_fits():
    generate, calls = _scripted(
        [
            [" Names", " the metric.\n- Shows", " the fix.\n- A third", " one.\n"],
            [" No monitoring.\n\nTIPS:\n- ignored"],
            [" Add the drift test."],  # ends without a newline: the stream simply stops
            ["\nIt scores 80/100.", " It names a result. It lacks monitoring. Extra sentence."],
        ]
    )
    shown = []
    reply, first = write_feedback(generate, [{"role": "user", "content": "q"}], shown.append)
    assert [c[0] for c in calls] == [
        "STRENGTHS:\n-",
        "STRENGTHS:\n- Names the metric.\n- Shows the fix.\n\nWEAKNESSES:\n-",
        "STRENGTHS:\n- Names the metric.\n- Shows the fix.\n\nWEAKNESSES:\n- No monitoring.\n\nTIPS:\n-",
        reply[: reply.index("JUSTIFICATION:") + len("JUSTIFICATION:")],
    ]
    assert reply.endswith("JUSTIFICATION:\nIt scores 80/100. It names a result. It lacks monitoring.")
    assert "".join(shown) == reply
    assert first is not None and first >= 0
    parsed = parse_feedback(reply)
    assert parsed is not None
    assert parsed.strengths == ["Names the metric.", "Shows the fix."]
    assert parsed.tips == ["Add the drift test."]


def test_write_feedback_drops_an_unfinished_last_sentence_and_closes_streams():
    closed = []

    def generate(messages, max_new_tokens):
        try:
            if messages[-1]["content"].endswith("JUSTIFICATION:"):
                yield "\nThe answer is specific. It stops mid"
            else:
                yield " A point.\n- Another.\n- A third that is cut"
                yield " and more"
        finally:
            closed.append(True)

    reply, _ = write_feedback(generate, [{"role": "user", "content": "q"}])
    assert reply.endswith("JUSTIFICATION:\nThe answer is specific.")
    assert "third" not in reply
    assert len(closed) == 4


def test_write_feedback_with_a_silent_judge_gives_unparseable_text():
    reply, first = write_feedback(lambda messages, n: iter(()), [{"role": "user", "content": "q"}])
    assert first is None
    assert parse_feedback(reply) is None  # so the engine falls back to the coverage feedback


@pytest.mark.parametrize(
    ("tip", "expected"),
    [
        ("The candidate could add more details on monitoring.", "Add more details on monitoring."),
        ("You should also quantify the result.", "Quantify the result."),
        ("They might consider naming the drift test.", "Consider naming the drift test."),
        ("I will include the sample size.", "Include the sample size."),
        ("Candidate needs to explain the rollback.", "Explain the rollback."),
        ("Name the metric and how much it moved.", "Name the metric and how much it moved."),
        ("The candidates' team could not ship.", "The candidates' team could not ship."),
    ],
)
def test_hedged_tips_become_instructions(tip, expected):
    assert as_instruction(tip) == expected


def test_parsed_tips_are_instructions():
    text = "STRENGTHS:\n- Clear story.\nWEAKNESSES:\n- No metric.\nTIPS:\n- The candidate could add a metric.\n"
    parsed = parse_feedback(text + "JUSTIFICATION:\nThe answer scores 70/100 because it lacks a metric.")
    assert parsed is not None and parsed.tips == ["Add a metric."]


def test_prompt_markers_copied_by_the_judge_are_removed_and_never_praised():
    """A new user saw "Strengths: [red flag, an error: never praise it] Gets past the other team's process"."""
    reply = (
        "STRENGTHS:\n- [red flag, an error: never praise it] Gets past the other team's process quickly.\n"
        "- [met] Names the tools and the volume of data moved each day.\n"
        "- [partly] Describes the achievement in general terms only.\n"
        "WEAKNESSES:\n- [missing] Does not say how the freshness target was agreed.\n"
        "TIPS:\n- Say how you agreed the freshness target with the analysts.\n"
        "JUSTIFICATION:\nThe answer shows the pipeline clearly but skips the agreement with analysts."
    )
    parsed = parse_feedback(reply)
    assert parsed is not None
    assert parsed.strengths == ["Names the tools and the volume of data moved each day."]
    assert parsed.weaknesses == ["Does not say how the freshness target was agreed."]
    assert not any("[" in item for item in [*parsed.strengths, *parsed.weaknesses, *parsed.tips])
