"""Print-ready and accessible output: tri-fold, booklet, print marks, PDF/A, large print, size."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
import weasyprint
from pdfs import page_texts
from click.testing import CliRunner
from pypdf import PdfReader

from handoutpress import Selection, build
from handoutpress.cli import main
from handoutpress.impose import booklet_order, impose_booklet
from handoutpress.kinds import KINDS
from handoutpress.options import BLEED_MM, BuildOptions


MM = 72 / 25.4
PRACTICES = ("riverbend-spine", "harbourside-spine", "lakeside-spine-care")


def positioned_text(page) -> list[tuple[float, float, str]]:
    """(x, y, text) of every text run on a page, in PDF user space."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            runs.append((x, y, text.strip()))

    page.extract_text(visitor_text=visit)
    return runs


def panel_of(x: float, page_width: float) -> int:
    return int(x // (page_width / 3))


def first_run(runs, text: str) -> tuple[float, float, str]:
    return next(run for run in runs if run[2].startswith(text))


def font_sizes(reader: PdfReader) -> list[float]:
    sizes = []
    for page in reader.pages:
        def visit(text, cm, tm, font, size):
            if text.strip():
                sizes.append(size * (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5)
        page.extract_text(visitor_text=visit)
    return sizes


@pytest.fixture(scope="module")
def variants(test_project, tmp_path_factory) -> dict[str, Path]:
    """The test project built once with each print option."""
    # Each option with the kinds its tests read (every kind's layout is checked by test_validation).
    options = {
        "pages": (BuildOptions(layout="pages"), ("brochure",)),
        "booklet": (BuildOptions(imposition="booklet"), ("brochure",)),
        "marks": (BuildOptions(print_marks=True), ("brochure", "consent")),
        "pdfa": (BuildOptions(pdf_variant="pdf/a-3b"), ("consent",)),
        "large": (BuildOptions(large_print=True), KINDS),
    }
    outputs = {}
    for name, (option, kinds) in options.items():
        out = tmp_path_factory.mktemp(name)
        report = build(test_project, Selection(practices=("riverbend-spine",), kinds=kinds), out, options=option)
        assert report.ok, [e.describe() for e in report.failures]
        outputs[name] = out
    return outputs


# --- tri-fold -------------------------------------------------------------------


@pytest.mark.parametrize("slug", PRACTICES)
def test_trifold_is_two_landscape_sides(built, slug):
    reader = PdfReader(built / slug / "en/kyphoplasty-brochure.pdf")
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert float(page.mediabox.width) > float(page.mediabox.height)


@pytest.mark.parametrize("slug", ["riverbend-spine", "harbourside-spine"])
def test_outside_panels_are_in_fold_order(built, slug):
    page = PdfReader(built / slug / "en/kyphoplasty-brochure.pdf").pages[0]
    width = float(page.mediabox.width)
    runs = positioned_text(page)
    assert panel_of(first_run(runs, "What is kyphoplasty?")[0], width) == 0  # inside flap
    assert panel_of(first_run(runs, "Have a question?")[0], width) == 1  # back panel
    assert panel_of(first_run(runs, "Office hours")[0], width) == 1
    assert panel_of(first_run(runs, "A treatment for spine fractures")[0], width) == 2  # front cover


@pytest.mark.parametrize("slug", PRACTICES)
def test_inside_flows_through_the_three_panels_in_reading_order(built, slug):
    page = PdfReader(built / slug / "en/kyphoplasty-brochure.pdf").pages[1]
    width = float(page.mediabox.width)
    runs = positioned_text(page)
    # The brochure's inside sections in its recipe's order (kinds.KIND_SPECS["brochure"].roles).
    headings = [
        "Tests before kyphoplasty", "Getting ready", "On the day", "How it is done", "Your recovery", "Risks", "Other choices",
    ]
    places = [(panel_of(x, width), -y) for x, y, _ in (first_run(runs, h) for h in headings)]
    assert places == sorted(places), "headings out of reading order"
    assert {panel for panel, _ in places} == {0, 1, 2}, "the content does not reach all three panels"


@pytest.mark.parametrize("slug", PRACTICES)
def test_no_text_sits_on_a_fold(built, slug):
    """Every run of text starts inside a panel, clear of the folds by most of the panel padding."""
    for page in PdfReader(built / slug / "en/kyphoplasty-brochure.pdf").pages:
        width = float(page.mediabox.width)
        for x, _, text in positioned_text(page):
            offset = x % (width / 3)
            assert offset >= 5 * MM, f"{text!r} starts {offset / MM:.1f} mm after a fold"


def test_too_much_content_for_six_panels_is_refused(project, tmp_path):
    content = project / "content/procedures/kyphoplasty/en.yaml"
    steps = "".join(f"          - Extra test step {n} that only makes the content too long.\n" for n in range(40))
    removed = "          - The balloon is removed.\n"
    assert removed in content.read_text()
    content.write_text(content.read_text().replace(removed, removed + steps))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", "--root", str(project), "--out", str(out), "--practice", "riverbend-spine", "-k", "brochure", "-k", "discharge"]
    )
    assert result.exit_code == 1
    assert re.search(
        r"content/procedures/kyphoplasty/en\.yaml: the kyphoplasty \(en\) brochure for riverbend-spine does not fit the six "
        r"panels of a tri-fold: too long for the inside panels by \d+ lines? \(1 more side\)",
        result.output,
    ), result.output
    assert not (out / "riverbend-spine/en/kyphoplasty-brochure.pdf").exists()
    assert (out / "riverbend-spine/en/kyphoplasty-discharge.pdf").exists(), "the other kinds are still built"


def test_an_outside_panel_that_overflows_is_named(project, tmp_path):
    content = project / "content/procedures/kyphoplasty/en.yaml"
    # One more paragraph in the about section, which the flap panel prints.
    long_paragraph = "      - paragraph: " + "This sentence only makes the inside flap too long. " * 25 + "\n\n"
    benefits = "  - role: benefits\n"
    assert benefits in content.read_text()
    content.write_text(content.read_text().replace(benefits, long_paragraph + benefits))
    report = build(project, Selection(practices=("riverbend-spine",), kinds=("brochure",)), tmp_path / "out")
    (failure,) = [e.describe(project) for e in report.failures]
    assert re.match(
        r"content/procedures/kyphoplasty/en\.yaml: the kyphoplasty \(en\) brochure for riverbend-spine does not fit the six "
        r"panels of a tri-fold: too long for the flap panel by \d+ mm; shorten that content",
        failure,
    ), failure


def test_pages_layout_keeps_plain_numbered_portrait_pages(variants):
    pdf = variants["pages"] / "riverbend-spine/en/kyphoplasty-brochure.pdf"
    pages = page_texts(pdf)
    assert len(pages) > 2
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
    box = PdfReader(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


# --- booklet --------------------------------------------------------------------


def test_booklet_order_for_eight_pages():
    assert booklet_order(8) == [(7, 0), (1, 6), (5, 2), (3, 4)]


def test_booklet_order_for_six_pages_pads_with_blanks():
    assert booklet_order(6) == [(None, 0), (1, None), (5, 2), (3, 4)]


def numbered_pdf(count: int) -> bytes:
    html = "".join(f'<p style="break-after: page">Numbered page {n}</p>' for n in range(1, count + 1))
    return weasyprint.HTML(string=f"<style>@page {{ size: 100mm 200mm }}</style>{html}").write_pdf()


@pytest.mark.parametrize("count, expected", [
    (8, [(8, 1), (2, 7), (6, 3), (4, 5)]),
    (6, [(None, 1), (2, None), (6, 3), (4, 5)]),
])
def test_imposed_sheets_hold_the_right_pages_on_each_half(count, expected):
    reader = PdfReader(io.BytesIO(impose_booklet(numbered_pdf(count))))
    assert len(reader.pages) == len(expected)
    for side, (left, right) in zip(reader.pages, expected):
        assert round(float(side.mediabox.width) / MM) == 200 and round(float(side.mediabox.height) / MM) == 200
        halves = {0: [], 1: []}
        for x, _, text in positioned_text(side):
            halves[int(x // (100 * MM))].append(text)
        assert halves[0] == ([f"Numbered page {left}"] if left else [])
        assert halves[1] == ([f"Numbered page {right}"] if right else [])


def test_booklet_build_puts_half_sheet_pages_on_full_sheets(variants):
    reader = PdfReader(variants["booklet"] / "riverbend-spine/en/kyphoplasty-brochure.pdf")
    assert len(reader.pages) % 2 == 0
    for side in reader.pages:
        assert (round(float(side.mediabox.width)), round(float(side.mediabox.height))) == (792, 612)
    assert reader.metadata.title == "Kyphoplasty: patient guide"
    assert reader.trailer["/Root"]["/Lang"] == "en"


# --- print marks, PDF/A, accessibility ------------------------------------------------


@pytest.mark.parametrize("kind", ["brochure", "consent"])
def test_print_marks_enlarge_the_media_box_by_the_bleed(variants, built, kind):
    plain = PdfReader(built / "riverbend-spine/en" / f"kyphoplasty-{kind}.pdf").pages[0]
    marked = PdfReader(variants["marks"] / "riverbend-spine/en" / f"kyphoplasty-{kind}.pdf").pages[0]
    bleed = BLEED_MM * MM
    assert float(marked.mediabox.width) == pytest.approx(float(plain.mediabox.width) + 2 * bleed, abs=0.01)
    assert float(marked.mediabox.height) == pytest.approx(float(plain.mediabox.height) + 2 * bleed, abs=0.01)
    assert [float(v) for v in marked.trimbox] == pytest.approx([float(v) for v in plain.mediabox], abs=0.01)


def test_pdfa_output_carries_its_identification(variants):
    reader = PdfReader(variants["pdfa"] / "riverbend-spine/en/kyphoplasty-consent.pdf")
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert "/OutputIntents" in reader.trailer["/Root"]
    assert set(reader.get_fields()) >= {"patient_name", "witness_signature"}
    assert "/StructTreeRoot" in reader.trailer["/Root"]


def test_every_output_passes_qpdf_check(built, variants):
    pdfs = sorted(built.rglob("*.pdf")) + sorted(p for out in variants.values() for p in out.rglob("*.pdf"))
    # Every kind for the three practices, and riverbend-spine's in each variant: 1 + 1 + 2 + 1 + every kind.
    assert len(pdfs) == len(PRACTICES) * len(KINDS) + 5 + len(KINDS)
    for pdf in pdfs:
        result = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert result.returncode == 0, f"{pdf}: {result.stdout}{result.stderr}"
        assert "No syntax or stream encoding errors found" in result.stdout


@pytest.mark.parametrize("slug", PRACTICES)
def test_size_bounds(built, slug):
    assert (built / slug / "en/kyphoplasty-consent.pdf").stat().st_size <= 150_000
    assert (built / slug / "en/kyphoplasty-brochure.pdf").stat().st_size <= 120_000


@pytest.mark.parametrize("kind", KINDS)
def test_large_print_renders_all_text_at_16_pt_or_more(variants, built, kind):
    sizes = font_sizes(PdfReader(variants["large"] / "riverbend-spine/en" / f"kyphoplasty-{kind}.pdf"))
    assert sizes and min(sizes) >= 16 - 0.05
    assert min(font_sizes(PdfReader(built / "riverbend-spine/en" / f"kyphoplasty-{kind}.pdf"))) < 16


def test_large_print_brochure_is_single_column_pages(variants):
    reader = PdfReader(variants["large"] / "riverbend-spine/en/kyphoplasty-brochure.pdf")
    page = reader.pages[0]
    assert float(page.mediabox.width) < float(page.mediabox.height)
    text = " ".join(page_texts(variants["large"] / "riverbend-spine/en/kyphoplasty-brochure.pdf"))
    assert "Orthopedic cement is injected" in text
