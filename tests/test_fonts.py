"""What is printed is what was written: names in many Latin alphabets, and no boxes."""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, make_project
from pdfs import fonts_of, is_embedded, page_texts
from pypdf import PdfReader

from handoutpress import Selection, build
from handoutpress.coverage import DEFAULT_FAMILY, check_coverage, default_font_files, font_characters
from handoutpress.errors import ContentError
from handoutpress.languages import LANGUAGES
from handoutpress.load import load_project
from handoutpress.paths import ProjectPaths
from handoutpress.plan import Job


NAMES = {
    "polish": ("Dr. Łukasz Dąbrowski", "Zofia Wójcik-Żuławska"),
    "czech": ("Jiří Dvořák", "Řehoř Šťastný"),
    "romanian": ("Ștefan Țăranu", "Ioana Ștefănescu"),
    "turkish": ("Ayşe Gül Yılmaz", "İbrahim Öztürk"),
    "vietnamese": ("Nguyễn Thị Hằng", "Trần Văn Đức"),
    "icelandic": ("Þórunn Guðmundsdóttir", "Ævar Þór Benediktsson"),
}
THAI_KO_KAI = "\u0e01"


def as_printed(text: str) -> str:
    """Text as a reader compares it: one normal form, line breaks (and breaks after a hyphen) as one space."""
    folded = " ".join(unicodedata.normalize("NFC", text).split())
    return re.sub(r"-\s+", "-", folded)


def write_practice(project: Path, slug: str, change) -> Path:
    """A copy of Riverbend's practice file under a new slug, changed by ``change``."""
    source = project / "content/practices/riverbend-spine.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    (project / "content/practices" / slug).mkdir(exist_ok=True)
    shutil.copy(project / "content/practices/riverbend-spine/logo.svg", project / "content/practices" / slug / "logo.svg")
    data["brand"]["logo"]["file"] = f"{slug}/logo.svg"  # a practice's documents read only its own folder
    change(data)
    target = project / "content/practices" / f"{slug}.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def named_after(names: tuple[str, ...]):
    def change(data: dict) -> None:
        data["identity"]["name"] = " & ".join(names)
        data["identity"]["physicians"] = [{"name": name} for name in names]

    return change


def job_for(project: Path, slug: str, kind: str = "consent") -> Job:
    loaded = load_project(ProjectPaths.at(project))
    assert not loaded.errors, [e.describe() for e in loaded.errors]
    practice = loaded.practices[slug]
    offer = next(offer for offer in practice.data.offers if offer.procedure == "kyphoplasty")
    return Job(loaded.procedures[("kyphoplasty", "en")], practice, kind, offer)


@pytest.fixture(scope="module")
def names_built(tmp_path_factory) -> Path:
    """One practice per language, named after two of its people, with a consent summary and a discharge sheet."""
    project = make_project(tmp_path_factory.mktemp("names"), practices=("riverbend-spine",))
    for language, names in NAMES.items():
        write_practice(project, f"names-{language}", named_after(names))
    out = project / "out"
    practices = tuple(f"names-{language}" for language in NAMES)
    report = build(project, Selection(practices=practices, kinds=("consent", "discharge")), out)
    assert report.ok, [e.describe() for e in report.failures]
    return out


# --- what is printed ------------------------------------------------------------------


@pytest.mark.parametrize("language", NAMES)
def test_names_print_in_the_default_fonts_as_written(names_built, language):
    names = NAMES[language]
    consent_first_page = as_printed(page_texts(names_built / f"names-{language}/en/kyphoplasty-consent.pdf")[0])
    discharge = as_printed(" ".join(page_texts(names_built / f"names-{language}/en/kyphoplasty-discharge.pdf")))
    practice_name = as_printed(" & ".join(names))
    assert consent_first_page.count(practice_name) >= 2, consent_first_page[:400]  # masthead (bold), callout, footer
    assert as_printed("Our doctors: " + ", ".join(names)) in discharge
    for name in names:
        assert as_printed(name) in consent_first_page


@pytest.mark.parametrize("language", NAMES)
def test_only_the_shipped_fonts_are_embedded(names_built, language):
    for kind in ("consent", "discharge"):
        fonts = fonts_of(PdfReader(names_built / f"names-{language}/en/kyphoplasty-{kind}.pdf"))
        assert fonts
        for base_name, font in fonts.items():
            assert is_embedded(font), base_name
            for descendant in font["/DescendantFonts"]:
                font_name = str(descendant.get_object()["/FontDescriptor"].get_object()["/FontName"])
                assert font_name.split("+", 1)[1].startswith("Atkinson-Hyperlegible-Next"), font_name


def test_the_default_fonts_have_every_letter_of_the_names():
    letters = {ord(c) for name in sum(NAMES.values(), ()) for c in unicodedata.normalize("NFC", name) if not c.isspace()}
    for style, path in default_font_files(ROOT / "templates").items():
        missing = letters - font_characters(path)
        assert not missing, (style, "".join(map(chr, sorted(missing))))


