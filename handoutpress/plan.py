"""Stage 2, plan: which documents a build makes, where each one goes, and which are stale."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Callable

from .digest import FileHasher, listing_digest, sha256_bytes
from .errors import PressError, SelectionError
from .governance import ReviewState, review_state
from .load import Project
from .kinds import KIND_SPECS, KINDS
from .models import LoadedPractice, LoadedProcedure, Offer
from .options import BuildOptions
from .paths import ProjectPaths
from .translations import DocumentTranslation, Translations
from .write import ManifestEntry


@dataclass(frozen=True)
class Selection:
    """What the user asked for; an empty tuple means "all of them"."""

    procedures: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    practices: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    shard: tuple[int, int] | None = None
    """(K, N): only the K-th of N stable parts of the documents, for splitting CI work."""
    documents: frozenset[str] = frozenset()
    """Only these documents, by their path below the output folder (the live preview rebuilds the open one first)."""


@dataclass(frozen=True)
class Job:
    """One document: a procedure in one language, for one practice that offers it, of one kind."""

    procedure: LoadedProcedure
    practice: LoadedPractice
    kind: str
    offer: Offer
    as_of: date = field(default_factory=date.today)
    """The day the build is made as of: a review due before it is overdue."""
    translation: DocumentTranslation | None = None
    """What it prints that is out of date with its English (``translations``); None where nobody asked."""
    allow_stale: bool = False
    """Print no "Translation out of date" notice (``--allow-stale``)."""

    @cached_property
    def review(self) -> ReviewState:
        return review_state(self.procedure, self.kind, self.as_of, self.translation, self.allow_stale)

    @property
    def lang(self) -> str:
        return self.procedure.data.lang

    @property
    def output_name(self) -> PurePosixPath:
        """The path below the output folder, the same on every platform."""
        return PurePosixPath(self.practice.slug, self.lang, f"{self.procedure.data.id}-{self.kind}.pdf")


def kinds_of(procedure: LoadedProcedure) -> tuple[str, ...]:
    """The kinds a procedure can be printed as: those whose required roles it has a section for."""
    roles = {section.role for section in procedure.data.sections}
    return tuple(kind for kind, spec in KIND_SPECS.items() if set(spec.required_roles) <= roles)


def plan(
    project: Project,
    selection: Selection,
    as_of: date | None = None,
    translations: Translations | None = None,
    allow_stale: bool = False,
) -> list[Job]:
    """Every document the selection asks for, in a stable order: what each practice offers, nothing else.

    Each is reviewed as of ``as_of`` (default: today), and, given the
    project's ``translations``, knows which of its texts are out of date with
    their English (printed with a notice unless ``allow_stale``).
    """
    as_of = as_of or date.today()
    _check_selection(project, selection)
    jobs = []
    for slug, practice in sorted(project.practices.items()):
        if selection.practices and slug not in selection.practices:
            continue
        defaults = practice.data.defaults
        for offer in sorted(practice.data.offers, key=lambda offer: offer.procedure):
            if selection.procedures and offer.procedure not in selection.procedures:
                continue
            if (slug, offer.procedure) in project.broken_offers:
                continue  # its error is reported with the practice file
            for (procedure_id, lang), procedure in sorted(project.procedures.items()):
                if procedure_id != offer.procedure:
                    continue
                if selection.langs and lang not in selection.langs:
                    continue
                if not selection.langs and offer.languages and lang not in offer.languages:
                    continue
                for kind in kinds_of(procedure):
                    if selection.kinds and kind not in selection.kinds:
                        continue
                    if not selection.kinds and defaults.kinds and kind not in defaults.kinds:
                        continue
                    translation = translations.document(procedure, kind, slug) if translations is not None else None
                    job = Job(procedure, practice, kind, offer, as_of, translation, allow_stale)
                    if selection.documents and str(job.output_name) not in selection.documents:
                        continue
                    if selection.shard is None or shard_of(job, selection.shard[1]) == selection.shard[0]:
                        jobs.append(job)
    return sorted(jobs, key=lambda job: (job.procedure.data.id, job.lang, job.practice.slug, KINDS.index(job.kind)))


def shard_of(job: Job, shards: int) -> int:
    """Which of ``shards`` parts (1-based) a document belongs to: the same on every machine and run."""
    digest = hashlib.sha256(str(job.output_name).encode()).digest()
    return int.from_bytes(digest[:8], "big") % shards + 1


# --- what is out of date ---------------------------------------------------------


def build_key(options: BuildOptions) -> str:
    """Everything besides input files that changes the bytes: versions and options."""
    from . import __version__

    versions = {name: metadata.version(name) for name in ("weasyprint", "pydyf", "pypdf", "jinja2", "babel")}
    code = sha256_bytes(b"".join(p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py"))))
    return sha256_bytes(repr((__version__, code, sorted(versions.items()), sorted(asdict(options).items()))).encode())


def document_inputs(
    paths: ProjectPaths, job: Job, used: frozenset[Path], hasher: FileHasher, listing: Callable[[Path], str] = listing_digest
) -> dict[str, str]:
    """The hash of every file a document was made from, keyed by its path in the project.

    The listing of the practice's override folder counts too, so that a new
    override file (which no earlier build could have read) makes it stale.
    """
    inputs = {}
    for path in used:
        try:
            key = path.resolve().relative_to(paths.root).as_posix()
        except ValueError:
            key = str(path)
        inputs[key] = hasher(path)
    overrides = paths.templates / "practices" / job.practice.slug
    inputs[f"{overrides.relative_to(paths.root).as_posix()}/"] = listing(overrides)
    return dict(sorted(inputs.items()))


def is_up_to_date(
    paths: ProjectPaths, entry: ManifestEntry | None, out_file: Path, key: str, hasher: FileHasher, review: ReviewState
) -> bool:
    """Whether the output exists as last written and nothing it was made from has changed.

    Nor what it prints about its review: content becomes overdue with no
    file changing, and its band must then appear (and go once it is reviewed).
    """
    if entry is None or entry.build_key != key:
        return False
    if any(getattr(entry, name) != value for name, value in review.record().items()):
        return False
    if hasher(out_file) != entry.sha256:
        return False
    for name, digest in entry.inputs.items():
        current = listing_digest(paths.root / name) if name.endswith("/") else hasher(paths.root / name)
        if current != digest:
            return False
    return True


def relevant_errors(project: Project, selection: Selection, offered_only: bool = True) -> list[PressError]:
    """Load errors of the files the selection would have used.

    A broken practice file should not fail a build that asked only for another
    practice, but it must fail one that asked for everything. With
    ``offered_only`` (a build), a broken procedure counts only where a selected
    practice offers it; ``check`` reports it anyway, so a procedure is checked
    before any practice offers it.
    """
    relevant = []
    for error in project.errors:
        origin = broken_file(project, error)
        if origin is None:
            relevant.append(error)
        elif origin[0] == "practice":
            if not selection.practices or origin[1] in selection.practices:
                relevant.append(error)
        elif (
            (not selection.procedures or origin[1] in selection.procedures)
            and (not selection.langs or origin[2] in selection.langs)
            and (not offered_only or _offered_to_selected(project, selection, origin[1]))
        ):
            relevant.append(error)
    return relevant


def _offered_to_selected(project: Project, selection: Selection, procedure_id: str) -> bool:
    """Whether a selected practice offers the procedure: a broken colonoscopy file is no spine practice's failure.

    With no practice loaded to say, the error counts.
    """
    practices = [p for slug, p in project.practices.items() if not selection.practices or slug in selection.practices]
    if not practices:
        return True
    return any(offer.procedure == procedure_id for practice in practices for offer in practice.data.offers)


def broken_file(project: Project, error: PressError) -> tuple[str, ...] | None:
    """What a load error's file is: ("practice", slug), ("procedure", id, lang), or None for anything else."""
    file = error.file
    if file is None:
        return None
    if file.parent == project.paths.practices:
        return ("practice", file.stem)
    if file.parent.parent == project.paths.procedures:
        return ("procedure", file.parent.name, file.stem)
    return None


def _check_selection(project: Project, selection: Selection) -> None:
    broken = [origin for error in project.errors if (origin := broken_file(project, error)) is not None]
    known = {
        "procedure": {pid for pid, _ in project.procedures} | {o[1] for o in broken if o[0] == "procedure"},
        "language": {lang for _, lang in project.procedures} | {o[2] for o in broken if o[0] == "procedure"},
        "practice": set(project.practices) | {o[1] for o in broken if o[0] == "practice"},
        "kind": set(KINDS),
    }
    asked = {
        "procedure": selection.procedures,
        "language": selection.langs,
        "practice": selection.practices,
        "kind": selection.kinds,
    }
    for what, names in asked.items():
        for name in names:
            if name not in known[what]:
                choices = ", ".join(sorted(known[what])) or "none"
                raise SelectionError(f"there is no {what} {name!r} (known: {choices})")
