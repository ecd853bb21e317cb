"""Build every variant of a few handouts and hold each file to what it claims, with veraPDF.

The tests read the PDFs back with pypdf; only veraPDF, the PDF Association's
reference validator, can say that a file is PDF/UA-1 or PDF/A. It needs Java,
which CI machines may lack, so it runs here and not in the tests.

    python scripts/validate.py [--verapdf PATH] [--keep DIR]

veraPDF is ``../shared/tools/verapdf/verapdf-check`` next to the repository
unless ``--verapdf`` or ``HANDOUTPRESS_VERAPDF`` names another; it is called as
``verapdf-check FLAVOUR FILE...`` and prints one JSON line per file. Exit
status: 0 when every file passes, 1 when one fails, 2 when veraPDF is missing
or a build fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import click
from pypdf import PdfReader

from handoutpress import Selection, build
from handoutpress.options import DEFAULT_PDF_VARIANT, PDF_VARIANTS, BuildOptions
from handoutpress.pipeline import default_jobs

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VERAPDF = ROOT.parent / "shared/tools/verapdf/verapdf-check"
SELECTION = Selection(practices=("riverbend-spine", "harbourside-spine"))
NO_CLAIM = "none"
"""The flavour of an imposed booklet: it must claim neither PDF/UA nor PDF/A."""


def builds() -> list[tuple[str, BuildOptions, str]]:
    """(name, options, the veraPDF flavour the files claim)."""
    found = [
        ("default", BuildOptions(), "ua1"),
        ("--layout pages", BuildOptions(layout="pages"), "ua1"),
        ("--imposition booklet", BuildOptions(imposition="booklet"), NO_CLAIM),
        ("--print-marks", BuildOptions(print_marks=True), "ua1"),
        ("--large-print", BuildOptions(large_print=True), "ua1"),
    ]
    for variant in PDF_VARIANTS:
        if variant != DEFAULT_PDF_VARIANT:
            found.append((f"--pdf-variant {variant}", BuildOptions(pdf_variant=variant), _flavour(variant)))
    found.append(("--large-print --pdf-variant pdf/a-3a", BuildOptions(large_print=True, pdf_variant="pdf/a-3a"), "3a"))
    return found


def _flavour(variant: str) -> str:
    return variant.removeprefix("pdf/a-").removeprefix("pdf/").replace("-", "")


def check_with_verapdf(verapdf: Path, flavour: str, files: list[Path]) -> dict[Path, str]:
    """What veraPDF says of each file: ``pass``, or the rules it broke as clause-test ids."""
    result = subprocess.run([str(verapdf), flavour, *map(str, files)], capture_output=True, text=True)
    verdicts = {}
    for line in result.stdout.splitlines():
        if not line.startswith("{"):
            continue
        report = json.loads(line)
        failed = ", ".join(f"{rule['clause']}-{rule['test']} (x{rule['count']})" for rule in report.get("failed", ()))
        if report.get("compliant"):
            verdict = "pass"
        else:
            verdict = "FAIL " + (failed or report.get("status", "not checked"))
        verdicts[Path(report["file"]).resolve()] = verdict
    for file in files:
        verdicts.setdefault(file.resolve(), f"FAIL veraPDF gave no verdict: {result.stderr.strip()[-200:]}")
    return verdicts


def check_claims_nothing(file: Path) -> str:
    """An imposed booklet has no tags, so nothing in it may claim PDF/UA or PDF/A."""
    catalog = PdfReader(file).trailer["/Root"]
    metadata = catalog.get("/Metadata")
    xmp = metadata.get_object().get_data().decode() if metadata else ""
    claims = [name for name in ("pdfuaid", "pdfaid") if name in xmp]
    if catalog.get("/MarkInfo", {}).get("/Marked"):
        claims.append("MarkInfo /Marked")
    return f"FAIL claims {', '.join(claims)}" if claims else "pass (claims neither)"


@click.command()
@click.option(
    "--verapdf",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="HANDOUTPRESS_VERAPDF",
    default=DEFAULT_VERAPDF,
    show_default="../shared/tools/verapdf/verapdf-check",
    help="veraPDF's verapdf-check (or HANDOUTPRESS_VERAPDF).",
)
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), help="Build here and keep the files.")
def main(verapdf: Path, keep: Path | None) -> None:
    """Build the default and every variant for two practices, and check each PDF against its claim."""
    if not verapdf.is_file():
        raise click.UsageError(f"veraPDF is not at {verapdf}; pass --verapdf or set HANDOUTPRESS_VERAPDF")
    with tempfile.TemporaryDirectory(prefix="handoutpress-validate-") as temporary:
        out = keep or Path(temporary)
        rows = validate(verapdf, out)
    width = max(len(row[0]) for row in rows), max(len(row[1]) for row in rows)
    click.echo(f"| {'build':<{width[0]}} | {'file':<{width[1]}} | flavour | result")
    click.echo(f"|{'-' * (width[0] + 2)}|{'-' * (width[1] + 2)}|---------|-------")
    for build_name, file, flavour, verdict in rows:
        click.echo(f"| {build_name:<{width[0]}} | {file:<{width[1]}} | {flavour:<7} | {verdict}")
    failures = sum(not verdict.startswith("pass") for *_, verdict in rows)
    click.echo(f"{len(rows)} files, {failures} failed")
    sys.exit(1 if failures else 0)


def validate(verapdf: Path, out: Path) -> list[tuple[str, str, str, str]]:
    """(build, file, flavour, verdict) for every file of every build."""
    by_flavour: dict[str, list[tuple[str, Path, Path]]] = {}
    for index, (name, options, flavour) in enumerate(builds()):
        folder = out / f"{index:02d}"
        report = build(ROOT, SELECTION, folder, options=options, jobs=default_jobs(), force=True)
        if not report.ok:
            for error in report.failures:
                click.echo(f"ERROR  {name}: {error.describe(ROOT)}", err=True)
            sys.exit(2)
        for pdf in sorted(folder.rglob("*.pdf")):
            by_flavour.setdefault(flavour, []).append((name, folder, pdf))
    rows = []
    for flavour, entries in by_flavour.items():
        if flavour == NO_CLAIM:
            verdicts = {pdf.resolve(): check_claims_nothing(pdf) for _, _, pdf in entries}
        else:
            verdicts = check_with_verapdf(verapdf, flavour, [pdf for _, _, pdf in entries])
        for name, folder, pdf in entries:
            rows.append((name, str(pdf.relative_to(folder)), flavour, verdicts[pdf.resolve()]))
    order = [name for name, _, _ in builds()]
    return sorted(rows, key=lambda row: (order.index(row[0]), row[1]))


if __name__ == "__main__":
    main()
