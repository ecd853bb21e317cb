"""The test project's handouts, read back from their PDFs."""

from __future__ import annotations

import json

import pytest
from pdfs import fonts_of, is_embedded, page_texts, pdf_text
from pypdf import PdfReader

from handoutpress.kinds import KINDS as ALL_KINDS
from handoutpress.write import sha256

PRACTICES = {
    "riverbend-spine": {"name": "Riverbend Spine Center", "phone": "(555) 010-2000", "after_hours": "(555) 010-2999", "size": "letter"},
    "harbourside-spine": {"name": "Harbourside Spine Clinic", "phone": "01632 960 100", "after_hours": "01632 960 199", "size": "a4"},
    "lakeside-spine-care": {"name": "Lakeside Spine Care", "phone": "(555) 010-3000", "after_hours": "(555) 010-3999", "size": "letter"},
}
# Every kind in the registry: the fixture's kyphoplasty has the roles each one requires.
KINDS = ALL_KINDS



def pdf_path(out, practice, kind):
    return out / practice / "en" / f"kyphoplasty-{kind}.pdf"


@pytest.fixture(scope="module")
def texts(built):
    return {(p, k): pdf_text(pdf_path(built, p, k)) for p in PRACTICES for k in KINDS}


def test_every_handout_is_built(built):
    names = sorted(str(p.relative_to(built)) for p in built.rglob("*.pdf"))
    assert names == sorted(f"{p}/en/kyphoplasty-{k}.pdf" for p in PRACTICES for k in KINDS)


def test_consent_says_it_is_a_summary_not_the_legal_form(texts):
    for slug, practice in PRACTICES.items():
        text = texts[(slug, "consent")]
        assert f"does not replace the consent form of {practice['name']}" in text


def test_practice_text_defaults_send_patients_to_their_doctor(texts):
    for slug in PRACTICES:
        assert "Ask your doctor about your choices" in texts[(slug, "brochure")]
        assert "Ask your doctor about your choices" in texts[(slug, "consent")]


def test_discharge_lists_the_practice_phones(texts):
    for slug, practice in PRACTICES.items():
        text = texts[(slug, "discharge")]
        assert practice["phone"] in text and practice["after_hours"] in text
        assert "emergency" in text


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("slug", PRACTICES)
def test_every_page_carries_practice_name_phone_and_page_number(built, slug, kind):
    """A tri-fold brochure's sides are panels, not numbered pages; every other page is numbered."""
    pages = page_texts(pdf_path(built, slug, kind))
    for number, text in enumerate(pages, start=1):
        assert PRACTICES[slug]["name"] in text
        assert PRACTICES[slug]["phone"] in text
        if kind != "brochure":
            assert f"Page {number} of {len(pages)}" in text
    assert "Reviewed November 2026" in pages[-1]


def test_consent_is_one_or_two_pages(built):
    for slug in PRACTICES:
        assert len(PdfReader(pdf_path(built, slug, "consent")).pages) <= 2


def test_consent_has_its_form_fields(built):
    roles = ("patient", "physician", "witness", "interpreter")
    expected = {"patient_name"} | {f"{r}_{part}" for r in roles for part in ("signature", "date")}
    for slug in PRACTICES:
        fields = PdfReader(pdf_path(built, slug, "consent")).get_fields()
        assert expected <= set(fields)
        assert all(fields[name].get("/FT") == "/Tx" for name in expected)
        assert fields["witness_signature"].get("/TU") == "Witness: Signature"


def test_discharge_has_a_follow_up_blank(built):
    fields = PdfReader(pdf_path(built, "riverbend-spine", "discharge")).get_fields()
    assert {"follow_up_date", "follow_up_time", "follow_up_with"} <= set(fields)


@pytest.mark.parametrize("slug", PRACTICES)
def test_page_size_follows_the_practice(built, slug):
    portrait = {"letter": (612, 792), "a4": (595, 842)}[PRACTICES[slug]["size"]]
    for kind in KINDS:
        expected = portrait[::-1] if kind == "brochure" else portrait  # the tri-fold is landscape
        for page in PdfReader(pdf_path(built, slug, kind)).pages:
            box = page.mediabox
            assert (round(float(box.width)), round(float(box.height))) == expected


@pytest.mark.parametrize("kind", KINDS)
def test_metadata_and_accessibility_markers(built, kind):
    reader = PdfReader(pdf_path(built, "harbourside-spine", kind))
    info = reader.metadata
    assert info.title.startswith("Kyphoplasty: ")
    assert info.author == "Harbourside Spine Clinic"
    assert info.subject == "A treatment for spine fractures caused by osteoporosis"
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en"
    assert catalog["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("slug, family", [("riverbend-spine", "Atkinson"), ("harbourside-spine", "Lexend")])
def test_every_font_is_embedded_and_is_the_shipped_font(built, kind, slug, family):
    reader = PdfReader(pdf_path(built, slug, kind))
    fonts = fonts_of(reader)
    assert fonts
    for name, font in fonts.items():
        assert is_embedded(font), name
        assert family in name, f"{name} is not the practice's font"


def test_manifest_lists_each_file_with_hash_and_pages(built):
    manifest = json.loads((built / "manifest.json").read_text())
    entries = {entry["path"]: entry for entry in manifest["documents"]}
    assert set(entries) == {str(p.relative_to(built)) for p in built.rglob("*.pdf")}
    for path, entry in entries.items():
        data = (built / path).read_bytes()
        assert entry["sha256"] == sha256(data)
        assert entry["pages"] == len(PdfReader(built / path).pages)
        assert entry["bytes"] == len(data)
