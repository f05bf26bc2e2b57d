"""Where both local judge runtimes cut a prompt for prefix reuse, so cached numbers equal fresh ones.

A prompt is computed in chunks that start every ``CHUNK_TOKENS`` positions and just after each
blank line. Whether a position starts a chunk depends only on the tokens before it, so two prompts
sharing a prefix are cut identically inside it, and a cache reused up to a chunk start holds exactly
what a fresh run would compute there (``models.runtime.TransformersJudge``, ``models.llamacpp.LlamaCppJudge``).
"""

from __future__ import annotations

from collections.abc import Sequence

CHUNK_TOKENS = 64  # prompt positions are computed in chunks aligned to multiples of this


def chunk_starts(pieces: Sequence[str]) -> list[int]:
    """Chunk starts of a prompt, from its tokens' texts (one string per token), ascending.

    Prompts about one answer share everything up to a blank line (before the rubric point, the
    feedback request, the reply so far), so a start there lets each reuse the shared part.
    """
    starts = set(range(0, len(pieces), CHUNK_TOKENS))
    for index in range(1, len(pieces) - 1):
        piece, before = pieces[index], pieces[index - 1]
        if "\n\n" in piece or (piece.startswith("\n") and before.endswith("\n")):
            starts.add(index + 1)
    return sorted(starts)


def common_prefix_len(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading token ids ``a`` and ``b`` share."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i
