"""The memo of recent batch results that the embedder and the rubric checker share."""

from models.memo import RecentResults, clear_memos


def test_only_missing_keys_are_computed_each_once_and_the_least_recent_go_first():
    calls: list[list[str]] = []

    def upper(keys: list[str]) -> list[str]:
        calls.append(keys)
        return [key.upper() for key in keys]

    memo: RecentResults[str, str] = RecentResults(size=2)
    assert memo.get(["a", "b", "a"], upper) == ["A", "B", "A"]
    assert calls == [["a", "b"]]
    assert memo.get(["a"], upper) == ["A"] and len(calls) == 1  # held: not computed again
    assert memo.get(["c"], upper) == ["C"] and calls[-1] == ["c"]
    assert list(memo) == ["a", "c"]  # "b" was the least recently used
    memo.clear()
    assert len(memo) == 0
    assert memo.get([], upper) == [] and len(calls) == 2


def test_a_call_longer_than_the_memo_still_gets_every_result():
    memo: RecentResults[int, int] = RecentResults(size=1)
    assert memo.get([1, 2, 3], lambda keys: [k * 10 for k in keys]) == [10, 20, 30]
    assert list(memo) == [3]


def test_clear_memos_forgets_each_memo_and_passes_over_models_without_one():
    class Remembers:
        def __init__(self) -> None:
            self.memo = RecentResults[str, str](size=4)
            self.memo.get(["a"], lambda keys: keys)

        def clear_memo(self) -> None:
            self.memo.clear()

    first, second = Remembers(), Remembers()
    clear_memos([first, object(), second])  # a fake judge has no memo: left as it is
    assert len(first.memo) == 0 and len(second.memo) == 0
