"""The ``Judge`` contract, the same tests on every runtime: torch, llama.cpp (private socket) and HTTP.

Each runtime runs the real tiny model (SmolLM2-135M). What only one runtime has (prefix reuse
statistics, the socket, the server's slots) is tested in that runtime's own file.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from models.protocols import Judge

pytestmark = pytest.mark.real_model

QUESTION = [
    {"role": "system", "content": "You check facts. Reply with Yes or No."},
    {"role": "user", "content": "Is water wet?"},
]
RUNTIMES = {"torch": "tiny_judge", "llamacpp": "llama_judge", "http": "http_judge"}


@pytest.fixture(params=list(RUNTIMES))
def judge(request) -> Judge:
    return request.getfixturevalue(RUNTIMES[request.param])


def test_it_is_a_judge(judge):
    assert isinstance(judge, Judge)
    assert judge.name


def test_generate_is_deterministic_and_streams(judge):
    first = list(judge.generate(QUESTION, max_new_tokens=24))
    second = list(judge.generate(QUESTION, max_new_tokens=24))
    assert first == second
    assert len(first) > 1 and "".join(first).strip()


def test_option_probabilities_sum_to_one_and_are_deterministic(judge):
    probs = judge.option_probabilities(QUESTION, ["Yes", "No"])
    assert set(probs) == {"Yes", "No"}
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-6)
    assert all(0.0 < p < 1.0 for p in probs.values())
    assert judge.option_probabilities(QUESTION, ["Yes", "No"]) == probs


def test_multi_token_options_sum_to_one(judge):
    probs = judge.option_probabilities(QUESTION, ["Absolutely yes", "Certainly not"])
    assert set(probs) == {"Absolutely yes", "Certainly not"}
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-6)


def test_concurrent_calls_are_safe_and_identical(judge):
    expected = judge.option_probabilities(QUESTION, ["Yes", "No"])
    text = "".join(judge.generate(QUESTION, 8))

    def both(_: int) -> tuple[dict[str, float], str]:
        return judge.option_probabilities(QUESTION, ["Yes", "No"]), "".join(judge.generate(QUESTION, 8))

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(both, range(6)))
    assert all(result == (expected, text) for result in results)


def test_no_tokens_asked_no_tokens_given_and_no_options_is_an_error(judge):
    assert list(judge.generate(QUESTION, max_new_tokens=0)) == []
    with pytest.raises(ValueError, match="options"):
        judge.option_probabilities(QUESTION, [])
