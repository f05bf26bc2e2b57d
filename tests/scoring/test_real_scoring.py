"""The scorer with real models: the tiny judge and the real embedder, through the command line too."""

import json
from dataclasses import replace

import pytest

from scoring.cli import main
from scoring.engine import ScoreModel, ScoringRequest, score_answer
from scoring.types import Flag

pytestmark = pytest.mark.real_model

QUESTION = "Tell me about a time you developed and deployed an ML model. What challenges did you face?"
ANSWER = (
    "At my last company I deployed a churn model built with gradient boosted trees. The main challenge was "
    "label leakage, which I fixed by rebuilding the validation split by time. After launch, churn among "
    "contacted customers fell by 12 percent, and I monitored drift with a weekly population stability report."
)


def test_real_models_score_deterministically_with_evidence(tiny_judge, real_embedder):
    request = ScoringRequest(
        id="ML_Q1",
        question=QUESTION,
        answer=ANSWER,
        rubric=[
            "Describes a specific model they built and the problem it solved.",
            "Names a concrete challenge and the step taken to overcome it.",
            "Gives a quantified result: a metric and how much it changed.",
            "Says how the model was monitored after release.",
        ],
    )
    first = score_answer(request, tiny_judge, real_embedder, feedback=True)
    second = score_answer(request, tiny_judge, real_embedder, feedback=True)
    assert first.canonical_json() == second.canonical_json()
    assert len(first.rubric) == 4
    assert first.weaknesses and first.tips and first.justification.startswith(f"The answer scores {first.score}/100")
    met = {c.point.rstrip(".") for c in first.rubric if c.status.value == "met"}
    assert all(strength.split(": \u201c")[0] in met for strength in first.strengths)  # strengths only from met points
    # The tiny judge is no grader, so lower the bar to see the real embedder pick each point's evidence.
    lenient = replace(ScoreModel.load(), met=0.3, partly=0.2)
    checked = score_answer(request, tiny_judge, real_embedder, feedback=False, model=lenient)
    assert "monitored drift" in (checked.rubric[3].evidence or "")
    assert "label leakage" in (checked.rubric[1].evidence or "")


def test_real_embedder_sends_off_topic_answers_to_the_gate(tiny_judge, real_embedder):
    request = ScoringRequest(
        question=QUESTION,
        answer=(
            "My favourite recipe is a lasagne with layers of pasta, tomato sauce, bechamel and plenty of "
            "parmesan cheese, baked for forty minutes until golden."
        ),
    )
    assessment = score_answer(request, tiny_judge, real_embedder, feedback=False)
    assert Flag.OFF_TOPIC in assessment.flags
    assert assessment.score <= 15


def test_score_command_writes_one_assessment_per_line_in_order(tmp_path, capsys):
    lines = [
        {"id": "ML_Q1", "question": "ignored: the bank's question text wins by id", "answer": ANSWER},
        {
            "id": "X1",
            "question": "How did you separate the salt from the water?",
            "answer": "I evaporated the water.",
            "reference_answer": "The water was evaporated, leaving the salt.",
        },
        {"id": "X2", "question": QUESTION, "answer": "fine"},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    status = main(
        [
            "score",
            str(source),
            "-o",
            str(out),
            "--no-feedback",
            "--model",
            "tiny",
            "--bank",
            "machine learning engineer",
        ]
    )
    assert status == 0
    results = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == ["ML_Q1", "X1", "X2"]
    assert results[0]["rubric_version"].startswith("machine_learning_engineer@")
    assert len(results[0]["rubric"]) >= 4  # the bank's rubric for ML_Q1
    assert results[1]["rubric_version"] == "reference"
    assert results[2]["score"] <= 15 and "too_short" in results[2]["flags"]
    assert "[3/3]" in capsys.readouterr().err


def test_score_command_names_a_bad_line(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "A", "question": "Q?", "answer": "An answer."}\n{"id": "B"}\n', encoding="utf-8")
    assert main(["score", str(source), "--model", "tiny", "--no-feedback"]) == 1
    assert "line 2" in capsys.readouterr().err


def test_score_command_uses_graded_examples_for_reference_answers(tmp_path):
    question = "How did you separate the salt from the water?"
    reference = "The water was evaporated, leaving the salt."
    answers = ["Heat it until the water is gone and salt stays.", "Pour it through a coffee filter."]
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(json.dumps({"question": question, "answer": a, "reference_answer": reference}) for a in answers),
        encoding="utf-8",
    )
    graded = tmp_path / "graded.jsonl"
    graded.write_text(
        "\n".join(
            json.dumps({"question": question, "answer": a, "correct": c})
            for a, c in [
                ("Heat it until the water is gone and salt stays.", True),  # the scored answer itself: left out
                ("Boil the water away and the salt is left behind.", True),
                ("Leave it in the sun so the water dries up.", True),
                ("Use a filter paper to catch the salt.", False),
                ("Pour it through a sieve.", False),
            ]
        ),
        encoding="utf-8",
    )
    plain, with_examples = tmp_path / "plain.jsonl", tmp_path / "graded-out.jsonl"
    assert main(["score", str(source), "-o", str(plain), "--no-feedback", "--model", "tiny"]) == 0
    args = ["score", str(source), "-o", str(with_examples), "--no-feedback", "--model", "tiny"]
    assert main([*args, "--examples", str(graded)]) == 0
    before = [json.loads(x)["score"] for x in plain.read_text().splitlines()]
    after = [json.loads(x)["score"] for x in with_examples.read_text().splitlines()]
    assert after != before
    assert after[0] > after[1]  # near the correct examples, against near the incorrect ones
    graded.write_text('{"question": "Q?", "answer": "A.", "correct": "yes"}\n', encoding="utf-8")
    assert main([*args, "--examples", str(graded)]) == 1
