"""The llama.cpp judge: a GGUF file run in this process through ``xllamacpp`` (``LlamaCppJudge``).

llama.cpp reads the quantized GGUF weights as they are (memory-mapped, no de-quantizing, no
preparing step), so the default judge loads in a second or two where the torch runtime needs a
prepared int8 copy of the model. ``xllamacpp.Server`` embeds llama.cpp's own server: requests are
Python dicts handed to it in process (``handle_completions``).

- Prompt: the GGUF's own chat template, rendered by llama.cpp (``/apply-template``) and tokenized
  by it (``/tokenize``), then sent as token ids to the raw completions endpoint. For the registry
  judges this is token for token the prompt ``TransformersJudge.prompt_ids`` builds (the tests
  check it), including a prefill: a last message from the assistant is continued, not closed.
- ``generate``: greedy (``temperature 0``, ``top_k 1``, a fixed seed), streamed by a worker thread
  whose callback feeds a queue; closing the iterator makes the callback tell llama.cpp to stop.
- ``option_probabilities``: the next-token distribution's top ``TOP_LOGPROBS`` tokens (softmax over
  the whole vocabulary, before sampling), summed over each option's casing and leading-space
  variants as ``TransformersJudge._option_mass`` does; a multi-token option by the chain rule over
  its tokens. A token outside the top list counts 0.
- Prefix reuse and determinism: llama.cpp's numbers for a token depend on how the tokens were
  batched (which tokens share its forward pass, how many key/value cells are in use), by about
  0.01-0.2 nats on the tiny model: enough to change a greedy reply. Left to itself, llama.cpp
  reuses the longest cached prefix and computes the rest as one batch, so a result would depend on
  what the cache held. As ``TransformersJudge`` does, a prompt is therefore always computed in the
  same chunks (``models.prefix.chunk_starts``: every ``CHUNK_TOKENS`` positions and after every blank line), one
  completion request per chunk, and the cache is reused only up to a chunk start; when llama.cpp's
  slot holds more of the prompt than that, one throw-away token is sent at the cut to make it
  drop the rest. The judge keeps the one slot (``n_parallel 1``, no RAM prompt cache), so it
  knows what the slot holds. The result is a function of the prompt alone: the tests see
  byte-identical probabilities and text whatever came before. (Flash attention is off and the
  weights are not repacked: with the chunks neither matters for determinism, neither made prompts
  faster with the wheel's generic x86 build, and unrepacked weights stay in the mapped file,
  which keeps the resident memory and the load time down.)
- Nothing listens on the network: the embedded server's HTTP listener is bound to a UNIX socket in
  a private temporary folder (mode 0700), and every request to it needs a random key only this
  object knows. The template and tokenizer endpoints are reached through that socket.
"""

from __future__ import annotations

import http.client
import json
import math
import queue
import secrets
import shutil
import socket
import tempfile
import threading
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from models.errors import ModelLoadError, ModelNotInstalledError
from models.prefix import chunk_starts, common_prefix_len
from models.protocols import ChatMessage, normalised_options, option_variants
from settings import Settings, get_settings

GGUF_MAGIC = b"GGUF"
TOP_LOGPROBS = 50  # tokens listed per position for option_probabilities; a rarer option counts 0
SEED = 0
HTTP_TIMEOUT_S = 60.0  # template and tokenizer requests on the private socket (milliseconds in practice)
SOCKET_NAME = "judge.sock"

# Greedy decoding with every sampler that could change the argmax turned off.
_GREEDY: dict[str, Any] = {
    "temperature": 0.0,
    "top_k": 1,
    "top_p": 1.0,
    "min_p": 0.0,
    "seed": SEED,
    "repeat_penalty": 1.0,
    "presence_penalty": 0.0,
    "frequency_penalty": 0.0,
    "dry_multiplier": 0.0,
}


