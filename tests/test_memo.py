"""pinlint.model.memoised and once: functools.lru_cache and functools.cache without
functools (the start-up budget), with the same bound and the same order of eviction."""

from __future__ import annotations

import pytest

from pinlint.model import memoised, once


def test_memoised_answers_from_the_cache() -> None:
    calls: list[str] = []

    @memoised(4)
    def upper(text: str) -> str:
        calls.append(text)
        return text.upper()

    assert [upper("a"), upper("a"), upper("b"), upper("a")] == ["A", "A", "B", "A"]
    assert calls == ["a", "b"]


def test_memoised_drops_the_least_recently_used_at_the_bound() -> None:
    calls: list[str] = []

    @memoised(2)
    def upper(text: str) -> str:
        calls.append(text)
        return text.upper()

    upper("a")
    upper("b")
    upper("a")  # a is now the most recently used
    upper("c")  # the cache is full: b goes
    assert calls == ["a", "b", "c"]
    upper("a")
    assert calls == ["a", "b", "c"], "a was used last, it stays"
    upper("b")
    assert calls == ["a", "b", "c", "b"], "b was dropped"


def test_memoised_keeps_at_most_maxsize_results() -> None:
    calls: list[int] = []

    @memoised(1024)
    def square(n: int) -> int:
        calls.append(n)
        return n * n

    for n in range(10_000):
        square(n)
    del calls[:]
    for n in range(10_000 - 1024, 10_000):
        square(n)
    assert calls == [], "the last 1024 results are kept"
    square(10_000 - 1025)
    assert calls == [10_000 - 1025], "one more was not"


def test_memoised_does_not_keep_an_exception() -> None:
    calls: list[str] = []

    @memoised(8)
    def parse(text: str) -> int:
        calls.append(text)
        return int(text)

    for _ in range(2):
        with pytest.raises(ValueError, match="invalid literal"):
            parse("x")
    assert calls == ["x", "x"]


def test_memoised_keeps_none_as_a_result() -> None:
    calls: list[str] = []

    @memoised(8)
    def nothing(text: str) -> None:
        calls.append(text)

    assert nothing("a") is None
    assert nothing("a") is None
    assert calls == ["a"]


def test_memoised_and_once_keep_the_name_and_doc() -> None:
    @memoised(8)
    def upper(text: str) -> str:
        """Upper case."""
        return text.upper()

    @once
    def table() -> dict[str, int]:
        """A table."""
        return {}

    assert (upper.__name__, upper.__doc__) == ("upper", "Upper case.")
    assert (table.__name__, table.__doc__) == ("table", "A table.")


def test_once_builds_once() -> None:
    built: list[int] = []

    @once
    def table() -> dict[str, int]:
        built.append(1)
        return {"a": 1}

    first = table()
    assert table() is first
    assert built == [1]
