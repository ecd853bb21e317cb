"""What a build tells the person (or the CI log) watching it, and the JSON report."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .errors import printable
from .pipeline import BuildReport, DocumentResult
from .write import write_atomic


def interactive() -> bool:
    """A person at a terminal, as opposed to CI or a pipe, which get plain lines."""
    return sys.stderr.isatty() and os.environ.get("CI", "").lower() not in ("true", "1", "yes")


class Feedback:
    """A progress bar on a terminal; in CI a line per failure and one summary line."""

    def __init__(self, root: Path, quiet: bool = False, verbose: bool = False, debug: bool = False):
        self.root = root
        self.verbose = verbose
        self.debug = debug
        self.show_bar = interactive() and not quiet and not verbose
        self._bar = None

    def start(self, total: int) -> None:
        if self.show_bar and total:
            self._bar = click.progressbar(length=total, label="Building", file=sys.stderr, show_pos=True)
            self._bar.__enter__()

    def result(self, result: DocumentResult) -> None:
        if not result.ok:
            self._echo(f"FAILED {printable(result.name)}: {result.error.describe(self.root)}")
            if self.debug and getattr(result.error, "traceback", ""):
                self._echo(result.error.traceback)
        elif result.warning:
            self._echo(f"WARNING {printable(result.name)}: {printable(result.warning)}")
        elif self.verbose:
            word = "built " if result.status == "built" else "fresh "
            click.echo(f"{word} {printable(result.name)} ({result.pages} page{'s' if result.pages != 1 else ''})")
        if self._bar is not None:
            self._bar.update(1)

    def finish(self, report: BuildReport) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
        for error in report.file_errors:
            click.echo(f"ERROR  {error.describe(self.root)}", err=True)
        summary = (
            f"{len(report.built)} built, {len(report.skipped)} up to date, {len(report.failed)} failed, "
            f"{len(report.file_errors)} file error{'s' if len(report.file_errors) != 1 else ''} "
            f"in {report.seconds:.1f}s"
        )
        for name in report.removed:
            click.echo(f"removed {printable(name)} (no longer planned: its offer, language or procedure is gone)", err=True)
        for name in report.set_aside:
            click.echo(f"moved   {printable(name)} to .failed/ (it could not be made again; do not print the old one)", err=True)
        if report.removed:
            summary += f", {len(report.removed)} removed"
        if report.set_aside:
            summary += f", {len(report.set_aside)} set aside in .failed/"
        if report.banded:
            summary += f"; {len(report.banded)} with a review band (draft or overdue)"
        if report.out_dir is not None and report.documents:
            summary += f"; output in {display_path(report.out_dir)}"
        click.echo(summary, err=not report.ok)

    def _echo(self, line: str) -> None:
        if self._bar is not None:
            click.echo("\r\033[K", nl=False, err=True)
        click.echo(line, err=True)


def write_report(report: BuildReport, file: Path, root: Path) -> None:
    records = [
        {
            "path": result.name,
            "status": result.status,
            "pages": result.pages,
            "bytes": result.bytes,
            "sha256": result.sha256,
            "milliseconds": result.milliseconds,
            "peak_memory_kb": result.peak_memory_kb,
            "error": result.error.describe(root) if result.error else None,
            "warning": result.warning or None,
            **(result.review.record() if result.review else dict.fromkeys(("code", "version", "review_status", "overdue_since"))),
        }
        for result in sorted(report.documents, key=lambda r: r.name)
    ]
    document = {
        "out_dir": str(report.out_dir),
        "built": len(report.built),
        "skipped": len(report.skipped),
        "failed": len(report.failed),
        "file_errors": [error.describe(root) for error in report.file_errors],
        "removed": sorted(report.removed),
        "set_aside": sorted(report.set_aside),
        "seconds": round(report.seconds, 3),
        "documents": records,
    }
    write_atomic(file.resolve(), (json.dumps(document, indent=2) + "\n").encode())


def display_path(path: Path) -> str:
    """``path`` as printed: relative to where the command runs, and on one line."""
    try:
        return printable(str(path.relative_to(Path.cwd())))
    except ValueError:
        return printable(str(path))
