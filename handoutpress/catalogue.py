"""What the gallery and the live preview list: every planned document, as plain data.

A build report says what happened to each document in one run; the
catalogue is what a person looking at the handouts wants to know about each
one at any moment: what it is, whether it was made, how many pages, how hard
it reads, what its review says, and what went wrong. It is built in one
place (``survey``) from the project and a build report, and passed to the
page templates and across processes as frozen dataclasses of strings and
numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError

from .governance import ReviewState
from .kinds import KINDS
from .load import load_project
from .paths import ProjectPaths
from .plan import Job, Selection, plan, relevant_errors
from .readability import Reading, limit_for, read_documents
from .translations import Translations
from .write import Manifest

if TYPE_CHECKING:
    from .pipeline import BuildReport, DocumentResult


@dataclass(frozen=True)
class DocumentSummary:
    name: str
    """Its path below the output folder: ``<practice>/<lang>/<procedure>-<kind>.pdf``."""
    practice: str
    practice_name: str
    procedure: str
    title: str
    kind: str
    lang: str
    language: str
    """The language's name in English, for staff who do not read it."""
    made: bool
    """A current PDF of it is in the output folder."""
    pages: int = 0
    bytes: int = 0
    sha256: str = ""
    review: str = ""
    """``reviewed``, ``draft``, ``overdue since …``, and ``translation out of date``: what its band says, if anything."""
    banded: bool = False
    reading: str = ""
    """Its reading level with the formula and the limit, or why none is given."""
    reading_over_limit: bool = False
    error: str = ""
    """Why it was not made, naming the file and the line or field."""
    warning: str = ""

    @property
    def stem(self) -> str:
        """The name without ``.pdf``: where its preview page and images go."""
        return self.name.removesuffix(".pdf")


@dataclass(frozen=True)
class Catalogue:
    documents: tuple[DocumentSummary, ...]
    problems: tuple[str, ...] = ()
    """Files that could not be read (content, practices, wording), each naming the file and the place."""
    made_at: str = ""

    def document(self, name: str) -> DocumentSummary | None:
        return next((document for document in self.documents if document.name == name), None)

    def with_document(self, document: DocumentSummary) -> Catalogue:
        """The same catalogue with one document's summary replaced (a document rebuilt before the rest)."""
        documents = tuple(document if known.name == document.name else known for known in self.documents)
        return replace(self, documents=documents)


@dataclass(frozen=True)
class Outcome:
    """What one build did to one document, small enough to send between processes as it happens."""

    name: str
    made: bool
    pages: int = 0
    bytes: int = 0
    sha256: str = ""
    error: str = ""
    warning: str = ""

    @classmethod
    def of(cls, result: DocumentResult, root: Path) -> Outcome:
        return cls(
            result.name,
            result.ok,
            result.pages,
            result.bytes,
            result.sha256,
            result.error.describe(root) if result.error is not None else "",
            result.warning,
        )

    def apply(self, document: DocumentSummary) -> DocumentSummary:
        return replace(
            document, made=self.made, pages=self.pages, bytes=self.bytes, sha256=self.sha256,
            error=self.error, warning=self.warning,
        )


def survey(
    root: Path | str,
    out: Path,
    report: BuildReport | None = None,
    outcomes: dict[str, Outcome] | None = None,
    as_of: date | None = None,
    allow_stale: bool = False,
) -> Catalogue:
    """Every document the project plans, with what the output folder and the last build say of it.

    From ``report``, a build of every document into ``out`` that has just
    run: its plan, its file errors and what it made (``as_of`` and
    ``allow_stale`` were the build's). Without one, the project is read and
    planned afresh. ``outcomes`` (by document) win over the report's: a
    caller that ran several builds keeps what each made; a document in
    neither is as the manifest records it (made, if it has an entry).
    """
    paths = ProjectPaths.at(root)
    if report is not None:
        jobs, errors = report.planned, report.file_errors
        made_now = {result.name: Outcome.of(result, paths.root) for result in report.documents if result.status != "skipped"}
        outcomes = made_now | (outcomes or {})
    else:
        project = load_project(paths)
        translations = Translations.of(project)
        jobs = plan(project, Selection(), as_of, translations, allow_stale)
        errors = relevant_errors(project, Selection()) + translations.errors_for(())
    manifest = Manifest(out)
    readings = {(reading.procedure, reading.lang, reading.kind): reading for reading in read_documents(jobs)}
    # In the order the loader found them, which puts a broken file before the files that could not be read because of it.
    problems = tuple(dict.fromkeys(error.describe(paths.root) for error in errors))
    documents = []
    for job in jobs:
        name = str(job.output_name)
        entry = manifest.entries.get(name)
        made = entry is not None and (out / name).is_file()
        document = DocumentSummary(
            name=name,
            practice=job.practice.slug,
            practice_name=job.practice.data.identity.name,
            procedure=job.procedure.data.id,
            title=job.procedure.data.title,
            kind=job.kind,
            lang=job.lang,
            language=language_name(job.lang),
            made=made,
            pages=entry.pages if made else 0,
            bytes=entry.bytes if made else 0,
            sha256=entry.sha256 if made else "",
            review=review_words(job.review),
            banded=job.review.banded,
            **_reading(readings.get((job.procedure.data.id, job.lang, job.kind)), job),
        )
        outcome = (outcomes or {}).get(name)
        translated = job.procedure.data.translated_from is not None
        order = (job.practice.slug, job.procedure.data.id, translated, job.lang, KINDS.index(job.kind))
        documents.append((order, outcome.apply(document) if outcome is not None else document))
    documents.sort(key=lambda pair: pair[0])  # each practice's handouts by procedure, the original language first
    return Catalogue(tuple(document for _, document in documents), problems, datetime.now().strftime("%Y-%m-%d %H:%M:%S"))


def review_words(review: ReviewState) -> str:
    words = ["draft" if review.draft else "reviewed"]
    if review.overdue_since is not None:
        words.append(f"review overdue since {review.overdue_since.isoformat()}")
    if review.outdated:
        words.append("translation out of date")
    return ", ".join(words)


def _reading(reading: Reading | None, job: Job) -> dict[str, object]:
    if reading is None or reading.formula is None:
        return {"reading": f"no reading-level formula for {language_name(job.lang)}"}
    if reading.score is None:
        return {"reading": "no prose of its own to measure"}
    limit = limit_for(job.kind, reading.formula, job.practice.data.reading_limits, job.procedure.data.reading_limits)
    over = not reading.passes(reading.score, limit)
    measure, bound = ("school grade", "limit") if reading.formula.scale == "grade" else ("reading ease", "at least")
    text = f"{measure} {reading.score:g}"
    if limit is not None:
        text += f", {bound} {limit:g} ({'over' if over else 'within'} the limit)"
    return {"reading": f"{text} ({reading.formula.name})", "reading_over_limit": over}


def language_name(lang: str) -> str:
    try:
        return Locale.parse(lang.replace("-", "_")).get_display_name("en") or lang
    except (ValueError, UnknownLocaleError):
        return lang
