"""The judge on an OpenAI-compatible server: the address policy, and a REAL llama.cpp server on 127.0.0.1.

The server is xllamacpp's in-process llama.cpp HTTP server with the tiny model's GGUF file (the
same server code as ``llama-server``), started on a free loopback port by the tests themselves.
Address-policy tests use literal IP addresses and need no DNS; one replaces the resolver to give a
host name two addresses.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from models.errors import (
    JudgeAddressError,
    JudgeCapabilityError,
    JudgeConfigError,
    JudgeRequestError,
    JudgeUnavailableError,
    ModelError,
)
from models.http_judge import (
    HttpJudge,
    _sse_events,
    _without_echo,
    check_judge_url,
    is_allowed_address,
    option_masses,
)
from models.judge_server import LocalJudgeServer
from settings import Settings, get_settings

QUESTION = [
    {"role": "system", "content": "You check facts. Reply with Yes or No."},
    {"role": "user", "content": "Is water wet?"},
]
MODEL = "smollm2-135m"
API_KEY = "test-key-5f2c9a1e"


# -- address policy (no network) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/v1",
        "http://127.8.9.10/v1",
        "http://[::1]:8000/v1",
        "http://localhost:8000/v1",
        "http://10.0.0.5:8000/v1",
        "https://172.16.0.1/v1",
        "http://172.31.255.254:8080/v1",
        "http://192.168.1.20:11434/v1",
        "http://[fd00::5]:8000/v1",
        "http://[::ffff:10.0.0.5]:8000/v1",
    ],
)
def test_loopback_and_private_addresses_pass(url):
    check_judge_url(url, allow_public=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://8.8.8.8:8000/v1",
        "https://1.1.1.1/v1",
        "http://172.32.0.1/v1",  # just past 172.16.0.0/12
        "http://169.254.169.254/latest",  # link-local: cloud metadata service
        "http://[fe80::1]:8000/v1",  # link-local
        "http://100.64.0.1/v1",  # carrier-grade NAT: shared, not private
        "http://0.0.0.0:8000/v1",
        "http://[2001:4860:4860::8888]/v1",
        "http://[::ffff:8.8.8.8]/v1",  # IPv4-mapped: judged by the IPv4 address
    ],
)
def test_public_and_link_local_addresses_are_refused_unless_an_admin_allows_them(url):
    with pytest.raises(JudgeAddressError, match=r"refused.*CANDID_ALLOW_PUBLIC_JUDGE=1"):
        check_judge_url(url, allow_public=False)
    check_judge_url(url, allow_public=True)


def test_every_address_of_a_host_name_is_checked(monkeypatch):
    """A name with a private and a public address could be reached on either: refused (resolver replaced)."""

    def two_addresses(host, port, *args, **kwargs):
        assert host == "judge.internal.example"
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
    with pytest.raises(JudgeAddressError, match=r"judge.internal.example is at 8\.8\.8\.8"):
        check_judge_url("http://judge.internal.example:8000/v1", allow_public=False)


def test_a_host_name_that_cannot_be_resolved_is_unavailable(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(JudgeUnavailableError, match="cannot resolve host 'gpu-box'"):
        check_judge_url("http://gpu-box:8000/v1", allow_public=False)


@pytest.mark.parametrize(
    "url", ["ftp://10.0.0.5/v1", "file:///etc/passwd", "ws://127.0.0.1:8000/v1", "10.0.0.5:8000/v1", "gopher://x"]
)
def test_schemes_other_than_http_are_refused_even_with_permission(url):
    with pytest.raises(JudgeAddressError, match="only http:// and https://"):
        check_judge_url(url, allow_public=True)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://user:hunter2@10.0.0.5:8000/v1", "holds credentials"),
        ("http://10.0.0.5:8000/v1?key=1", "query or fragment"),
        ("http://10.0.0.5:99999/v1", "malformed"),
        ("http:///v1", "names no host"),
    ],
)
def test_malformed_urls_are_refused(url, problem):
    with pytest.raises(JudgeAddressError, match=problem) as caught:
        check_judge_url(url, allow_public=True)
    assert "hunter2" not in str(caught.value)


def test_is_allowed_address():
    assert is_allowed_address("127.0.0.1") and is_allowed_address("192.168.0.1") and is_allowed_address("fc00::1")
    assert not is_allowed_address("8.8.8.8") and not is_allowed_address("169.254.1.1")


def test_an_http_judge_checks_the_address_itself():
    with pytest.raises(JudgeAddressError):
        HttpJudge("http://8.8.8.8:8000/v1", model=MODEL)
    judge = HttpJudge("http://8.8.8.8:8000/v1", model=MODEL, allow_public=True)  # constructing sends nothing
    assert judge.name == f"{MODEL}@8.8.8.8:8000"


def test_names_say_which_model_and_where():
    assert HttpJudge("http://10.0.0.5:8000/v1", model="qwen-32b").name == "qwen-32b@10.0.0.5:8000"
    assert HttpJudge("https://10.0.0.5/v1/", model="m").name == "m@10.0.0.5:443"
    assert HttpJudge("http://[::1]/v1", model="m").name == "m@[::1]:80"


def test_an_http_judge_needs_a_model_name():
    with pytest.raises(JudgeConfigError, match="CANDID_JUDGE_MODEL"):
        HttpJudge("http://10.0.0.5:8000/v1", model=" ")


def test_the_api_key_stays_out_of_repr():
    judge = HttpJudge("http://10.0.0.5:8000/v1", model=MODEL, api_key=API_KEY)
    assert API_KEY not in repr(judge) and API_KEY not in judge.name


# -- pure helpers ------------------------------------------------------------------------------


def test_option_masses_sum_variants_like_the_transformers_judge():
    top = [("No", -0.5), ("Yes", -1.0), (" Yes", -3.0), ("yes", -4.0), ("YES", -6.0), ("Y", -5.0), ("The", -2.0)]
    yes, no = option_masses(top, ["Yes", "No"])
    assert yes == pytest.approx(sum(2.718281828459045**lp for lp in (-1.0, -3.0, -4.0, -6.0)))  # "Y" not counted
    assert no == pytest.approx(2.718281828459045**-0.5)
    assert option_masses(top, ["Maybe"]) == [0.0]


def test_option_masses_take_the_first_token_of_a_multi_token_option_only_when_unambiguous():
    top = [("Absol", -1.0), ("Cert", -2.0), ("A", -3.0)]
    absolutely, certainly = option_masses(top, ["Absolutely yes", "Certainly not"])
    assert absolutely == pytest.approx(2.718281828459045**-1.0 + 2.718281828459045**-3.0)
    assert certainly == pytest.approx(2.718281828459045**-2.0)
    assert option_masses(top, ["Absolutely yes", "Absolutely not"]) == [0.0, 0.0]  # "Absol" begins both


def test_an_echoed_prefill_is_cut_and_a_continuation_is_kept():
    assert "".join(_without_echo(["The ans", "wer is", " no."], "The answer is")) == " no."
    assert "".join(_without_echo([" no", ", water"], "The answer is")) == " no, water"
    assert "".join(_without_echo(["The"], "The answer is")) == "The"  # ended while it could be an echo: text
    assert list(_without_echo(["a", "b"], "")) == ["a", "b"]


def test_server_sent_events_are_parsed():
    lines = [b": ping", b'data: {"a": 1}', b"", b"data: x", b"data: y", b"", b'error: {"code": 500}', b""]
    assert list(_sse_events(lines)) == [("data", '{"a": 1}'), ("data", "x\ny"), ("error", '{"code": 500}')]


# -- settings and loader -----------------------------------------------------------------------


def test_settings_read_the_judge_server_variables_and_hide_the_key():
    settings = Settings.from_env(
        {
            "CANDID_JUDGE": "http://10.0.0.5:8000/v1",
            "CANDID_JUDGE_MODEL": "qwen-32b",
            "CANDID_JUDGE_API_KEY": API_KEY,
            "CANDID_ALLOW_PUBLIC_JUDGE": "1",
        }
    )
    assert settings.judge == "http://10.0.0.5:8000/v1" and settings.judge_model == "qwen-32b"
    assert settings.judge_api_key == API_KEY and settings.allow_public_judge
    assert API_KEY not in repr(settings)
    default = Settings.from_env({})
    assert default.judge_model == "" and default.judge_api_key == "" and not default.allow_public_judge


def _url_settings(url: str, **changes: object) -> Settings:
    fields: dict[str, object] = {"judge_model": MODEL, "judge_api_key": "", "allow_public_judge": False, **changes}
    return replace(get_settings(), judge=url, **fields)


def test_the_loader_refuses_a_public_url_and_a_missing_model():
    from models.loader import LazyJudge, judge_name, load_judge

    public = _url_settings("http://8.8.8.8:8000/v1")
    for call in (lambda: load_judge(settings=public), lambda: judge_name(settings=public)):
        with pytest.raises(JudgeAddressError):
            call()
    with pytest.raises(JudgeAddressError):
        LazyJudge(settings=public)
    assert judge_name(settings=replace(public, allow_public_judge=True)) == f"{MODEL}@8.8.8.8:8000"
    with pytest.raises(JudgeConfigError, match="CANDID_JUDGE_MODEL"):
        judge_name(settings=_url_settings("http://10.0.0.5:8000/v1", judge_model=""))
    with pytest.raises(JudgeAddressError, match="only http"):
        load_judge("ftp://10.0.0.5/v1", settings=public)
    assert issubclass(JudgeAddressError, ModelError)  # `python -m jobs worker` reports it and exits


# -- a real llama.cpp server on 127.0.0.1 -------------------------------------------------------


def _tiny_gguf() -> Path:
    from models.install import artifact_path
    from models.registry import load_registry

    return artifact_path(load_registry().get("tiny"), get_settings().model_dir)


def LocalServer(*, api_keys: tuple[str, ...] = ()) -> LocalJudgeServer:
    """A server of this test's own (as ``conftest.judge_server``), for tests that stop it or set keys."""
    return LocalJudgeServer(_tiny_gguf(), threads=2, n_ctx=2048, api_keys=api_keys, monitor=True)


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # bound, never listened on, closed: connections are refused


