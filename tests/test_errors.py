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

KINDS = ("brochure", "consent", "discharge")
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
        assert "Kyphoplasty" in first_page.extract_text()
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp")] if out.is_dir() else []
    assert leftovers == []


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    files = (p for p in folder.rglob("*") if p.is_file())
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in files}


def assert_check_agrees(project: Path, built: subprocess.CompletedProcess[str], *options: str) -> None:
    """``check`` reports what ``build`` reported, exits 1, and writes nothing at all."""
    before = snapshot(project)
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


# --- malformed YAML in a practice file ------------------------------------------------


@pytest.mark.parametrize(
    ("new", "exact_line"),
    [
        # PyYAML notices an unclosed quote only where the quoted text finally breaks the
        # structure, lines later, so only "some line" can be promised for it.
        pytest.param('  phone: "01632 960 100', False, id="unclosed-quote"),
        pytest.param(" phone: 01632 960 100", True, id="bad-indentation"),
        pytest.param("\tphone: 01632 960 100", True, id="tab-indentation"),
    ],
)
def test_malformed_practice_yaml(project, new, exact_line):
    result = break_and_build(project, "  phone: 01632 960 100", new)
    line = f"line {line_of(project, BROKEN_FILE, 'phone:')}, column" if exact_line else LINE
    assert_only_broken_practice_fails(project, result, "invalid YAML", line)


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


# --- missing required field -----------------------------------------------------------


def test_missing_required_field(project):
    result = break_and_build(project, "  phone: 01632 960 100\n", "")
    assert_only_broken_practice_fails(project, result, LINE, "identity.phone: ", "required")


# --- mistyped field -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        pytest.param("size: a4", "size: tabloid", "page.size", id="page-size"),
        pytest.param('accent: "#ffd7c9"', "accent: peach", "brand.colours.accent", id="colour-not-hex"),
        pytest.param(
            "website: harbourside-spine.example", "website: javascript:x", "identity.website", id="website"
        ),
    ],
)
def test_mistyped_practice_field(project, old, new, field):
    result = break_and_build(project, old, new)
    line = line_of(project, BROKEN_FILE, new)
    assert_only_broken_practice_fails(project, result, f"line {line}: {field}: ")


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


# --- unknown key ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        pytest.param("brand:\n", "brand:\n  colour: red\n", "brand.colour", id="under-brand"),
        pytest.param("page:\n", "fax: 01632 960 101\npage:\n", "fax", id="top-level"),
    ],
)
def test_unknown_key(project, old, new, key):
    result = break_and_build(project, old, new)
    line = line_of(project, BROKEN_FILE, key.rpartition(".")[2] + ":")
    assert_only_broken_practice_fails(project, result, f"line {line}: {key}: unknown field")


# --- logo file ------------------------------------------------------------------------


def test_missing_logo_file(project):
    result = break_and_build(project, "logo.svg", "logo-2024.svg")
    missing = "brand.logo.file: 'harbourside-spine/logo-2024.svg' does not exist"
    assert_only_broken_practice_fails(project, result, missing)


OUTSIDE = "points outside the project's content and templates"


@pytest.mark.parametrize(
    ("reference", "refusal"),
    [
        pytest.param("../../etc/passwd", OUTSIDE, id="dot-dot"),
        pytest.param("../" * 30 + "etc/passwd", OUTSIDE, id="dot-dot-to-root"),
        pytest.param("/etc/passwd", "must be a path relative to the practice file", id="absolute"),
        pytest.param("harbourside-spine/passwd.svg", OUTSIDE, id="symlink-out"),
    ],
)
def test_logo_outside_the_project_is_refused(project, reference, refusal):
    (project / "content/practices/harbourside-spine/passwd.svg").symlink_to("/etc/passwd")
    result = break_and_build(project, "file: harbourside-spine/logo.svg", f"file: {reference}")
    assert_only_broken_practice_fails(project, result, f"brand.logo.file: {reference!r} {refusal}")


# --- undefined template variable ------------------------------------------------------


