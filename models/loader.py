"""One entry point to get the configured judge and embedder, whether from the registry or a local path.

``load_judge("default")`` and ``load_judge("/srv/models/my-instruct-7b")`` take the same code path:
resolve the source, prepare the int8 runtime form once, load it. Nothing here ever falls back to a
fake model or reaches a model hub. ``load_judge("http://10.0.0.5:8000/v1")`` is a judge on an
OpenAI-compatible inference server (``models.http_judge.HttpJudge``): the URL is checked against the
address policy, nothing is prepared or loaded here.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from models.checker import CheckerCommittee, load_committee
from models.embedder import SentenceTransformerEmbedder, load_embedder_folder
from models.errors import ModelError, ModelLoadError, ModelNotInstalledError
from models.http_judge import HttpJudge
from models.install import artifact_path, is_installed
from models.llamacpp import LlamaCppJudge
from models.protocols import ChatMessage
from models.registry import load_registry
from models.runtime import (
    TransformersJudge,
    ensure_prepared,
    is_prepared,
    load_prepared,
    prepared_dir_for_path,
    prepared_dir_for_registry,
)
from models.speech import WhisperTranscriber, is_whisper_folder
from settings import Settings, get_settings

OFFLINE_VARIABLES = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def enforce_offline() -> None:
    """Tell the Hugging Face libraries never to contact a hub (set before they are imported)."""
    for key, value in OFFLINE_VARIABLES.items():
        os.environ[key] = value


def _looks_like_path(spec: str) -> bool:
    return os.sep in spec or spec.startswith(".") or spec.endswith(".gguf") or Path(spec).expanduser().exists()


def is_judge_url(spec: str) -> bool:
    """Whether a judge spec is a URL (``http://...``, ``https://...``; any ``scheme://``, refused later)."""
    return "://" in spec


def _http_judge(url: str, settings: Settings) -> HttpJudge:
    """The judge on the server at ``url``, with the model, key and permission from ``settings``.

    Raises:
        JudgeAddressError: The URL is refused (see ``models.http_judge.check_judge_url``).
        JudgeConfigError: ``CANDID_JUDGE_MODEL`` is not set.
        JudgeUnavailableError: The host name cannot be resolved.
    """
    return HttpJudge(
        url,
        model=settings.judge_model,
        api_key=settings.judge_api_key or None,
        allow_public=settings.allow_public_judge,
    )


def _judge_source(spec: str | None, settings: Settings) -> tuple[Path, Path, str]:
    """Where the judge named by ``spec`` comes from, where its runtime form goes, and its name.

    Raises:
        ModelNotInstalledError: The model is not installed.
        ValueError: ``spec`` names a registry entry that is not a judge.
    """
    spec = spec or settings.judge
    if _looks_like_path(spec):
        source = Path(spec).expanduser()
        if not source.exists():
            raise ModelNotInstalledError(spec, str(source))
        return source, prepared_dir_for_path(source, settings.model_dir), source.name
    entry = load_registry().get(spec)
    if entry.kind != "judge":
        raise ValueError(f"{entry.name} is an {entry.kind}, not a judge")
    if not is_installed(entry, settings.model_dir):
        raise ModelNotInstalledError(entry.name, str(artifact_path(entry, settings.model_dir)))
    return artifact_path(entry, settings.model_dir), prepared_dir_for_registry(entry, settings.model_dir), entry.name


def load_judge(
    spec: str | None = None, *, settings: Settings | None = None, log: Log = _stderr
) -> TransformersJudge | HttpJudge | LlamaCppJudge:
    """Load the judge named by ``spec`` (registry name/profile, local path or server URL; default from settings).

    Raises:
        ModelNotInstalledError: The model is not installed.
        ValueError: ``spec`` names a registry entry that is not a judge.
        JudgeAddressError: ``spec`` is a URL the address policy refuses.
        JudgeConfigError: ``spec`` is a URL and ``CANDID_JUDGE_MODEL`` is not set.
        JudgeUnavailableError: ``spec`` is a URL whose host name cannot be resolved.
    """
    enforce_offline()
    settings = settings or get_settings()
    spec = spec or settings.judge
    if is_judge_url(spec):
        return _http_judge(spec, settings)
    source, dest, name = _judge_source(spec, settings)
    if judge_runtime(source, settings) == "llamacpp":
        return LlamaCppJudge(source, name=f"{name} {LLAMACPP_SUFFIX}", threads=settings.threads)
    ensure_prepared(source, dest, log=log)
    return load_prepared(dest, name, threads=settings.threads)


def judge_name(spec: str | None = None, *, settings: Settings | None = None) -> str:
    """The name ``load_judge(spec)`` gives its judge, checking that the model is installed (loads nothing).

    For a server URL: ``"<model>@<host>:<port>"``, after checking the URL against the address
    policy (no request is sent to the server).

    Raises:
        ModelNotInstalledError: The model is not installed.
        ValueError: ``spec`` names a registry entry that is not a judge.
        JudgeAddressError: ``spec`` is a URL the address policy refuses.
        JudgeConfigError: ``spec`` is a URL and ``CANDID_JUDGE_MODEL`` is not set.
        JudgeUnavailableError: ``spec`` is a URL whose host name cannot be resolved.
    """
    settings = settings or get_settings()
    spec = spec or settings.judge
    if is_judge_url(spec):
        return _http_judge(spec, settings).name  # checks the URL and the settings; sends nothing
    source, _, name = _judge_source(spec, settings)
    return f"{name} {LLAMACPP_SUFFIX}" if judge_runtime(source, settings) == "llamacpp" else name


LLAMACPP_SUFFIX = "(llama.cpp)"  # added to a judge's name when llama.cpp runs it: assessments say where it ran


def has_avx512_vnni(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU has AVX-512 VNNI (the int8 dot products torch's int8 kernels use); ``False`` if unknown."""
    try:
        lines = cpuinfo.read_text().splitlines()
    except OSError:
        return False
    return any("avx512_vnni" in line.split() for line in lines if line.startswith("flags"))


def judge_runtime(source: Path, settings: Settings) -> str:
    """Which runtime runs a local judge: ``"torch"`` or ``"llamacpp"`` (``CANDID_JUDGE_RUNTIME``).

    ``auto`` (the default) picks torch's int8 runtime on CPUs with AVX-512 VNNI, where it measured
    faster at what the scorer asks of a judge (prompt prefill: 2.5x llama.cpp's; five rubric questions:
    2.8x; README, Performance), and llama.cpp (its wheel is built for AVX2) elsewhere and for GGUF
    files only; a Hugging Face folder always runs on torch.
    """
    if source.suffix.lower() != ".gguf":
        return "torch"
    if settings.judge_runtime in ("torch", "llamacpp"):
        return settings.judge_runtime
    return "torch" if has_avx512_vnni() else "llamacpp"


class LazyJudge:
    """The judge behind the ``Judge`` protocol, loaded the first time it is asked anything; thread-safe.

    Scoring without feedback asks the judge nothing unless an answer is in another language (the
    rubric checker makes the per-point checks), so ``python -m scoring score --no-feedback`` starts in
    seconds and does not hold the judge's weights (about 2.5 GiB for the default judge) until then.
    A judge server (``spec`` a URL) is checked at construction and contacted on the first question.

    Raises:
        ModelNotInstalledError: At construction, when the model is not installed.
        JudgeAddressError: At construction, when ``spec`` is a URL the address policy refuses.
        JudgeConfigError: At construction, when ``spec`` is a URL and ``CANDID_JUDGE_MODEL`` is not set.
    """

    def __init__(self, spec: str | None = None, *, settings: Settings | None = None, log: Log = _stderr) -> None:
        self._spec, self._settings, self._log = spec, settings, log
        self.name = judge_name(spec, settings=settings)
        self._judge: TransformersJudge | HttpJudge | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the judge has been loaded."""
        return self._judge is not None

    def _get(self) -> TransformersJudge | HttpJudge:
        with self._lock:
            if self._judge is None:
                self._judge = load_judge(self._spec, settings=self._settings, log=self._log)
            return self._judge

    def generate(self, messages: Sequence[ChatMessage], max_new_tokens: int = 256) -> Iterator[str]:
        """As ``Judge.generate``, after loading the judge if needed."""
        return self._get().generate(messages, max_new_tokens)

    def option_probabilities(self, messages: Sequence[ChatMessage], options: Sequence[str]) -> dict[str, float]:
        """As ``Judge.option_probabilities``, after loading the judge if needed."""
        return self._get().option_probabilities(messages, options)


def load_embedder(spec: str | None = None, *, settings: Settings | None = None) -> SentenceTransformerEmbedder:
    """Load the embedder named by ``spec`` (registry name/profile or local folder; default from settings)."""
    enforce_offline()
    settings = settings or get_settings()
    spec = spec or settings.embedder
    if _looks_like_path(spec):
        folder = Path(spec).expanduser()
        return load_embedder_folder(folder, name=folder.name, threads=settings.threads)
    entry = load_registry().get(spec)
    if entry.kind != "embedder":
        raise ValueError(f"{entry.name} is a {entry.kind}, not an embedder")
    if not is_installed(entry, settings.model_dir):
        raise ModelNotInstalledError(entry.name, str(artifact_path(entry, settings.model_dir)))
    return load_embedder_folder(artifact_path(entry, settings.model_dir), name=entry.name, threads=settings.threads)


def embedder_folder(name: str = "all-minilm-l6-v2", *, settings: Settings | None = None) -> Path:
    """The installed folder of a registry embedder (the rubric checker is trained from all-MiniLM-L6-v2's).

    Raises:
        ModelNotInstalledError: It is not installed.
    """
    settings = settings or get_settings()
    entry = load_registry().get(name)
    if not is_installed(entry, settings.model_dir):
        raise ModelNotInstalledError(entry.name, str(artifact_path(entry, settings.model_dir)))
    return artifact_path(entry, settings.model_dir)


def load_rubric_checker(*, settings: Settings | None = None) -> CheckerCommittee:
    """Load the rubric checkers that ship in ``models/checker`` and ``models/checker_passages`` as one committee
    (``models.checker.CheckerCommittee``; offline, sha256 checked)."""
    enforce_offline()
    settings = settings or get_settings()
    return load_committee(threads=settings.threads)


def _speech_source(spec: str | None, settings: Settings) -> tuple[Path, str]:
    """The folder and name of the speech model named by ``spec`` (default from settings); loads nothing.

    Raises:
        ModelNotInstalledError: The registry model is not installed.
        ModelLoadError: A local folder is not a CTranslate2 Whisper model.
        ValueError: ``spec`` names a registry entry that is not a speech model.
        KeyError: ``spec`` is neither a folder nor a registry name.
    """
    spec = spec or settings.speech
    if _looks_like_path(spec):
        folder = Path(spec).expanduser()
        if not is_whisper_folder(folder):
            raise ModelLoadError(
                f"{folder} is not a CTranslate2 Whisper folder (model.bin, config.json, tokenizer.json); "
                "use one, or a registry profile: speech, speech-base"
            )
        return folder, folder.name
    entry = load_registry().get(spec)
    if entry.kind != "speech":
        raise ValueError(f"{entry.name} is a {entry.kind} model, not a speech model")
    if not is_installed(entry, settings.model_dir):
        raise ModelNotInstalledError(entry.name, str(artifact_path(entry, settings.model_dir)))
    return artifact_path(entry, settings.model_dir), entry.name


def speech_model_problem(spec: str | None = None, *, settings: Settings | None = None) -> str | None:
    """Why the speech model named by ``spec`` cannot be loaded (not installed, not a speech model), or ``None``.

    Checks the files only (loads nothing), so a page can offer recording only when it will work.
    """
    try:
        _speech_source(spec, settings or get_settings())
    except KeyError as error:  # KeyError's str() would quote the message
        return str(error.args[0]) if error.args else "unknown speech model"
    except (ModelError, ValueError) as error:
        return str(error)
    return None


def load_transcriber(spec: str | None = None, *, settings: Settings | None = None) -> WhisperTranscriber:
    """Load the speech-to-text model named by ``spec`` (registry name/profile or local folder; default from settings).

    Raises:
        ModelNotInstalledError: The model is not installed (typing answers still works).
        ModelLoadError: A local folder is not a CTranslate2 Whisper model.
        ValueError: ``spec`` names a registry entry that is not a speech model.
        KeyError: ``spec`` is neither a folder nor a registry name.
    """
    enforce_offline()
    settings = settings or get_settings()
    folder, name = _speech_source(spec, settings)
    english_only = name.endswith(".en")  # Whisper's English-only models: whisper-tiny.en, ...
    return WhisperTranscriber(folder, name=name, threads=settings.threads, english_only=english_only)


def model_status(settings: Settings | None = None) -> list[dict[str, str]]:
    """One row per registry model: name, profile, kind and whether it is installed and ready."""
    settings = settings or get_settings()
    rows = []
    for entry in load_registry().models:
        installed = is_installed(entry, settings.model_dir)
        state = "installed" if installed else f"not installed: python -m models install {entry.profile}"
        if installed and entry.kind == "judge":
            ready = is_prepared(prepared_dir_for_registry(entry, settings.model_dir))
            state = "ready" if ready else "installed, runtime form not prepared yet"
        elif installed:
            state = "ready"
        chosen = (settings.judge, settings.embedder, settings.speech)
        selected = entry.profile in chosen or entry.name in chosen
        rows.append(
            {
                "model": entry.name,
                "profile": entry.profile,
                "kind": entry.kind,
                "state": state,
                "selected": "yes" if selected else "",
            }
        )
    return rows
