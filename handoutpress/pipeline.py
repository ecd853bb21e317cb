"""The whole press: load, plan, render, typeset, finish, write.

``build`` and ``check`` are what the command line calls, and what a Python
caller uses too. A failing file or document is recorded and the rest go on:
one broken practice must not stop a clinic's other handouts.

Documents are built in worker processes that each keep one renderer and one
WeasyPrint typesetter warm for their whole life. Workers write the PDF
themselves and send back only a small record, and at most a few documents
per worker are in flight, so memory stays flat however large the build.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from .digest import FileHasher
from .digest import sha256_bytes as sha256
from .errors import PressError
from .load import Project, load_project
from .options import BuildOptions
from .paths import ProjectPaths
from .plan import Job, Selection, build_key, document_inputs, is_up_to_date, plan, relevant_errors
from .render import Renderer
from .write import LOCK_WAIT_SECONDS, Manifest, ManifestEntry, OutputLock, output_path, remove_abandoned_temporary_files, write_atomic

Status = Literal["built", "skipped", "failed"]
IN_FLIGHT_PER_WORKER = 4
DOCUMENTS_PER_WORKER = 100
"""A worker is replaced after this many documents: Pango and friends keep a little
native memory per document, and a fresh process is the only way to give it back."""


@dataclass(frozen=True)
class DocumentResult:
    name: str
    status: Status
    error: PressError | None = None
    pages: int = 0
    bytes: int = 0
    sha256: str = ""
    milliseconds: float = 0.0
    peak_memory_kb: int = 0
    """The peak resident memory of the process that built the document, so far."""
    entry: ManifestEntry | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class BuildReport:
    out_dir: Path | None
    file_errors: list[PressError] = field(default_factory=list)
    documents: list[DocumentResult] = field(default_factory=list)
    seconds: float = 0.0

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
    lock_wait: float = LOCK_WAIT_SECONDS,
) -> BuildReport:
    """Build the selected documents; skip those whose inputs have not changed unless ``force``.

    Another build writing to the same folder is waited for, ``lock_wait`` seconds at most.
    """
    started = time.perf_counter()
    paths = ProjectPaths.at(root)
    out = Path(out_dir).resolve() if out_dir is not None else paths.default_output
    project = load_project(paths)
    planned = plan(project, selection)
    report = BuildReport(out, file_errors=relevant_errors(project, selection))
    with OutputLock(out, lock_wait):
        remove_abandoned_temporary_files(out)
        manifest = Manifest(out)
        key = build_key(options)
        hasher = FileHasher()
        stale = []
        for job in planned:
            name = str(job.output_name)
            entry = manifest.entries.get(name)
            if not force and is_up_to_date(paths, entry, out / name, key, hasher):
                report.documents.append(DocumentResult(name, "skipped", pages=entry.pages, bytes=entry.bytes, sha256=entry.sha256, entry=entry))
            else:
                stale.append(job)
        if on_plan is not None:
            on_plan(len(planned))
        for result in report.documents:
            if on_result is not None:
                on_result(result)
        for result in _run_jobs(paths, out, options, stale, jobs, fail_fast, project=project):
            if result.entry is not None and result.status == "built":
                manifest.record(result.entry)
            if on_result is not None:
                on_result(result)
            report.documents.append(replace(result, entry=None))
        if planned:
            manifest.save()
    report.seconds = time.perf_counter() - started
    return report


# --- one document ---------------------------------------------------------------------


class DocumentBuilder:
    """Builds one document at a time, keeping the renderer and typesetter warm between them."""

    def __init__(
        self, paths: ProjectPaths, out: Path, options: BuildOptions, project: Project | None = None, write: bool = True
    ):
        from .typeset import Typesetter  # WeasyPrint is heavy: import it only where documents are made

        self.paths, self.out, self.options, self.write = paths, out, options, write
        self.project = project or load_project(paths)
        self.renderer = Renderer(paths, options)
        self.typesetter = Typesetter(paths, options)
        self.hasher = FileHasher()
        self.key = build_key(options)

    def build(self, job: Job) -> DocumentResult:
        from .finish import finish

        name = str(job.output_name)
        started = time.perf_counter()
        try:
            rendered = self.renderer.render(job)
            typeset = self.typesetter.typeset(rendered)
            finished = finish(typeset, self.options)
            digest = sha256(finished.pdf)
            if self.write:
                write_atomic(output_path(self.out, job.output_name), finished.pdf)
        except PressError as error:
            return DocumentResult(name, "failed", error=error, milliseconds=_since(started), peak_memory_kb=_peak_memory_kb())
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
            inputs=document_inputs(self.paths, job, rendered.inputs | typeset.fetched, self.hasher),
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
        )

    def build_key_of(self, key: tuple[str, str, str, str]) -> DocumentResult:
        procedure_id, lang, slug, kind = key
        return self.build(Job(self.project.procedures[(procedure_id, lang)], self.project.practices[slug], kind))


def _peak_memory_kb() -> int:
    try:
        import resource
    except ImportError:  # not on every platform
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _job_key(job: Job) -> tuple[str, str, str, str]:
    return (job.procedure.data.id, job.lang, job.practice.slug, job.kind)


def _run_in_process(
    paths: ProjectPaths,
    out: Path,
    options: BuildOptions,
    jobs: list[Job],
    fail_fast: bool,
    write: bool = True,
    project: Project | None = None,
) -> Iterator[DocumentResult]:
    if not jobs:
        return
    builder = DocumentBuilder(paths, out, options, project=project, write=write)
    for job in jobs:
        result = builder.build(job)
        yield result
        if fail_fast and not result.ok:
            return


def _run_jobs(
    paths: ProjectPaths,
    out: Path,
    options: BuildOptions,
    jobs: list[Job],
    workers: int,
    fail_fast: bool,
    write: bool = True,
    project: Project | None = None,
) -> Iterator[DocumentResult]:
    """In this process when there is at most one worker's worth of work, else in a pool."""
    if workers <= 1 or len(jobs) <= 1:
        return _run_in_process(paths, out, options, jobs, fail_fast, write, project)
    return _run_in_pool(paths, out, options, jobs, workers, fail_fast, write)