# Which kinds use which shared partial changes as the templates evolve, so the
# partial case adds a partial of its own, included by the consent summary alone.
@pytest.mark.parametrize(
    ("template", "old", "failing"),
    [
        pytest.param("templates/consent.html.j2", "practice.identity.name", {"consent"}, id="consent"),
        pytest.param("templates/discharge.html.j2", "procedure.recovery.intro", {"discharge"}, id="discharge"),
        pytest.param("templates/base.html.j2", "document.author", set(KINDS), id="base"),
        pytest.param("templates/partials/fax.html.j2", None, {"consent"}, id="partial"),
    ],
)
def test_undefined_template_variable_fails_only_documents_using_it(project, template, old, failing):
    """``old`` is the expression replaced by ``practice.identity.fax``, which does not exist."""
    if old is None:
        (project / template).write_text("<p>\n  {{ practice.identity.fax }}</p>\n", encoding="utf-8")
        include = '{% include "partials/fax.html.j2" %}\n'
        edit(project, "templates/consent.html.j2", "{% block what %}\n", "{% block what %}\n" + include)
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
        pytest.param("{% block timeline %}{% if %}", True, id="empty-if"),
        # Jinja finds a missing endif where the enclosing block ends, a few lines on.
        pytest.param("{% block timeline %}{% if procedure %}", False, id="unclosed-if"),
    ],
)
def test_template_syntax_error_spares_the_other_kinds(project, new, exact_line):
    edit(project, "templates/discharge.html.j2", "{% block timeline %}", new)
    selection = ("--practice", BROKEN, "--practice", OTHER, "-k", "consent", "-k", "discharge")
    result = build(project, *selection)
    line = f"line {line_of(project, 'templates/discharge.html.j2', new)}: " if exact_line else LINE
    assert_reported(result, "templates/discharge.html.j2", line)
    assert_output(project / "out", expected([BROKEN, OTHER], ["consent"]))
    assert_check_agrees(project, result, *selection)


# --- duplicate key --------------------------------------------------------------------


def test_duplicate_key(project):
    phone = "  phone: 01632 960 100\n"
    result = break_and_build(project, phone, phone + "  phone: 01632 960 101\n")
    first, second = line_of(project, BROKEN_FILE, "960 100"), line_of(project, BROKEN_FILE, "960 101")
    assert_only_broken_practice_fails(
        project, result, f"line {second}, column 3", f"duplicate key 'phone' (first given on line {first})"
    )


# --- not UTF-8 ------------------------------------------------------------------------


def save_as_latin1(path: Path, bom: bool = False) -> int:
    """Save a practice file as Latin-1 with one accented letter; return that byte's offset."""
    text = path.read_text(encoding="utf-8").replace("Spine Clinic\n", "Spine Clinic Médicale\n", 1)
    raw = (b"\xef\xbb\xbf" if bom else b"") + text.encode("latin-1")
    path.write_bytes(raw)
    return raw.index(b"\xe9")


def test_non_utf8_practice_file(project):
    offset = save_as_latin1(project / BROKEN_FILE)
    result = build(project, *BOTH)
    assert_only_broken_practice_fails(project, result, f"is not UTF-8 text (byte {offset} is 0xe9)")


def test_non_utf8_practice_file_with_bom_reports_the_true_offset(project):
    """A BOM (as Windows editors write) must not shift the byte offset the message points to."""
    offset = save_as_latin1(project / BROKEN_FILE, bom=True)
    result = build(project, "--practice", BROKEN)
    assert_reported(result, BROKEN_FILE, f"is not UTF-8 text (byte {offset} is 0xe9)")


@pytest.mark.parametrize("command", [build, check], ids=["build", "check"])
def test_non_utf8_template_names_the_template(project, command):
    template = project / "templates/partials/contact.html.j2"
    template.write_bytes(template.read_bytes() + "<p>Médicale</p>\n".encode("latin-1"))
    result = command(project, "--practice", OTHER)
    assert_reported(result, "templates/partials/contact.html.j2", re.compile("utf-8", re.IGNORECASE))


# --- contrast -------------------------------------------------------------------------


def test_low_contrast_primary_colour(project):
    result = break_and_build(project, 'primary: "#00665e"', 'primary: "#ffff00"')
    assert_only_broken_practice_fails(
        project, result, "brand.colours.primary: ", "(#ffffff on #ffff00) is 1.07:1", "at least 4.5:1"
    )


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


def test_failed_rebuild_keeps_the_previous_pdf_intact(project):
    out, name = project / "out", f"{OTHER}/en/kyphoplasty-consent.pdf"
    options = ("--practice", OTHER, "-k", "consent")
    first = build(project, *options)
    assert first.returncode == 0, first.stderr
    good = (out / name).read_bytes()

    template = "templates/consent.html.j2"
    edit(project, template, "{% block why %}", "{% block why %}{% if %}")
    result = build(project, *options)

    assert_reported(result, template, f"line {line_of(project, template, '{% if %}')}: ")
    assert (out / name).read_bytes() == good
    assert_output(out, {name})
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    recorded = [(d["path"], d["sha256"]) for d in manifest["documents"]]
    assert recorded == [(name, hashlib.sha256(good).hexdigest())]


# --- a missing include ---------------------------------------------------------------


def test_missing_include_names_the_including_template_and_line(project):
    """The mistake is in the template that includes, so that is the file and line to name."""
    edit(project, "templates/consent.html.j2", '"partials/steps.html.j2"', '"partials/step.html.j2"')
    result = build(project, "--practice", OTHER, "-k", "consent")
    line = line_of(project, "templates/consent.html.j2", "partials/step.html.j2")
    assert_reported(result, "templates/consent.html.j2", f"line {line}: ", "'partials/step.html.j2' not found")
    assert_output(project / "out", set())
