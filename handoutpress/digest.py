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
