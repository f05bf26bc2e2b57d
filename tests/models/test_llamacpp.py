"""The llama.cpp judge (``models.llamacpp.LlamaCppJudge``) on the real tiny model (SmolLM2-135M, GGUF Q4_1): what
only it has (the ``Judge`` contract on every runtime is ``test_judge_contract.py``; fixtures in ``conftest.py``)."""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import socket
import statistics
import tempfile
import time
from pathlib import Path

import pytest

from models.errors import ModelLoadError, ModelNotInstalledError
from models.llamacpp import LlamaCppJudge

pytestmark = pytest.mark.real_model

QUESTION = [
    {"role": "system", "content": "You check facts. Reply with Yes or No."},
    {"role": "user", "content": "Is water wet?"},
]
PREFILL = [*QUESTION, {"role": "assistant", "content": "Yes, because"}]


def _top(judge: LlamaCppJudge, chat) -> dict[int, float]:
    """The judge's top next-token log-probabilities after the prompt of ``chat``: ``{token id: logprob}``."""
    return judge._logprobs_after(*judge._prompt(chat))


def _own_tcp_listeners() -> set[tuple[str, int]]:
    """``(address, port)`` of every listening TCP socket this process holds (from /proc)."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    listeners = set()
    for table, width in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            hex_address, hex_port = local.split(":")
            raw = bytes.fromhex(hex_address)
            # /proc prints each 32-bit word in host (little-endian) order
            ordered = b"".join(raw[i : i + 4][::-1] for i in range(0, width, 4))
            listeners.add((str(ipaddress.ip_address(ordered)), int(hex_port, 16)))
    return listeners


def test_the_prompt_is_token_for_token_the_torch_runtimes(llama_judge, tiny_judge):
    chats = [
        QUESTION,
        PREFILL,
        [{"role": "user", "content": "Say OK."}],
        [{"role": "user", "content": "Q: x\n\nA: y  \n\n"}, {"role": "assistant", "content": "The answer is "}],
        [{"role": "user", "content": "Héllo — “quotes” 日本語 emoji 😀"}, {"role": "assistant", "content": "Sure.\n"}],
    ]
    for chat in chats:
        assert llama_judge.prompt_ids(chat) == tiny_judge.prompt_ids(chat)


def test_a_prefill_is_continued_not_repeated(llama_judge):
    reply = "".join(llama_judge.generate(PREFILL, max_new_tokens=12))
    assert reply.strip()
    assert "Yes, because" not in reply
    assert not reply.lstrip().lower().startswith("yes")  # continues after "because", does not start over
    # The first token of the continuation is the likeliest next token after the prefill.
    top = _top(llama_judge, PREFILL)
    best = max(top, key=top.__getitem__)
    assert reply.startswith(llama_judge._http("/detokenize", {"tokens": [best]})["content"])


def test_closing_the_stream_early_stops_generating(llama_judge):
    essay = [{"role": "user", "content": "Write a long, detailed essay about monitoring machine learning models."}]
    before = llama_judge.stats["generated_tokens"]
    stream = llama_judge.generate(essay, max_new_tokens=400)
    assert next(stream)
    started = time.perf_counter()
    stream.close()
    closing_s = time.perf_counter() - started
    generated = llama_judge.stats["generated_tokens"] - before
    assert generated < 50  # stopped at once, not after 400 tokens
    assert closing_s < 5
    assert list(llama_judge.generate(QUESTION, max_new_tokens=4))  # the judge is free again


def test_no_tokens_asked_no_tokens_given(llama_judge):
    assert list(llama_judge.generate(QUESTION, max_new_tokens=0)) == []


def test_no_options_is_an_error(llama_judge):
    with pytest.raises(ValueError, match="options"):
        llama_judge.option_probabilities(QUESTION, [])


def test_multi_token_options_use_the_chain_rule(llama_judge):
    assert len(llama_judge.prompt_ids([{"role": "user", "content": "Absolutely yes"}])) > 1
    # Options the model would never start with: all 0, so uniform.
    odd = llama_judge.option_probabilities(QUESTION, ["zqxj vvv", "qqqq wwww"])
    assert odd == {"zqxj vvv": 0.5, "qqqq wwww": 0.5}


def test_prefix_reuse_saves_work_and_changes_nothing(llama_judge):
    shared = "The candidate answered at length about pipelines, drift and monitoring. " * 20
    prompts = [
        [
            {"role": "system", "content": "Grade answers. Reply Yes or No."},
            {"role": "user", "content": f"{shared}\n\nPoint {i}: does it name metric number {i}?"},
        ]
        for i in range(3)
    ]
    shared_tokens = len(llama_judge.prompt_ids([prompts[0][0], {"role": "user", "content": shared}])) - 8
    cold, cold_s = [], []
    for prompt in prompts:
        llama_judge.clear_cache()
        started = time.perf_counter()
        cold.append(llama_judge.option_probabilities(prompt, ["Yes", "No"]))
        cold_s.append(time.perf_counter() - started)
    llama_judge.clear_cache()
    before = dict(llama_judge.stats)
    warm, warm_s = [], []
    for prompt in prompts:
        started = time.perf_counter()
        warm.append(llama_judge.option_probabilities(prompt, ["Yes", "No"]))
        warm_s.append(time.perf_counter() - started)
    reused = llama_judge.stats["reused_tokens"] - before["reused_tokens"]
    assert reused >= 2 * shared_tokens  # the shared prefix (cut at its blank line) was computed once, reused twice
    assert warm == cold  # byte-identical whatever the cache held
    # The second and third questions compute only their own end (about 1/15 of the prompt here); the
    # fastest of each kind is compared, as other processes on the machine only ever add time.
    assert min(warm_s[1:]) < 0.5 * min(cold_s), f"with reuse {warm_s}, without {cold_s} (seconds)"


def test_results_do_not_depend_on_what_came_before(llama_judge, tiny_gguf):
    """llama.cpp's numbers depend on how tokens are batched; the canonical chunks make them a function of the prompt."""
    shared = "Question: how did you monitor the model?\n\nAnswer: " + "We tracked drift and latency every day. " * 12
    chats = [
        [{"role": "system", "content": "Grade answers. Reply Yes or No."}, {"role": "user", "content": shared + tail}]
        for tail in ("\n\nPoint: names a metric.", "\n\nPoint: names a threshold and an alert.", "")
    ]
    path, name = tiny_gguf
    expected = []
    for chat in chats:  # each on a fresh judge: nothing came before
        with LlamaCppJudge(path, name=name, threads=llama_judge.threads) as fresh:
            expected.append((fresh.option_probabilities(chat, ["Yes", "No"]), "".join(fresh.generate(chat, 12))))
    seen = []
    for index in (0, 1, 2, 2, 0, 1, 1, 0):  # every order of reuse, repeats, replies in between
        chat = chats[index]
        probs = llama_judge.option_probabilities(chat, ["Yes", "No"])
        text = "".join(llama_judge.generate(chat, 12))
        seen.append(((probs, text), expected[index]))
    # A prompt that continues a reply the slot holds (its tokens unknown to the judge) is cut too.
    continued = [*chats[0], {"role": "assistant", "content": expected[0][1]}]
    with LlamaCppJudge(path, name=name, threads=llama_judge.threads) as fresh:
        alone = fresh.option_probabilities(continued, ["Yes", "No"])
    "".join(llama_judge.generate(chats[0], 12))
    assert llama_judge.option_probabilities(continued, ["Yes", "No"]) == alone
    assert all(got == want for got, want in seen)


