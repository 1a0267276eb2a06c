"""What a registry said about one reference, and the pin it suggests.

:class:`Resolution` is the record :mod:`pinlint.resolve` builds from the registries'
answers and :mod:`pinlint.drift` turns into suggestions and online findings;
:func:`suggestion_for` is the replacement reference it implies in each pin style.
Nothing here sends a request.
"""

from __future__ import annotations

from pinlint.model import Frozen
from pinlint.registry import NotFound, RegistryError

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pinlint.reference import Reference

__all__ = ["Resolution", "suggestion_for"]


class Resolution(Frozen):
    """What the registry said about one reference.

    Built so that the drift rules (:mod:`pinlint.drift`) read it without another
    request: ``pinned_in_tag``, ``pinned_owner`` and ``pinned_orphan`` (stale digest or
    mismatch), ``error`` and ``tag_error`` (unknown image), ``newer_tag`` (a moving tag
    behind a newer release).
    """

    __slots__ = (
        "digest",
        "error",
        "exact",
        "exact_tag",
        "media_type",
        "newer_tag",
        "newest_digest",
        "newest_tag",
        "pinned_digest",
        "pinned_exists",
        "pinned_in_tag",
        "pinned_media_type",
        "pinned_orphan",
        "pinned_owner",
        "reference",
        "rolled_back_from",
        "tag",
        "tag_error",
    )

    reference: str  # the effective reference, as resolved
    tag: str | None  # the tag asked about ("latest" when none was written)
    digest: str | None  # what the tag points to today (top level: the index)
    media_type: str | None
    # The most specific version tag with the same digest (may be ``tag`` itself);
    # None when there is none, or when the tag was exact already and not listed.
    exact_tag: str | None
    # True when the tag needs no more specific one: it is exact, or it is a partial
    # version with no more specific sibling (postgres publishes 16.4, not 16.4.0).
    exact: bool
    newest_tag: str | None  # newest release of the tag's variant family
    newest_digest: str | None  # its digest, when known
    pinned_digest: str | None  # the digest written in the reference
    pinned_media_type: str | None
    pinned_exists: bool | None
    # Whether the pinned digest is the tag's, or one platform's manifest the tag's
    # index lists; None when the tag could not be looked up.
    pinned_in_tag: bool | None
    # When it is not: another tag that points to the pinned digest (PIN103) ...
    pinned_owner: str | None
    # ... or True when every tag was checked and none does (PIN101).
    pinned_orphan: bool
    # A pinned ``name:tag@digest`` whose tag does not exist (the digest does).
    tag_error: NotFound | None
    # For a moving tag: a release newer than ``exact_tag`` that the tag could point to
    # (PIN104; see :func:`pinlint.siblings.newer_release`).
    newer_tag: str | None
    # For a moving tag: the higher version it pointed to when last resolved (the
    # cache's memory), when ``exact_tag`` is lower now: a certain roll-back (PIN104).
    rolled_back_from: str | None
    error: RegistryError | None  # why the reference could not be resolved

    def __init__(
        self,
        reference: str,
        tag: str | None = None,
        digest: str | None = None,
        media_type: str | None = None,
        exact_tag: str | None = None,
        exact: bool = False,
        newest_tag: str | None = None,
        newest_digest: str | None = None,
        pinned_digest: str | None = None,
        pinned_media_type: str | None = None,
        pinned_exists: bool | None = None,
        pinned_in_tag: bool | None = None,
        pinned_owner: str | None = None,
        pinned_orphan: bool = False,
        tag_error: NotFound | None = None,
        newer_tag: str | None = None,
        rolled_back_from: str | None = None,
        error: RegistryError | None = None,
    ) -> None:
        self._fill(locals())

    @property
    def missing(self) -> bool:
        """The repository, tag or digest does not exist (PIN102)."""
        return isinstance(self.error, NotFound)

    @property
    def suggested_digest(self) -> str | None:
        """The digest to write (``pinned_digest`` is the one written already): the
        tag's (index) digest, or the platform-specific digest already pinned while the
        tag's index still lists it."""
        if self.pinned_digest is not None and (self.pinned_in_tag or self.digest is None):
            return self.pinned_digest
        return self.digest


def suggestion_for(ref: Reference, res: Resolution, pin_style: str) -> str | None:
    """The replacement reference for ``ref`` in ``pin_style``, or None if nothing changes."""
    digest = res.suggested_digest
    if pin_style == "tag":
        tag = res.exact_tag
        if tag is None or tag == ref.tag:
            return None
        text = ref.with_pin(tag, None)
    elif digest is None:
        return None
    elif pin_style == "digest":
        text = ref.with_pin(None, digest)
    else:
        text = ref.with_pin(res.exact_tag or ref.tag, digest)
    return None if text == str(ref) else text
