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
        """The only folders a document may read from while it is typeset."""
        return (self.content, self.templates)


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, with every link followed, lies within ``folder``."""
    return path.resolve().is_relative_to(folder.resolve())
