"""The whole press: load, plan, render, typeset, finish, write.

``build`` and ``check`` are what the command line calls, and what a Python
caller uses too. A failing file or document is recorded and the rest go on:
one broken practice must not stop a clinic's other handouts.

Documents are made in worker processes (``workers``) that each keep one
renderer and one WeasyPrint typesetter warm, and can be stopped when a
document runs past its limits. Workers write the PDF themselves and send back
only a small record, one document at a time, so memory stays flat however
large the build.
"""

from __future__ import annotations

import itertools
import os
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Literal

from .assets import unpacked_font
from .coverage import check_coverage
from .digest import AsRead, FileHasher, Snapshot, listing_digest
from .digest import sha256_bytes as sha256
from .errors import DocumentError, LayoutError, PressError
from .governance import ReviewState
from .load import Project, load_project
from .localize import localized
from .options import BuildOptions
from .paths import ProjectPaths
from .plain import PlainLanguageReport, assess
from .plan import Job, Selection, broken_file, build_key, document_inputs, is_up_to_date, plan, relevant_errors
from .render import Renderer, compile_shared_templates
from .translations import OutOfDate, Translations
from .workers import Limits, run_documents
from .write import LOCK_WAIT_SECONDS, Manifest, ManifestEntry, OutputLock, output_path, remove_abandoned_temporary_files, write_atomic

Status = Literal["built", "skipped", "failed"]


