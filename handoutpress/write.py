"""Stage 6, write: put finished PDFs and the manifest on disk, atomically.

A file is written beside its destination under a temporary name, flushed to
disk and renamed over the old one, so that a crash or a kill at any moment
leaves either the old complete file or the new complete one, never a torn PDF.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from dataclasses import asdict, dataclass, replace
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from .digest import sha256_bytes as sha256  # noqa: F401  (re-exported: the hash the manifest uses)
from .errors import OutputError

MANIFEST_NAME = "manifest.json"
TEMPORARY_SUFFIX = ".tmp"
_TEMPORARY_NAME = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")


@dataclass(frozen=True)
class ManifestEntry:
    path: str
    procedure: str
    lang: str
    practice: str
    kind: str
    pages: int
    bytes: int
    sha256: str
    build_key: str
    inputs: dict[str, str]


def write_atomic(destination: Path, data: bytes | Iterable[bytes]) -> None:
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{destination.name}.{os.getpid()}.", suffix=TEMPORARY_SUFFIX, dir=destination.parent
        )
    except OSError as error:
        raise OutputError(f"cannot write here ({error.strerror})", destination.parent) from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            for chunk in [data] if isinstance(data, bytes) else data:
                stream.write(chunk)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, destination)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"cannot be written ({error.strerror})", destination) from None


def remove_abandoned_temporary_files(out_dir: Path) -> list[Path]:
    """Delete what a killed build left half-written: temporary files of processes that are gone.

    Only where the press writes (the manifest's folder and <practice>/<lang>/),
    and only files named as the press names them. A process id means nothing on
    another machine, so builds on several machines must not share one folder.
    """
    removed = []
    if not out_dir.is_dir():
        return removed
    candidates = [*out_dir.glob(f".*{TEMPORARY_SUFFIX}"), *out_dir.glob(f"*/*/.*{TEMPORARY_SUFFIX}")]
    for path in candidates:
        match = _TEMPORARY_NAME.match(path.name)
        if match and not _process_alive(int(match[1])) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def output_path(out_dir: Path, name: PurePosixPath) -> Path:
    """The file for ``name``, refusing any name that would land outside ``out_dir``."""
    path = (out_dir / name).resolve()
    if not path.is_relative_to(out_dir.resolve()):
        raise OutputError(f"{str(name)!r} would be written outside the output folder", out_dir)
    return path


class Manifest:
    """``manifest.json``: every PDF in the output folder with its hash and page count.

    Entries from earlier builds are kept while their file is still there, so
    building one practice does not forget the others. Each entry also records
    the hash of every input the document was made from, which is how the next
    build knows whether it is up to date.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.file = out_dir / MANIFEST_NAME
        self.entries: dict[str, ManifestEntry] = {}
        try:
            stored = json.loads(self.file.read_text(encoding="utf-8"))
            for record in stored.get("documents", []):
                entry = ManifestEntry(**record)
                if (out_dir / entry.path).is_file():
                    self.record(entry)
        except (OSError, ValueError, TypeError, AttributeError):
            self.entries = {}

    def record(self, entry: ManifestEntry) -> None:
        """Keep ``entry``; its many repeated input paths and hashes are stored once."""
        inputs = {sys.intern(name): sys.intern(digest) for name, digest in entry.inputs.items()}
        self.entries[entry.path] = replace(entry, inputs=inputs)

    def save(self) -> None:
        write_atomic(self.file, self._json_chunks())

    def _json_chunks(self) -> Iterator[bytes]:
        """The manifest as JSON, one entry at a time, so a large build never holds it all as text."""
        yield b'{\n  "documents": ['
        for index, path in enumerate(sorted(self.entries)):
            entry = json.dumps(asdict(self.entries[path]), indent=2, ensure_ascii=False)
            separator = "," if index else ""
            yield (separator + "\n    " + entry.replace("\n", "\n    ")).encode("utf-8")
        yield b"\n  ]\n}\n"
