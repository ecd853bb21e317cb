"""The whole press: load, plan, render, typeset, finish, write.

``build`` and ``check`` are what the command line calls, and what a Python
caller uses too. A failing file or document is recorded and the rest go on:
one broken practice must not stop a clinic's other handouts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PressError
from .finish import finish
from .load import Project, load_project
from .options import BuildOptions
from .paths import ProjectPaths
from .plan import Job, Selection, plan, relevant_errors
from .render import Renderer
from .typeset import Typesetter
from .write import Manifest, ManifestEntry, output_path, sha256, write_atomic


@dataclass(frozen=True)
class DocumentResult:
    name: str
    error: PressError | None = None
    pages: int = 0
    bytes: int = 0
    sha256: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class BuildReport:
    out_dir: Path | None
    file_errors: list[PressError] = field(default_factory=list)
    documents: list[DocumentResult] = field(default_factory=list)

    @property
    def failures(self) -> list[PressError]:
        return self.file_errors + [d.error for d in self.documents if d.error is not None]

    @property
    def built(self) -> list[DocumentResult]:
        return [d for d in self.documents if d.ok]

    @property
    def ok(self) -> bool:
        return not self.failures


def build(
    root: Path | str,
    selection: Selection = Selection(),
    out_dir: Path | str | None = None,
    on_result: Callable[[DocumentResult], None] | None = None,
    options: BuildOptions = BuildOptions(),
) -> BuildReport:
    paths = ProjectPaths.at(root)
    out = Path(out_dir).resolve() if out_dir is not None else paths.default_output
    project = load_project(paths)
    jobs = plan(project, selection)
    report = BuildReport(out, file_errors=relevant_errors(project, selection))
    renderer, typesetter = Renderer(paths, options), Typesetter(paths, options)
    manifest = Manifest(out)
    for job in jobs:
        result = _build_one(job, renderer, typesetter, out, manifest, options)
        report.documents.append(result)
        if on_result is not None:
            on_result(result)
    if jobs:
        manifest.save()
    return report


def _build_one(
    job: Job, renderer: Renderer, typesetter: Typesetter, out: Path, manifest: Manifest, options: BuildOptions
) -> DocumentResult:
    name = str(job.output_name)
    try:
        finished = finish(typesetter.typeset(renderer.render(job)), options)
        digest = sha256(finished.pdf)
        write_atomic(output_path(out, job.output_name), finished.pdf)
    except PressError as error:
        return DocumentResult(name, error=error)
    manifest.record(
        ManifestEntry(
            path=name,
            procedure=job.procedure.data.id,
            lang=job.lang,
            practice=job.practice.slug,
            kind=job.kind,
            pages=finished.pages,
            bytes=len(finished.pdf),
            sha256=digest,
        )
    )
    return DocumentResult(name, pages=finished.pages, bytes=len(finished.pdf), sha256=digest)


@dataclass
class CheckReport:
    project: Project
    jobs: list[Job]
    errors: list[PressError]

    @property
    def ok(self) -> bool:
        return not self.errors


def check(root: Path | str, selection: Selection = Selection(), options: BuildOptions = BuildOptions()) -> CheckReport:
    """Validate every file and render every document to HTML; write nothing.

    Rendering (without typesetting) is what finds undefined variables and
    missing wording, which parsing alone cannot.
    """
    paths = ProjectPaths.at(root)
    project = load_project(paths)
    jobs = plan(project, selection)
    errors = list(relevant_errors(project, selection))
    renderer = Renderer(paths, options)
    seen: set[str] = set()
    for slug in sorted({job.practice.slug for job in jobs} or {""}):
        for error in renderer.check_templates(slug) if slug else []:
            if error.describe() not in seen:
                seen.add(error.describe())
                errors.append(error)
    for job in jobs:
        try:
            renderer.render(job)
        except PressError as error:
            if error.describe() not in seen:
                seen.add(error.describe())
                errors.append(error)
    return CheckReport(project, jobs, errors)