@dataclass(frozen=True)
class DocumentResult:
    name: str
    status: Status
    error: PressError | None = None
    pages: int = 0
    bytes: int = 0
    sha256: str = ""
    fatal: bool = False
    """The worker that made it must not make another (it ran out of memory)."""
    milliseconds: float = 0.0
    peak_memory_kb: int = 0
    """The peak resident memory of the process that built the document, so far."""
    entry: ManifestEntry | None = None
    warning: str = ""
    """Made, but not as asked (a tri-fold printed as pages); said in the summary."""
    review: ReviewState | None = None
    """Its content's review state, code and version (``None`` only where no document was planned)."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class BuildReport:
    out_dir: Path | None
    file_errors: list[PressError] = field(default_factory=list)
    planned: list[Job] = field(default_factory=list)
    """Every document the selection planned, made or not: what the gallery and the preview list."""
    documents: list[DocumentResult] = field(default_factory=list)
    seconds: float = 0.0
    removed: list[str] = field(default_factory=list)
    """Documents no longer planned (an offer, a language or a procedure gone): deleted, with their manifest entries."""
    set_aside: list[str] = field(default_factory=list)
    """Earlier PDFs of documents that failed now, moved to ``.failed/`` so none is printed looking current."""

    @property
    def failures(self) -> list[PressError]:
        return self.file_errors + [d.error for d in self.documents if d.error is not None]

    @property
    def built(self) -> list[DocumentResult]:
        return [d for d in self.documents if d.status == "built"]

    @property
    def skipped(self) -> list[DocumentResult]:
        return [d for d in self.documents if d.status == "skipped"]

    @property
    def failed(self) -> list[DocumentResult]:
        return [d for d in self.documents if d.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def banded(self) -> list[DocumentResult]:
        """Documents made or up to date that print a review band: drafts and overdue reviews."""
        return [d for d in self.documents if d.ok and d.review is not None and d.review.findings]

    @property
    def stale(self) -> list[DocumentResult]:
        """Documents made or up to date that print a translation out of date with its English (notice or not)."""
        return [d for d in self.documents if d.ok and d.review is not None and d.review.outdated]


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def build(
    root: Path | str,
    selection: Selection = Selection(),
    out_dir: Path | str | None = None,
    on_result: Callable[[DocumentResult], None] | None = None,
    options: BuildOptions = BuildOptions(),
    jobs: int = 1,
    force: bool = False,
    fail_fast: bool = False,
    on_plan: Callable[[int], None] | None = None,
    limits: Limits = Limits(),
    lock_wait: float = LOCK_WAIT_SECONDS,
    as_of: date | None = None,
    release: bool = False,
    allow_stale: bool = False,
    keep_html: bool = False,
    interrupt: Callable[[], bool] | None = None,
) -> BuildReport:
    """Build the selected documents; skip those whose inputs have not changed unless ``force``.

    ``interrupt`` is asked after each document: when it says yes, no other
    document is started, and the build records what it made and ends (the
    live preview stops a pass when a newer save needs it); the rest stay out
    of date for the next build.

    With ``keep_html``, the HTML each document was typeset from is written
    beside its PDF (``<procedure>-<kind>.html``), for template authors; a
    document without it is made again.

    Reviews are overdue as of ``as_of`` (default: today). With ``release``, a
    document whose content is a draft or overdue, or whose translation is out
    of date with its English, fails without being made, and its earlier PDF
    is set aside like any failed document's. Without it, a translation out of
    date prints a notice in the review band, unless ``allow_stale``.
    Another build writing to the same folder is waited for, ``lock_wait`` seconds at most.
    """
    started = time.perf_counter()
    paths = ProjectPaths.at(root)
    out = Path(out_dir).resolve() if out_dir is not None else paths.default_output
    snapshot = Snapshot((paths.content, paths.templates), paths.templates / "practices")  # before anything is read
    project = load_project(paths)
    translations = Translations.of(project)
    planned = plan(project, selection, as_of, translations, allow_stale)
    report = BuildReport(
        out, file_errors=relevant_errors(project, selection) + translations.errors_for(selection.practices), planned=planned
    )
    with OutputLock(out, lock_wait):
        remove_abandoned_temporary_files(out)
        manifest = Manifest(out)
        key = build_key(options)
        hasher = FileHasher()
        stale = []
        refused = []
        for job in planned:
            name = str(job.output_name)
            entry = manifest.entries.get(name)
            if release and not job.review.releasable:
                refused.append(DocumentResult(name, "failed", error=job.review.refusal(), review=job.review))
            elif not force and is_up_to_date(paths, entry, out / name, key, hasher, job.review) and (
                not keep_html or html_beside(out / name).is_file()
            ):
                report.documents.append(DocumentResult(
                    name, "skipped", pages=entry.pages, bytes=entry.bytes, sha256=entry.sha256, entry=entry, review=job.review
                ))
            else:
                stale.append(job)
        if on_plan is not None:
            on_plan(len(planned))
        for result in report.documents:
            if on_result is not None:
                on_result(result)
        if fail_fast and refused:
            stale = []
        made = _make_documents(
            paths, out, options, project, stale, jobs, limits, fail_fast, keep_html=keep_html, snapshot=snapshot, interrupt=interrupt
        )
        for result in itertools.chain(refused, made):
            if result.entry is not None and result.status == "built":
                manifest.record(result.entry)
            elif result.status == "failed" and _set_aside(out, manifest, result.name):
                report.set_aside.append(result.name)
            if on_result is not None:
                on_result(result)
            report.documents.append(replace(result, entry=None))
        if not fail_fast:
            _retire_unplanned(project, selection, planned, out, manifest, report)
        if planned or report.removed or report.set_aside:
            manifest.save()
    report.seconds = time.perf_counter() - started
    return report


FAILED_FOLDER = ".failed"


def html_beside(pdf: Path) -> Path:
    """Where ``--keep-html`` writes the HTML a PDF was typeset from."""
    return pdf.with_suffix(".html")


def _set_aside(out: Path, manifest: Manifest, name: str) -> bool:
    """Move the earlier PDF of a document that failed into ``.failed/``; whether there was one."""
    manifest.entries.pop(name, None)
    html_beside(out / name).unlink(missing_ok=True)
    current = out / name
    if not current.is_file() or current.is_symlink():
        return False
    aside = out / FAILED_FOLDER / name
    aside.parent.mkdir(parents=True, exist_ok=True)
    os.replace(current, aside)
    return True


def _retire_unplanned(project: Project, selection: Selection, planned: list[Job], out: Path, manifest: Manifest, report: BuildReport) -> None:
    """Take out of ``out`` every document the selection covers that is no longer planned.

    A document whose practice or procedure file is broken cannot be remade,
    so its earlier PDF is set aside like a failed one; any other (an offer
    removed, a language dropped, a procedure deleted) is deleted. Documents
    outside the selection (another practice, another shard) are left alone.
    """
    partial = selection.shard or selection.documents
    everything = {
        str(job.output_name)
        for job in (plan(project, replace(selection, shard=None, documents=frozenset())) if partial else planned)
    }
    broken = {origin for error in report.file_errors if (origin := broken_file(project, error)) is not None}
    for name, entry in sorted(manifest.entries.items()):
        if name in everything or not _covers(selection, entry):
            continue
        if ("practice", entry.practice) in broken or ("procedure", entry.procedure, entry.lang) in broken:
            if _set_aside(out, manifest, name):
                report.set_aside.append(name)
            continue
        manifest.entries.pop(name)
        (out / name).unlink(missing_ok=True)
        html_beside(out / name).unlink(missing_ok=True)
        report.removed.append(name)


def _covers(selection: Selection, entry: ManifestEntry) -> bool:
    if selection.documents and entry.path not in selection.documents:
        return False
    return all(
        not chosen or value in chosen
        for chosen, value in (
            (selection.practices, entry.practice),
            (selection.procedures, entry.procedure),
            (selection.langs, entry.lang),
            (selection.kinds, entry.kind),
        )
    )


# --- one document ---------------------------------------------------------------------

Stage = Literal["render", "typeset", "write"]


class DocumentBuilder:
    """Makes one document at a time, keeping the renderer and typesetter warm between them.

    Whatever goes wrong while one document is made fails that document only:
    the press's own errors as they are, anything else as a ``DocumentError``
    naming the stage and the file most likely at fault.
    """

    def __init__(
        self,
        paths: ProjectPaths,
        out: Path,
        options: BuildOptions,
        stage: Stage = "write",
        limits: Limits = Limits(),
        keep_html: bool = False,
        snapshot: Snapshot | None = None,
    ):
        """With ``snapshot`` (taken before the build read anything), the manifest records a file saved since as changed."""
        from .typeset import Typesetter  # WeasyPrint is heavy: import it only where documents are made

        self.paths, self.out, self.options, self.stage, self.limits = paths, out, options, stage, limits
        self.keep_html = keep_html
        self.renderer = Renderer(paths, options)
        self.typesetter = Typesetter(paths, options)
        self.hasher = AsRead(snapshot) if snapshot is not None else FileHasher()
        self.listing = snapshot.listing_digest if snapshot is not None else listing_digest
        self.key = build_key(options)

    def build(self, job: Job) -> DocumentResult:
        name = str(job.output_name)
        started = time.perf_counter()
        fatal = False
        try:
            return self._build(job, name, started)
        except PressError as error:
            failure = error
        except MemoryError:
            failure, fatal = self.limits.memory_exceeded(), True
        except RecursionError:
            failure = DocumentError(
                "could not be made: something in it is nested too deeply "
                "(elements in a template, brackets in a stylesheet)",
                self._suspect(job),
                traceback=traceback.format_exc(),
            )
        except Exception as error:  # a bug, or an input no check foresaw: still only this document fails
            failure = DocumentError(
                f"could not be made ({type(error).__name__}: {error})", self._suspect(job), traceback=traceback.format_exc()
            )
        return DocumentResult(
            name, "failed", error=failure, milliseconds=_since(started), peak_memory_kb=_peak_memory_kb(), fatal=fatal,
            review=job.review,
        )

    def _suspect(self, job: Job) -> Path:
        """The file to look at first when making a document fails for no known reason: the practice's own templates."""
        overrides = self.paths.templates / "practices" / job.practice.slug
        return overrides if overrides.is_dir() else self.paths.templates

    def _build(self, job: Job, name: str, started: float) -> DocumentResult:
        from .finish import finish

        job = localized(job)
        check_coverage(job, self.paths.templates)
        rendered = self.renderer.render(job)
        if self.stage == "render":
            return DocumentResult(name, "built", milliseconds=_since(started), review=job.review)
        warning = ""
        try:
            typeset = self.typesetter.typeset(rendered)
        except LayoutError as error:
            overflow = job.offer.trifold_overflow or job.procedure.data.trifold_overflow
            if rendered.layout != "trifold" or overflow != "use-pages":
                raise
            warning = f"printed as pages, as trifold_overflow asks: {error.message}"
            rendered = self.renderer.render(job, layout="pages")
            typeset = self.typesetter.typeset(rendered)
        finished = finish(typeset, self.options)
        digest = sha256(finished.pdf)
        if self.stage == "write":
            destination = output_path(self.out, job.output_name)
            if self.keep_html:
                write_atomic(html_beside(destination), rendered.standalone_html().encode())
            else:  # an earlier --keep-html's page is not this PDF's: the gallery and the preview would link it
                html_beside(destination).unlink(missing_ok=True)
            write_atomic(destination, finished.pdf)
        entry = ManifestEntry(
            path=name,
            procedure=job.procedure.data.id,
            lang=job.lang,
            practice=job.practice.slug,
            kind=job.kind,
            pages=finished.pages,
            bytes=len(finished.pdf),
            sha256=digest,
            build_key=self.key,
            inputs=document_inputs(self.paths, job, rendered.inputs | typeset.fetched, self.hasher, self.listing),
            **job.review.record(),
        )
        return DocumentResult(
            name,
            "built",
            pages=entry.pages,
            bytes=entry.bytes,
            sha256=digest,
            milliseconds=_since(started),
            peak_memory_kb=_peak_memory_kb(),
            entry=entry,
            warning=warning,
            review=job.review,
        )


