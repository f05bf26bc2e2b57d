"""The sentence-transformers embedder behind the ``Embedder`` protocol, with a small memo of recent texts."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import ModelLoadError, ModelNotInstalledError
from models.memo import RecentResults

# sentence-transformers sorts texts by length and pads each batch to its longest: small batches keep a
# whole answer from padding a dozen short sentences to its length. Measured on the reference report's
# answers (answer, question and sentences per call): batch 4 took 0.44x the time of batch 32, same vectors.
BATCH_SIZE = 4


class SentenceTransformerEmbedder:
    """Unit-length embeddings from a local sentence-transformers folder; thread-safe."""

    def __init__(self, model: Any, *, name: str, memo_size: int = 4096) -> None:
        self.model = model
        self.name = name
        self._lock = threading.Lock()
        self._memo: RecentResults[str, np.ndarray] = RecentResults(memo_size)
        self.dimension = int(model.get_embedding_dimension() or 0)

    def clear_memo(self) -> None:
        """Forget every memoised vector (the next ``encode`` computes them again; results are unchanged)."""
        with self._lock:
            self._memo.clear()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts (rows are unit length); repeated texts come from the memo."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            rows = self._memo.get(texts, self._embed)
        return np.stack(rows)

    def _embed(self, texts: list[str]) -> list[np.ndarray]:
        """The model's unit-length float32 vector of each text, in order (the caller holds the lock)."""
        vectors = self.model.encode(
            texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return [vector.astype(np.float32) for vector in vectors]


def load_embedder_folder(folder: Path, *, name: str, threads: int) -> SentenceTransformerEmbedder:
    """Load a local sentence-transformers folder (never a hub)."""
    from sentence_transformers import SentenceTransformer

    from models.runtime import set_threads

    if not folder.is_dir():
        raise ModelNotInstalledError(name, str(folder))
    set_threads(threads)
    try:
        model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    except Exception as exc:
        raise ModelLoadError(f"could not load the embedder at {folder}: {type(exc).__name__}: {exc}") from exc
    model.eval()
    return SentenceTransformerEmbedder(model, name=name)