@pytest.mark.real_model
def test_a_prefill_is_continued_not_restarted_or_repeated(http_judge):
    reply = "".join(http_judge.generate(QUESTION, max_new_tokens=14))
    words = reply.split(" ")
    assert len(words) >= 5, reply
    prefill = " ".join(words[:3])  # the greedy reply's own start: its greedy continuation is the rest
    continuation = "".join(
        http_judge.generate([*QUESTION, {"role": "assistant", "content": prefill}], max_new_tokens=4)
    )
    assert continuation.strip()
    assert not continuation.lstrip().startswith(prefill)
    assert reply[len(prefill) :].startswith(continuation), (prefill, continuation, reply)


def _decoded_tokens(server: LocalJudgeServer) -> int:
    metrics = requests.get(f"{server.root}/metrics", timeout=5).text
    return int(
        float(next(line.split()[1] for line in metrics.splitlines() if line.startswith("llamacpp:n_decode_total")))
    )


def _busy(server: LocalJudgeServer) -> bool:
    slots = requests.get(f"{server.root}/slots", timeout=5).json()
    assert slots and all("is_processing" in slot for slot in slots)
    return any(slot["is_processing"] for slot in slots)


@pytest.mark.real_model
def test_closing_the_stream_stops_generation_on_the_server(http_judge, judge_server):
    counting = [{"role": "user", "content": "Count from 1 to 300, separated by commas, and nothing else."}]
    before = _decoded_tokens(judge_server)
    stream = http_judge.generate(counting, max_new_tokens=1500)  # the tiny model counts on for hundreds of tokens
    first = next(stream)
    assert _busy(judge_server)
    stream.close()
    deadline = time.monotonic() + 30
    while _busy(judge_server):
        assert time.monotonic() < deadline, "the server was still generating 30 s after the stream was closed"
        time.sleep(0.1)
    assert _decoded_tokens(judge_server) - before < 50  # stopped within a few tokens, not after 1500
    assert next(http_judge.generate(counting, max_new_tokens=2)) == first