def _peak_memory_kb() -> int:
    try:
        import resource
    except ImportError:  # not on every platform
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _unpack_shared_fonts(paths: ProjectPaths) -> None:
    """Unpack the shared web fonts once, here, so that every worker forked from this process has them.

    Only the shared ones: a practice's own font comes from outside and is
    unpacked in the worker, where the time and memory limits hold.
    """
    for file in sorted(paths.shared_fonts.rglob("*.woff*")):
        try:
            unpacked_font(file.read_bytes())
        except OSError:
            pass  # reported by the document that asks for it


_WARM = False


def warm_up(paths: ProjectPaths) -> None:
    """Make this process ready to fork warm workers: do here, once, what each would repeat for its first document.

    Workers are forked from this process, so they start with WeasyPrint
    imported, the shared web fonts unpacked, the shared templates compiled
    and the C types WeasyPrint declares to cffi already parsed (cffi parses
    each on first use: 0.25 s a worker); the last by typesetting a fixed,
    empty form in memory, writing nothing. A build does it before its first
    document; the live preview's builder once at its start, so its first
    edit is not slower than the next.
    """
    global _WARM
    import handoutpress.finish  # noqa: F401
    import handoutpress.typeset  # noqa: F401

    _unpack_shared_fonts(paths)
    compile_shared_templates(paths)
    if _WARM:
        return
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    html = '<html lang="en"><p>Warm <b>up</b> <i>text</i></p><input type="text" name="warm" title="warm"></html>'
    weasyprint.HTML(string=html).write_pdf(font_config=FontConfiguration(), pdf_forms=True, pdf_tags=True)
    _WARM = True


