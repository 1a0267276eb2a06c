"""The records every stage of pinlint passes along.

paths -> discover -> scan (one module per format) -> Occurrence
      -> rules -> Finding -> [resolve -> suggestion] -> [fix: span edits] -> report
"""

from __future__ import annotations

import dataclasses
import enum


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclasses.dataclass(frozen=True)
class Occurrence:
    """One image reference found in a file.

    ``start``/``end`` are character offsets into the decoded text (a UTF-8 BOM, if
    present, is character 0) of the text that must change to pin the reference: the
    reference itself, or the variable default that supplies it.  ``written`` is exactly
    ``text[start:end]``.  ``image`` is the effective reference after variable
    substitution, or ``None`` when a variable has no value (see ``unresolved``).

    The span can be rewritten by the fixer only when ``written == image``: otherwise the
    span supplies just part of the reference (``node:${NODE}-alpine``) or is spelled with
    escapes, and is left alone.
    """

    path: str
    start: int
    end: int
    line: int  # 1-based line of ``start``
    column: int  # 1-based column (in characters) of ``start``
    written: str
    image: str | None
    # Where the reference was used, for messages: "FROM", "COPY --from", "RUN --mount",
    # "# syntax", "services.web.image", "spec.template.spec.containers[0].image", ...
    context: str
    # 1-based line where the reference is used when that differs from ``line`` (a FROM
    # fed by an ARG default): an ignore comment there applies too.
    use_line: int | None = None
    # Name of a variable that has no value or default, when ``image`` is None.
    unresolved: str | None = None

    @property
    def fixable(self) -> bool:
        return self.image is not None and self.written == self.image


class ParseError(ValueError):
    """A file that cannot be parsed: reported as PIN900, the run goes on."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclasses.dataclass
class Finding:
    path: str
    line: int
    column: int
    rule: str  # "PIN001"
    severity: Severity
    message: str
    image: str  # as written in the file ("" for PIN900)
    occurrence: Occurrence | None = None
    suggestion: str | None = None  # the full replacement reference, when resolved
    end_line: int | None = None
    end_column: int | None = None  # 1-based, exclusive

    def as_dict(self) -> dict[str, object]:
        """The JSON object of ``--format json``; field names are part of the contract."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "rule": self.rule,
            "severity": self.severity.value,
            "image": self.image,
            "message": self.message,
            "suggestion": self.suggestion,
        }
