"""A memo of a batch function's recent results, shared by the models that see the same inputs again.

The embedder meets a bank's rubric points and an answer's sentences again on every rescore; the rubric
checker reads a quoted sentence again after its passage window. Both compute a batch of inputs at once,
so the memo takes a batch, computes only the inputs it does not hold (each once) and keeps the
``size`` most recently used results.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RecentResults(Generic[K, V]):
    """The ``size`` most recently used results of a batch function, by input. Not thread-safe: the model that
    owns it holds its own lock around ``get``.

    Args:
        size: How many results are kept (the least recently used go first).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, keys: Sequence[K], compute: Callable[[list[K]], Sequence[V]]) -> list[V]:
        """The result of each key, in order: held ones from the memo, the rest from one ``compute`` call over the
        missing keys (each once, in first-seen order). Every key becomes the most recently used; the rows are
        taken before any eviction, so a call longer than ``size`` still gets all of its results."""
        missing = list(dict.fromkeys(key for key in keys if key not in self._items))
        fresh = dict(zip(missing, compute(missing), strict=True)) if missing else {}
        rows = [fresh[key] if key in fresh else self._items[key] for key in keys]
        for key, row in zip(keys, rows, strict=True):
            self._items[key] = row
            self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return rows

    def clear(self) -> None:
        """Forget every result."""
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[K]:
        """The keys held, least recently used first."""
        return iter(self._items)


def clear_memos(models: Iterable[object]) -> None:
    """Have each model that keeps a memo (a ``clear_memo`` method) forget it; models without one are left as
    they are (a fake, a remote judge)."""
    for model in models:
        clear = getattr(model, "clear_memo", None)
        if clear is not None:
            clear()
