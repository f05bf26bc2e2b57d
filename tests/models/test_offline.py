"""With every non-loopback connection made to fail, verify, load, judge, score and transcribe still work."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.speech import word_error_rate

pytestmark = pytest.mark.real_model
ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, sys
import tests.offline_guard as guard
from models.__main__ import main as models_cli
from models.loader import load_embedder, load_judge, load_rubric_checker, load_transcriber
from evaluation.speech import speak

assert models_cli(["verify", "tiny", "embedder", "speech"]) == 0
judge = load_judge("tiny")
embedder = load_embedder("embedder")
probs = judge.option_probabilities([{"role": "user", "content": "Is the sky blue?"}], ["Yes", "No"])
vectors = embedder.encode(["offline works", "no network needed"])
text = "".join(judge.generate([{"role": "user", "content": "Say hello."}], max_new_tokens=8))
from scoring.engine import ScoringRequest, score_answer
assessment = score_answer(
    ScoringRequest(
        question="How did you separate the salt from the water?",
        answer="I let the water evaporate and the salt stayed in the dish.",
        reference_answers=["The water was evaporated, leaving the salt."],
    ),
    judge,
    embedder,
    feedback=True,
)
transcriber = load_transcriber("speech")
transcript = transcriber.transcribe(speak("We cached the results and the page loaded in one second."))
checker = load_rubric_checker()
rubric = score_answer(
    ScoringRequest(
        question="How do you evaluate a fraud model at a 0.5% base rate?",
        answer="I report precision and recall at the operating threshold instead of accuracy.",
        rubric=["Uses precision and recall rather than accuracy.", "Chooses the threshold from business costs."],
    ),
    judge,
    embedder,
    feedback=False,
    checker=checker,
)
print("RESULT" + json.dumps({
    "attempts": guard.ATTEMPTS, "probs": probs, "dim": vectors.shape[1], "text": text,
    "score": assessment.score, "justification": assessment.justification,
    "checker": rubric.checker, "statuses": [c.status.value for c in rubric.rubric],
    "transcript": transcript.text, "spoken_words": len(transcript.words), "transcriber": transcriber.name,
}))
"""


SPOKEN = "We cached the results and the page loaded in one second."  # as CHILD speaks it


def test_models_work_with_the_network_blocked():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
    result = json.loads(line[len("RESULT") :])
    assert result["attempts"] == []  # nothing even tried to reach the network
    assert sum(result["probs"].values()) == pytest.approx(1.0)
    assert result["dim"] == 384
    assert result["text"].strip()
    assert 0 <= result["score"] <= 100
    assert result["justification"]
    assert result["checker"].startswith("candid-checker@")
    assert len(result["statuses"]) == 2
    assert result["transcriber"] == "whisper-tiny.en"
    # Whisper's int8 kernels differ by instruction set: on an AVX2-only CPU "cached" came out "cast". The
    # transcript must still be the sentence spoken, within a word (word error rate <= 0.1 of 11 words).
    assert word_error_rate([SPOKEN], [result["transcript"]]) <= 0.1, result["transcript"]
    assert result["spoken_words"] >= 8
