"""Review governance: whether a document's content is a draft or overdue, and which printed copy it is.

A patient holding a handout must be able to see that no clinician has
reviewed what it says, or that the review is overdue; whoever finds a printed
copy must be able to tell what produced it. Both follow from the procedure's
review record and the date the build is made as of, and are worked out here
only, so that the band on the page, the code in the footer, the manifest,
``check`` and ``build --release`` never disagree.

A translation is no better than what it was translated from: it is a draft
if it or its source is, and overdue from the earlier of their review dates.
And a translation whose English has changed since it was made (or that lacks
a text the English has; see ``translations``) prints "Translation out of
date" in the same band, unless the build allows stale translations; for
``--release`` it is not releasable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .errors import ReviewError
from .kinds import KIND_SPECS
from .load import located
from .models import LoadedProcedure
from .translations import DocumentTranslation, TextState, dotted

RELEASE_RULE = "--release builds only reviewed content that is not overdue"
STALE_RULE = "--release builds only translations that are current with their English"
OUTDATED_SHOWN = 5


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
    """The procedure file and those it was translated from, and the interface wording it is paired with: what the state was read from."""
    findings: tuple[Finding, ...] = ()
    outdated: tuple[TextState, ...] = ()
    """Texts it prints whose translation is stale or missing (its procedure's, its sources', its interface wording's)."""
    translated: bool = False
    """Its content or interface wording is a translation, so it can be out of date with its English."""
    stale_notice: bool = False
    """It prints "Translation out of date": some text is outdated and the build does not allow stale translations."""

    @property
    def status(self) -> str:
        return "draft" if self.draft else "reviewed"

    @property
    def releasable(self) -> bool:
        return not self.findings and not self.outdated

    @property
    def banded(self) -> bool:
        """Whether every page carries the band: a draft, an overdue review, or a translation out of date it does not hide."""
        return self.draft or self.overdue_since is not None or self.stale_notice

    @property
    def translation(self) -> str | None:
        """``current`` or ``out of date`` for a translated document; None for one printed in its original language."""
        return ("out of date" if self.outdated else "current") if self.translated else None

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
            "translation": self.translation,
            "stale_notice": self.stale_notice,
        }

    def error(self, release: bool = False) -> ReviewError:
        """Every finding on one line, placed at the first; with ``release``, saying why the document is refused."""
        first, *others = self.findings
        message = first.message + "".join(f"; {other.place(first.file)}: {other.message}" for other in others)
        return ReviewError(message + (f"; {RELEASE_RULE}" if release else ""), first.file, located(first.file, first.field))

    def refusal(self) -> ReviewError:
        """Why ``--release`` refuses the document: its review findings, then the texts out of date with their English."""
        if not self.outdated:
            return self.error(release=True)
        by_file: dict[Path, list[TextState]] = {}
        for text in self.outdated:
            by_file.setdefault(text.file, []).append(text)
        parts = []
        for file, texts in by_file.items():
            names = ", ".join(f"{dotted(text.path)} ({text.state})" for text in texts[:OUTDATED_SHOWN])
            more = f" and {len(texts) - OUTDATED_SHOWN} more" if len(texts) > OUTDATED_SHOWN else ""
            parts.append((file, f"{names}{more}"))
        first_file = parts[0][0]
        stale = "translation out of date: " + "; ".join(
            text if file == first_file else f"{_beside(file, first_file)}: {text}" for file, text in parts
        )
        if self.findings:
            review = self.error(release=False)
            return ReviewError(
                f"{review.message}; {_beside(first_file, review.file)}: {stale}; {RELEASE_RULE}; {STALE_RULE}", review.file, review.where
            )
        return ReviewError(f"{stale}; {STALE_RULE}", first_file)


def _beside(file: Path, reference: Path | None) -> str:
    """*file* named from the folder of *reference*: ``es.yaml`` beside it, ``i18n/es.yaml`` elsewhere."""
    return file.name if reference is not None and file.parent == reference.parent else f"{file.parent.name}/{file.name}"


def review_state(
    procedure: LoadedProcedure,
    kind: str,
    as_of: date,
    translation: DocumentTranslation | None = None,
    allow_stale: bool = False,
) -> ReviewState:
    """The review state of ``procedure`` printed as ``kind``, as of ``as_of``.

    A next review date has passed when it is before ``as_of``: content due for
    review today is not yet overdue. ``translation`` says which texts the
    document prints are out of date with their English; with ``allow_stale``
    they print no notice (``--release`` still refuses them).
    """
    translation = translation or DocumentTranslation()
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
        files=tuple(dict.fromkeys((*(item.file for item in chain), *translation.files))),
        findings=(*drafts, *overdue),
        outdated=translation.outdated,
        translated=translation.translated,
        stale_notice=bool(translation.outdated) and not allow_stale,
    )
