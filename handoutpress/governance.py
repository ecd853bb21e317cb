"""Review governance: whether a document's content is a draft or overdue, and which printed copy it is.

A patient holding a handout must be able to see that no clinician has
reviewed what it says, or that the review is overdue; whoever finds a printed
copy must be able to tell what produced it. Both follow from the procedure's
review record and the date the build is made as of, and are worked out here
only, so that the band on the page, the code in the footer, the manifest,
``check`` and ``build --release`` never disagree.

A translation is no better than what it was translated from: it is a draft
if it or its source is, and overdue from the earlier of their review dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .errors import ReviewError
from .kinds import KIND_SPECS
from .load import located
from .models import LoadedProcedure

RELEASE_RULE = "--release builds only reviewed content that is not overdue"


@dataclass(frozen=True)
class Finding:
    """One reason a document may not be released: a field of one procedure file."""

    file: Path
    field: tuple[str, ...]
    message: str

    def place(self, beside: Path | None = None) -> str:
        """``line N: review.status``, after the file's name unless it is ``beside``."""
        where = located(self.file, self.field)
        return where if self.file == beside else f"{self.file.name}: {where}"


@dataclass(frozen=True)
class ReviewState:
    """What a document prints about its content's review, and whether ``--release`` may build it."""

    code: str
    """The document's short code, ``<procedure>-<kind>-<lang>``, e.g. ``KYPH-BRO-en``."""
    version: str
    """The content's version: its review's ``version``, else the date it was reviewed."""
    draft: bool
    """The file, or the one it was translated from, says ``status: draft``."""
    overdue_since: date | None
    """The earliest next review date that has passed, of the file and the one it was translated from."""
    files: tuple[Path, ...] = ()
    """The procedure file and those it was translated from: what the state was read from."""
    findings: tuple[Finding, ...] = ()

    @property
    def status(self) -> str:
        return "draft" if self.draft else "reviewed"

    @property
    def releasable(self) -> bool:
        return not self.findings

    @property
    def label(self) -> str:
        """``KYPH-BRO-en 2026-11-01``: what every page prints, to trace a printed copy."""
        return f"{self.code} {self.version}"

    def record(self) -> dict[str, str | None]:
        """What the manifest and the build report keep of it: enough to trace a printed copy and to see it change."""
        return {
            "code": self.code,
            "version": self.version,
            "review_status": self.status,
            "overdue_since": self.overdue_since.isoformat() if self.overdue_since else None,
        }

    def error(self, release: bool = False) -> ReviewError:
        """Every finding on one line, placed at the first; with ``release``, saying why the document is refused."""
        first, *others = self.findings
        message = first.message + "".join(f"; {other.place(first.file)}: {other.message}" for other in others)
        return ReviewError(message + (f"; {RELEASE_RULE}" if release else ""), first.file, located(first.file, first.field))


def review_state(procedure: LoadedProcedure, kind: str, as_of: date) -> ReviewState:
    """The review state of ``procedure`` printed as ``kind``, as of ``as_of``.

    A next review date has passed when it is before ``as_of``: content due for
    review today is not yet overdue.
    """
    chain = [procedure]
    while chain[-1].source is not None:
        chain.append(chain[-1].source)

    def whose(item: LoadedProcedure) -> str:
        return "" if item is procedure else f" (the source of {procedure.file.name})"

    drafts = [
        Finding(item.file, ("review", "status"), f"draft: no clinician has reviewed it{whose(item)}")
        for item in chain if item.data.review.status == "draft"
    ]
    passed = sorted((item for item in chain if item.data.review.next_review < as_of), key=lambda item: item.data.review.next_review)
    overdue = [
        Finding(item.file, ("review", "next_review"), f"{item.data.review.next_review.isoformat()} has passed: the review is overdue{whose(item)}")
        for item in passed
    ]
    review = procedure.data.review
    return ReviewState(
        code=f"{procedure.code}-{KIND_SPECS[kind].code}-{procedure.data.lang}",
        version=review.version or review.reviewed_on.isoformat(),
        draft=bool(drafts),
        overdue_since=passed[0].data.review.next_review if passed else None,
        files=tuple(item.file for item in chain),
        findings=(*drafts, *overdue),
    )
