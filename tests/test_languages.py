"""Every language the press knows, built from one small procedure (tests/languages/) and read back.

The fixture's text is test data: a dose in bold and italic, a phone number, a
checklist. Each language's PDF must carry its language, print every string of
its content, and, right to left, keep each dose and phone number in order.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import yaml
from conftest import add_language, make_project
from PIL import Image
from pypdf import PdfReader

from handoutpress import Selection, build
from handoutpress import render as render_module
from handoutpress.bidi import isolate_ltr_runs, ltr_runs
from handoutpress.errors import ContentError, TemplateError
from handoutpress.impose import booklet_order
from handoutpress.languages import LANGUAGES, language_spec
from handoutpress.load import load_project
from handoutpress.paths import ProjectPaths
from handoutpress.plan import plan
from handoutpress.render import Renderer

FIXTURE = Path(__file__).resolve().parent / "languages"
PRACTICE = "riverbend-spine"
SHIPPED_LANGUAGES = ("en", "es", "zh-Hans", "vi", "ar")


def language_project(dest: Path, cjk_fonts: bool = True) -> Path:
    project = make_project(dest, practices=(PRACTICE,), cjk_fonts=cjk_fonts)
    folder = project / "content/procedures/language-test"
    folder.mkdir()
    for file in FIXTURE.glob("*.yaml"):
        shutil.copy(file, folder / file.name)
    practice_file = project / f"content/practices/{PRACTICE}.yaml"
    for lang in SHIPPED_LANGUAGES[1:]:
        add_language(practice_file, lang)
    data = yaml.safe_load(practice_file.read_text(encoding="utf-8"))
    data["offers"] = [{"procedure": "language-test"}]
    practice_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def languages_built(tmp_path_factory) -> Path:
    project = language_project(tmp_path_factory.mktemp("languages"))
    report = build(project, Selection(kinds=("preparation",)), project / "output", jobs=2)
    assert report.ok, report.failures
    return project / "output"


def poppler_text(pdf: Path) -> str:
    """The text as poppler reads it: words in logical order, each line as one run."""
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def pypdf_text(pdf: Path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages)


def content_strings(lang: str) -> list[str]:
    data = yaml.safe_load((FIXTURE / f"{lang}.yaml").read_text(encoding="utf-8"))
    preparation = next(section for section in data["sections"] if section["role"] == "preparation")
    paragraph, checklist = preparation["blocks"]
    return [data["name_in_sentence"], paragraph["paragraph"], *checklist["checklist"]]


def pieces(text: str) -> list[str]:
    """A content string cut where the direction changes: its left-to-right runs and the words between them.

    Each piece must read back in logical order, whatever order the lines'
    pieces are laid out in; markup and closing punctuation are dropped.
    """
    text = text.replace("*", "")
    cut, position = [], 0
    for start, end in ltr_runs(text):
        cut.append(text[position:start])
        cut.append(text[start:end])
        position = end
    cut.append(text[position:])
    return [piece for part in cut if (piece := re.sub(r"^[\s:：.,،。؟]+|[\s:：.,،。؟]+$", "", part))]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def letters_of_each_word(text: str) -> str:
    """Words in order, each with its letters sorted: poppler writes an Arabic ligature's
    letters backwards ("ال" for the lam-alef of "الاستعداد"), and nothing else."""
    return " ".join("".join(sorted(word)) for word in re.findall(r"[\w\u0600-\u06ff]+", unicodedata.normalize("NFKC", text)))


@pytest.mark.parametrize("lang", SHIPPED_LANGUAGES)
def test_each_language_prints_its_content_in_reading_order(languages_built, lang):
    pdf = languages_built / PRACTICE / lang / "language-test-preparation.pdf"
    reader = PdfReader(pdf)
    assert str(reader.trailer["/Root"]["/Lang"]) == lang
    # poppler reads every label (pypdf skips a checklist's) and puts right-to-left words in logical order
    text = poppler_text(pdf).replace("\u202b", " ").replace("\u202c", " ")
    for string in content_strings(lang):
        for piece in pieces(string):
            if language_spec(lang).rtl:
                assert letters_of_each_word(piece) in letters_of_each_word(text), (lang, piece)
            else:  # compared without spaces: Chinese has none, and a line may break anywhere
                assert squeeze(piece) in squeeze(text), (lang, piece)


def test_the_interface_wording_is_in_the_documents_language(languages_built):
    for lang, heading in (("es", "Cómo prepararse para"), ("zh-Hans", "做准备"), ("vi", "Chuẩn bị cho"), ("ar", "الاستعداد لإجراء")):
        pdf = languages_built / PRACTICE / lang / "language-test-preparation.pdf"
        assert heading in pypdf_text(pdf), lang


def test_arabic_doses_and_phone_numbers_read_in_order(languages_built):
    pdf = languages_built / PRACTICE / "ar" / "language-test-preparation.pdf"
    for text in (pypdf_text(pdf), " ".join(poppler_text(pdf).split())):
        assert "Tylenol 500 mg" in text
        assert "(555) 010-2000" in text
        assert "mg 500" not in text and "2000-010" not in text


def test_without_the_press_isolating_them_the_dose_prints_backwards(tmp_path, monkeypatch):
    """The failure the isolation prevents, shown on WeasyPrint itself: so the test above can fail."""
    project = language_project(tmp_path, cjk_fonts=False)
    monkeypatch.setattr(render_module, "_isolate_other_scripts", lambda html, job: html)
    report = build(project, Selection(kinds=("preparation",), langs=("ar",)), project / "output", jobs=1)
    assert report.ok
    text = " ".join(poppler_text(project / "output" / PRACTICE / "ar" / "language-test-preparation.pdf").split())
    assert "Tylenol 500 mg" not in text
    assert "2000-010" in text


def test_latin_runs_in_a_translation_carry_the_source_language_and_left_to_right(tmp_path):
    project = language_project(tmp_path, cjk_fonts=False)
    paths = ProjectPaths.at(project)
    jobs = [job for job in plan(load_project(paths), Selection(kinds=("preparation",))) if job.lang == "ar"]
    html = Renderer(paths).render(jobs[0]).html
    assert '<html lang="ar" dir="rtl">' in html
    assert '<span dir="ltr" lang="en"><strong>Tylenol</strong> <em>500 mg</em></span>' in html
    assert '<span dir="ltr">(555) 010-2000</span>' in html
    assert "<title>" in html and 'dir="ltr"' not in html.split("<body")[0]


def test_a_chinese_document_uses_the_simplified_face(languages_built):
    pdf = languages_built / PRACTICE / "zh-Hans" / "language-test-preparation.pdf"
    names = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "+Noto-Sans-SC " in names and "+Noto-Sans-SC-Bold " in names, names
    assert "Noto-Sans-TC" not in names and "DejaVu" not in names


def test_an_arabic_brochure_folds_the_other_way(tmp_path):
    """The cover panel is on the right of an English tri-fold's outside, on the left of an Arabic one."""
    project = language_project(tmp_path, cjk_fonts=False)
    report = build(project, Selection(kinds=("brochure",), langs=("en", "ar")), project / "output", jobs=2)
    assert report.ok, report.failures
    primary = (0x1D, 0x4E, 0x89)  # riverbend-spine's brand.colours.primary, the cover's background
    for lang, cover_third in (("en", 2), ("ar", 0)):
        pdf = project / "output" / PRACTICE / lang / "language-test-brochure.pdf"
        subprocess.run(["pdftoppm", "-png", "-r", "20", "-f", "1", "-l", "1", str(pdf), str(tmp_path / lang)], check=True)
        image = Image.open(next(tmp_path.glob(f"{lang}-*.png"))).convert("RGB")
        width, height = image.size
        thirds = [0, 0, 0]
        for x in range(width):
            for y in range(height // 4, height, 4):
                if sum(abs(a - b) for a, b in zip(image.getpixel((x, y)), primary)) < 40:
                    thirds[min(2, 3 * x // width)] += 1
        assert max(range(3), key=thirds.__getitem__) == cover_third, (lang, thirds)


def test_a_booklet_read_right_to_left_is_bound_on_the_right():
    assert booklet_order(8, right_to_left=True) == [(0, 7), (6, 1), (2, 5), (4, 3)]
    assert booklet_order(8) == [(7, 0), (1, 6), (5, 2), (3, 4)]


def test_a_chinese_document_without_the_extracted_faces_names_the_make_target(tmp_path):
    project = language_project(tmp_path, cjk_fonts=False)
    report = build(project, Selection(kinds=("preparation",), langs=("zh-Hans",)), project / "output", jobs=1)
    assert not report.ok
    error = report.failed[0].error
    assert isinstance(error, TemplateError)
    assert "make fonts" in error.message and "Noto Sans SC" in error.message
    assert not list((project / "output").rglob("*.pdf"))


def test_a_letter_no_font_of_the_language_has_names_field_and_character(tmp_path):
    """Chinese prints in a Chinese handout; the same character in a Vietnamese one is an error naming it."""
    project = language_project(tmp_path, cjk_fonts=False)
    file = project / "content/procedures/language-test/vi.yaml"
    file.write_text(file.read_text(encoding="utf-8").replace("Kiểm tra ngôn ngữ", "Kiểm tra 语言"), encoding="utf-8")
    report = build(project, Selection(kinds=("preparation",), langs=("vi", "es")), project / "output", jobs=1)
    (failure,) = report.failed
    assert isinstance(failure.error, ContentError)
    assert failure.error.file == file and failure.error.where == "title"
    assert "U+8BED" in failure.error.message
    assert [r.name for r in report.built]  # Spanish still built


def test_every_registered_script_font_has_its_licence_beside_it():
    templates = Path(__file__).resolve().parent.parent / "templates"
    for spec in LANGUAGES.values():
        for script in spec.scripts:
            folder = templates / "fonts" / script.folder
            if script.made_by is None:
                assert any(folder.glob("OFL*.txt")) or any(folder.glob("LICENSE*")), folder


def test_language_tags_find_their_spec_by_language_and_script_never_by_region_alone():
    assert language_spec("ar-EG").rtl
    assert language_spec("zh-Hans-SG").tag == "zh-Hans"
    assert language_spec("zh-Hant-TW").scripts[0].family == "Noto Sans TC"
    assert language_spec("zh").scripts == ()  # no script: set as Latin, so its first Chinese letter is reported
    assert language_spec("fr").direction == "ltr" and language_spec("fr").scripts == ()


# --- isolating left-to-right runs ----------------------------------------------------


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<body><p>خذ Tylenol 500 mg كل 6 ساعات.</p>",
         '<body><p>خذ <span dir="ltr" lang="en">Tylenol 500 mg</span> كل <span dir="ltr">6</span> ساعات.</p>'),
        ("<body><p>اتصل على (555) 010-2000.</p>", '<body><p>اتصل على <span dir="ltr">(555) 010-2000</span>.</p>'),
        ("<body><p>خذ <b>Tylenol</b> <i>500 mg</i> كل</p>",
         '<body><p>خذ <span dir="ltr" lang="en"><b>Tylenol</b> <i>500 mg</i></span> كل</p>'),
        ("<body><p>ج <strong>Tylenol</strong>: د</p>", '<body><p>ج <strong><span dir="ltr" lang="en">Tylenol</span></strong>: د</p>'),
        ("<body><p>a &amp; b &lt;x&gt; ج</p>",
         '<body><p><span dir="ltr" lang="en">a &amp; b</span> &lt;<span dir="ltr" lang="en">x</span>&gt; ج</p>'),
        ("<body><p>请拨打911。</p>", '<body><p>请拨打<span dir="ltr">911</span>。</p>'),
        ("<body><p>ج<br>abc<br>د</p>", '<body><p>ج<br><span dir="ltr" lang="en">abc</span><br>د</p>'),
        ("<body><p><b>خذ Tylenol</b> 500 mg كل</p>",  # the tags do not pair up: two pieces, the space between them
         '<body><p><b>خذ <span dir="ltr" lang="en">Tylenol</span></b> <span dir="ltr" lang="en">500 mg</span> كل</p>'),
        ("<body><p>خذ 1٫5 mL أو 1٬000 mg</p>",
         '<body><p>خذ <span dir="ltr" lang="en">1٫5 mL</span> أو <span dir="ltr" lang="en">1٬000 mg</span></p>'),
        ('<body><p>اتصل <a href="tel:+15550102000">+1 (555) 010-2000</a> ext. 12</p>',
         '<body><p>اتصل <span dir="ltr" lang="en"><a href="tel:+15550102000">+1 (555) 010-2000</a> ext. 12</span></p>'),
        ("<body><p>راسل info_desk@clinic.example اليوم</p>",
         '<body><p>راسل <span dir="ltr" lang="en">info_desk@clinic.example</span> اليوم</p>'),
    ],
)
def test_left_to_right_runs_are_wrapped_whole(html, expected):
    assert isolate_ltr_runs(html, "en") == expected


