"""Stage 6, write: put finished PDFs and the manifest on disk, atomically.

A file is written beside its destination under a temporary name, flushed to
disk and renamed over the old one, so that a crash or a kill at any moment
leaves either the old complete file or the new complete one, never a torn PDF.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from types import UnionType
from typing import Any, get_args, get_origin, get_type_hints

from .digest import sha256_bytes as sha256  # noqa: F401  (re-exported: the hash the manifest uses)
from .errors import OutputError
from .kinds import KINDS
from .models import LANG_PATTERN, SLUG_PATTERN, ReviewStatus

MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".lock"
LOCK_WAIT_SECONDS = 30.0
TEMPORARY_SUFFIX = ".tmp"
_TEMPORARY_NAME = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")
MAX_MANIFEST_BYTES = 256 * 1024 * 1024
REVIEW_STATUSES = get_args(ReviewStatus)


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
    code: str
    """The document code and content version printed on every page (governance.ReviewState)."""
    version: str
    review_status: str
    """draft or reviewed: the worse of the procedure file's and (for a translation) its source's."""
    overdue_since: str | None
    """The next review date that has passed, when the build was made; the document is rebuilt when this changes."""
    translation: str | None
    """current or out of date, for a translated document (see translations.py); None for an original."""
    stale_notice: bool
    """It prints "Translation out of date"; rebuilt when that changes (--allow-stale)."""


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


class OutputLock:
    """Only one build at a time writes an output folder.

    Two builds that each read the manifest, add their own documents and save
    it would lose each other's entries. The lock is ``flock`` on ``.lock``,
    which the kernel releases when its process dies, so a killed build never
    leaves the folder locked. The second build waits ``wait`` seconds, then
    gives up with an ``OutputError``.
    """

    def __init__(self, out_dir: Path, wait: float = LOCK_WAIT_SECONDS):
        self.out_dir = out_dir
        self.wait = wait
        self._descriptor: int | None = None

    def __enter__(self) -> OutputLock:
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.out_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise OutputError(f"cannot write here ({error.strerror})", self.out_dir) from None
        deadline = time.monotonic() + self.wait
        while not _try_lock(descriptor):
            if time.monotonic() >= deadline:
                os.close(descriptor)
                raise OutputError(f"another build is writing to this folder; waited {self.wait:g} s", self.out_dir)
            time.sleep(0.05)
        self._descriptor = descriptor
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None


def _try_lock(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
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
        for record in _stored_records(self.file):
            entry = _valid_entry(record)
            if entry is not None and _is_file_inside(out_dir, entry.path):
                self.record(entry)

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


_SLUG = SLUG_PATTERN.strip("^$")
_OUTPUT_NAME = re.compile(rf"({_SLUG})/({LANG_PATTERN.strip('^$')})/({_SLUG})-({'|'.join(KINDS)})\.pdf")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_FIELD_TYPES = {
    name: tuple(get_origin(option) or option for option in (get_args(hint) if get_origin(hint) is UnionType else (hint,)))
    for name, hint in get_type_hints(ManifestEntry).items()
}


def _stored_records(file: Path) -> list[Any]:
    """The records of the manifest on disk; none if it is missing, a link, too large or not the press's JSON.

    The manifest is read back on every build and may have been damaged or
    written by someone else; losing it only costs a rebuild.
    """
    try:
        if file.is_symlink() or not file.is_file():
            return []
        with file.open("rb") as stream:
            raw = stream.read(MAX_MANIFEST_BYTES + 1)
        if len(raw) > MAX_MANIFEST_BYTES:
            return []
        stored = json.loads(raw)
    except (OSError, ValueError, RecursionError):
        return []
    records = stored.get("documents") if isinstance(stored, dict) else None
    return records if isinstance(records, list) else []


def _valid_entry(record: Any) -> ManifestEntry | None:
    """``record`` as an entry if it is exactly what a build writes, else ``None`` and its document is rebuilt.

    Its input names are hashed to decide whether the document is stale, so
    each must name a file inside the project, never an absolute path or ``..``.
    """
    if not isinstance(record, dict) or record.keys() != _FIELD_TYPES.keys():
        return None
    if any(type(record[name]) not in kinds for name, kinds in _FIELD_TYPES.items()):
        return None
    name = _OUTPUT_NAME.fullmatch(record["path"])
    if name is None or name.groups() != (record["practice"], record["lang"], record["procedure"], record["kind"]):
        return None
    if record["pages"] < 1 or record["bytes"] < 1 or not _SHA256.fullmatch(record["sha256"]) or not _SHA256.fullmatch(record["build_key"]):
        return None
    if record["review_status"] not in REVIEW_STATUSES or record["translation"] not in (None, "current", "out of date"):
        return None
    for input_name, digest in record["inputs"].items():
        if type(digest) is not str or not _is_project_name(input_name):
            return None
    return ManifestEntry(**record)


def _is_project_name(name: str) -> bool:
    parts = name.removesuffix("/").split("/")
    return all(part not in ("", ".", "..") and "\0" not in part and "\\" not in part for part in parts)


def _is_file_inside(out_dir: Path, name: str) -> bool:
    path = out_dir / name
    return path.is_file() and path.resolve().is_relative_to(out_dir.resolve())