def _make_documents(
    paths: ProjectPaths,
    out: Path,
    options: BuildOptions,
    project: Project,
    jobs: list[Job],
    workers: int,
    limits: Limits,
    fail_fast: bool = False,
    stage: Stage = "write",
    keep_html: bool = False,
    snapshot: Snapshot | None = None,
    interrupt: Callable[[], bool] | None = None,
) -> Iterator[DocumentResult]:
    if jobs:
        warm_up(paths)

    def make_builder() -> DocumentBuilder:
        return DocumentBuilder(paths, out, options, stage, limits, keep_html, snapshot)

    def failed(job: Job, error: PressError) -> DocumentResult:
        return DocumentResult(str(job.output_name), "failed", error=error, review=job.review)

    return run_documents(
        jobs, make_builder, failed, workers, limits,
        stop_early=lambda result: (fail_fast and not result.ok) or (interrupt is not None and interrupt()),
    )


# --- check ------------------------------------------------------------------------------


@dataclass
class CheckReport:
    project: Project
    jobs: list[Job]
    errors: list[PressError]
    plain: PlainLanguageReport = field(default_factory=PlainLanguageReport)
    """Reading levels and plain-language findings; with ``strict`` they are among ``errors`` too."""
    release: bool = False
    """Drafts, overdue reviews and translations out of date count as problems, as ``build --release`` would refuse them."""
    translations: list[OutOfDate] = field(default_factory=list)
    """Translations with stale or missing texts, one per procedure (or interface wording), kind and language;
    and translations a procedure lacks in a language others have (which print nothing, so --release lets them be)."""

    @property
    def under_review(self) -> list[Job]:
        """Documents that print a review band: their content is a draft or overdue."""
        return [job for job in self.jobs if job.review.findings]

    @property
    def refused_translations(self) -> list[OutOfDate]:
        """Translations whose documents ``build --release`` refuses: those that exist and are out of date."""
        return [outdated for outdated in self.translations if outdated.exists]

    @property
    def ok(self) -> bool:
        return not self.errors and not (self.release and (self.under_review or self.refused_translations))


