"""The command line: parse options, call the pipeline, report, set the exit status.

Exit status: 0 all good; 1 some file or document failed (the rest were built);
2 wrong usage. User errors print one line each and no traceback unless
``--debug``.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from . import __version__
from .errors import FileProblems, OptionsError, PressError, SelectionError, printable, relative_path
from .kinds import KINDS, LAYOUTS
from .options import BLEED_MM, DEFAULT_PDF_VARIANT, IMPOSITIONS, PDF_VARIANTS, BuildOptions
from .feedback import Feedback, display_path, reading_table, write_check_report, write_report
from .pipeline import build, check, default_jobs
from .governance import STALE_RULE
from .load import load_project
from .translations import dotted, stamp, stamp_targets
from .workers import Limits
from .paths import ProjectPaths
from .plan import Selection
from .render import list_overrides, template_guide
from .scaffold import check_slug, new_practice
from .schema import write_schemas

PROJECT_ROOT_HELP = "Project folder holding content/ and templates/ (default: the current folder)."
NOTICE_ONLY_HELP = "Print no \"Translation out of date\" notice on translations whose English changed since."
ALLOW_STALE_HELP = NOTICE_ONLY_HELP.removesuffix(".") + " (--release still refuses them)."
KEEP_HTML_HELP = "Also write the HTML each PDF is typeset from beside it (<procedure>-<kind>.html), for template authors."


def _review_options(function):
    """``--as-of`` and ``--release``, the same for ``build`` and ``check``."""
    options = [
        click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
                     help="Judge reviews as of this day: a next_review before it is overdue (default: today)."),
        click.option("--release", is_flag=True,
                     help="Refuse documents whose content is a draft or overdue for review (for CI publishing reviewed content)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _selection_options(function):
    options = [
        click.option("-p", "--procedure", "procedures", multiple=True, metavar="ID", help="Only this procedure (repeatable)."),
        click.option("-k", "--kind", "kinds", multiple=True, type=click.Choice(KINDS), help="Only this kind (repeatable)."),
        click.option("--practice", "practices", multiple=True, metavar="SLUG", help="Only this practice (repeatable)."),
        click.option("--lang", "langs", multiple=True, metavar="LANG", help="Only this language (repeatable)."),
        click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", help=PROJECT_ROOT_HELP),
        click.option("--timeout", type=click.FloatRange(min=1), default=Limits.seconds, show_default=True, metavar="SECONDS", help="Time one document may take before it is stopped."),
        click.option("--memory-limit", type=click.IntRange(min=64), default=Limits.memory_mib, show_default=True, metavar="MIB", help="Memory one document may use before it is stopped."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="handoutpress")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(context: click.Context, debug: bool) -> None:
    """Build branded, accessible patient handouts from reviewed clinical content.

    With no command, builds every handout the project holds.
    """
    context.obj = {"debug": debug}
    if context.invoked_subcommand is None:
        context.invoke(build_command)


def _parse_shard(context: click.Context, parameter: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        part, total = (int(x) for x in value.split("/"))
    except ValueError:
        raise click.BadParameter("expected K/N, for example 2/4") from None
    if not 1 <= part <= total:
        raise click.BadParameter("K must be between 1 and N, for example 2/4")
    return (part, total)


@main.command("build")
@_selection_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output folder (default: output/).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=default_jobs, show_default="the machine's cores", help="Documents built in parallel.")
@click.option("--force", is_flag=True, help="Rebuild every document, even those that are up to date.")
@click.option("--shard", callback=_parse_shard, metavar="K/N", help="Build only the K-th of N stable parts (for CI matrices).")
@click.option("--fail-fast", is_flag=True, help="Stop at the first document that fails.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path), help="Write a JSON record per document to this file.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar; print only failures and the summary.")
@click.option("-v", "--verbose", is_flag=True, help="Print a line for every document.")
@click.option("--layout", type=click.Choice(LAYOUTS), default=None, help="Brochure layout, for every practice (default: each offer's, else trifold).")
@click.option("--imposition", type=click.Choice(IMPOSITIONS), default="none", show_default=True, help="booklet: half-sheet pages two-up in saddle-stitch order.")
@click.option("--print-marks", is_flag=True, help=f"Add {BLEED_MM} mm bleed and crop marks for a print shop.")
@click.option("--pdf-variant", type=click.Choice(PDF_VARIANTS), default=DEFAULT_PDF_VARIANT, show_default=True, help="PDF/UA (accessible) or an archival PDF/A variant.")
@click.option("--large-print", is_flag=True, help="Text at 16 pt or more, single column.")
@_review_options
@click.option("--allow-stale", is_flag=True, help=ALLOW_STALE_HELP)
@click.option("--keep-html", is_flag=True, help=KEEP_HTML_HELP)
@click.pass_context
def build_command(
    context: click.Context,
    procedures: tuple[str, ...] = (),
    kinds: tuple[str, ...] = (),
    practices: tuple[str, ...] = (),
    langs: tuple[str, ...] = (),
    root: Path = Path("."),
    out: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    shard: tuple[int, int] | None = None,
    fail_fast: bool = False,
    report_file: Path | None = None,
    quiet: bool = False,
    verbose: bool = False,
    layout: str | None = None,
    imposition: str = "none",
    print_marks: bool = False,
    pdf_variant: str = DEFAULT_PDF_VARIANT,
    large_print: bool = False,
    timeout: float = Limits.seconds,
    memory_limit: int = Limits.memory_mib,
    as_of: datetime | None = None,
    release: bool = False,
    allow_stale: bool = False,
    keep_html: bool = False,
) -> None:
    """Build handouts into output/<practice>/<lang>/<procedure>-<kind>.pdf.

    Documents whose inputs have not changed since the last build are skipped.
    Drafts, overdue reviews and translations out of date with their English
    print a band on every page (--allow-stale leaves the last out); --release refuses them.
    """
    selection = Selection(procedures, kinds, practices, langs, shard)
    options = _run(context, lambda: BuildOptions(layout, imposition, print_marks, pdf_variant, large_print))
    root = root.resolve()
    feedback = Feedback(root, quiet=quiet, verbose=verbose, debug=context.obj["debug"])
    report = _run(
        context,
        lambda: build(
            root,
            selection,
            out,
            on_result=feedback.result,
            on_plan=feedback.start,
            options=options,
            jobs=jobs or default_jobs(),
            force=force,
            fail_fast=fail_fast,
            limits=Limits(timeout, memory_limit),
            as_of=as_of.date() if as_of else None,
            release=release,
            allow_stale=allow_stale,
            keep_html=keep_html,
        ),
    )
    feedback.finish(report)
    if report_file is not None:
        _run(context, lambda: write_report(report, report_file, root))
    context.exit(0 if report.ok else 1)


@main.command("check")
@_selection_options
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=default_jobs, show_default="the machine's cores", help="Documents typeset in parallel.")
@click.option("--no-typeset", is_flag=True, help="Only validate files and render HTML: faster, but misses layout and fetch problems.")
@click.option("--strict", is_flag=True, help="Fail on reading levels above their limits and on plain-language findings (for CI).")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the problems, reading levels and findings as JSON.")
@_review_options
@click.pass_context
def check_command(
    context: click.Context,
    procedures: tuple[str, ...],
    kinds: tuple[str, ...],
    practices: tuple[str, ...],
    langs: tuple[str, ...],
    root: Path,
    jobs: int,
    no_typeset: bool,
    strict: bool,
    report_file: Path | None,
    timeout: float,
    memory_limit: int,
    as_of: datetime | None,
    release: bool,
) -> None:
    """Validate every content, practice and template file, and typeset every document; write nothing.

    Also measures each document's reading level and lints its wording; with
    --strict, a level above its limit or any finding is a problem.
    Lists the documents whose content is a draft or overdue for review; with --release, as errors.
    """
    root = root.resolve()
    selection = Selection(procedures, kinds, practices, langs)
    limits = Limits(timeout, memory_limit)
    report = _run(context, lambda: check(
        root, selection, typeset=not no_typeset, jobs=jobs, limits=limits, strict=strict,
        as_of=as_of.date() if as_of else None, release=release,
    ))
    for line in reading_table(report.plain.readings):
        click.echo(line)
    for error in report.errors:
        click.echo(f"ERROR  {error.describe(root)}", err=True)
        if context.obj["debug"] and getattr(error, "traceback", ""):
            click.echo(error.traceback, err=True)
    if not strict:
        for warning in report.plain.over_limit + report.plain.findings:
            click.echo(f"WARNING {warning.describe(root)}", err=True)
    for job in report.under_review:
        line = f"{printable(str(job.output_name))} ({job.review.label}): {job.review.error(release).describe(root)}"
        click.echo(f"ERROR  {line}" if release else f"REVIEW {line}", err=release)
    for outdated in report.translations:
        line = printable(outdated.describe(root))
        refused = release and outdated.exists
        click.echo(f"ERROR  {outdated.label.lower()} translation: {line}; {STALE_RULE}" if refused else f"{outdated.label:<7} {line}", err=refused)
    if report_file is not None:
        _run(context, lambda: write_check_report(report, report_file, root))
    files = len(report.project.procedures) + len(report.project.practices)
    problems = len(report.errors) + (len(report.under_review) + len(report.refused_translations) if release else 0)
    warnings = 0 if strict else len(report.plain.over_limit) + len(report.plain.findings)
    summary = f"checked {files} content and practice files and {len(report.jobs)} documents: {problems} problem{'s' if problems != 1 else ''}"
    if warnings:
        summary += f", {warnings} plain-language warning{'s' if warnings != 1 else ''} (--strict fails on them)"
    if report.under_review and not release:
        summary += f"; {len(report.under_review)} with a review band (draft or overdue), which build --release refuses"
    listed = report.translations if not release else [outdated for outdated in report.translations if not outdated.exists]
    if listed:
        summary += (f"; {len(listed)} translation{'s' if len(listed) != 1 else ''} out of date or missing (procedure x kind x language)"
                    + ("" if release else ", printed with a notice by build and refused by --release where they exist"))
    click.echo(summary, err=not report.ok)
    context.exit(0 if report.ok else 1)


@main.command("gallery")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", help=PROJECT_ROOT_HELP)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output folder (default: output/).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=default_jobs, show_default="the machine's cores", help="Documents built in parallel.")
@click.option("--allow-stale", is_flag=True, help=NOTICE_ONLY_HELP)
@click.option("--keep-html", is_flag=True, help=KEEP_HTML_HELP)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar; print only failures and the summary.")
@click.pass_context
def gallery_command(context: click.Context, root: Path, out: Path | None, jobs: int, allow_stale: bool, keep_html: bool, quiet: bool) -> None:
    """Build what is out of date, then write index.html: every handout with its pages, for a browser.

    The page, a page per document and their images go into the output folder
    (images under _gallery/), with no address outside it: upload the folder
    as a CI artefact and a reviewer sees every handout of a change.
    """
    from .gallery import make_gallery

    root = root.resolve()
    feedback = Feedback(root, quiet=quiet, debug=context.obj["debug"])
    report, written = _run(context, lambda: make_gallery(
        root, out, jobs=jobs, allow_stale=allow_stale, keep_html=keep_html, on_result=feedback.result, on_plan=feedback.start,
    ))
    feedback.finish(report)
    click.echo(f"gallery of {written.documents} documents ({written.pages_drawn} page images drawn): {display_path(written.index)}")
    context.exit(0 if report.ok else 1)


@main.command("serve")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", help=PROJECT_ROOT_HELP)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output folder (default: output/).")
@click.option("--port", type=click.IntRange(min=1, max=65535), default=8000, show_default=True, help="Port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default lets only this computer in; the preview has no login.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=default_jobs, show_default="the machine's cores", help="Documents built in parallel.")
@click.option("--allow-stale", is_flag=True, help=NOTICE_ONLY_HELP)
@click.option("--keep-html", is_flag=True, help=KEEP_HTML_HELP)
@click.pass_context
def serve_command(
    context: click.Context, root: Path, out: Path | None, port: int, host: str, jobs: int, allow_stale: bool, keep_html: bool
) -> None:
    """Serve a live preview of every handout on http://127.0.0.1:PORT/.

    Saving a file under content/ or templates/ rebuilds the documents made
    from it (those open in a browser first) and the open pages refresh.
    """
    from .serve import PreviewSettings, serve

    root = root.resolve()
    paths = ProjectPaths.at(root)
    settings = PreviewSettings(
        root=root, out=out.resolve() if out is not None else paths.default_output, jobs=jobs,
        allow_stale=allow_stale, keep_html=keep_html,
    )
    serve(
        settings, host, port,
        on_ready=lambda url: click.echo(f"Preview on {url} (Ctrl-C stops it)", err=True),
        say=lambda message: click.echo(f"{datetime.now():%H:%M:%S} {printable(message)}", err=True),
    )


@main.command("new-practice")
@click.argument("slug")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", help=PROJECT_ROOT_HELP)
@click.pass_context
def new_practice_command(context: click.Context, slug: str, root: Path) -> None:
    """Create a practice file and an override folder for SLUG that build as they are."""
    root = root.resolve()
    scaffold = _run(context, lambda: new_practice(ProjectPaths.at(root), slug))
    for path in scaffold.created:
        click.echo(f"created {display_path(path)}")
    click.echo(f"Next: edit {display_path(scaffold.practice_file)}, then `make check` and `make`.")


@main.command("templates")
@click.option("--practice", "slug", required=True, metavar="SLUG", help="The practice whose overrides to list.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", help=PROJECT_ROOT_HELP)
@click.pass_context
def templates_command(context: click.Context, slug: str, root: Path) -> None:
    """List the template files a practice overrides."""
    paths = ProjectPaths.at(root)
    _run(context, lambda: check_slug(slug, paths))
    if not (paths.practices / f"{slug}.yaml").is_file():
        raise click.UsageError(f"there is no practice {slug!r}")
    overrides = list_overrides(paths, slug)
    if not overrides:
        click.echo(f"{slug} uses the shared templates unchanged")
    for override in overrides:
        click.echo(printable(override.describe()))
    guide = _run(context, lambda: template_guide(paths, slug))
    click.echo('\nBlocks an override can fill (extend "default/<kind>.html.j2" and redefine one):')
    for template, blocks in guide.blocks.items():
        click.echo(f"  {template}: {', '.join(blocks)}")
    if guide.variables:
        click.echo(f"\nVariables (read from {guide.sample}; sections and blocks differ by kind):")
        for name in guide.variables:
            click.echo(f"  {printable(name)}")


@main.command("schema")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", help=PROJECT_ROOT_HELP)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Folder to write to (default: schemas/ in the project).")
def schema_command(root: Path, out: Path | None) -> None:
    """Write JSON Schema for procedure and practice files, for editors to check and complete them."""
    for file in write_schemas(out if out is not None else root / "schemas"):
        click.echo(f"wrote {display_path(file)}")


@main.group("translations")
def translations_group() -> None:
    """Keep translations in step with their English: stamp, export to PO, import from PO.

    Each translation records, per text, a hash of the English it was made
    from; `check` lists texts that are stale (the English changed since) or
    missing, and `build` prints those documents with "Translation out of date".
    """


@translations_group.command("stamp")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--all", "every", is_flag=True, help="Every translation of the project: procedure files with translated_from and templates/i18n/<lang>.yaml.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", help=PROJECT_ROOT_HELP)
@click.pass_context
def stamp_command(context: click.Context, files: tuple[Path, ...], every: bool, root: Path) -> None:
    """Record that each text of FILE now translates the English as it is (after a translator has checked it).

    Rewrites only the file's source_hashes mapping; every other line stays as it is.
    """
    if bool(files) == every:
        raise click.UsageError("name the translation files to stamp, or give --all")
    root = root.resolve()
    project = load_project(ProjectPaths.at(root))
    targets = stamp_targets(project) if every else [file.resolve() for file in files]
    failed = False
    for file in targets:
        try:
            done = stamp(file, project)
        except PressError as error:
            if context.obj.get("debug"):
                raise
            failed = True
            click.echo(f"ERROR  {error.describe(root)}", err=True)
            continue
        note = f", {done.renewed} of them stale or unstamped before" if done.renewed else ""
        click.echo(f"stamped {printable(relative_path(done.file, root))}: {done.recorded} texts current{note}")
        for text in done.unpaired[:5]:
            click.echo(f"  still out of date: {printable(dotted(text.path))}: {text.why}", err=True)
        if len(done.unpaired) > 5:
            click.echo(f"  and {len(done.unpaired) - 5} more texts stamping cannot make current", err=True)
        if done.same:
            shown = ", ".join(printable(dotted(path)) for path in done.same[:5]) + (f" and {len(done.same) - 5} more" if len(done.same) > 5 else "")
            click.echo(f"  note: {len(done.same)} read exactly as the English (names kept as they are, or not translated yet?): {shown}", err=True)
    context.exit(1 if failed else 0)


@translations_group.command("export")
@click.option("--lang", required=True, metavar="LANG", help="The language to translate into (es, zh-Hans, ...).")
@click.option("-p", "--procedure", "procedures", multiple=True, metavar="ID", help="Only this procedure (repeatable); without it, every procedure and the interface wording.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Folder to write <lang>/<procedure>.po into (default: translations/ in the project).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", help=PROJECT_ROOT_HELP)
@click.pass_context
def export_command(context: click.Context, lang: str, procedures: tuple[str, ...], out: Path | None, root: Path) -> None:
    """Write gettext PO files for a translator: the English, the translation, stale entries fuzzy, missing ones empty."""
    from .exchange import export

    root = root.resolve()
    written, errors = _run(context, lambda: export(ProjectPaths.at(root), lang, procedures, out.resolve() if out else None))
    for done in written:
        counts = f"{done.entries} texts, {done.untranslated} untranslated, {done.fuzzy} fuzzy (stale or unconfirmed)"
        left = f"; {done.left_out} only the translation has, left out" if done.left_out else ""
        click.echo(f"wrote {printable(relative_path(done.file, root))}: {counts}{left}")
    for error in errors:
        click.echo(f"ERROR  {error.describe(root)}", err=True)
    context.exit(1 if errors else 0)


@translations_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", help=PROJECT_ROOT_HELP)
@click.pass_context
def import_command(context: click.Context, files: tuple[Path, ...], root: Path) -> None:
    """Write each translation a PO file was exported for: its texts from the PO, its shape from the English.

    Records the English each confirmed entry (not fuzzy, not empty) was translated from.
    """
    from .exchange import import_po

    root = root.resolve()
    failed = False
    for file in files:
        try:
            done = import_po(ProjectPaths.at(root), file.resolve())
        except PressError as error:
            if context.obj.get("debug"):
                raise
            failed = True
            for problem in error.problems if isinstance(error, FileProblems) else [error]:
                click.echo(f"ERROR  {problem.describe(root)}", err=True)
            continue
        verb = "created" if done.created else "updated"
        parts = [f"{done.current} current"]
        if done.stale:
            parts.append(f"{done.stale} stale (translated from English that has changed since)")
        if done.missing:
            parts.append(f"{done.missing} missing (fuzzy or untranslated: the earlier text, or the English, holds the place)")
        click.echo(f"{verb} {printable(relative_path(done.file, root))} from {printable(relative_path(done.po, root))}: {done.texts} texts, {', '.join(parts)}")
    context.exit(1 if failed else 0)


def _run(context: click.Context, action):
    """Turn the press's own errors into a clean message; let bugs raise."""
    try:
        return action()
    except (SelectionError, OptionsError) as error:
        if context.obj.get("debug"):
            raise
        raise click.UsageError(error.describe()) from None
    except PressError as error:
        if context.obj.get("debug"):
            raise
        click.echo(f"ERROR  {error.describe(Path.cwd())}", err=True)
        context.exit(1)



if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
