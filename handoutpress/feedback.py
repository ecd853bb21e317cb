"""What a build tells the person (or the CI log) watching it, and the JSON report."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .errors import printable, relative_path
from .pipeline import BuildReport, CheckReport, DocumentResult
from .plain import PlainLanguageReport
from .readability import Reading
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
        if report.stale:
            noticed = sum(result.review.stale_notice for result in report.stale)
            summary += f"; {len(report.stale)} with a translation out of date ({noticed} printing the notice)"
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
            **(result.review.record() if result.review else dict.fromkeys(("code", "version", "review_status", "overdue_since", "translation", "stale_notice"))),
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


# --- reading levels -------------------------------------------------------------------------


def reading_table(readings: list[Reading]) -> list[str]:
    """Procedure x kind x language: the score against its limit, the hardest words and the longest sentences."""
    if not readings:
        return []
    lines = [f"{'procedure':<20} {'kind':<12} {'lang':<6} {'reading level':<30} {'whole text':<20} hardest words"]
    for reading in readings:
        if reading.formula is None:
            level, figures = f"no validated formula for {reading.lang!r}", ""
        elif reading.score is None:
            level, figures = "no text of its own", ""
        else:
            sign = "<=" if reading.formula.scale == "grade" else ">="
            mark = " OVER" if not reading.passes(reading.score) else " SECTION OVER" if reading.failing_sections() else ""
            level = f"{reading.formula.scale} {reading.score:g} ({sign}{reading.limit:g}){mark}"
            figures = " ".join(f"{name} {'-' if value is None else f'{value:g}'}" for name, value in reading.figures.items())
            if reading.unadjusted != reading.score:
                figures = f"as written {reading.unadjusted:g} {figures}".strip()
        lines.append(f"{reading.procedure:<20} {reading.kind:<12} {reading.lang:<6} {level:<30} {figures:<20} {', '.join(reading.hardest_words)}")
        for section in reading.failing_sections():
            lines.append(f"{'':<41} section {section.title or section.role!r}: {reading.formula.scale} {section.score:g}, over the limit")
        for sentence in reading.longest_sentences(2):
            lines.append(f"{'':<41} {sentence.words} word{'s' if sentence.words != 1 else ''}: {sentence.text}")
    names = sorted({reading.formula.name for reading in readings if reading.formula is not None})
    lines.append(
        f"({', '.join(names)}; each section is held to its document's limit; 'as written' counts the procedure's "
        "name and defined terms as they are spelt; SMOG needs 30 sentences)"
    )
    return [printable(line) for line in lines]


def plain_language_record(plain: PlainLanguageReport, root: Path) -> dict:
    return {
        "readability": [
            {
                "procedure": reading.procedure,
                "kind": reading.kind,
                "lang": reading.lang,
                "file": relative_path(reading.file, root),
                "formula": reading.formula.name if reading.formula else None,
                "scale": reading.formula.scale if reading.formula else None,
                "score": reading.score,
                "score_as_written": reading.unadjusted,
                "limit": reading.limit,
                "passes": reading.passes(reading.score) and not reading.failing_sections(),
                "figures": reading.figures,
                "sections": [
                    {"role": section.role, "title": section.title, "score": section.score, "passes": reading.passes(section.score)}
                    for section in reading.sections
                ],
                "longest_sentences": [{"words": s.words, "text": s.text} for s in reading.longest_sentences()],
                "hardest_words": list(reading.hardest_words),
            }
            for reading in plain.readings
        ],
        "findings": [
            {"file": relative_path(f.file, root), "where": f.where, "rule": f.rule, "message": f.message} for f in plain.findings
        ],
        "over_limit": [error.describe(root) for error in plain.over_limit],
    }


def write_check_report(report: CheckReport, file: Path, root: Path) -> None:
    document = {
        "documents": len(report.jobs),
        "errors": [error.describe(root) for error in report.errors],
        **plain_language_record(report.plain, root),
        "translations": [outdated.record(root) for outdated in report.translations],
    }
    write_atomic(file.resolve(), (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode())

