"""A practice's wording in the document's language: one language per handout, never a mix."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import add_language, make_project
from pdfs import pdf_text

from handoutpress import Selection, build, check
from handoutpress.localize import in_language
from handoutpress.models import LANG_PATTERN

KIND = ("preparation",)


@pytest.fixture
def bilingual(tmp_path) -> Path:
    """The fixture with a second language of its procedure (English words, the point is the practice's wording)."""
    project = make_project(tmp_path / "project", practices=("riverbend-spine",))
    procedure = project / "content/procedures/kyphoplasty"
    text = (procedure / "en.yaml").read_text(encoding="utf-8").replace("\nlang: en\n", "\nlang: es\ntranslated_from: en\n")
    (procedure / "es.yaml").write_text(text, encoding="utf-8")
    shutil.copy(project / "templates/i18n/en.yaml", project / "templates/i18n/es.yaml")
    return project


def test_a_handout_in_a_language_the_practice_has_no_wording_for_fails_naming_each_field(bilingual):
    practice = bilingual / "content/practices/riverbend-spine.yaml"
    lines = practice.read_text(encoding="utf-8").splitlines()
    emergency = next(number for number, line in enumerate(lines, 1) if line.strip().startswith("emergency:"))
    alt = next(number for number, line in enumerate(lines, 1) if line.strip().startswith("alt:"))

    report = build(bilingual, Selection(kinds=KIND), bilingual / "out")
    assert [d.name for d in report.built] == ["riverbend-spine/en/kyphoplasty-preparation.pdf"]
    (failed,) = report.failed
    assert failed.name == "riverbend-spine/es/kyphoplasty-preparation.pdf"
    message = failed.error.describe(bilingual)
    assert message.startswith("content/practices/riverbend-spine.yaml: a handout in 'es' may not print another language")
    assert f"identity.emergency (line {emergency})" in message and f"brand.logo.alt (line {alt})" in message
    assert not (bilingual / "out/riverbend-spine/es/kyphoplasty-preparation.pdf").exists()

    checked = [e.describe(bilingual) for e in check(bilingual, Selection(kinds=KIND), typeset=False).errors]
    assert any("a handout in 'es' may not print another language" in e for e in checked), checked


def test_each_language_prints_its_own_wording(bilingual):
    practice = bilingual / "content/practices/riverbend-spine.yaml"
    english = yaml.safe_load(practice.read_text(encoding="utf-8"))["identity"]["emergency"]
    add_language(practice, "es", marker="EN ESPAÑOL:")
    report = build(bilingual, Selection(kinds=KIND), bilingual / "out")
    assert report.ok, [e.describe() for e in report.failures]
    spanish = pdf_text(bilingual / "out/riverbend-spine/es/kyphoplasty-preparation.pdf")
    english_text = pdf_text(bilingual / "out/riverbend-spine/en/kyphoplasty-preparation.pdf")
    assert "EN ESPAÑOL:" in spanish and "EN ESPAÑOL:" not in english_text
    assert " ".join(english.split()[:6]) in " ".join(english_text.split())


def test_an_offer_may_leave_a_language_out(bilingual):
    practice = bilingual / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text(encoding="utf-8").replace("  - procedure: kyphoplasty\n", "  - procedure: kyphoplasty\n    languages: [en]\n", 1))
    report = build(bilingual, Selection(kinds=KIND), bilingual / "out")
    assert report.ok and [d.name for d in report.built] == ["riverbend-spine/en/kyphoplasty-preparation.pdf"]


def test_a_regional_language_falls_back_to_its_language_never_the_reverse():
    wording = {"en": "Call us.", "es": "Llámenos."}
    assert in_language(wording, "es-MX", "en") == "Llámenos."
    assert in_language(wording, "en-GB", "en") == "Call us."
    assert in_language("Call us.", "en-GB", "en") == "Call us."
    assert in_language("Call us.", "es", "en") is None
    assert in_language({"en-GB": "Ring us."}, "en", "en") is None
    assert in_language({"es": "Llámenos.", "es-MX": "Llámenos, por favor."}, "es-MX", "en") == "Llámenos, por favor."


def test_dates_are_written_as_the_documents_language_writes_them(bilingual):
    from handoutpress.render import _month_year

    assert _month_year("2026-11-01", "en") == "November 2026"
    assert _month_year("2026-11-01", "es") == "noviembre de 2026"
    assert _month_year("2026-11-01", "es-MX") == "noviembre de 2026"
    klingon = ("jar wa'",) * 10 + ("jar wa'maH wa'", "jar wa'maH cha'")
    assert _month_year("2026-11-01", "tlh", klingon) == "jar wa'maH wa' 2026"  # CLDR does not know it: the wording's months
    assert _month_year("2026-11-01", ("Jan",) * 10 + ("Nov", "Dec")) == "Nov 2026"  # a template written for t.months

    add_language(bilingual / "content/practices/riverbend-spine.yaml", "es")
    assert build(bilingual, Selection(kinds=KIND), bilingual / "out").ok
    spanish = " ".join(pdf_text(bilingual / "out/riverbend-spine/es/kyphoplasty-preparation.pdf").split())
    assert "noviembre de 2026" in spanish and "November" not in spanish


def test_english_wording_serves_english_handouts_whatever_its_region(bilingual):
    practice = bilingual / "content/practices/riverbend-spine.yaml"
    practice.write_text("language: en-GB\n" + practice.read_text(encoding="utf-8"), encoding="utf-8")
    report = build(bilingual, Selection(kinds=KIND, langs=("en",)), bilingual / "out")
    assert report.ok, [e.describe() for e in report.failures]


def test_another_offers_wording_in_another_script_does_not_reach_this_handout(bilingual):
    practice = bilingual / "content/practices/riverbend-spine.yaml"
    text = practice.read_text(encoding="utf-8").replace("  - procedure: kyphoplasty\n", "  - procedure: kyphoplasty\n    languages: [en]\n", 1)
    folder = bilingual / "content/procedures/second"
    folder.mkdir()
    (folder / "en.yaml").write_text((bilingual / "content/procedures/kyphoplasty/en.yaml").read_text().replace("id: kyphoplasty", "id: second").replace("title: Kyphoplasty", "title: Second"))
    text += "  - procedure: second\n    languages: [en]\n    texts:\n      arrival: {en: Come early., ja: 早めに来てください。}\n"
    practice.write_text(text, encoding="utf-8")
    report = build(bilingual, Selection(procedures=("kyphoplasty",), kinds=KIND), bilingual / "out")
    assert report.ok, [e.describe() for e in report.failures]


def test_a_script_is_part_of_the_language_and_a_region_is_not():
    for tag in ("es", "en-GB", "zh-Hans", "zh-Hant-TW", "yue-Hant"):
        assert re.fullmatch(LANG_PATTERN, tag), tag
    for tag in ("EN", "zh-hans", "en_GB", "english"):
        assert not re.fullmatch(LANG_PATTERN, tag), tag
    assert in_language("用户", "zh-Hant", "zh-Hans") is None  # Simplified text never serves a Traditional handout
    assert in_language("用户", "zh-Hans-CN", "zh-Hans") == "用户"
    assert in_language({"zh-Hans": "简体", "zh-Hant": "繁體"}, "zh-Hant-TW", "en") == "繁體"