def test_a_quoted_greater_than_sign_is_part_of_its_tag():
    """A ">" inside an attribute value does not end the tag: no span is put inside the attribute,
    and an escaped quote in it stays escaped."""
    html = '<body><div aria-label="ساعات > Riverbend&#34; style=&#34;x"><p title=\'a>b\'>خذ 5 mg</p></div>'
    assert isolate_ltr_runs(html, "en") == (
        '<body><div aria-label="ساعات > Riverbend&#34; style=&#34;x"><p title=\'a>b\'>خذ <span dir="ltr" lang="en">5 mg</span></p></div>'
    )


@pytest.mark.parametrize("html", [
    "<html><head><title>Tylenol 5</title></head><BODY><p>خذ <b>Tylenol</b> 500 mg</p>",
    "<!DOCTYPE html><html><title>Tylenol 5</title><style>p { margin: 0 }</style><p>خذ <b>Tylenol</b> 500 mg</p>",
])
def test_a_body_spelt_in_capitals_or_left_out_is_isolated_too(html):
    isolated = isolate_ltr_runs(html, "en")
    assert '<span dir="ltr" lang="en"><b>Tylenol</b> 500 mg</span>' in isolated
    assert isolated.split("<p>")[0] == html.split("<p>")[0]  # the head as it was


