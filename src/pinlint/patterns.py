"""The user's regular expressions (``exact-tags``), matched with a time limit.

A config in the checked tree is untrusted (a pull request can change it), and a
regular expression can backtrack for longer than the universe lasts: ``(a|aa)+$``
against a tag of sixty ``a`` and a ``!``.  Python's ``re`` cannot be interrupted, so
these patterns are matched with the ``regex`` module (mrab-regex, the engine proposed
to replace ``re``), whose ``timeout`` stops a match.  A pattern that runs out of time
once is a config error from then on: one line, exit 2, and no later tag pays for it
again.

``regex`` is imported only when a config has such patterns: it costs more to import
than a one-file lint takes (``python -X importtime``: 35-75 ms on the 2-core machine
under load; a one-file run with ``exact-tags`` took 60-70 ms against 50 ms without).
"""

from __future__ import annotations

from pinlint.config import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import regex

__all__ = ["TIMEOUT", "check", "fullmatch"]

# Seconds one match may take.  Real tags are at most 128 characters: a sane pattern
# needs microseconds.
TIMEOUT = 0.05

_compiled: dict[str, regex.Pattern[str]] = {}
_too_slow: dict[str, str] = {}  # pattern -> the tag it ran out of time on


def _compile(pattern: str) -> regex.Pattern[str]:
    found = _compiled.get(pattern)
    if found is None:
        import regex

        try:
            found = _compiled[pattern] = regex.compile(pattern)
        except regex.error as e:
            raise ConfigError(f"exact-tags: invalid pattern {pattern!r}: {e}") from e
    return found


def check(pattern: str) -> None:
    """ConfigError when ``pattern`` is not a valid regular expression."""
    _compile(pattern)


def fullmatch(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches all of ``text``; ConfigError when it takes too long."""
    if pattern in _too_slow:
        raise _slow(pattern, _too_slow[pattern])
    try:
        return _compile(pattern).fullmatch(text, timeout=TIMEOUT) is not None
    except TimeoutError:
        _too_slow[pattern] = text
        raise _slow(pattern, text) from None


def _slow(pattern: str, text: str) -> ConfigError:
    return ConfigError(
        f"exact-tags: pattern {pattern!r} took more than {TIMEOUT} s on the tag"
        f" {text[:40]!r}: it backtracks; write it without nested repetition"
    )