def test_a_prompt_longer_than_the_context_is_refused(llama_judge):
    long_chat = [{"role": "user", "content": "word " * (llama_judge.n_ctx + 100)}]
    with pytest.raises(ValueError, match="does not fit"):
        llama_judge.option_probabilities(long_chat, ["Yes", "No"])
    with pytest.raises(ValueError, match="does not fit"):
        list(llama_judge.generate(long_chat))


def test_nothing_listens_on_the_network(tiny_gguf):
    path, name = tiny_gguf
    before = _own_tcp_listeners()
    with LlamaCppJudge(path, name=name, threads=1, n_ctx=256) as judge:
        during = _own_tcp_listeners()
        assert judge.address.startswith("unix://")
        socket_path = judge.address.removeprefix("unix://")
        assert (Path(socket_path).parent.stat().st_mode & 0o777) == 0o700  # only this user reaches the socket
        assert "".join(judge.generate(QUESTION, 2))  # serving, and still no TCP listener
        assert _own_tcp_listeners() == during
    assert during == before  # the judge opened no TCP listener at all, loopback included
    assert all(ipaddress.ip_address(address).is_loopback for address, _ in during)
    assert not Path(socket_path).parent.exists()  # closing removes the socket's folder


def test_the_private_socket_refuses_requests_without_the_key(llama_judge):
    connection = http.client.HTTPConnection("localhost", timeout=10)
    connection.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.sock.connect(llama_judge.address.removeprefix("unix://"))
    connection.request("POST", "/tokenize", json.dumps({"content": "hi"}), {"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 401
    connection.close()


def test_a_closed_judge_says_so(tiny_gguf):
    path, name = tiny_gguf
    judge = LlamaCppJudge(path, name=name, threads=1, n_ctx=256)
    judge.close()
    with pytest.raises(RuntimeError, match="closed"):
        judge.option_probabilities(QUESTION, ["Yes", "No"])


def test_files_that_are_not_gguf_models_give_clear_errors(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    notes = tmp_path / "notes.gguf"
    notes.write_text("not a model")
    with pytest.raises(ModelLoadError, match="is not a GGUF file"):
        LlamaCppJudge(notes, name="notes", threads=1)
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(ModelLoadError, match="could not load .*broken.gguf"):
        LlamaCppJudge(broken, name="broken", threads=1)
    with pytest.raises(ModelNotInstalledError):
        LlamaCppJudge(tmp_path / "missing.gguf", name="missing", threads=1)
    assert list((tmp_path / "tmp").iterdir()) == []  # no socket folder left behind


@pytest.mark.slow
def test_next_token_distribution_matches_the_float32_model(llama_judge, tiny_judge, tiny_gguf):
    """Against the GGUF de-quantized to float32 by transformers (the reference), on ``TransformersJudge``'s prompts.

    What was seen (SmolLM2-135M Q4_1): llama.cpp is within 0.07-0.17 nats on average of the reference
    over its top 50 tokens, and its greedy replies match the reference's for most prompts; the int8
    torch runtime is about 1 nat off, and its greedy replies differ from both on most prompts, so
    equality with the torch runtime is not asserted.
    """
    import torch

    from models.runtime import _load_source

    reference, _ = _load_source(tiny_gguf[0], lambda message: None)
    chats = [QUESTION, [{"role": "user", "content": "Name three primary colors."}], PREFILL]
    for chat in chats:
        ids = tiny_judge.prompt_ids(chat)
        with torch.inference_mode():
            expected = torch.log_softmax(reference(input_ids=torch.tensor([ids])).logits[0, -1].float(), dim=-1)
        top = _top(llama_judge, chat)
        assert len(top) == 50
        assert statistics.mean(abs(float(expected[token]) - logprob) for token, logprob in top.items()) < 0.35
        best = max(top, key=top.__getitem__)
        assert float(expected[best]) > float(expected.max()) - 0.5  # its first choice is (nearly) the reference's
