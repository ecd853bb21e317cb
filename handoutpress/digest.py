"""Content hashes of input files, each file read once per build however many documents use it."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileHasher:
    """sha256 of files, remembered by (size, mtime) so unchanged files are hashed once."""

    MISSING = "missing"

    def __init__(self) -> None:
        self._known: dict[Path, tuple[int, int, str]] = {}

    def __call__(self, path: Path) -> str:
        try:
            stat = path.stat()
        except OSError:
            return self.MISSING
        known = self._known.get(path)
        if known is not None and known[:2] == (stat.st_size, stat.st_mtime_ns):
            return known[2]
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return self.MISSING
        self._known[path] = (stat.st_size, stat.st_mtime_ns, digest)
        return digest


def listing_digest(folder: Path) -> str:
    """A hash of the names of the files below ``folder``: a new override changes it."""
    if not folder.is_dir():
        return FileHasher.MISSING
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    return sha256_bytes("\n".join(names).encode())


class Snapshot:
    """The files of the project as a build is about to read them: size and mtime of each, and the time it was taken.

    A build reads content when it starts and templates as it renders, but
    hashes a document's inputs for the manifest only once the document is
    made, which can be minutes later. A file saved in between (the live
    preview's editor saves while the builder works) would be recorded with
    its new hash beside a PDF made from the old text, and the manifest would
    call that PDF up to date for good. ``AsRead`` hashes against this
    snapshot instead: a file that changed since is recorded as ``CHANGED``,
    which no file hashes to, so the next build makes the document again.
    """

    MARGIN_NS = 20_000_000
    """File times come from a clock that can lag the one read here by a tick."""

    def __init__(self, folders: tuple[Path, ...], listed: Path | None = None) -> None:
        """The files below ``folders``, and the listing of each folder in ``listed`` (the practices' overrides)."""
        import os
        import time

        self.taken_ns = time.time_ns()
        self.listings = (
            {folder.resolve(): listing_digest(folder) for folder in listed.iterdir() if folder.is_dir()}
            if listed is not None and listed.is_dir() else {}
        )
        self.files: dict[Path, tuple[int, int]] = {}
        for folder in folders:
            for directory, _, names in os.walk(folder):
                for name in names:
                    path = Path(directory, name)
                    try:
                        stat = path.stat()
                    except OSError:
                        continue
                    self.files[path.resolve()] = (stat.st_size, stat.st_mtime_ns)

    def unchanged(self, path: Path, stat) -> bool:
        seen = self.files.get(path.resolve())
        if seen is None:  # not walked (outside the folders, or behind a link): unchanged if older than the snapshot
            return stat.st_mtime_ns < self.taken_ns - self.MARGIN_NS
        return seen == (stat.st_size, stat.st_mtime_ns)

    def listing_digest(self, folder: Path) -> str:
        """``listing_digest(folder)`` as it was when the snapshot was taken: an override added since is new next time."""
        return self.listings.get(folder.resolve(), FileHasher.MISSING)


CHANGED = "changed while the document was made"


class AsRead(FileHasher):
    """A ``FileHasher`` for a manifest: ``CHANGED`` for a file that is not as it was in ``snapshot``."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def __call__(self, path: Path) -> str:
        try:
            stat = path.stat()
        except OSError:  # gone since it was read: not what the document was made from
            return CHANGED if path.resolve() in self.snapshot.files else self.MISSING
        if not self.snapshot.unchanged(path, stat):
            return CHANGED
        return super().__call__(path)
