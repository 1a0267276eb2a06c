"""What registries said, kept on disk between runs.

Two JSON files in ``platformdirs.user_cache_dir("pinlint")`` or in
``$PINLINT_CACHE_DIR``: ``registry-lists.json`` holds the repositories' tag lists (the
bulk: thousands of tags, with digests on Docker Hub), read only when a run asks for a
listing; ``registry.json`` everything else, read by every run that resolves (a pinned
file checked by the pinlint-fix hook needs no listing).  Two kinds of facts:

- tag facts (which digest a tag points to, which tags a repository has) change when
  someone pushes: they expire after ``ttl`` seconds (``cache-ttl``, 1 h by default),
  and leave the file a week later (or a TTL later, if longer): else the files would grow
  with every tag and listing ever asked about, and every run reads them;
- digest facts (what a manifest is, which platform manifests an index lists) never
  change, because a digest names its content: they are kept for good;
- the highest version a floating tag was seen to point to (``latest`` -> ``0.6.3``),
  kept for good too: a tag that later points to a lower version was rolled back
  (PIN104).

Only names, tags, digests and media types are stored: never a credential or token.
Each file is written atomically (a temporary file in the same folder, then
``os.replace``) after merging what another run may have written meanwhile, so two
runs racing never leave a torn file; a file that cannot be read is an empty cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable

from pinlint.registry.types import valid_tag

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["CACHE_ENV", "Cache", "default_cache_dir"]

CACHE_ENV = "PINLINT_CACHE_DIR"
_FILE = "registry.json"
_VERSION = 1
_SECTIONS = ("tags", "tag_lists", "digests", "versions")
# Which file holds which sections.  Tag lists written into registry.json by an older
# version are not read: they expire within the TTL anyway, and are asked for again.
_FILES = {_FILE: ("tags", "digests", "versions"), "registry-lists.json": ("tag_lists",)}
_FILE_OF = {section: name for name, sections in _FILES.items() for section in sections}
# Expired tag facts are kept this long (another run may trust answers longer, with its own
# ``cache-ttl``), then dropped when their file is next written.
_KEEP_EXPIRED = 7 * 24 * 3600.0
_EXPIRING = ("tags", "tag_lists")


def default_cache_dir() -> str:
    env = os.environ.get(CACHE_ENV)
    if env:
        return env
    import platformdirs  # only runs that resolve pay for it

    return platformdirs.user_cache_dir("pinlint")


def _empty() -> dict[str, dict[str, Any]]:
    return {section: {} for section in _SECTIONS}


class Cache:
    """An in-memory view of the cache file; :meth:`save` writes what changed.

    Keys are ``<domain>/<repository>`` (the registry as the reference names it), or
    ``<domain>/<repository> via <mirror URL>`` for answers a mirror gave
    (``RegistryClient.cache_key``: a mirror is only as trusted as the config that named
    it), then ``:tag`` or ``@digest``.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None,
        *,
        ttl: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # ``directory=None``: a cache that forgets everything at the end of the run
        # (``--no-cache`` still dedupes within one run through it).
        # A plain path: pathlib costs a pre-commit run ~3 ms to import.
        self.directory = os.fspath(directory) if directory is not None else None
        self.ttl = ttl
        self._now = clock
        self._data = _empty()
        self._dirty: dict[str, set[str]] = {section: set() for section in _SECTIONS}
        # The files read so far (each when one of its sections is first used).
        self._loaded: set[str] = set(_FILES) if directory is None else set()
        self._section("tags")

    # --- reading -------------------------------------------------------------------------

    def _section(self, section: str) -> dict[str, Any]:
        """The entries of ``section``, its file read first if this is its first use."""
        name = _FILE_OF[section]
        if name not in self._loaded:
            self._loaded.add(name)
            self._data.update(self._read(name))
        return self._data[section]

    def _read(self, name: str) -> dict[str, dict[str, Any]]:
        """The sections of the file ``name``, each entry of the wrong shape dropped."""
        assert self.directory is not None
        sections = _FILES[name]
        data: dict[str, dict[str, Any]] = {section: {} for section in sections}
        try:
            with open(os.path.join(self.directory, name), "rb") as f:
                raw = json.loads(f.read())
        except (OSError, ValueError):
            return data  # missing or corrupt: start empty, the next save repairs it
        if not isinstance(raw, dict) or raw.get("version") != _VERSION:
            return data
        for section in sections:
            entries = raw.get(section)
            if isinstance(entries, dict):
                data[section] = {
                    k: v
                    for k, v in entries.items()
                    if isinstance(k, str) and isinstance(v, dict) and _valid(section, v)
                }
        return data

    def holds_answers(self) -> bool:
        """Whether any tag or digest is known (stale or not): a cold cache, or
        ``--no-cache``, answers no question."""
        return bool(self._data["tags"] or self._data["digests"])

    def _fresh(self, entry: dict[str, Any]) -> bool:
        at = entry.get("at")
        return isinstance(at, int | float) and 0 <= self._now() - at < self.ttl

    def tag_digest(self, repo: str, tag: str) -> tuple[str, str | None] | None:
        """``(digest, media_type)`` of ``repo:tag`` if known and younger than the TTL."""
        entry = self._data["tags"].get(f"{repo}:{tag}")
        if entry is None or not self._fresh(entry):
            return None
        return entry["digest"], entry.get("media_type")

    def tag_list(self, repo: str) -> tuple[list[str], dict[str, str]] | None:
        """The tags of ``repo`` and the digests the listing gave (Docker Hub), if fresh."""
        entry = self._section("tag_lists").get(repo)
        if entry is None or not self._fresh(entry):
            return None
        return list(entry["tags"]), dict(entry.get("digests") or {})

    def digest_fact(self, repo: str, digest: str) -> dict[str, Any] | None:
        """What is known about the manifest ``repo@digest``; never expires."""
        entry = self._data["digests"].get(f"{repo}@{digest}")
        return dict(entry) if entry is not None else None

    def seen_version(self, repo: str, tag: str) -> tuple[str, float] | None:
        """``(version tag, when)``: the highest version ``repo:tag`` was seen to point to."""
        entry = self._data["versions"].get(f"{repo}:{tag}")
        if entry is None:
            return None
        return entry["version"], entry["at"]

    # --- writing -------------------------------------------------------------------------

    def _put(self, section: str, key: str, entry: dict[str, Any]) -> None:
        self._section(section)[key] = entry
        self._dirty[section].add(key)

    def put_tag_digest(self, repo: str, tag: str, digest: str, media_type: str | None) -> None:
        entry: dict[str, Any] = {"digest": digest, "at": self._now()}
        if media_type:
            entry["media_type"] = media_type
        self._put("tags", f"{repo}:{tag}", entry)

    def put_tag_list(self, repo: str, tags: list[str], digests: dict[str, str]) -> None:
        entry: dict[str, Any] = {"tags": list(tags), "at": self._now()}
        if digests:
            entry["digests"] = dict(digests)
        self._put("tag_lists", repo, entry)

    def put_digest_fact(self, repo: str, digest: str, **facts: Any) -> None:
        key = f"{repo}@{digest}"
        merged = dict(self._data["digests"].get(key) or {})
        merged.update(facts)
        self._put("digests", key, merged)

    def put_seen_version(self, repo: str, tag: str, version: str) -> None:
        self._put("versions", f"{repo}:{tag}", {"version": version, "at": self._now()})

    # --- between processes ---------------------------------------------------------------

    def changes(self) -> dict[str, dict[str, dict[str, Any]]]:
        """The entries written since the last save, by section (a process resolving part
        of the run hands them to the one that saves)."""
        return {
            section: {key: self._data[section][key] for key in self._dirty[section]}
            for section in _SECTIONS
        }

    def adopt(self, changes: dict[str, dict[str, dict[str, Any]]]) -> None:
        """Take another process's :meth:`changes` as this run's own, to be saved."""
        for section in _SECTIONS:
            for key, entry in changes.get(section, {}).items():
                self._put(section, key, entry)

    def save(self) -> None:
        """Merge this run's new entries into the files on disk, each atomically.

        Re-reading a file just before writing it keeps what a concurrent run saved
        meanwhile; for one key, the entry written last wins.  A file none of whose
        sections changed is not written.  Errors are swallowed: a cache that cannot be
        written must not fail a lint run.
        """
        if self.directory is None:
            return
        for name, sections in _FILES.items():
            if any(self._dirty[section] for section in sections):
                with contextlib.suppress(OSError):
                    self._save(name, sections)

    def _drop_expired(self, entries: dict[str, Any]) -> None:
        """Drop the tag facts past keeping, and those dated after now (a clock set back,
        or a hand-edited file): neither is ever fresh."""
        now = self._now()
        oldest = now - max(self.ttl, _KEEP_EXPIRED)
        for key in [k for k, entry in entries.items() if not oldest <= entry["at"] <= now]:
            del entries[key]

    def _save(self, name: str, sections: tuple[str, ...]) -> None:
        import tempfile  # lazy: a run that learnt nothing new writes nothing

        assert self.directory is not None
        os.makedirs(self.directory, exist_ok=True)
        on_disk = self._read(name)
        for section in sections:
            for key in self._dirty[section]:
                on_disk[section][key] = self._data[section][key]
            if section in _EXPIRING:
                self._drop_expired(on_disk[section])
        payload = {"version": _VERSION, **on_disk}
        fd, tmp = tempfile.mkstemp(prefix=".registry-", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(payload, f, separators=(",", ":"), sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, os.path.join(self.directory, name))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._data.update(on_disk)
        self._loaded.add(name)
        for section in sections:
            self._dirty[section] = set()


def _valid(section: str, entry: dict[str, Any]) -> bool:
    """Entries of the wrong shape (a hand-edited or older file) are dropped on read."""
    if section == "tags":
        return isinstance(entry.get("digest"), str) and isinstance(entry.get("at"), int | float)
    if section == "versions":
        # A tag as the reference grammar allows it: the value reaches PIN104's message.
        version = entry.get("version")
        return (
            isinstance(version, str)
            and valid_tag(version)
            and isinstance(entry.get("at"), int | float)
        )
    if section == "tag_lists":
        tags = entry.get("tags")
        digests = entry.get("digests", {})
        return (
            isinstance(tags, list)
            and all(isinstance(t, str) for t in tags)
            and isinstance(entry.get("at"), int | float)
            and isinstance(digests, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in digests.items())
        )
    return True