class _UnixHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection over a UNIX socket (the embedded server's private listener)."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        """Connect to the UNIX socket at ``path``."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def _remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def check_gguf(path: Path, name: str) -> None:
    """Check that ``path`` is a file that starts like a GGUF file (reads 4 bytes).

    Raises:
        ModelNotInstalledError: There is no file at ``path``.
        ModelLoadError: The file does not start with the GGUF magic bytes.
    """
    if not path.is_file():
        raise ModelNotInstalledError(name, str(path))
    with path.open("rb") as handle:
        magic = handle.read(len(GGUF_MAGIC))
    if magic != GGUF_MAGIC:
        raise ModelLoadError(
            f"{path} is not a GGUF file (it does not start with the bytes 'GGUF'); "
            "the llama.cpp runtime loads .gguf model files only"
        )


class LlamaCppJudge:
    """A GGUF model behind the ``Judge`` protocol, run by llama.cpp in process; greedy, deterministic, thread-safe.

    Args:
        gguf: The ``.gguf`` model file.
        name: The judge's name (``Judge.name``).
        threads: CPU threads for prompt processing and decoding (at least 1).
        n_ctx: Context size in tokens: a prompt plus its reply must fit (the prompt alone: at most
            ``n_ctx - 1`` tokens). The key/value cache holds this many positions (28 KiB each for
            the default 1.5B judge: 112 MiB at 4096).

    Attributes:
        stats: Counters since loading: ``prompt_tokens`` (prompt tokens asked about),
            ``reused_tokens`` (of those, taken from the cache), ``generated_tokens``, ``requests``
            (completion requests sent to llama.cpp, chunks and cuts included).
        address: Where the embedded server listens: ``unix:///tmp/candid-llama-.../judge.sock``.

    Raises:
        ModelNotInstalledError: ``gguf`` does not exist.
        ModelLoadError: Not a GGUF file, or llama.cpp cannot load it (corrupt, truncated, an
            architecture this build does not know), or ``xllamacpp`` is not installed.
        ValueError: ``threads`` or ``n_ctx`` out of range.
    """

    def __init__(
        self,
        gguf: Path,
        *,
        name: str,
        threads: int,
        n_ctx: int = 4096,
    ) -> None:
        if threads < 1 or n_ctx < 16:
            raise ValueError(f"threads must be at least 1 and n_ctx at least 16, not {threads} and {n_ctx}")
        gguf = Path(gguf).expanduser()
        check_gguf(gguf, name)
        try:
            import xllamacpp
        except ImportError as exc:  # pragma: no cover - pinned in requirements.txt
            raise ModelLoadError("the llama.cpp runtime needs xllamacpp: pip install -r requirements.txt") from exc
        self.name = name
        self.gguf = gguf
        self.threads = threads
        self.n_ctx = n_ctx
        self.stats = {"prompt_tokens": 0, "reused_tokens": 0, "generated_tokens": 0, "requests": 0}
        self._lock = threading.Lock()  # not RLock: a stream may be resumed from another thread
        self._token_memo: dict[str, tuple[list[int], list[str]]] = {}
        # What llama.cpp's slot holds: these prompt tokens, computed in canonical chunks, and, when
        # not exact, more tokens after them (a generated reply) that are not known here.
        self._slot: list[int] = []
        self._slot_exact = False  # the first request below leaves a token there
        self._socket_dir = Path(tempfile.mkdtemp(prefix="candid-llama-"))  # mode 0700: only this user
        self._socket = str(self._socket_dir / SOCKET_NAME)
        self._key = secrets.token_urlsafe(32)
        self._finalizer = weakref.finalize(self, _remove_folder, self._socket_dir)

        params = xllamacpp.CommonParams()
        params.model.path = str(gguf)
        params.n_ctx = n_ctx
        params.n_parallel = 1  # one slot, whose contents the judge tracks
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.hostnames = [self._socket]  # a path ending in .sock: a UNIX socket, no TCP port at all
        params.api_keys = [self._key]
        params.n_threads_http = 2
        params.ui = False
        params.endpoint_slots = False  # would list the prompts held in the slot
        params.endpoint_metrics = False
        params.endpoint_props = False
        params.offline = True  # never download anything
        params.use_jinja = True  # the GGUF's own chat template, as transformers renders it
        params.cache_prompt = True
        params.cache_ram_mib = 0  # no RAM prompt cache: it could restore a prefix the judge does not know of
        params.n_cache_reuse = 0  # no KV shifting: reuse is a plain prefix
        params.flash_attn_type = xllamacpp.llama_flash_attn_type.LLAMA_FLASH_ATTN_TYPE_DISABLED
        params.no_extra_bufts = True  # weights used in place from the mapped file (no repacked copy)
        params.sampling.seed = SEED
        params.sampling.temp = 0.0
        params.sampling.top_k = 1
        params.warmup = False  # the first request below warms up instead
        params.verbosity = 0  # llama.cpp logs nothing of the prompts
        try:
            self._server: Any = xllamacpp.Server(params)
        except RuntimeError as exc:
            self._finalizer()
            raise ModelLoadError(
                f"could not load {gguf}: llama.cpp failed to load it (corrupt or truncated file, or an "
                f"architecture this llama.cpp build does not support): {exc}"
            ) from exc
        # One token through the server's loop before anything else. xllamacpp's destructor hangs
        # for ever if it runs before that loop has started (its start marks it running again, after
        # the destructor marked it stopped), so a judge closed or collected at once would hang.
        try:
            self._complete(self._request([0], cache=False))
        except RuntimeError as exc:
            self.close()
            raise ModelLoadError(f"llama.cpp loaded {gguf} but cannot run it: {exc}") from exc
        self.address = str(self._server.listening_address)
        if not self.address.startswith("unix://"):  # never expected: the hostname is a socket path
            self.close()
            raise ModelLoadError(f"llama.cpp listens on {self.address}, not on a private UNIX socket; refusing it")

    def __repr__(self) -> str:
        return f"LlamaCppJudge({str(self.gguf)!r}, name={self.name!r}, threads={self.threads}, n_ctx={self.n_ctx})"

    def __enter__(self) -> LlamaCppJudge:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def clear_cache(self) -> None:
        """Forget the cached prompt: the next prompt is computed from its first token (same results, slower)."""
        with self._lock:
            self._slot, self._slot_exact = [], False

    def close(self) -> None:
        """Stop llama.cpp and free the model (waits for a running request). Calls after this raise RuntimeError."""
        with self._lock:
            server, self._server = self._server, None
            del server  # xllamacpp's destructor stops the server's threads
            self._finalizer()

    # -- prompts -------------------------------------------------------------------------------

    def prompt_ids(self, messages: Sequence[ChatMessage]) -> list[int]:
        """Token ids of the chat, ending where the assistant's reply starts (or continues, after a prefill).

        Rendered with the GGUF's chat template and tokenized by llama.cpp (special tokens parsed,
        no BOS added unless the template writes one).

        Raises:
            ValueError: ``messages`` is empty.
            RuntimeError: llama.cpp refused the messages, or the judge is closed.
        """
        return self._prompt(messages)[0]

    def _prompt(self, messages: Sequence[ChatMessage]) -> tuple[list[int], list[str]]:
        """The prompt's token ids and each token's text (a token holding part of a character: U+FFFD for it)."""
        if not messages:
            raise ValueError("messages must not be empty")
        chat = [{"role": message["role"], "content": message["content"]} for message in messages]
        prompt = str(self._http("/apply-template", {"messages": chat})["prompt"])
        ids, pieces = self._tokenize(prompt)
        if not ids:
            raise ValueError("the chat template made an empty prompt of these messages")
        return ids, pieces

    def _tokenize(self, text: str) -> tuple[list[int], list[str]]:
        """Token ids of ``text`` (special tokens parsed, no BOS) and each token's text; memoized for short texts."""
        memo = self._token_memo.get(text)
        if memo is None:
            reply = self._http(
                "/tokenize", {"content": text, "add_special": False, "parse_special": True, "with_pieces": True}
            )
            memo = (
                [int(item["id"]) for item in reply["tokens"]],
                [_piece_text(item["piece"]) for item in reply["tokens"]],
            )
            if len(text) <= 64:  # option spellings; prompts are not kept
                if len(self._token_memo) >= 4096:
                    self._token_memo.clear()
                self._token_memo[text] = memo
        return list(memo[0]), list(memo[1])

    def _http(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` as JSON to the embedded server's private socket; the decoded JSON reply."""
        if self._server is None:
            raise RuntimeError(f"the judge {self.name} is closed")
        connection = _UnixHTTPConnection(self._socket, HTTP_TIMEOUT_S)
        try:
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self._key}"}
            connection.request("POST", path, json.dumps(body), headers)
            response = connection.getresponse()
            payload = json.loads(response.read() or b"{}")
        finally:
            connection.close()
        if response.status != 200 or not isinstance(payload, dict) or "error" in payload:
            raise RuntimeError(f"llama.cpp refused {path} (HTTP {response.status}): {_error_message(payload)}")
        return payload

    def _check_fits(self, ids: Sequence[int], reply_tokens: int) -> None:
        if len(ids) + reply_tokens > self.n_ctx:
            raise ValueError(
                f"the prompt is {len(ids)} tokens; with a {reply_tokens}-token reply it does not fit the judge's "
                f"context of {self.n_ctx} tokens (LlamaCppJudge n_ctx)"
            )

    # -- the slot ------------------------------------------------------------------------------

    def _request(self, ids: Sequence[int], *, cache: bool = True, **fields: Any) -> dict[str, Any]:
        """A completion request for prompt ``ids``: greedy and seeded; ``cache=False`` computes it from the start."""
        return {"prompt": list(ids), **_GREEDY, "cache_prompt": cache, "max_tokens": 1, **fields}

    def _complete(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send one non-streamed completion request; the reply."""
        if self._server is None:
            raise RuntimeError(f"the judge {self.name} is closed")
        self.stats["requests"] += 1
        reply = self._server.handle_completions(request)
        if not isinstance(reply, dict) or "error" in reply:
            raise RuntimeError(f"llama.cpp refused the request: {_error_message(reply)}")
        return reply

    def _compute_prompt(self, ids: list[int], pieces: Sequence[str], final: dict[str, Any]) -> dict[str, Any]:
        """Compute ``ids`` in canonical chunks; the request for the last chunk is returned, not sent.

        Every chunk but the last is sent now (one request each; the token each samples is dropped,
        never computed). The returned request (``final`` merged in) computes the last chunk and does
        what the caller asks (sample, stream); send it next, then record the slot (``_slot``).
        Until then the slot counts as unknown, so a failure on the way leaves nothing wrong behind.

        Raises:
            RuntimeError: llama.cpp refused a request, or the judge is closed.
        """
        starts = chunk_starts(pieces)
        common = common_prefix_len(self._slot, ids)
        reuse = max(start for start in starts if start <= min(common, len(ids) - 1))
        # llama.cpp reuses the longest prefix its slot shares with a request. If that could be longer
        # than ``reuse`` (the slot holds more of ``ids``, or an unknown reply right after what is
        # known), cut the slot at ``reuse`` with one token that differs from ``ids[reuse]``.
        unknown_tail = not self._slot_exact and common == len(self._slot)
        cut = reuse > 0 and (common > reuse or unknown_tail)
        self._slot, self._slot_exact = [], False
        self.stats["prompt_tokens"] += len(ids)
        self.stats["reused_tokens"] += reuse
        if cut:
            self._complete(self._request([*ids[:reuse], 0 if ids[reuse] != 0 else 1]))
        computed = reuse > 0  # whether the slot already holds ids[:start] for the next request's start
        for end in (start for start in starts if start > reuse):
            self._complete(self._request(ids[:end], cache=computed))
            computed = True
        return self._request(ids, cache=computed, **final)

    def _logprobs_after(self, ids: list[int], pieces: Sequence[str]) -> dict[int, float]:
        """Natural-log probabilities of the ``TOP_LOGPROBS`` likeliest tokens after ``ids``: ``{token id: logprob}``."""
        self._check_fits(ids, 1)
        request = self._compute_prompt(ids, pieces, {"logprobs": TOP_LOGPROBS, "post_sampling_probs": False})
        reply = self._complete(request)
        self._slot, self._slot_exact = list(ids), True  # the sampled token is not computed
        content = (reply["choices"][0].get("logprobs") or {}).get("content") or []
        if not content:
            return {}
        return {int(item["id"]): float(item["logprob"]) for item in content[0]["top_logprobs"]}

    # -- Judge protocol ------------------------------------------------------------------------

    def option_probabilities(self, messages: Sequence[ChatMessage], options: Sequence[str]) -> dict[str, float]:
        """Probability of each option as the start of the reply, normalised over the options (sums to 1).

        An option's probability is that of its first token, summed over its casing and
        leading-space variants that are single tokens ("Yes", "yes", "YES", " Yes"); an option with
        no single-token variant gets the chain rule over its own tokens (its prompt extended by
        one more token per step, reusing the prompt's cache). A token not among the
        ``TOP_LOGPROBS`` likeliest at its position counts 0; if every option is 0, each gets
        ``1 / len(options)``.

        Raises:
            ValueError: ``options`` or ``messages`` is empty, or the prompt does not fit ``n_ctx``.
            RuntimeError: llama.cpp refused the request, or the judge is closed.
        """
        if not options:
            raise ValueError("options must not be empty")
        with self._lock:
            ids, pieces = self._prompt(messages)
            first = self._logprobs_after(ids, pieces)
            masses = [self._option_mass(option, ids, pieces, first) for option in options]
        return normalised_options(options, masses)

    def _option_mass(self, option: str, ids: list[int], pieces: list[str], first: dict[int, float]) -> float:
        first_tokens: set[int] = set()
        for variant in option_variants(option):
            tokens, _ = self._tokenize(variant)
            if len(tokens) == 1:
                first_tokens.add(tokens[0])
        if first_tokens:
            return sum(math.exp(first[token]) for token in first_tokens if token in first)
        tokens, token_pieces = self._tokenize(option)
        if not tokens or tokens[0] not in first:
            return 0.0
        total = first[tokens[0]]
        for position in range(1, len(tokens)):
            follow = self._logprobs_after(ids + tokens[:position], pieces + token_pieces[:position])
            if tokens[position] not in follow:
                return 0.0
            total += follow[tokens[position]]
        return math.exp(total)

    def generate(self, messages: Sequence[ChatMessage], max_new_tokens: int = 256) -> Iterator[str]:
        """Stream the greedy reply as text chunks (one per token, or per whole UTF-8 character).

        After a prefill, only the continuation. Holds the model until the stream ends or is closed;
        closing it stops llama.cpp at its next token. The reply stops at the model's end-of-turn
        token, after ``max_new_tokens`` tokens, or when the context (``n_ctx``) is full.

        Raises:
            ValueError: ``messages`` is empty, or the prompt alone does not fit ``n_ctx``.
            RuntimeError: llama.cpp refused the request or failed, or the judge is closed.
        """
        with self._lock:
            ids, pieces = self._prompt(messages)
            self._check_fits(ids, 1)
            if max_new_tokens <= 0:
                return
            budget = min(max_new_tokens, self.n_ctx - len(ids))
            request = self._compute_prompt(ids, pieces, {"max_tokens": budget, "stream": True})
            self.stats["requests"] += 1
            stream = _Stream(self._server, request)
            try:
                yield from stream
            finally:
                stream.close()
                self.stats["generated_tokens"] += stream.generated
                if not stream.failed:  # the prompt was computed; the reply after it is not known here
                    self._slot, self._slot_exact = list(ids), False


def _piece_text(piece: Any) -> str:
    """A token's text from ``/tokenize``'s ``piece``: a string, or a list of bytes when not valid UTF-8 alone."""
    if isinstance(piece, str):
        return piece
    return bytes(piece).decode("utf-8", errors="replace") if isinstance(piece, list) else ""


class _Stream:
    """One streamed completion: a worker thread runs ``handle_completions``; its callback feeds a queue.

    Iterating yields the text chunks; ``close`` makes the callback return ``True`` (llama.cpp's
    signal to stop) and waits for the worker.
    """

    def __init__(self, server: Any, request: dict[str, Any]) -> None:
        if server is None:
            raise RuntimeError("the judge is closed")
        self._server = server
        self._request = request
        self._queue: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self.timings: dict[str, Any] | None = None
        self.generated = 0  # text chunks seen; replaced by llama.cpp's token count when the reply completes
        self.failed = False  # llama.cpp reported an error, or handle_completions raised
        self._thread = threading.Thread(target=self._run, name="llamacpp-stream", daemon=True)
        self._thread.start()

    def _callback(self, chunk: Any) -> bool:
        if self._stop.is_set():
            return True
        if not isinstance(chunk, dict) or "error" in chunk:
            self.failed = True
            self._queue.put(("error", _error_message(chunk)))
            return True
        for choice in chunk.get("choices") or []:
            text = choice.get("text")
            if text:
                self.generated += 1
                self._queue.put(("text", text))
        if chunk.get("timings"):
            self.timings = chunk["timings"]
            self.generated = int(chunk["timings"].get("predicted_n", self.generated))
        return self._stop.is_set()

    def _run(self) -> None:
        try:
            self._server.handle_completions(self._request, self._callback)
        except Exception as exc:  # reported to the reader, not lost in this thread
            self.failed = True
            self._queue.put(("error", f"{type(exc).__name__}: {exc}"))
        finally:
            self._queue.put(("end", None))

    def __iter__(self) -> Iterator[str]:
        while True:
            kind, value = self._queue.get()
            if kind == "text":
                yield value
            elif kind == "error":
                raise RuntimeError(f"llama.cpp failed while generating: {value}")
            else:
                return

    def clear_cache(self) -> None:
        """Forget the cached prompt: the next prompt is computed from its first token (same results, slower)."""
        with self._lock:
            self._slot, self._slot_exact = [], False

    def close(self) -> None:
        """Stop generating (at the next token) and wait for the worker thread."""
        self._stop.set()
        self._thread.join()


def _error_message(payload: Any) -> str:
    if isinstance(payload, dict):
        error = payload.get("error", payload)
        if isinstance(error, dict):
            return str(error.get("message", error))
        return str(error)
    return repr(payload)


def resolve_gguf(spec: str | None = None, *, settings: Settings | None = None) -> tuple[Path, str]:
    """The GGUF file and judge name for ``spec``: a registry name/profile (``default``, ``fast``, ``tiny``) or a path.

    Raises:
        ModelNotInstalledError: The model is not installed, or the path does not exist.
        ModelLoadError: The registry entry or the path is not a GGUF file.
        ValueError: ``spec`` names a registry entry that is not a judge.
    """
    from models.install import artifact_path, is_installed
    from models.registry import load_registry

    settings = settings or get_settings()
    spec = spec or settings.judge
    path = Path(spec).expanduser()
    if "/" in spec or spec.startswith(".") or spec.lower().endswith(".gguf") or path.exists():
        if not path.exists():
            raise ModelNotInstalledError(spec, str(path))
        if not path.is_file():
            raise ModelLoadError(f"{path} is a folder; the llama.cpp runtime loads a .gguf file")
        return path, path.name
    entry = load_registry().get(spec)
    if entry.kind != "judge":
        raise ValueError(f"{entry.name} is an {entry.kind}, not a judge")
    if entry.format != "gguf":
        raise ModelLoadError(f"{entry.name} is not a GGUF model ({entry.format}); the llama.cpp runtime needs one")
    if not is_installed(entry, settings.model_dir):
        raise ModelNotInstalledError(entry.name, str(artifact_path(entry, settings.model_dir)))
    return artifact_path(entry, settings.model_dir), entry.name


def load_llamacpp_judge(
    spec: str | None = None, *, settings: Settings | None = None, n_ctx: int = 4096
) -> LlamaCppJudge:
    """Load the judge named by ``spec`` (registry name/profile or ``.gguf`` path; default from settings) with llama.cpp.

    Uses ``settings.threads`` threads. Raises as ``resolve_gguf`` and ``LlamaCppJudge``.
    """
    settings = settings or get_settings()
    path, name = resolve_gguf(spec, settings=settings)
    return LlamaCppJudge(path, name=name, threads=settings.threads, n_ctx=n_ctx)
