"""A judge on an OpenAI-compatible inference server (vLLM, llama.cpp's llama-server, Ollama): ``HttpJudge``.

Teams often run a much stronger judge on a GPU machine than fits beside the app; ``HttpJudge`` talks
to it over ``POST {base_url}/chat/completions`` (base URL like ``http://10.0.0.5:8000/v1``):

- ``generate``: ``stream: true``, greedy (``temperature: 0``, a fixed ``seed``), the reply read as
  server-sent events. Closing the iterator closes the connection, which stops the server generating.
  A last message from the assistant is a prefill the reply continues: llama.cpp's server does that
  by default (its ``prefill_assistant`` option), vLLM when the body says ``continue_final_message:
  true, add_generation_prompt: false`` (sent with every prefill; servers ignore fields they do not
  know). A server that echoes the prefill before its continuation has the echo cut.
- ``option_probabilities``: one token (``max_tokens: 1``) with ``logprobs: true, top_logprobs: 20``
  (20 is the OpenAI API's maximum and vLLM's default ``max_logprobs``). An option's probability is
  summed over the tokens in that list spelling it, as ``TransformersJudge._option_mass`` does.

Nothing may leave the machine by accident: ``check_judge_url`` refuses hosts outside loopback and
the private ranges unless an admin allows them (``CANDID_ALLOW_PUBLIC_JUDGE=1``), the check runs
again before every request (a host name may resolve elsewhere later), redirects are not followed
(a 307 would re-send the answer to wherever it points), and proxy settings from the environment
(``HTTPS_PROXY``, ...) and ``~/.netrc`` are ignored (a proxy would carry answers off the network).

Failures are errors a user can act on (``models.errors``): ``JudgeUnavailableError`` (down, timed
out, 5xx after the retries: the answer stays queued), ``JudgeRequestError`` (4xx: wrong API key,
unknown model), ``JudgeCapabilityError`` (no log-probabilities), ``JudgeAddressError`` (refused URL).
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import SplitResult, urlsplit

import requests

from models.errors import (
    JudgeAddressError,
    JudgeCapabilityError,
    JudgeConfigError,
    JudgeRequestError,
    JudgeUnavailableError,
)
from models.protocols import ChatMessage, normalised_options, option_variants

TOP_LOGPROBS = 20  # the OpenAI API's maximum for top_logprobs, and vLLM's default --max-logprobs
CONNECT_TIMEOUT_S = 10.0  # a host on the local network that answers at all connects in well under this
BACKOFF_S = 0.5  # first wait before a retry; doubled for each further one (0.5 s, 1 s, 2 s, ...)
SCHEMES = ("http", "https")

# Where a judge may run without an admin's permission: this machine and the private networks.
# Link-local (169.254.0.0/16, fe80::/10) is deliberately absent: it holds cloud metadata services
# (169.254.169.254 hands out credentials) and is not where an inference server is reached.
# 100.64.0.0/10 (carrier-grade NAT, also Tailscale's range) is absent too: it is shared, not private.
ALLOWED_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),  # IPv4 loopback (RFC 1122)
    ipaddress.ip_network("::1/128"),  # IPv6 loopback (RFC 4291)
    ipaddress.ip_network("10.0.0.0/8"),  # private (RFC 1918)
    ipaddress.ip_network("172.16.0.0/12"),  # private (RFC 1918)
    ipaddress.ip_network("192.168.0.0/16"),  # private (RFC 1918)
    ipaddress.ip_network("fc00::/7"),  # IPv6 unique local addresses (RFC 4193)
)


def is_allowed_address(address: str) -> bool:
    """Whether an IP address (``"10.0.0.5"``, ``"::1"``, ``"fe80::1%eth0"``) is loopback or private.

    An IPv4-mapped IPv6 address (``::ffff:10.0.0.5``) is judged by its IPv4 address.

    Raises:
        ValueError: ``address`` is not an IP address.
    """
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in ALLOWED_NETWORKS)


def _split(url: str) -> SplitResult:
    """The parts of a judge URL, checked for shape (not for address).

    Raises:
        JudgeAddressError: Not http(s), no host, a bad port, credentials, a query or a fragment in it.
    """
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0-65535
    except ValueError as exc:
        raise JudgeAddressError(f"The judge URL {url!r} is malformed ({exc}) (CANDID_JUDGE).") from exc
    if parts.scheme.lower() not in SCHEMES:
        raise JudgeAddressError(
            f"The judge URL {url!r} is refused: only http:// and https:// servers can be judges (CANDID_JUDGE)."
        )
    if not parts.hostname:
        raise JudgeAddressError(f"The judge URL {url!r} names no host (CANDID_JUDGE).")
    if parts.username is not None or parts.password is not None:
        raise JudgeAddressError(
            "The judge URL holds credentials, which would show in logs and error messages; "
            "put the key in CANDID_JUDGE_API_KEY instead (CANDID_JUDGE)."
        )
    if parts.query or parts.fragment:
        raise JudgeAddressError(
            f"The judge URL {url!r} has a query or fragment; give the base URL, e.g. http://10.0.0.5:8000/v1."
        )
    return parts


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme.lower() == "https" else 80)


def _refused_addresses(parts: SplitResult) -> list[str]:
    """The addresses ``parts.hostname`` resolves to that are outside loopback and the private ranges.

    Every address is checked, not the first: a name with one private and one public address could
    be reached on either.

    Raises:
        socket.gaierror: The host name cannot be resolved.
    """
    host = parts.hostname or ""
    infos = socket.getaddrinfo(host, _port(parts), type=socket.SOCK_STREAM)
    addresses = sorted({str(info[4][0]) for info in infos})
    return [address for address in addresses if not is_allowed_address(address)]


def check_judge_url(url: str, *, allow_public: bool) -> None:
    """Refuse a judge URL that could send answers off the machine and its private networks.

    Allowed without permission: hosts whose every address (``socket.getaddrinfo``) is in
    ``ALLOWED_NETWORKS``: loopback (127.0.0.0/8, ::1) or private (10/8, 172.16/12, 192.168/16,
    fc00::/7). Link-local addresses are refused (see ``ALLOWED_NETWORKS``). With ``allow_public``
    (the admin's ``CANDID_ALLOW_PUBLIC_JUDGE=1``) any http(s) host is allowed and nothing is resolved.

    Args:
        url: The server's base URL, e.g. ``http://10.0.0.5:8000/v1``.
        allow_public: The admin's explicit permission to use a server on any address.

    Raises:
        JudgeAddressError: Not http(s), malformed, or a host with an address outside the allowed ranges.
        JudgeUnavailableError: The host name cannot be resolved now.
    """
    parts = _split(url)
    if allow_public:
        return
    try:
        refused = _refused_addresses(parts)
    except socket.gaierror as exc:
        raise JudgeUnavailableError(url, f"cannot resolve host {parts.hostname!r}: {exc}", attempts=1) from exc
    if refused:
        raise _address_refused(url, parts, refused)


def _address_refused(url: str, parts: SplitResult, refused: Sequence[str]) -> JudgeAddressError:
    return JudgeAddressError(
        f"The judge URL {url} is refused: {parts.hostname} is at {', '.join(refused)}, outside this machine "
        "and the private networks (127.0.0.0/8, ::1, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7), "
        "so answers would leave them. An admin who means it sets CANDID_ALLOW_PUBLIC_JUDGE=1."
    )


def judge_display_name(url: str, model: str) -> str:
    """The name of the judge ``model`` served at ``url``: ``"<model>@<host>:<port>"`` (IPv6 hosts in brackets).

    Raises:
        JudgeAddressError: The URL is malformed or not http(s).
    """
    parts = _split(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{model}@{host}:{_port(parts)}"


class HttpJudge:
    """A judge on an OpenAI-compatible server, behind the ``Judge`` protocol; thread-safe.

    Args:
        base_url: The server's OpenAI base URL, e.g. ``http://10.0.0.5:8000/v1`` (requests go to
            ``{base_url}/chat/completions``).
        model: The model name the server serves (``"model"`` in each request; vLLM checks it).
        api_key: Sent as ``Authorization: Bearer <key>``; never logged, never in ``repr``.
        timeout_s: Longest wait, in seconds, for the server's next bytes (the reply's first token
            after the prompt, or the next one); connecting waits at most ``CONNECT_TIMEOUT_S`` of it.
        retries: Further attempts after a connection error, timeout or 5xx, waiting ``BACKOFF_S``
            then twice as long each time; a 4xx is not retried. A stream that breaks after its first
            text is not retried (its text has been handed on).
        seed: Sent with every request so a server that samples anyway samples the same way.
        allow_public: Allow a server outside loopback and the private ranges (``check_judge_url``).

    Raises:
        JudgeConfigError: No model name.
        JudgeAddressError: The URL is refused (see ``check_judge_url``).
        JudgeUnavailableError: The host name cannot be resolved.
    """

    def __init__(
        self,
        base_url: str,
        *,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 60,
        retries: int = 2,
        seed: int = 0,
        allow_public: bool = False,
    ) -> None:
        if not model.strip():
            raise JudgeConfigError(
                f"No model named for the judge server at {base_url}: set CANDID_JUDGE_MODEL to the name it serves "
                "(vLLM: its --served-model-name; llama.cpp's server: any)."
            )
        if timeout_s <= 0 or retries < 0:
            raise ValueError(f"timeout_s must be positive and retries at least 0, not {timeout_s} and {retries}")
        check_judge_url(base_url, allow_public=allow_public)
        self.base_url = base_url.strip().rstrip("/")
        self.endpoint = f"{self.base_url}/chat/completions"
        self.model = model.strip()
        self.name = judge_display_name(self.base_url, self.model)
        self.timeout_s = float(timeout_s)
        self.retries = retries
        self.seed = seed
        self.allow_public = allow_public
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # Idle sessions (a requests.Session is not documented as thread-safe): each request borrows
        # one, or opens one, and gives it back when its response is done; as many as concurrent requests.
        self._idle: list[requests.Session] = []
        self._idle_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"HttpJudge({self.base_url!r}, model={self.model!r})"

    # -- Judge protocol ------------------------------------------------------------------------

    def generate(self, messages: Sequence[ChatMessage], max_new_tokens: int = 256) -> Iterator[str]:
        """Stream the greedy reply as text chunks; after a prefill, only the continuation.

        The request is sent on the first ``next()``; closing the iterator closes the connection.

        Raises:
            JudgeUnavailableError: Down, timed out or 5xx after the retries, or the stream broke.
            JudgeRequestError: The server refused the request (4xx).
        """
        if max_new_tokens <= 0:  # a server reads max_tokens 0 as "no limit" (llama.cpp gives its default)
            return
        body = self._body(messages, max_tokens=max_new_tokens, stream=True)
        prefill = messages[-1]["content"] if _is_prefill(messages) else ""
        session = self._borrow()
        try:
            response = self._post(session, body, stream=True)
            try:
                yield from _without_echo(self._stream_text(response), prefill)
            finally:
                response.close()
        finally:
            self._give_back(session)

    def option_probabilities(self, messages: Sequence[ChatMessage], options: Sequence[str]) -> dict[str, float]:
        """Probability of each option as the start of the reply, normalised over the options (sums to 1).

        Read from the first token's top ``TOP_LOGPROBS`` alternatives (see ``option_masses``);
        an option absent from them gets 0, and if all are absent every option gets ``1/len(options)``.

        Raises:
            ValueError: ``options`` is empty.
            JudgeCapabilityError: The reply carries no ``top_logprobs``.
            JudgeUnavailableError: Down, timed out or 5xx after the retries.
            JudgeRequestError: The server refused the request (4xx).
        """
        if not options:
            raise ValueError("options must not be empty")
        body = self._body(messages, max_tokens=1, logprobs=True, top_logprobs=TOP_LOGPROBS, stream=False)
        session = self._borrow()
        try:
            with self._post(session, body, stream=False) as response:
                payload = response.json()
        except ValueError as exc:
            raise JudgeCapabilityError(self.base_url, "the reply is not JSON") from exc
        finally:
            self._give_back(session)
        masses = option_masses(self._top_logprobs(payload), options)
        return normalised_options(options, masses)

    def close(self) -> None:
        """Close the idle pooled connections (the judge still works afterwards: it opens new ones)."""
        with self._idle_lock:
            sessions, self._idle = self._idle, []
        for session in sessions:
            session.close()

    # -- requests ------------------------------------------------------------------------------

    def _body(self, messages: Sequence[ChatMessage], **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "temperature": 0,
            "seed": self.seed,
        }
        if _is_prefill(messages):  # vLLM's way; llama.cpp's server continues a final assistant turn anyway
            body["continue_final_message"] = True
            body["add_generation_prompt"] = False
        body.update(fields)
        return body

    def _borrow(self) -> requests.Session:
        with self._idle_lock:
            if self._idle:
                return self._idle.pop()
        session = requests.Session()
        session.trust_env = False  # no proxies from the environment, no ~/.netrc credentials
        session.headers.update(self._headers)
        return session

    def _give_back(self, session: requests.Session) -> None:
        with self._idle_lock:
            self._idle.append(session)

    def _post(self, session: requests.Session, body: dict[str, Any], *, stream: bool) -> requests.Response:
        """POST ``body`` to the endpoint and return the 2xx response, retrying what may pass.

        Raises:
            JudgeUnavailableError: Connection errors, timeouts or 5xx on every attempt.
            JudgeRequestError: A 3xx (not followed) or 4xx.
            JudgeAddressError: The host now resolves outside the allowed ranges.
        """
        connect_s = min(CONNECT_TIMEOUT_S, self.timeout_s)
        parts = _split(self.base_url)
        delay, reason = BACKOFF_S, ""
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                if not self.allow_public:  # again: the name may resolve elsewhere by now
                    refused = _refused_addresses(parts)
                    if refused:
                        raise _address_refused(self.base_url, parts, refused)
                response = session.post(
                    self.endpoint, json=body, stream=stream, timeout=(connect_s, self.timeout_s), allow_redirects=False
                )
            except socket.gaierror as exc:
                reason = f"cannot resolve host: {exc}"
            except requests.ConnectTimeout:
                reason = f"no connection within {connect_s:g} s"
            except requests.Timeout:
                reason = f"no reply within {self.timeout_s:g} s"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                reason = _connection_reason(exc)
            else:
                status = response.status_code
                if status < 300:
                    return response
                detail = _error_detail(response)
                response.close()
                if 300 <= status < 400:
                    location = response.headers.get("Location", "?")
                    raise JudgeRequestError(self.base_url, status, f"a redirect to {location}, not followed")
                if status < 500:
                    raise JudgeRequestError(self.base_url, status, detail)
                reason = f"HTTP {status}: {detail}"
            if attempt < attempts:
                time.sleep(delay)
                delay *= 2
        raise JudgeUnavailableError(self.base_url, reason, attempts)

    def _stream_text(self, response: requests.Response) -> Iterator[str]:
        """The text of a streamed chat completion, chunk by chunk, until ``[DONE]`` or the end of the stream.

        Raises:
            JudgeUnavailableError: The connection broke or timed out mid-reply, or the server
                reported a server-side error in the stream.
            JudgeRequestError: The server reported a 4xx error in the stream.
            JudgeCapabilityError: An event is not JSON (not an OpenAI-compatible server).
        """
        # Chunked replies (vLLM, llama.cpp, Ollama) are read as each chunk arrives; a reply without
        # chunking is read 512 bytes at a time (``chunk_size=None`` would wait for its end).
        try:
            for kind, data in _sse_events(response.iter_lines(chunk_size=512)):
                if data.strip() == "[DONE]":
                    return
                try:
                    event = json.loads(data)
                except ValueError as exc:
                    raise JudgeCapabilityError(self.base_url, f"a streamed event is not JSON: {data[:80]!r}") from exc
                error = event.get("error") if isinstance(event, dict) else None
                if kind == "error" or error is not None:
                    self._raise_stream_error(error if error is not None else event)
                for choice in event.get("choices") or []:
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        yield text
        except requests.Timeout as exc:
            raise JudgeUnavailableError(self.base_url, f"no text for {self.timeout_s:g} s mid-reply", 1) from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise JudgeUnavailableError(self.base_url, f"the stream broke: {_connection_reason(exc)}", 1) from exc

    def _raise_stream_error(self, error: Any) -> None:
        detail = str(error.get("message", error)) if isinstance(error, dict) else str(error)
        code = error.get("code") if isinstance(error, dict) else None
        if isinstance(code, int) and 400 <= code < 500:
            raise JudgeRequestError(self.base_url, code, detail)
        raise JudgeUnavailableError(self.base_url, f"the server failed mid-reply: {detail}", 1)

    def _top_logprobs(self, payload: Any) -> list[tuple[str, float]]:
        """``(token text, log-probability)`` of the first token's alternatives in a chat completion.

        An empty list when the reply has no token at all (the model ended at once).

        Raises:
            JudgeCapabilityError: No ``logprobs`` or no ``top_logprobs`` in the reply.
        """
        try:
            choice = payload["choices"][0]
        except (KeyError, IndexError, TypeError) as exc:
            raise JudgeCapabilityError(self.base_url, "the reply has no choices") from exc
        logprobs = choice.get("logprobs")
        if not isinstance(logprobs, dict) or not isinstance(logprobs.get("content"), list):
            raise JudgeCapabilityError(self.base_url, "the reply has no `logprobs.content`")
        if not logprobs["content"]:
            return []
        top = logprobs["content"][0].get("top_logprobs")
        if not isinstance(top, list) or not top:
            raise JudgeCapabilityError(self.base_url, "the reply's first token has no `top_logprobs`")
        return [(str(item["token"]), float(item["logprob"])) for item in top]


def _is_prefill(messages: Sequence[ChatMessage]) -> bool:
    return bool(messages) and messages[-1]["role"] == "assistant"


def option_masses(top: Sequence[tuple[str, float]], options: Sequence[str]) -> list[float]:
    """Unnormalised probability of each option from a first-token top list ``[(token text, logprob)]``.

    A token counts for an option when its text is one of ``option_variants(option)`` (the
    single-token case of ``TransformersJudge._option_mass``). A server's top list carries first
    tokens only, so an option no listed token spells whole (a multi-token option such as
    ``"Absolutely yes"``) gets the probability of listed tokens that begin one of its variants and
    no other option's; that is the probability of its first token, an upper bound of the chain
    rule ``TransformersJudge`` computes. Options not in the list get 0.
    """
    variants = [option_variants(option) for option in options]
    probabilities = [(token, math.exp(logprob)) for token, logprob in top]
    masses = [sum(p for token, p in probabilities if token in spelled) for spelled in variants]
    listed = [any(token in spelled for token, _ in probabilities) for spelled in variants]
    whole = set().union(*variants)
    for token, p in probabilities:
        if token in whole or not token.strip():
            continue
        begun = [i for i, spelled in enumerate(variants) if any(v.startswith(token) for v in spelled)]
        if len(begun) == 1 and not listed[begun[0]]:
            masses[begun[0]] += p
    return masses


def _without_echo(chunks: Iterable[str], prefill: str) -> Iterator[str]:
    """``chunks`` without a leading repeat of ``prefill`` (servers that echo it before continuing).

    Text is held back only while it could still be the echo (it is a proper beginning of
    ``prefill``); the first text that differs, or the end of the stream, releases it.
    """
    if not prefill:
        yield from chunks
        return
    held: str | None = ""
    for chunk in chunks:
        if held is None:
            yield chunk
            continue
        held += chunk
        if len(held) < len(prefill) and prefill.startswith(held):
            continue
        rest = held[len(prefill) :] if held.startswith(prefill) else held
        held = None
        if rest:
            yield rest
    if held:
        yield held


def _sse_events(lines: Iterable[bytes | str]) -> Iterator[tuple[str, str]]:
    """Server-sent events as ``(field, data)``: ``field`` is ``"data"``, or ``"error"`` (llama.cpp's server).

    Multi-line ``data:`` fields are joined with newlines; comments (``: ping``) and other fields are skipped.
    """
    kind, data = "data", []
    for raw in lines:
        line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        line = line.rstrip("\r")
        if not line:
            if data:
                yield kind, "\n".join(data)
            kind, data = "data", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field in ("data", "error"):
            kind = "error" if field == "error" else kind
            data.append(value)
    if data:
        yield kind, "\n".join(data)


def _error_detail(response: requests.Response) -> str:
    """The server's error message (OpenAI's ``{"error": {"message": ...}}``), else the start of the body."""
    try:
        payload = response.json()
    except ValueError:
        return (response.text or response.reason or "").strip()[:200] or "no detail"
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])[:200]
    if isinstance(error, str):
        return error[:200]
    return json.dumps(payload)[:200]


def _connection_reason(exc: BaseException) -> str:
    """A short reason for a connection error (``connection refused``), not requests' nested repr."""
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", str(exc))
    return found.group(1).strip().lower() if found else f"connection failed ({type(exc).__name__})"
