"""What a person sees when they break one file: the real CLI, run in process.

Each test breaks one thing in a throwaway copy of the project and checks that
the press says which file and which field or line, exits 1 (2 for a usage
error) without a traceback, still builds every document that does not depend
on the broken file, and leaves nothing half-written in the output folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from handoutpress.cli import main
from handoutpress.kinds import KINDS  # every kind: the fixture's kyphoplasty has the roles each requires
BROKEN = "harbourside-spine"
OTHER = "riverbend-spine"
BROKEN_FILE = f"content/practices/{BROKEN}.yaml"
# Build the broken practice beside one good one: the error must count, the good one must still
# be built, and the build stays fast however many practices the project grows. One kind is
# enough to show that; test_full_build_skips_only_the_broken_practice builds everything.
BOTH = ("--practice", BROKEN, "--practice", OTHER, "-k", "consent")
PROCEDURE_FILE = "content/procedures/kyphoplasty/en.yaml"
LINE = re.compile(r"\bline \d+\b")


# --- running the press ----------------------------------------------------------------


def cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line, in this process (a subprocess costs a fresh WeasyPrint import), run from ``project``.

    An exception that escapes the command fails the test with its traceback;
    ``tests/test_batch.py`` keeps true end-to-end runs in a subprocess.
    """
    previous = os.getcwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def build(project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return cli(project, "build", "--root", str(project), "--out", str(project / "out"), *options)


def check(project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return cli(project, "check", "--root", str(project), *options)


# --- breaking things ------------------------------------------------------------------


def edit(project: Path, relative: str, old: str, new: str) -> None:
    """Replace ``old`` (which must occur exactly once) so a test cannot silently break nothing."""
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(project: Path, relative: str, needle: str) -> int:
    lines = (project / relative).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


# --- reading the outcome --------------------------------------------------------------


def problems(stderr: str) -> list[str]:
    """Each reported error as ``file: where: message``, without the ERROR / FAILED <pdf> prefix."""
    found = []
    for line in stderr.splitlines():
        if line.startswith("ERROR  "):
            found.append(line.removeprefix("ERROR  "))
        elif line.startswith("FAILED "):
            found.append(line.split(": ", 1)[1])
    return found


def assert_reported(result: subprocess.CompletedProcess[str], file: str, *fragments: str | re.Pattern) -> None:
    """Exit 1, no traceback, and an error naming ``file`` that holds every fragment."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    naming = [p for p in problems(result.stderr) if p.startswith(f"{file}: ")]
    assert naming, f"no error names {file}:\n{result.stderr}"
    for fragment in fragments:
        if isinstance(fragment, re.Pattern):
            assert all(fragment.search(p) for p in naming), f"{fragment.pattern!r} not in {naming}"
        else:
            assert all(fragment in p for p in naming), f"{fragment!r} not in {naming}"


def pdf_names(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*.pdf")} if out.is_dir() else set()


def expected(practices, kinds=KINDS) -> set[str]:
    return {f"{practice}/en/kyphoplasty-{kind}.pdf" for practice in practices for kind in kinds}


def assert_output(out: Path, names: set[str]) -> None:
    """Exactly ``names`` were written, each a whole PDF, and no temporary file was left behind."""
    assert pdf_names(out) == names
    for name in names:
        first_page = PdfReader(out / name).pages[0]
        # The discharge sheet names it inside a sentence ("Going home after kyphoplasty").
        assert "kyphoplasty" in first_page.extract_text().lower()
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp")] if out.is_dir() else []
    assert leftovers == []


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    files = (p for p in folder.rglob("*") if p.is_file())
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in files}


def assert_check_agrees(project: Path, built: subprocess.CompletedProcess[str], *options: str) -> None:
    """``check`` reports what ``build`` reported, exits 1, and writes nothing at all."""
    before = snapshot(project)
    result = check(project, "--no-typeset", *options)  # most problems are found before layout
    if set(problems(result.stderr)) != set(problems(built.stderr)):
        result = check(project, *options)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    assert set(problems(result.stderr)) == set(problems(built.stderr))
    assert snapshot(project) == before


def break_and_build(project: Path, old: str, new: str) -> subprocess.CompletedProcess[str]:
    edit(project, BROKEN_FILE, old, new)
    return build(project, *BOTH)


def assert_only_broken_practice_fails(project: Path, result, *fragments: str | re.Pattern) -> None:
    assert_reported(result, BROKEN_FILE, *fragments)
    assert_output(project / "out", expected([OTHER], ["consent"]))
    assert_check_agrees(project, result, *BOTH)


# --- a broken practice file -----------------------------------------------------------
# Each way of breaking one is a case of tests/corpus/; this shows a full build of every kind.


def test_full_build_skips_only_the_broken_practice(project):
    edit(project, BROKEN_FILE, "  phone: 01632 960 100", '  phone: "01632 960 100')
    result = build(project)
    assert_reported(result, BROKEN_FILE, "invalid YAML", LINE)
    others = [p.stem for p in (project / "content/practices").glob("*.yaml") if p.stem != BROKEN]
    assert_output(project / "out", expected(others))


# --- malformed YAML in the only procedure ---------------------------------------------


def test_malformed_procedure_yaml_fails_every_document_cleanly(project):
    edit(project, PROCEDURE_FILE, "title: Kyphoplasty", 'title: "Kyphoplasty')
    result = build(project, "-p", "kyphoplasty")
    assert_reported(result, PROCEDURE_FILE, "invalid YAML", LINE)
    assert re.search(r"^0 built\b", result.stderr, re.MULTILINE)
    assert_output(project / "out", set())
    assert_check_agrees(project, result, "-p", "kyphoplasty")


# --- mistyped field in a procedure ----------------------------------------------------


@pytest.mark.parametrize(
    ("new", "fragments"),
    [
        pytest.param("reviewed_on: not-a-date", ["review.reviewed_on: "], id="not-a-date"),
        # YAML itself reads 2026-02-30 as a date and fails on it, before any validation.
        pytest.param("reviewed_on: 2026-02-30", [], id="impossible-date"),
    ],
)
def test_mistyped_procedure_date(project, new, fragments):
    edit(project, PROCEDURE_FILE, "reviewed_on: 2026-11-01", new)
    options = ("--practice", OTHER, "-k", "brochure")
    result = build(project, *options)
    assert_reported(result, PROCEDURE_FILE, f"line {line_of(project, PROCEDURE_FILE, new)}", *fragments)
    assert_output(project / "out", set())
    assert_check_agrees(project, result, *options)


# --- a logo that leads out of the project ----------------------------------------------
# Absolute and ../ paths are cases of tests/corpus/; a link cannot be kept in it.


def test_a_logo_linked_from_outside_the_project_is_refused(project):
    (project / "content/practices/harbourside-spine/passwd.svg").symlink_to("/etc/passwd")
    result = break_and_build(project, "file: harbourside-spine/logo.svg", "file: harbourside-spine/passwd.svg")
    refusal = "brand.logo.file: 'harbourside-spine/passwd.svg' points outside the project's content and templates"
    assert_only_broken_practice_fails(project, result, refusal)


# --- undefined template variable ------------------------------------------------------


# Which kinds use which shared partial changes as the templates evolve, so the
# partial case adds a partial of its own, included by the consent summary alone.
@pytest.mark.parametrize(
    ("template", "old", "failing"),
    [
        pytest.param("templates/consent.html.j2", "practice.identity.name", {"consent"}, id="consent"),
        pytest.param("templates/discharge.html.j2", "procedure.name_in_sentence", {"discharge"}, id="discharge"),
        pytest.param("templates/base.html.j2", "document.author", set(KINDS), id="base"),
        pytest.param("templates/partials/fax.html.j2", None, {"consent"}, id="partial"),
    ],
)
def test_undefined_template_variable_fails_only_documents_using_it(project, template, old, failing):
    """``old`` is the expression replaced by ``practice.identity.fax``, which does not exist."""
    if old is None:
        (project / template).write_text("<p>\n  {{ practice.identity.fax }}</p>\n", encoding="utf-8")
        include = '{% include "partials/fax.html.j2" %}\n'
        edit(project, "templates/consent.html.j2", "{% block sections %}\n", "{% block sections %}\n" + include)
    else:
        edit(project, template, old, "practice.identity.fax")
    result = build(project, "--practice", OTHER)
    line = line_of(project, template, "identity.fax")
    assert_reported(result, template, f"line {line}: undefined variable", "'fax'")
    failed = {row.split()[1].rstrip(":") for row in result.stderr.splitlines() if row.startswith("FAILED ")}
    assert failed == expected([OTHER], failing)
    assert_output(project / "out", expected([OTHER], set(KINDS) - failing))
    assert_check_agrees(project, result, "--practice", OTHER)


# --- template syntax error ------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "exact_line"),
    [
        pytest.param("{% block follow_up %}{% if %}", True, id="empty-if"),
        # Jinja finds a missing endif where the enclosing block ends, a few lines on.
        pytest.param("{% block follow_up %}{% if procedure %}", False, id="unclosed-if"),
    ],
)
def test_template_syntax_error_spares_the_other_kinds(project, new, exact_line):
    edit(project, "templates/discharge.html.j2", "{% block follow_up %}", new)
    selection = ("--practice", BROKEN, "--practice", OTHER, "-k", "consent", "-k", "discharge")
    result = build(project, *selection)
    line = f"line {line_of(project, 'templates/discharge.html.j2', new)}: " if exact_line else LINE
    assert_reported(result, "templates/discharge.html.j2", line)
    assert_output(project / "out", expected([BROKEN, OTHER], ["consent"]))
    assert_check_agrees(project, result, *selection)


# --- not UTF-8 (a practice file not in UTF-8 is a case of tests/corpus/) ---------------


@pytest.mark.parametrize("command", [build, check], ids=["build", "check"])
def test_non_utf8_template_names_the_template(project, command):
    template = project / "templates/partials/contact.html.j2"
    template.write_bytes(template.read_bytes() + "<p>Médicale</p>\n".encode("latin-1"))
    result = command(project, "--practice", OTHER)
    assert_reported(result, "templates/partials/contact.html.j2", re.compile("utf-8", re.IGNORECASE))


# --- usage errors ---------------------------------------------------------------------


@pytest.mark.parametrize("command", [build, check], ids=["build", "check"])
@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        pytest.param(("--practice", "nosuch"), "no practice 'nosuch' (known: harbourside-spine", id="practice"),
        pytest.param(("-p", "nosuch"), "no procedure 'nosuch' (known: kyphoplasty", id="procedure"),
        pytest.param(("--lang", "xx"), "no language 'xx' (known: en", id="lang"),
        pytest.param(("-k", "leaflet"), "'leaflet' is not one of", id="kind"),
    ],
)
def test_unknown_selection_is_a_usage_error(project, command, options, complaint):
    before = snapshot(project)
    result = command(project, *options)
    assert "Traceback" not in result.stderr
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("Usage: ")
    assert complaint in result.stderr
    assert snapshot(project) == before


# --- a failed rebuild keeps the last good PDF -----------------------------------------


def test_a_failed_rebuild_moves_the_previous_pdf_aside(project):
    """The last good PDF is kept, but in .failed/, never where it would be printed looking current."""
    out, name = project / "out", f"{OTHER}/en/kyphoplasty-consent.pdf"
    options = ("--practice", OTHER, "-k", "consent")
    first = build(project, *options)
    assert first.returncode == 0, first.stderr
    good = (out / name).read_bytes()

    template = "templates/consent.html.j2"
    edit(project, template, "{% block sections %}", "{% block sections %}{% if %}")
    result = build(project, *options)

    assert_reported(result, template, f"line {line_of(project, template, '{% if %}')}: ")
    assert f"moved   {name} to .failed/" in result.stderr
    assert not (out / name).exists()
    assert (out / ".failed" / name).read_bytes() == good
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["documents"] == []
    assert hashlib.sha256(good).hexdigest()


# --- a missing include ---------------------------------------------------------------


def test_missing_include_names_the_including_template_and_line(project):
    """The mistake is in the template that includes (here, imports the block macros), so that is the file and line to name."""
    edit(project, "templates/consent.html.j2", '"partials/blocks.html.j2"', '"partials/block.html.j2"')
    result = build(project, "--practice", OTHER, "-k", "consent")
    line = line_of(project, "templates/consent.html.j2", "partials/block.html.j2")
    assert_reported(result, "templates/consent.html.j2", f"line {line}: ", "'partials/block.html.j2' not found")
    assert_output(project / "out", set())
