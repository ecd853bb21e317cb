"""Stage 2, plan: which documents a build makes, and where each one goes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from .errors import PressError, SelectionError
from .load import Project
from .models import KINDS, LoadedPractice, LoadedProcedure


@dataclass(frozen=True)
class Selection:
    """What the user asked for; an empty tuple means "all of them"."""

    procedures: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    practices: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Job:
    """One document: a procedure in one language, for one practice, of one kind."""

    procedure: LoadedProcedure
    practice: LoadedPractice
    kind: str

    @property
    def lang(self) -> str:
        return self.procedure.data.lang

    @property
    def output_name(self) -> PurePosixPath:
        """The path below the output folder, the same on every platform."""
        return PurePosixPath(self.practice.slug, self.lang, f"{self.procedure.data.id}-{self.kind}.pdf")


def plan(project: Project, selection: Selection) -> list[Job]:
    """Every document the selection asks for, in a stable order."""
    _check_selection(project, selection)
    jobs = []
    for (procedure_id, lang), procedure in sorted(project.procedures.items()):
        if selection.procedures and procedure_id not in selection.procedures:
            continue
        if selection.langs and lang not in selection.langs:
            continue
        for slug, practice in sorted(project.practices.items()):
            if selection.practices and slug not in selection.practices:
                continue
            defaults = practice.data.defaults
            if not selection.langs and defaults.languages and lang not in defaults.languages:
                continue
            for kind in KINDS:
                if selection.kinds and kind not in selection.kinds:
                    continue
                if not selection.kinds and defaults.kinds and kind not in defaults.kinds:
                    continue
                jobs.append(Job(procedure, practice, kind))
    return jobs


def relevant_errors(project: Project, selection: Selection) -> list[PressError]:
    """Load errors of the files the selection would have used.

    A broken practice file should not fail a build that asked only for another
    practice, but it must fail one that asked for everything.
    """
    relevant = []
    for error in project.errors:
        file = error.file
        if file is None:
            relevant.append(error)
        elif file.parent == project.paths.practices:
            if not selection.practices or file.stem in selection.practices:
                relevant.append(error)
        elif file.parent.parent == project.paths.procedures:
            if (not selection.procedures or file.parent.name in selection.procedures) and (
                not selection.langs or file.stem in selection.langs
            ):
                relevant.append(error)
        else:
            relevant.append(error)
    return relevant


def _check_selection(project: Project, selection: Selection) -> None:
    broken_practices = {e.file.stem for e in project.errors if e.file and e.file.parent == project.paths.practices}
    broken_procedures = {
        e.file.parent.name for e in project.errors if e.file and e.file.parent.parent == project.paths.procedures
    }
    broken_langs = {
        e.file.stem for e in project.errors if e.file and e.file.parent.parent == project.paths.procedures
    }
    known = {
        "procedure": {pid for pid, _ in project.procedures} | broken_procedures,
        "language": {lang for _, lang in project.procedures} | broken_langs,
        "practice": set(project.practices) | broken_practices,
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