_worker: DocumentBuilder | None = None


def _start_worker(paths: ProjectPaths, out: Path, options: BuildOptions, write: bool) -> None:
    global _worker
    _worker = DocumentBuilder(paths, out, options, write=write)


def _work(key: tuple[str, str, str, str]) -> DocumentResult:
    assert _worker is not None, "worker used before it started"
    return _worker.build_key_of(key)


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers fork from a server that has already imported WeasyPrint, so each starts warm.

    (Plain fork cannot be combined with replacing workers after a number of tasks.)
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["weasyprint", "handoutpress.pipeline", "handoutpress.typeset", "handoutpress.finish"])
    return context


def _run_in_pool(
    paths: ProjectPaths,
    out: Path,
    options: BuildOptions,
    jobs: list[Job],
    workers: int,
    fail_fast: bool,
    write: bool = True,
) -> Iterator[DocumentResult]:
    """Results as they finish, with a bounded number of documents in flight."""
    context = _worker_context()
    pending_jobs = iter(jobs)
    limit = workers * IN_FLIGHT_PER_WORKER
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(paths, out, options, write),
        max_tasks_per_child=DOCUMENTS_PER_WORKER,
    ) as pool:
        in_flight: set[Future] = set()
        stopping = False
        while True:
            while not stopping and len(in_flight) < limit:
                job = next(pending_jobs, None)
                if job is None:
                    break
                in_flight.add(pool.submit(_work, _job_key(job)))
            if not in_flight:
                return
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                result = future.result()
                if fail_fast and not result.ok:
                    stopping = True
                yield result


# --- check ------------------------------------------------------------------------------


@dataclass
class CheckReport:
    project: Project
    jobs: list[Job]
    errors: list[PressError]

    @property
    def ok(self) -> bool:
        return not self.errors


def check(
    root: Path | str,
    selection: Selection = Selection(),
    options: BuildOptions = BuildOptions(),
    typeset: bool = True,
    jobs: int = 1,
) -> CheckReport:
    """Validate every file, render every document and (unless ``typeset`` is off) typeset it; write nothing.

    Rendering finds undefined variables and missing wording, which parsing
    alone cannot; typesetting finds what only layout shows: a refused URL, a
    tri-fold whose content does not fit, a promise the PDF does not keep.
    """
    paths = ProjectPaths.at(root)
    project = load_project(paths)
    jobs_planned = plan(project, selection)
    errors = list(relevant_errors(project, selection))
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
    rendered = []
    for job in jobs_planned:
        try:
            renderer.render(job)
        except PressError as error:
            note(error)
        else:
            rendered.append(job)
    if typeset:
        results = _run_jobs(paths, paths.default_output, options, rendered, jobs, False, write=False, project=project)
        for result in results:
            if result.error is not None:
                note(result.error)
    return CheckReport(project, jobs_planned, errors)
