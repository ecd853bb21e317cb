"""Per-practice customisation: overrides, blocks, brand colours, the scaffold, and path safety."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from pdfs import fonts_of, page_texts, pdf_text
from PIL import Image
from pypdf import PdfReader

from handoutpress import Selection, build, check
from handoutpress.kinds import KINDS
from handoutpress.paths import ProjectPaths
from handoutpress.plan import Job
from handoutpress.load import load_project
from handoutpress.cli import main
from handoutpress.render import Renderer, list_overrides
from handoutpress.scaffold import new_practice


def run_cli(*args: str, root: Path) -> subprocess.CompletedProcess:
    """The command line, in this process: a subprocess would only add a fresh WeasyPrint import."""
    result = CliRunner().invoke(main, [*args, "--root", str(root)], catch_exceptions=False)
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def overrides_folder(project: Path, slug: str) -> Path:
    folder = project / "templates" / "practices" / slug
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def render(project: Path, slug: str, kind: str):
    paths = ProjectPaths.at(project)
    loaded = load_project(paths)
    assert not loaded.errors, [e.describe() for e in loaded.errors]
    practice = loaded.practices[slug]
    offer = next(offer for offer in practice.data.offers if offer.procedure == "kyphoplasty")
    job = Job(loaded.procedures[("kyphoplasty", "en")], practice, kind, offer)
    return Renderer(paths).render(job)


def render_html(project: Path, slug: str, kind: str) -> str:
    return render(project, slug, kind).html


def dominant_colour(png: Path, top_fraction: float = 0.2) -> tuple[int, int, int]:
    """The commonest clearly coloured pixel in the top of a page."""
    image = Image.open(png).convert("RGB")
    band = image.crop((0, 0, image.width, int(image.height * top_fraction)))
    counts = Counter({colour: n for n, colour in band.getcolors(maxcolors=band.width * band.height) if max(colour) - min(colour) > 40})
    return counts.most_common(1)[0][0]


def hex_rgb(value: str) -> tuple[int, int, int]:
    return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))


def render_first_page(pdf: Path, tmp_path: Path) -> Path:
    prefix = tmp_path / pdf.stem
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)], check=True)
    return prefix.with_suffix(".png")


# --- overrides ----------------------------------------------------------------


def test_a_shadowed_partial_applies_to_that_practice_only(project, tmp_path):
    footer = overrides_folder(project, "riverbend-spine") / "partials" / "footer.html.j2"
    footer.parent.mkdir(parents=True)
    shared = (project / "templates/partials/footer.html.j2").read_text()
    footer.write_text(shared.replace("</footer>", "<span>Riverbend own footer</span></footer>"))
    out = tmp_path / "out"
    report = build(project, Selection(kinds=("discharge",)), out)
    assert report.ok
    for text in page_texts(out / "riverbend-spine/en/kyphoplasty-discharge.pdf"):
        assert "Riverbend own footer" in text
    for slug in ("harbourside-spine", "lakeside-spine-care"):
        assert "Riverbend own footer" not in pdf_text(out / slug / "en/kyphoplasty-discharge.pdf")


def test_a_block_override_changes_only_that_block(project):
    before = render_html(project, "riverbend-spine", "brochure")
    (overrides_folder(project, "riverbend-spine") / "brochure.html.j2").write_text(
        '{% extends "default/brochure.html.j2" %}\n'
        '{% block cover %}<section class="cover"><h1>Our own cover</h1></section>{% endblock %}\n'
    )
    after = render_html(project, "riverbend-spine", "brochure")
    cover_start = before.index('<section class="cover">')
    cover_end = before.index("</section>", cover_start) + len("</section>")
    expected = before[:cover_start] + '<section class="cover"><h1>Our own cover</h1></section>' + before[cover_end:]
    assert after.split() == expected.split()
    assert render_html(project, "harbourside-spine", "brochure").count("Our own cover") == 0


def test_the_shipped_cover_override_reaches_the_pdf(built):
    lakeside = page_texts(built / "lakeside-spine-care/en/kyphoplasty-brochure.pdf")[0]
    riverbend = page_texts(built / "riverbend-spine/en/kyphoplasty-brochure.pdf")[0]
    assert lakeside.startswith("LAKESIDE SPINE CARE Kyphoplasty")
    assert riverbend.startswith("Riverbend Spine Center (555) 010-2000")


def test_practice_css_comes_after_the_shared_stylesheets(project):
    (overrides_folder(project, "riverbend-spine") / "practice.css").write_text("h1 { color: #000000; }\n")
    sheets = [url.rsplit("/templates/", 1)[1] for url in render(project, "riverbend-spine", "consent").stylesheets]
    assert sheets == ["css/base.css", "css/consent.css", "practices/riverbend-spine/practice.css"]
    assert len(render(project, "harbourside-spine", "consent").stylesheets) == 2


def test_a_shadowed_stylesheet_still_finds_the_shared_fonts(project, tmp_path):
    css = overrides_folder(project, "riverbend-spine") / "css" / "base.css"
    css.parent.mkdir()
    css.write_text((project / "templates/css/base.css").read_text() + "\nh1 { text-decoration: underline; }\n")
    out = tmp_path / "out"
    assert build(project, Selection(practices=("riverbend-spine",), kinds=("brochure",)), out).ok
    fonts = fonts_of(PdfReader(out / "riverbend-spine/en/kyphoplasty-brochure.pdf"))
    assert fonts and all("Atkinson" in name for name in fonts)


def test_templates_command_lists_the_overrides(project):
    result = run_cli("templates", "--practice", "lakeside-spine-care", root=project)
    assert result.returncode == 0, result.stderr
    assert "brochure.html.j2: replaces templates/brochure.html.j2" in result.stdout
    assert "practice.css: added after the shared stylesheets" in result.stdout
    assert [o.name for o in list_overrides(ProjectPaths.at(project), "riverbend-spine")] == []


def test_practice_templates_run_in_the_sandbox(project, tmp_path):
    (overrides_folder(project, "riverbend-spine") / "consent.html.j2").write_text(
        '{% extends "default/consent.html.j2" %}\n'
        "{% block heading %}{{ ''.__class__.__mro__[1].__subclasses__() }}{% endblock %}\n"
    )
    result = run_cli("build", "--practice", "riverbend-spine", "-k", "consent", "--out", str(tmp_path / "out"), root=project)
    assert result.returncode == 1
    assert "templates/practices/riverbend-spine/consent.html.j2: line 2:" in result.stderr
    assert "unsafe" in result.stderr
    assert "Traceback" not in result.stderr


# --- brand --------------------------------------------------------------------


@pytest.mark.parametrize("slug, size", [("riverbend-spine", (612, 792)), ("harbourside-spine", (595, 842))])
def test_page_size_and_header_colour_reach_the_page(built, tmp_path, slug, size):
    pdf = built / slug / "en/kyphoplasty-discharge.pdf"
    box = PdfReader(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size
    primary = {"riverbend-spine": "#1d4e89", "harbourside-spine": "#00665e"}[slug]
    sampled = dominant_colour(render_first_page(pdf, tmp_path))
    assert all(abs(a - b) <= 3 for a, b in zip(sampled, hex_rgb(primary))), (sampled, primary)


def test_the_three_practices_look_different(built, tmp_path):
    colours = {
        slug: dominant_colour(render_first_page(built / slug / "en/kyphoplasty-brochure.pdf", tmp_path))
        for slug in ("riverbend-spine", "harbourside-spine", "lakeside-spine-care")
    }
    assert len(set(colours.values())) == 3


def test_base_size_and_margins_reach_the_html(project):
    edit(project / "content/practices/riverbend-spine.yaml", "page:\n  size: letter", "page:\n  size: letter\n  margins_mm: 22")
    edit(project / "content/practices/riverbend-spine.yaml", "brand:\n", "brand:\n  base_size_pt: 16\n")
    html = render_html(project, "riverbend-spine", "brochure")
    assert "--base-size: 16.0pt;" in html
    assert "margin: 22.0mm 22.0mm 30.0mm;" in html


def test_practice_texts_replace_the_content_defaults_for_that_practice_only(built):
    lakeside = pdf_text(built / "lakeside-spine-care/en/kyphoplasty-brochure.pdf")
    riverbend = pdf_text(built / "riverbend-spine/en/kyphoplasty-brochure.pdf")
    assert "Please arrive at the Lakeside Surgery Center front desk" in lakeside
    assert "Your care team will tell you when and where to arrive" not in lakeside
    assert "Your care team will tell you when and where to arrive" in riverbend
    harbourside = pdf_text(built / "harbourside-spine/en/kyphoplasty-discharge.pdf")
    assert "Our spine nurses answer questions" in harbourside
    assert "Dr A. Example (consultant spinal surgeon)" in harbourside


def test_build_defaults_choose_kinds_unless_the_command_line_does(project, tmp_path):
    edit(project / "content/practices/riverbend-spine.yaml", "page:\n", "defaults:\n  kinds: [consent]\npage:\n")
    plain = check(project, Selection(practices=("riverbend-spine",)))
    assert [job.kind for job in plain.jobs] == ["consent"]
    explicit = check(project, Selection(practices=("riverbend-spine",), kinds=("brochure",)))
    assert [job.kind for job in explicit.jobs] == ["brochure"]


# --- bad brand packs ------------------------------------------------------------


def file_errors(project: Path) -> list[str]:
    """What ``check`` finds wrong in the files; rendering is enough to reach them, typesetting is not needed."""
    return [e.describe(project) for e in check(project, typeset=False).errors]


def add_font(project: Path, files: str) -> None:
    edit(
        project / "content/practices/riverbend-spine.yaml",
        "brand:\n",
        f"brand:\n  font:\n    family: House Font\n    files:\n{files}    licence: riverbend-spine/logo.svg\n",
    )


@pytest.mark.parametrize(
    "files, message",
    [
        ("      regular: riverbend-spine/none.woff2\n      bold: riverbend-spine/none.woff2\n", "brand.font.files.regular: 'riverbend-spine/none.woff2' does not exist"),
        ("      regular: riverbend-spine/logo.svg\n      bold: riverbend-spine/logo.svg\n", "brand.font.files.regular: 'logo.svg' is not a font file"),
        ("      regular: ../../../etc/hostname\n      bold: x.woff2\n", "brand.font.files.regular: '../../../etc/hostname' points outside the project"),
    ],
    ids=["missing", "not-a-font", "outside"],
)
def test_a_bad_font_is_a_clear_error(project, files, message):
    add_font(project, files)
    assert file_errors(project) == [f"content/practices/riverbend-spine.yaml: {message}" + _tail(message)]


def _tail(message: str) -> str:
    return {
        "brand.font.files.regular: 'logo.svg' is not a font file": " (WOFF2, WOFF, TrueType or OpenType)",
        "brand.font.files.regular: '../../../etc/hostname' points outside the project": "'s content and templates",
    }.get(message, "")


def test_an_invalid_logo_is_a_clear_error(project):
    (project / "content/practices/riverbend-spine/logo.svg").write_text("this is not an image")
    errors = file_errors(project)
    assert errors == [
        "content/practices/riverbend-spine.yaml: brand.logo.file: 'logo.svg' is not a valid SVG image "
        "(syntax error: line 1, column 0)"
    ]


def test_text_on_background_contrast_names_field_and_ratio(project):
    edit(project / "content/practices/riverbend-spine.yaml", 'text: "#1a1a1a"', 'text: "#999999"')
    errors = file_errors(project)
    assert errors == [
        "content/practices/riverbend-spine.yaml: brand.colours.text: contrast of body text (#999999 on #ffffff) "
        "is 2.85:1; WCAG 2.1 AA needs at least 4.5:1; the nearest shade that passes is #757575",
        # the same text on the accent colour fails too: every failing pair is named at once
        "content/practices/riverbend-spine.yaml: brand.colours.accent: contrast of text on the accent colour "
        "(#999999 on #f6c85f) is 1.81:1; WCAG 2.1 AA needs at least 4.5:1; the nearest shade that passes is #412e04",
    ]


# --- scaffold and safety ----------------------------------------------------------


def test_the_scaffold_builds_without_edits(project, tmp_path):
    result = run_cli("new-practice", "north-hill", root=project)
    assert result.returncode == 0, result.stderr
    assert "created" in result.stdout
    out = tmp_path / "out"
    report = build(project, Selection(practices=("north-hill",)), out)
    assert report.ok, [e.describe() for e in report.failures]
    # Every registered kind: the scaffold offers kyphoplasty, which has the roles each kind requires.
    assert sorted(p.name for p in (out / "north-hill/en").iterdir()) == sorted(f"kyphoplasty-{kind}.pdf" for kind in KINDS)
    assert "North Hill" in page_texts(out / "north-hill/en/kyphoplasty-consent.pdf")[0]


def test_the_scaffolds_commented_block_example_works_when_renamed(project):
    new_practice(ProjectPaths.at(project), "north-hill")
    example = project / "templates/practices/north-hill/brochure.html.j2.example"
    example.rename(example.with_suffix(""))
    html = render_html(project, "north-hill", "brochure")
    assert "North Hill · (555) 010-0000" in html


@pytest.mark.parametrize("slug", ["../evil", "/tmp/evil", "Evil", "evil_", "evil-", "riverbend-spine", ""])
def test_unsafe_or_existing_slugs_are_refused(project, slug):
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    result = run_cli("new-practice", slug, root=project)
    assert result.returncode == 1
    assert "ERROR" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before


def test_a_logo_path_that_comes_back_through_templates_still_cannot_leave(project):
    """Plain ../, absolute and linked logo paths are cases of tests/corpus/ and tests/test_errors.py."""
    logo = "riverbend-spine/../../../templates/../../etc/hostname"
    edit(project / "content/practices/riverbend-spine.yaml", "file: riverbend-spine/logo.svg", f"file: {logo}")
    errors = file_errors(project)
    assert len(errors) == 1
    assert errors[0].startswith("content/practices/riverbend-spine.yaml: brand.logo.file: ")
    assert "outside the project" in errors[0] or "relative to the practice file" in errors[0]


def test_a_practice_file_with_an_unsafe_name_is_refused(project):
    (project / "content/practices/Bad Name.yaml").write_text("identity: {}\n")
    errors = file_errors(project)
    assert errors == ["content/practices/Bad Name.yaml: a practice file name must be a slug of lower-case letters, digits and hyphens"]


def test_an_override_that_drops_the_consent_fields_is_refused(project, tmp_path):
    (overrides_folder(project, "riverbend-spine") / "consent.html.j2").write_text(
        '{% extends "default/consent.html.j2" %}\n{% block signatures %}<p>Sign the paper form.</p>{% endblock %}\n'
    )
    report = build(project, Selection(practices=("riverbend-spine",), kinds=("consent",)), tmp_path / "out")
    assert [e.describe(project) for e in report.failures] == [
        "templates/practices/riverbend-spine/consent.html.j2: the typeset PDF breaks the press's promises: form fields missing: interpreter_date, "
        "interpreter_signature, patient_date, patient_name, patient_signature, physician_date, physician_signature, "
        "witness_date, witness_signature"
    ]
    assert not (tmp_path / "out/riverbend-spine/en/kyphoplasty-consent.pdf").exists()