def check(
    root: Path | str,
    selection: Selection = Selection(),
    options: BuildOptions = BuildOptions(),
    typeset: bool = True,
    jobs: int = 1,
    limits: Limits = Limits(),
    strict: bool = False,
    as_of: date | None = None,
    release: bool = False,
) -> CheckReport:
    """Validate every file, render every document and (unless ``typeset`` is off) typeset it; write nothing.

    Rendering finds undefined variables and missing wording, which parsing
    alone cannot; typesetting finds what only layout shows: a refused URL, a
    tri-fold whose content does not fit, a promise the PDF does not keep.
    Reading levels and plain-language findings are measured on the planned
    documents; ``strict`` makes those above their limits, and every finding, errors.
    Drafts and reviews overdue as of ``as_of`` are listed in ``under_review``,
    and translations with stale or missing texts in ``translations``; with
    ``release`` they make the check fail.
    """
    paths = ProjectPaths.at(root)
    project = load_project(paths)
    translations = Translations.of(project)
    jobs_planned = plan(project, selection, as_of, translations)
    errors = list(relevant_errors(project, selection, offered_only=False)) + translations.errors_for(selection.practices)
    renderer = Renderer(paths, options)
    seen = {error.describe() for error in errors}

    def note(error: PressError) -> None:
        """One line per problem, however many documents share it (a broken shared template, say)."""
        if error.describe() not in seen:
            seen.add(error.describe())
            errors.append(error)

    for slug in sorted({job.practice.slug for job in jobs_planned}):
        for error in renderer.check_templates(slug):
            note(error)
    stage: Stage = "typeset" if typeset else "render"
    for result in _make_documents(paths, paths.default_output, options, project, jobs_planned, jobs, limits, stage=stage):
        if result.error is not None:
            note(result.error)
    offered = {job.procedure.file for job in jobs_planned}
    unplanned = [
        loaded for (procedure_id, lang), loaded in sorted(project.procedures.items())
        if loaded.file not in offered
        and (not selection.procedures or procedure_id in selection.procedures)
        and (not selection.langs or lang in selection.langs)
        and not selection.practices
    ]
    plain = assess(paths, jobs_planned, unplanned)
    for error in plain.errors + (plain.over_limit + [finding.as_error() for finding in plain.findings] if strict else []):
        note(error)
    checked = {(job.procedure.data.id, job.lang) for job in jobs_planned} | {(p.data.id, p.data.lang) for p in unplanned}
    if not selection.practices:  # a language nobody has written for this procedure yet
        checked |= {
            (pairing.subject, pairing.lang) for pairing in translations.absent
            if (not selection.procedures or pairing.subject in selection.procedures)
            and (not selection.langs or pairing.lang in selection.langs)
        }
    listed = translations.out_of_date(checked, selection.kinds)
    return CheckReport(project, jobs_planned, errors, plain, release, listed)