def test_a_long_paragraph_of_many_runs_takes_linear_time():
    """Each run looks at its own items only: these 36 KB took 30 s before, the
    per-document timeout is 60 s, and a practice's template may join what it likes."""
    import time
    paragraph = "<body><p>" + "<b>a</b>ب" * 4000 + "</p>"
    started = time.perf_counter()
    isolated = isolate_ltr_runs(paragraph, "en")
    assert time.perf_counter() - started < 2
    assert isolated.count('<span dir="ltr" lang="en">a</span>') == 4000


def test_isolation_leaves_the_head_styles_and_attributes_alone():
    html = '<html><head><title>Tylenol 5</title><style>p { margin: 0 }</style></head><body><p title="Tylenol 5">ج</p><style>a{}</style><xmp>Tylenol 5</xmp></body>'
    assert isolate_ltr_runs(html, "en") == html


def struct_languages(pdf: Path) -> list[str]:
    """The /Lang of every element of the structure tree below the catalog's."""
    found = []

    def walk(node) -> None:
        node = node.get_object()
        if "/Lang" in node:
            found.append(str(node["/Lang"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict):
                walk(kid)

    walk(PdfReader(pdf).trailer["/Root"]["/StructTreeRoot"])
    return found


def test_a_latin_name_in_an_arabic_paragraph_has_its_language_in_the_structure_tree(languages_built):
    arabic = struct_languages(languages_built / PRACTICE / "ar" / "language-test-preparation.pdf")
    assert arabic and set(arabic) == {"en"}
    assert struct_languages(languages_built / PRACTICE / "en" / "language-test-preparation.pdf") == []


@pytest.mark.parametrize(
    ("text", "run"),
    [
        ("خذ 5–10 mg كل يوم", "5–10 mg"),
        ("من 8:00–17:30 كل يوم", "8:00–17:30"),
        ("المصدر: Cataract surgery — source facts (shared/sources/cataract-surgery.md).", "Cataract surgery — source facts (shared/sources/cataract-surgery.md)"),
        ("الغرفة #12B ثم", "#12B"),
    ],
)
def test_ranges_dashes_and_numbers_signs_stay_in_one_run(text, run):
    """A range printed right to left reads as another dose: "5–10 mg" came out "10 mg – 5"."""
    assert [text[start:end] for start, end in ltr_runs(text)] == [run]
