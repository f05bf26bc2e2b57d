"""Candid's configuration: one frozen dataclass built once from the environment.

Nothing else in the code base reads ``os.environ`` for settings. Every variable is optional:

- ``CANDID_MODEL_DIR``: where models are installed (default: the user's cache dir, ``candid/models``).
- ``CANDID_JUDGE``: the judge, as a registry name or profile (``default``, ``fast``, ``tiny``), a
  path to a local Hugging Face model folder or ``.gguf`` file, or the base URL of an OpenAI-compatible
  inference server (vLLM, llama.cpp's llama-server, ...), e.g. ``http://10.0.0.5:8000/v1``
  (default: ``default``). A server must be on this machine or a private network (127.0.0.0/8, ::1,
  10/8, 172.16/12, 192.168/16, fc00::/7) unless ``CANDID_ALLOW_PUBLIC_JUDGE`` is set.
- ``CANDID_JUDGE_MODEL``: the model name the judge server serves (required with a URL judge).
- ``CANDID_JUDGE_API_KEY``: the judge server's API key, sent as ``Authorization: Bearer`` (optional).
- ``CANDID_ALLOW_PUBLIC_JUDGE``: ``1`` is an admin's explicit permission to send answers to a judge
  server outside this machine and the private networks (off by default: such URLs are refused).
- ``CANDID_EMBEDDER``: the embedder, as a registry name/profile or a local sentence-transformers
  folder (default: ``embedder``).
- ``CANDID_SPEECH``: the speech-to-text model, as a registry name or profile (``speech``: Whisper
  tiny.en; ``speech-base``: Whisper base, multilingual) or a local CTranslate2 Whisper folder
  (default: ``speech``).
- ``CANDID_KEEP_AUDIO``: ``1`` to store a spoken answer's recording with the answer, so a reviewer can
  play it back (off by default: the recording is discarded once it is transcribed).
- ``CANDID_JUDGE_RUNTIME``: ``auto`` (default), ``torch`` or ``llamacpp``: what runs a local GGUF
  judge (``models.loader.judge_runtime``: auto is torch's int8 runtime on CPUs with AVX-512 VNNI,
  llama.cpp elsewhere).
- ``CANDID_THREADS``: torch threads for inference (default: the number of CPU cores).
- ``CANDID_DATA_DIR``: where Candid keeps its data (default: the user's data dir, ``candid``).
- ``CANDID_DEBUG``: ``1`` to log answer text (off by default: logs never contain answers).
- ``DATABASE_URL``: where interviews, answers and assessments are stored, as a SQLAlchemy URL
  (default: the SQLite file ``candid.db`` in the data dir; ``postgresql://...`` for PostgreSQL).
- ``CANDID_RETENTION_DAYS``: delete interviews older than this many days (default, or ``0``: keep them).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import platformdirs

APP_NAME = "candid"


@dataclass(frozen=True)
class Settings:
    """Everything configurable about Candid, read once."""

    model_dir: Path
    judge: str
    embedder: str
    threads: int
    data_dir: Path
    debug: bool
    database_url: str = field(default="", repr=False)  # may hold a password: kept out of repr
    """SQLAlchemy URL of the database; empty means the SQLite file ``candid.db`` in ``data_dir``."""
    retention_days: int | None = None
    """Interviews older than this many days are deleted; ``None`` keeps them."""
    judge_runtime: str = "auto"
    """What runs a local GGUF judge: ``auto``, ``torch`` or ``llamacpp``."""
    speech: str = "speech"
    """The speech-to-text model: registry name/profile or a local CTranslate2 Whisper folder."""
    keep_audio: bool = False
    """Store recordings with spoken answers (deleted with the interview); off: discard after transcription."""
    judge_model: str = ""
    """The model name a judge server (``judge`` as an http(s) URL) serves; unused otherwise."""
    judge_api_key: str = field(default="", repr=False)  # a secret: kept out of repr
    """The judge server's API key (``Authorization: Bearer``); empty sends none."""
    allow_public_judge: bool = False
    """An admin's explicit permission for a judge server outside loopback and the private networks."""

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'candid.db'}")
        if self.judge_runtime not in ("auto", "torch", "llamacpp"):
            raise ValueError(f"CANDID_JUDGE_RUNTIME must be auto, torch or llamacpp, not {self.judge_runtime!r}")
        if self.retention_days is not None and self.retention_days < 1:
            raise ValueError(f"retention_days must be at least 1 (or unset), not {self.retention_days}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables (or a given mapping, for tests)."""
        env = os.environ if env is None else env
        model_dir = env.get("CANDID_MODEL_DIR") or str(Path(platformdirs.user_cache_dir(APP_NAME)) / "models")
        data_dir = env.get("CANDID_DATA_DIR") or platformdirs.user_data_dir(APP_NAME)
        threads = int(env.get("CANDID_THREADS") or os.cpu_count() or 1)
        retention = (env.get("CANDID_RETENTION_DAYS") or "").strip()
        return cls(
            model_dir=Path(model_dir).expanduser(),
            judge=env.get("CANDID_JUDGE") or "default",
            embedder=env.get("CANDID_EMBEDDER") or "embedder",
            threads=max(1, threads),
            data_dir=Path(data_dir).expanduser(),
            debug=_flag(env.get("CANDID_DEBUG")),
            database_url=(env.get("DATABASE_URL") or "").strip(),
            retention_days=int(retention) if retention and retention != "0" else None,
            judge_runtime=(env.get("CANDID_JUDGE_RUNTIME") or "auto").strip().lower(),
            speech=env.get("CANDID_SPEECH") or "speech",
            keep_audio=_flag(env.get("CANDID_KEEP_AUDIO")),
            judge_model=(env.get("CANDID_JUDGE_MODEL") or "").strip(),
            judge_api_key=(env.get("CANDID_JUDGE_API_KEY") or "").strip(),
            allow_public_judge=_flag(env.get("CANDID_ALLOW_PUBLIC_JUDGE")),
        )


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built from the environment on first use."""
    return Settings.from_env()
