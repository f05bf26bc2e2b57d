"""An OpenAI-compatible judge server on this machine: llama.cpp's HTTP server (xllamacpp) in process.

For benchmarks and tests that need a real server for ``models.http_judge.HttpJudge`` (``python -m
jobs.loadbench --server``): it serves a GGUF file on 127.0.0.1 only, on a free port unless one is
given, with llama.cpp's ``/v1/chat/completions`` (logprobs, streaming). Teams run their own server
(vLLM, llama.cpp's server, Ollama) on a GPU machine; this one exists so that path is exercised
for real on a CPU.
"""

from __future__ import annotations

import gc
from pathlib import Path
from types import TracebackType

from models.errors import ModelLoadError

LOOPBACK = "127.0.0.1"


class LocalJudgeServer:
    """llama.cpp's HTTP server for one GGUF file, listening on 127.0.0.1 only; ``stop()`` frees the port.

    Args:
        gguf: The model file.
        port: The port; 0 picks a free one (read it back from ``port`` / ``url``).
        threads: CPU threads for generation.
        parallel: Requests served at once (llama.cpp slots); ``n_ctx`` is shared among them.
        n_ctx: Context size in tokens, for all slots together.
        api_keys: When given, requests must carry one as ``Authorization: Bearer``.
        monitor: Also serve ``/slots`` (what each slot is doing; tests watch generation stop).

    Raises:
        ModelLoadError: The file cannot be served (missing, not a GGUF file).
    """

    def __init__(
        self,
        gguf: Path,
        *,
        port: int = 0,
        threads: int = 2,
        parallel: int = 1,
        n_ctx: int = 4096,
        api_keys: tuple[str, ...] = (),
        monitor: bool = False,
    ) -> None:
        if not gguf.is_file():
            raise ModelLoadError(f"no GGUF file at {gguf}")
        self.gguf, self.port, self.threads, self.parallel, self.n_ctx = gguf, port, threads, parallel, n_ctx
        self.api_keys, self.monitor = api_keys, monitor
        self._server: object | None = None
        self.start()

    @property
    def root(self) -> str:
        """The server's address, ``http://127.0.0.1:<port>`` (``/metrics``, ``/slots``)."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL, ``http://127.0.0.1:<port>/v1``."""
        return f"http://{LOOPBACK}:{self.port}/v1"

    def start(self) -> None:
        """Start serving (again, on the same port after ``stop``).

        Raises:
            ModelLoadError: llama.cpp could not load the model or bind the port.
        """
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(self.gguf)
        params.hostnames = [LOOPBACK]  # nothing listens beyond this machine
        params.port = self.port
        params.n_ctx = self.n_ctx
        params.n_parallel = self.parallel
        params.cpuparams.n_threads = self.threads
        params.cpuparams_batch.n_threads = self.threads
        params.ui = False
        params.endpoint_metrics = True
        params.endpoint_slots = self.monitor
        params.verbosity = 0
        params.api_keys = list(self.api_keys)
        try:
            self._server = xllamacpp.Server(params)
        except Exception as exc:  # llama.cpp reports load and bind failures as RuntimeError
            raise ModelLoadError(f"llama.cpp's server could not serve {self.gguf}: {exc}") from exc
        address = str(self._server.listening_address)  # "http://127.0.0.1:<port>"
        self.port = int(address.rsplit(":", 1)[1])

    def stop(self) -> None:
        """Stop serving and free the port (the server's destructor closes it)."""
        self._server = None
        gc.collect()

    def __enter__(self) -> LocalJudgeServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