@pytest.mark.real_model
def test_a_refused_request_is_a_clear_error_and_not_retried(judge_server):
    from models.http_judge import BACKOFF_S

    http_judge = HttpJudge(judge_server.url, model=MODEL, retries=2)
    too_long = [{"role": "user", "content": "word " * 3000}]  # over the server's 2048-token context
    for call in (
        lambda: http_judge.option_probabilities(too_long, ["Yes", "No"]),
        lambda: next(http_judge.generate(too_long)),
    ):
        started = time.monotonic()
        with pytest.raises(JudgeRequestError, match=r"HTTP 400: .*context") as caught:
            call()
        assert time.monotonic() - started < BACKOFF_S  # no wait for a retry
        assert caught.value.status == 400 and judge_server.url in str(caught.value)


@pytest.mark.real_model
def test_proxies_from_the_environment_are_ignored(judge_server, monkeypatch):
    """A proxy would carry answers off the network: requests to the judge never go through one."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{_closed_port()}")  # a proxy that refuses every connection
    http_judge = HttpJudge(judge_server.url, model=MODEL, retries=0)
    assert sum(http_judge.option_probabilities(QUESTION, ["Yes", "No"]).values()) == pytest.approx(1.0)


@pytest.mark.real_model
def test_the_loader_resolves_a_url_to_an_http_judge(judge_server, http_judge):
    from models.loader import LazyJudge, judge_name, load_judge

    settings = _url_settings(judge_server.url)
    loaded = load_judge(settings=settings)
    assert isinstance(loaded, HttpJudge) and loaded.model == MODEL
    assert loaded.name == judge_name(settings=settings) == f"{MODEL}@127.0.0.1:{judge_server.port}"
    lazy = LazyJudge(settings=settings)
    assert lazy.name == loaded.name and not lazy.loaded
    assert lazy.option_probabilities(QUESTION, ["Yes", "No"]) == http_judge.option_probabilities(
        QUESTION, ["Yes", "No"]
    )
    assert lazy.loaded


@pytest.mark.real_model
def test_a_server_that_is_down_is_unavailable_after_the_retries():
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    judge = HttpJudge(url, model=MODEL, retries=2)
    started = time.monotonic()
    with pytest.raises(JudgeUnavailableError) as caught:
        judge.option_probabilities(QUESTION, ["Yes", "No"])
    assert time.monotonic() - started >= 0.5 + 1.0  # waited between the 3 attempts
    assert caught.value.attempts == 3 and caught.value.url == url
    message = str(caught.value)
    assert url in message and "connection refused" in message and "stay queued" in message
    with pytest.raises(JudgeUnavailableError, match="1 attempt"):
        next(HttpJudge(url, model=MODEL, retries=0).generate(QUESTION))


@pytest.mark.real_model
def test_the_api_key_is_sent_as_a_bearer_token():
    protected = LocalServer(api_keys=(API_KEY,))
    try:
        right = HttpJudge(protected.url, model=MODEL, api_key=API_KEY)
        assert sum(right.option_probabilities(QUESTION, ["Yes", "No"]).values()) == pytest.approx(1.0)
        assert "".join(right.generate(QUESTION, max_new_tokens=4)).strip()
        for key in ("wrong-key", None):
            with pytest.raises(JudgeRequestError, match="HTTP 401.*CANDID_JUDGE_API_KEY") as caught:
                HttpJudge(protected.url, model=MODEL, api_key=key, retries=2).option_probabilities(QUESTION, ["Yes"])
            assert caught.value.status == 401 and API_KEY not in str(caught.value)
    finally:
        protected.stop()


@pytest.mark.real_model
def test_a_server_without_logprobs_gives_a_capability_error(http_judge, judge_server):
    """The real server's reply with its logprobs taken out, as Ollama's OpenAI endpoint may answer."""
    body = http_judge._body(QUESTION, max_tokens=1, stream=False)  # what a server ignoring `logprobs` does
    reply = requests.post(f"{judge_server.url}/chat/completions", json=body, timeout=60).json()
    assert "logprobs" not in reply["choices"][0] or reply["choices"][0]["logprobs"] is None
    with pytest.raises(JudgeCapabilityError, match="logprobs.*vLLM or llama.cpp"):
        http_judge._top_logprobs(reply)


@pytest.mark.real_model
def test_scoring_survives_the_server_going_down_and_coming_back():
    from question_banks.schema import RubricPoint
    from scoring.engine import ScoringRequest, score_answer
    from tests.fakes import FakeEmbedder

    request = ScoringRequest(
        question="How do you know a deployed model is still working?",
        answer="We monitored data drift with a PSI threshold and alerted on a drop in weekly precision.",
        rubric=[RubricPoint(point="names a monitoring metric"), RubricPoint(point="says what triggers an alert")],
    )
    local = LocalServer()
    try:
        judge = HttpJudge(local.url, model=MODEL, retries=1)
        before = score_answer(request, judge, FakeEmbedder(), feedback=False)
        local.stop()
        with pytest.raises(JudgeUnavailableError, match=local.url):
            score_answer(request, judge, FakeEmbedder(), feedback=False)
        local.start()  # the same port
        after = score_answer(request, judge, FakeEmbedder(), feedback=False)
        assert before.model == judge.name == f"{MODEL}@127.0.0.1:{local.port}"  # which judge scored it, and where
        assert after.canonical_json() == before.canonical_json()
    finally:
        local.stop()


def test_the_error_json_of_a_refused_request_is_quoted():
    from models.http_judge import _error_detail

    response = requests.Response()
    response.status_code = 401
    response._content = json.dumps({"error": {"message": "Invalid API Key", "code": 401}}).encode()
    assert _error_detail(response) == "Invalid API Key"
