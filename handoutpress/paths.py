"""Where things live in a project, and the one test for "is this inside?"."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProjectPaths:
    """The folders of one project, all resolved (links followed) once."""

    root: Path

    @classmethod
    def at(cls, root: Path | str) -> ProjectPaths:
        return cls(Path(root).resolve())

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def procedures(self) -> Path:
        return self.content / "procedures"

    @property
    def practices(self) -> Path:
        return self.content / "practices"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def default_output(self) -> Path:
        return self.root / "output"

    @property
    def readable_roots(self) -> tuple[Path, ...]:
        """The folders any file a practice names (logo, font) must lie in."""
        return (self.content, self.templates)

    @property
    def shared_fonts(self) -> Path:
        return self.templates / "fonts"

    def own_folders(self, slug: str) -> tuple[Path, ...]:
        """A practice's own files: its content folder and its template overrides."""
        return (self.practices / slug, self.templates / "practices" / slug)

    def readable_roots_for(self, slug: str) -> tuple[Path, ...]:
        """The only folders a practice's document may read from while it is typeset.

        The procedures, the shared templates and the practice's own folders;
        never another practice's logo, fonts or files (the fetcher also keeps
        ``templates/practices/<other>/`` out).
        """
        return (self.procedures, self.practices / slug, self.templates)


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, with every link followed, lies within ``folder``."""
    return path.resolve().is_relative_to(folder.resolve())
