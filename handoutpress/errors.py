"""The one family of errors a user can cause and fix.

Every error names where the mistake is (a file, and a field or a line in it) so
that whoever edits the content can go straight to it. Anything that is not a
``PressError`` is a bug in the press and keeps its traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe for one line of a terminal or CI log.

    A newline or escape sequence in a file name or a content value must not
    start a line of its own (CI runners act on lines like ``::error::``) or
    recolour the terminal, so control and bidi characters are shown escaped.
    """
    return _UNPRINTABLE.sub(lambda match: match[0].encode("unicode_escape").decode("ascii"), text)


class PressError(Exception):
    """A mistake in the input: content, practice files, templates, options."""

    def __init__(self, message: str, file: Path | str | None = None, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = Path(file) if file is not None else None
        self.where = where

    def describe(self, root: Path | None = None) -> str:
        """The message as a person reads it, on one line: ``file: where: message``."""
        parts = []
        if self.file is not None:
            parts.append(relative_path(self.file, root))
        if self.where:
            parts.append(self.where)
        parts.append(self.message)
        return printable(": ".join(parts))

    def __str__(self) -> str:
        return self.describe()


class ContentError(PressError):
    """A content or practice file is unreadable, malformed or invalid."""


class FileProblems(ContentError):
    """Every problem found in one file, so an editor fixes them all in one pass.

    It reads as its first problem where one error is expected; the loader
    reports each of ``problems`` on its own line.
    """

    def __init__(self, problems: list[ContentError]):
        first = problems[0]
        super().__init__(first.message, first.file, first.where)
        self.problems = problems


class ReviewError(ContentError):
    """Content that is a draft or overdue for review, where only reviewed content may be built (``--release``)."""


class TemplateError(PressError):
    """A template does not parse, or refers to something that is not there."""


class FetchError(PressError):
    """A document asked for a resource it may not read."""


class LayoutError(PressError):
    """The content does not fit the layout asked for (a tri-fold's six panels, say)."""


class LimitError(PressError):
    """A document needed more time or memory than one document may use."""


class DocumentError(PressError):
    """Making a document failed in a way the press has no closer name for.

    It still fails only that document; ``traceback`` keeps the details for ``--debug``.
    """

    def __init__(self, message: str, file: Path | str | None = None, where: str | None = None, traceback: str = ""):
        super().__init__(message, file, where)
        self.traceback = traceback


class OutputError(PressError):
    """The output folder cannot be written."""


class OptionsError(PressError):
    """Build options that cannot go together; the command line reports it as wrong usage."""


class SelectionError(PressError):
    """The options ask for a procedure, practice, kind or language that does not exist."""


def relative_path(path: Path, root: Path | None) -> str:
    """*path* as seen from the project *root* when it lies inside it, else as given."""
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)
