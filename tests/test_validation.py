"""What veraPDF checks, read back with pypdf so that the tests need no Java.

Form widgets with appearance streams and no NeedAppearances (PDF/A), every
field named (/TU) and in the structure tree (PDF/UA), and imposed booklets
that claim neither. ``make validate`` runs veraPDF itself.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from handoutpress import PressError, Selection, build
from handoutpress.impose import IMPOSED_NOTE
from handoutpress.options import BuildOptions


FORMS = ("consent", "discharge")


@pytest.fixture(scope="module")
def outputs(built, test_project, tmp_path_factory) -> dict[str, Path]:
    """The forms of one practice as PDF/UA (the shared build), and built as PDF/A-3b and imposed."""
    options = {
        "pdfa": BuildOptions(pdf_variant="pdf/a-3b"),
        "booklet": BuildOptions(imposition="booklet"),
    }
    variants = {"ua": built}
    for name, option in options.items():
        out = tmp_path_factory.mktemp(name)
        selection = Selection(practices=("riverbend-spine",), kinds=FORMS, langs=("en",))
        report = build(test_project, selection, out, options=option)
        assert report.ok, [e.describe() for e in report.failures]
        variants[name] = out
    return variants


def form(outputs, variant: str, kind: str) -> PdfReader:
    return PdfReader(outputs[variant] / f"riverbend-spine/en/kyphoplasty-{kind}.pdf")


def widgets(reader: PdfReader):
    for page in reader.pages:
        for annotation in page.get("/Annots", ()):
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Widget":
                yield annotation


def xmp(reader: PdfReader) -> str:
    metadata = reader.trailer["/Root"].get("/Metadata")
    return metadata.get_object().get_data().decode() if metadata else ""


@pytest.mark.parametrize("variant", ["ua", "pdfa"])
@pytest.mark.parametrize("kind", FORMS)
def test_every_widget_has_a_normal_appearance(outputs, variant, kind):
    reader = form(outputs, variant, kind)
    found = list(widgets(reader))
    assert found
    for widget in found:
        appearance = widget["/AP"]["/N"].get_object()
        assert appearance["/Subtype"] == "/Form"
        left, top, right, bottom = (float(v) for v in widget["/Rect"])
        assert [float(v) for v in appearance["/BBox"]] == pytest.approx([0, 0, abs(right - left), abs(top - bottom)])
    assert reader.trailer["/Root"]["/AcroForm"].get("/NeedAppearances") is not True


@pytest.mark.parametrize("variant", ["ua", "pdfa"])
@pytest.mark.parametrize("kind", FORMS)
def test_every_field_is_named_and_in_the_structure_tree(outputs, variant, kind):
    reader = form(outputs, variant, kind)
    tagged = set()

    def visit(element):
        element = element.get_object()
        kids = element.get("/K", [])
        kids = kids if isinstance(kids, list) else [kids]
        for kid in kids:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if not isinstance(kid, dict):
                continue
            if kid.get("/Type") == "/OBJR":
                if element.get("/S") == "/Form":
                    tagged.add(kid.raw_get("/Obj").idnum)
            elif kid.get("/Type") != "/MCR":
                visit(kid)

    visit(reader.trailer["/Root"]["/StructTreeRoot"])
    found = list(widgets(reader))
    assert found
    for widget in found:
        assert str(widget.get("/TU", "")).strip(), widget["/T"]
        assert widget.indirect_reference.idnum in tagged, f"{widget['/T']} is not a /Form element of the tags"


def test_pdfa_fields_can_still_be_filled(outputs):
    writer = PdfWriter(clone_from=form(outputs, "pdfa", "consent"))
    for page in writer.pages:
        writer.update_page_form_field_values(page, {"patient_name": "Jane Roe"}, auto_regenerate=False)
    buffer = io.BytesIO()
    writer.write(buffer)
    fields = PdfReader(buffer).get_fields()
    assert fields["patient_name"]["/V"] == "Jane Roe"
    assert fields["witness_signature"]["/TU"] == "Witness: Signature"


@pytest.mark.parametrize("kind", FORMS)
def test_an_imposed_booklet_claims_neither_pdf_ua_nor_pdf_a(outputs, kind):
    plain = form(outputs, "ua", kind)
    imposed = form(outputs, "booklet", kind)
    catalog = imposed.trailer["/Root"]
    assert "pdfuaid" not in xmp(imposed) and "pdfaid" not in xmp(imposed)
    assert catalog.get("/MarkInfo", {}).get("/Marked") is not True
    assert IMPOSED_NOTE in imposed.metadata["/Keywords"]
    assert imposed.metadata.title == plain.metadata.title
    assert imposed.trailer["/ID"][0] == plain.trailer["/ID"][0]


@pytest.mark.parametrize("variant", ["pdf/a-3b", "pdf/a-3a", "pdf/a-2b"])
def test_pdfa_with_booklet_imposition_is_refused(variant):
    with pytest.raises(PressError, match="--pdf-variant .* --imposition booklet"):
        BuildOptions(imposition="booklet", pdf_variant=variant)


def test_the_command_line_refuses_pdfa_with_booklet_as_wrong_usage(test_project, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "handoutpress.cli", "build", "--root", str(test_project), "--out", str(tmp_path / "out"),
         "--pdf-variant", "pdf/a-3b", "--imposition", "booklet"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "--pdf-variant pdf/a-3b cannot be combined with --imposition booklet" in result.stderr
    assert not (tmp_path / "out").exists()