def test_the_default_fonts_are_the_ones_the_stylesheet_declares():
    css = re.sub(r"/\*.*?\*/", "", (ROOT / "templates/css/fonts.css").read_text(), flags=re.S)
    declared = re.findall(r"url\(\.\./(fonts/[^)]+)\)", css)
    files = default_font_files(ROOT / "templates")
    assert sorted(declared) == sorted(str(p.relative_to(ROOT / "templates")) for p in files.values())
    assert "unicode-range" not in css
    assert set(re.findall(r'font-family: "([^"]+)"', css)) == {DEFAULT_FAMILY}
    shipped = {p.name for p in (ROOT / "templates/fonts").rglob("*") if p.suffix in (".woff2", ".woff", ".ttf", ".otf")}
    scripts = {path.name for spec in LANGUAGES.values() for script in spec.scripts for _, _, path in script.faces(ROOT / "templates")}
    assert shipped == {p.name for p in files.values()} | scripts


# --- what cannot be printed -------------------------------------------------------------


def test_a_character_missing_from_the_fonts_in_content_names_file_field_and_character(project):
    content = project / "content/procedures/kyphoplasty/en.yaml"
    data = yaml.safe_load(content.read_text(encoding="utf-8"))
    about = data["sections"][0]
    assert about["role"] == "about"
    about["blocks"][0]["paragraph"] += f" {THAI_KO_KAI}"
    content.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        check_coverage(job_for(project, "riverbend-spine"), project / "templates")
    assert caught.value.file == content
    assert caught.value.where == "sections[0].blocks[0].paragraph"
    assert caught.value.describe(project) == (
        "content/procedures/kyphoplasty/en.yaml: sections[0].blocks[0].paragraph: the character 'ก' (U+0E01 THAI CHARACTER KO KAI) "
        "is not in the fonts this document uses (Atkinson Hyperlegible Next)"
    )


def test_a_character_missing_from_the_fonts_in_a_practice_names_file_field_and_character(project):
    def change(data: dict) -> None:
        data["identity"]["physicians"] = [{"name": "Dr. Ana Lima"}, {"name": "Dr. 王 Wei", "role": "Surgeon"}]

    practice = write_practice(project, "cjk-spine", change)
    with pytest.raises(ContentError) as caught:
        check_coverage(job_for(project, "cjk-spine"), project / "templates")
    assert caught.value.file == practice
    assert caught.value.where == "identity.physicians[1].name"
    assert "the character '王' (U+738B CJK UNIFIED IDEOGRAPH-738B)" in caught.value.message


def test_a_practice_typeface_falls_back_to_the_default_family_letter_by_letter(project):
    """Harbourside's Lexend has only Latin; Polish letters come from the default family, which has them."""
    practice = project / "content/practices/harbourside-spine.yaml"

    def name_the_physician(name: str) -> None:
        data = yaml.safe_load(practice.read_text(encoding="utf-8"))
        data["identity"]["physicians"] = [{"name": name}]
        practice.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    name_the_physician("Dr. Łukasz Dąbrowski")
    job = job_for(project, "harbourside-spine")
    assert job.practice.font is not None and ord("Ł") not in font_characters(job.practice.font.regular)
    check_coverage(job, project / "templates")
    name_the_physician(f"Dr. {THAI_KO_KAI}")
    with pytest.raises(ContentError, match=r"\(Lexend, Atkinson Hyperlegible Next\)$"):
        check_coverage(job_for(project, "harbourside-spine"), project / "templates")


def test_characters_that_are_not_drawn_need_no_glyph(project):
    def change(data: dict) -> None:
        data["identity"]["emergency"] = "Call\u200b 911\u2066 now\u2069,\tthen\u200d wait.\u200c"

    write_practice(project, "invisible-spine", change)
    check_coverage(job_for(project, "invisible-spine"), project / "templates")


def test_a_document_with_a_missing_character_fails_and_the_others_build(project, tmp_path):
    def change(data: dict) -> None:
        data["identity"]["physicians"] = [{"name": f"Dr. {THAI_KO_KAI}"}]

    practice = write_practice(project, "thai-spine", change)
    report = build(project, Selection(practices=("thai-spine", "riverbend-spine"), kinds=("consent",)), tmp_path / "out")
    assert [d.name for d in report.built] == ["riverbend-spine/en/kyphoplasty-consent.pdf"]
    assert [d.name for d in report.failed] == ["thai-spine/en/kyphoplasty-consent.pdf"]
    error = report.failed[0].error
    assert isinstance(error, ContentError)
    assert error.file == practice
    assert error.describe(project) == (
        "content/practices/thai-spine.yaml: identity.physicians[0].name: the character 'ก' "
        "(U+0E01 THAI CHARACTER KO KAI) is not in the fonts this document uses (Atkinson Hyperlegible Next)"
    )
    assert not (tmp_path / "out/thai-spine/en/kyphoplasty-consent.pdf").exists()
