"""Review governance: drafts and overdue reviews are visible on every page, listed by check and refused by --release;
every page carries the document's code and version."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT, add_language, make_project
from pdfs import page_texts
from PIL import Image

from handoutpress import Selection, build
from handoutpress.cli import main
from handoutpress.governance import review_state
from handoutpress.kinds import KIND_SPECS
from handoutpress.load import load_project
from handoutpress.paths import ProjectPaths
from handoutpress.translations import stamp

TINY = """\
id: tiny
lang: {lang}
title: Tiny
name_in_sentence: a tiny test
tagline: A fixture for the governance tests.
specialty: testing
{header}review:
  reviewed_by: Test fixture
  reviewed_on: {reviewed_on}
  next_review: {next_review}
  status: {status}
  source: Not a source; test text only
{review_extra}sections:
  - role: about
    blocks:
      - paragraph: About text.
  - role: preparation
    blocks:
      - checklist: [Preparation item]
  - role: steps
    blocks:
      - steps: [First step]
  - role: recovery
    blocks:
      - timeline: [{{when: Day one, what: [Recovery text.]}}]
  - role: risks
    blocks:
      - bullets: [A risk]
  - role: warning_signs
    blocks:
      - bullets: [A warning sign]
"""


def write_tiny(
    project: Path,
    lang: str = "en",
    status: str = "reviewed",
    reviewed_on: str = "2026-11-01",
    next_review: str = "2027-11-01",
    header: str = "",
    review_extra: str = "",
    procedure_id: str = "tiny",
) -> Path:
    """A small procedure in ``project`` (every kind, little to typeset) with the review record given."""
    folder = project / "content/procedures" / procedure_id
    folder.mkdir(parents=True, exist_ok=True)
    text = TINY.format(
        lang=lang, status=status, reviewed_on=reviewed_on, next_review=next_review, header=header, review_extra=review_extra
    ).replace("id: tiny", f"id: {procedure_id}")
    file = folder / f"{lang}.yaml"
    file.write_text(text, encoding="utf-8")
    return file


@pytest.fixture
def content(tmp_path) -> Path:
    """A project of one practice that offers tiny, which a test then writes."""
    project = make_project(tmp_path / "project", practices=("riverbend-spine",))
    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text(encoding="utf-8") + "  - procedure: tiny\n", encoding="utf-8")
    return project


def loaded(project: Path):
    return load_project(ProjectPaths.at(project))


def errors_of(project: Path) -> list[str]:
    return [error.describe(project) for error in loaded(project).errors]


# --- codes and translations, checked when the content loads ----------------------------


def test_each_kind_has_its_own_three_letter_code():
    codes = [spec.code for spec in KIND_SPECS.values()]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == 3 and code.isupper() for code in codes)


def test_a_procedure_code_is_derived_from_its_id_unless_the_file_gives_one(content):
    write_tiny(content)
    write_tiny(content, procedure_id="other-thing", header="code: OT2\n")
    project = loaded(content)
    assert not project.errors
    assert project.procedures[("tiny", "en")].code == "TINY"
    assert project.procedures[("kyphoplasty", "en")].code == "KYPH"
    assert project.procedures[("other-thing", "en")].code == "OT2"


def test_a_code_must_be_two_to_eight_capitals_or_digits(content):
    write_tiny(content, header="code: kyph\n")
    assert errors_of(content) == ["content/procedures/tiny/en.yaml: line 7: code: 'kyph' does not have the expected form"]


def test_two_procedures_may_not_share_a_code(content):
    write_tiny(content)
    write_tiny(content, procedure_id="kyphosis-care")
    assert errors_of(content) == [
        "content/procedures/kyphosis-care/en.yaml: line 1: id: its code, 'KYPH' (from its id), is already the procedure "
        "'kyphoplasty''s; give this one its own with code: (2 to 8 capitals or digits)"
    ]
    write_tiny(content, procedure_id="kyphosis-care", header="code: KYPHC\n")
    assert errors_of(content) == []


def test_a_translation_names_a_file_that_exists(content):
    write_tiny(content)
    write_tiny(content, lang="es", header="translated_from: fr\n")
    assert errors_of(content) == [
        "content/procedures/tiny/es.yaml: line 7: translated_from: there is no fr.yaml beside this file (there is: en.yaml)"
    ]
    assert ("tiny", "es") not in loaded(content).procedures


def test_a_translation_of_itself_or_in_a_circle_is_an_error(content):
    write_tiny(content, lang="es", header="translated_from: es\n")
    assert errors_of(content) == [
        "content/procedures/tiny/es.yaml: line 7: translated_from: names this file itself; "
        "a translation names the language of the file it was translated from"
    ]
    write_tiny(content, lang="en", header="translated_from: es\n")
    write_tiny(content, lang="es", header="translated_from: en\n")
    assert errors_of(content) == [
        "content/procedures/tiny/es.yaml: line 7: translated_from: en.yaml is translated from this file in turn; "
        "the original must not name translated_from",
        "content/procedures/tiny/en.yaml: line 7: translated_from: es.yaml, the file it was translated from, "
        "cannot be used (its error is reported with it)",
    ]


def test_a_translation_of_a_broken_file_is_not_built_and_says_why(content):
    write_tiny(content, status="finished")
    write_tiny(content, lang="es", header="translated_from: en\n")
    assert errors_of(content)[1:] == [
        "content/procedures/tiny/es.yaml: line 7: translated_from: en.yaml, the file it was translated from, "
        "cannot be used (its error is reported with it)"
    ]


def test_a_translation_takes_its_source_code_and_every_language_has_the_same(content):
    write_tiny(content, header="code: TNY\n")
    write_tiny(content, lang="es", header="translated_from: en\n")
    assert loaded(content).procedures[("tiny", "es")].code == "TNY"
    write_tiny(content, lang="fr")
    assert errors_of(content) == [
        "content/procedures/tiny/fr.yaml: line 1: id: its code, 'TINY' (from its id), differs from en.yaml's; "
        "every language of a procedure has the same code: write code: TNY"
    ]


# --- the review state of one document -------------------------------------------------------


def state(project: Path, lang: str = "en", as_of: date = date(2027, 1, 1), kind: str = "consent"):
    return review_state(loaded(project).procedures[("tiny", lang)], kind, as_of)


def test_reviewed_content_within_its_review_date_may_be_released(content):
    write_tiny(content)
    current = state(content)
    assert (current.code, current.version, current.label) == ("TINY-CON-en", "2026-11-01", "TINY-CON-en 2026-11-01")
    assert (current.status, current.draft, current.overdue_since, current.releasable) == ("reviewed", False, None, True)


def test_a_draft_is_not_releasable_and_says_which_field(content):
    write_tiny(content, status="draft")
    current = state(content)
    assert (current.status, current.overdue_since, current.releasable) == ("draft", None, False)
    assert current.error(release=True).describe(content) == (
        "content/procedures/tiny/en.yaml: line 11: review.status: draft: no clinician has reviewed it; "
        "--release builds only reviewed content that is not overdue"
    )


def test_a_review_is_overdue_the_day_after_it_was_due(content):
    write_tiny(content, next_review="2027-03-01")
    assert state(content, as_of=date(2027, 3, 1)).releasable
    overdue = state(content, as_of=date(2027, 3, 2))
    assert (overdue.status, overdue.overdue_since) == ("reviewed", date(2027, 3, 1))
    assert overdue.error().describe(content) == (
        "content/procedures/tiny/en.yaml: line 10: review.next_review: 2027-03-01 has passed: the review is overdue"
    )


def test_an_explicit_version_is_printed_instead_of_the_review_date(content):
    write_tiny(content, review_extra="  version: 3.1-final\n")
    assert state(content, kind="brochure").label == "TINY-BRO-en 3.1-final"


def test_a_translation_is_governed_by_the_worse_of_its_own_record_and_its_source(content):
    write_tiny(content, status="draft", next_review="2027-06-01")
    write_tiny(content, lang="es", header="translated_from: en\n", reviewed_on="2026-12-01", next_review="2027-02-01")
    translation = state(content, lang="es", as_of=date(2027, 7, 1))
    assert (translation.code, translation.version) == ("TINY-CON-es", "2026-12-01")
    assert (translation.draft, translation.overdue_since) == (True, date(2027, 2, 1))
    assert translation.error().describe(content) == (
        "content/procedures/tiny/en.yaml: line 11: review.status: draft: no clinician has reviewed it (the source of es.yaml); "
        "es.yaml: line 11: review.next_review: 2027-02-01 has passed: the review is overdue; "
        "line 10: review.next_review: 2027-06-01 has passed: the review is overdue (the source of es.yaml)"
    )
    assert state(content, lang="es", as_of=date(2027, 1, 1)).overdue_since is None


# --- what the pages show ---------------------------------------------------------------------

AS_OF = date(2027, 6, 1)
DRAFT = "Draft — not reviewed"
OVERDUE = "Review overdue since March 2027"
# (procedure, lang): what its pages must say about its review; fine-one must show nothing
EXPECTED_BANDS = {
    ("draft-one", "en"): (DRAFT,),
    ("draft-one", "es"): (DRAFT,),  # reviewed itself, but translated from a draft
    ("late-one", "en"): (OVERDUE,),
    ("both-one", "en"): (DRAFT, OVERDUE),
    ("fine-one", "en"): (),
}
AMBER = (0xFF, 0xC4, 0x00)


def offer(project: Path, *procedures: str) -> None:
    practice = project / "content/practices/riverbend-spine.yaml"
    lines = "".join(f"  - procedure: {procedure}\n" for procedure in procedures)
    practice.write_text(practice.read_text(encoding="utf-8") + lines, encoding="utf-8")


def run(project: Path, *args: str):
    return CliRunner().invoke(main, [args[0], "--root", str(project), *args[1:]], catch_exceptions=False)


@pytest.fixture(scope="module")
def governed(tmp_path_factory) -> tuple[Path, Path]:
    """Five small documents, one for each review state, built once as of AS_OF (preparation: the quickest kind);
    and the brochures of both-one and fine-one, to see the band on a tri-fold."""
    project = make_project(tmp_path_factory.mktemp("governed"), practices=("riverbend-spine",))
    offer(project, "draft-one", "late-one", "both-one", "fine-one")
    write_tiny(project, procedure_id="draft-one", status="draft")
    write_tiny(project, procedure_id="draft-one", lang="es", header="translated_from: en\n")
    write_tiny(project, procedure_id="late-one", next_review="2027-03-01")
    write_tiny(project, procedure_id="both-one", status="draft", next_review="2027-03-01")
    write_tiny(project, procedure_id="fine-one")
    shutil.copy(project / "templates/i18n/en.yaml", project / "templates/i18n/es.yaml")
    add_language(project / "content/practices/riverbend-spine.yaml", "es")
    for translation in (project / "content/procedures/draft-one/es.yaml", project / "templates/i18n/es.yaml"):
        stamp(translation, loaded(project))  # current with its English: only its review is at issue here
    out = project / "out"
    procedures = tuple(dict.fromkeys(procedure for procedure, _ in EXPECTED_BANDS))
    for selection in (Selection(procedures, kinds=("preparation",)), Selection(("both-one", "fine-one"), kinds=("brochure",))):
        report = build(project, selection, out, as_of=AS_OF)
        assert report.ok, [error.describe() for error in report.failures]
    return project, out


def pdf_of(out: Path, procedure: str, lang: str = "en", kind: str = "preparation") -> Path:
    return out / "riverbend-spine" / lang / f"{procedure}-{kind}.pdf"


def page_images(pdf: Path, folder: Path) -> list[Image.Image]:
    prefix = folder / f"{pdf.parent.name}-{pdf.stem}"
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(prefix)], check=True)
    return [Image.open(png).convert("RGB") for png in sorted(folder.glob(f"{prefix.name}-*.png"))]


def has_band(page: Image.Image) -> bool:
    """Whether the top of the page has a row of the band's amber across most of a page (or of the half sheet of a booklet)."""
    for y in range(int(page.height * 0.08)):
        row = [page.getpixel((x, y)) for x in range(page.width)]
        if sum(all(abs(a - b) <= 12 for a, b in zip(pixel, AMBER)) for pixel in row) > 0.35 * page.width:
            return True
    return False


@pytest.mark.parametrize(("procedure", "lang"), EXPECTED_BANDS)
def test_the_band_and_the_code_are_on_every_page_as_the_review_state_says(governed, tmp_path, procedure, lang):
    project, out = governed
    pdf = pdf_of(out, procedure, lang)
    expected = EXPECTED_BANDS[(procedure, lang)]
    code = f"{procedure[:4].upper()}-PRE-{lang} 2026-11-01"
    for text in page_texts(pdf):
        assert code in text
        for phrase in (DRAFT, "Review overdue since"):
            assert (phrase in text) == any(band.startswith(phrase) for band in expected), (phrase, text[:200])
        assert all(band in text for band in expected)
    assert [has_band(page) for page in page_images(pdf, tmp_path)] == [bool(expected)] * len(page_texts(pdf))


def test_a_trifold_carries_the_band_on_both_sides_without_moving_its_panels(governed, tmp_path):
    project, out = governed
    banded, plain = (pdf_of(out, procedure, kind="brochure") for procedure in ("both-one", "fine-one"))
    texts = page_texts(banded)
    assert len(texts) == 2
    assert all(DRAFT in text and OVERDUE in text and "BOTH-BRO-en 2026-11-01" in text for text in texts)
    assert all("FINE-BRO-en 2026-11-01" in text and DRAFT not in text for text in page_texts(plain))
    banded_pages, plain_pages = page_images(banded, tmp_path), page_images(plain, tmp_path)
    assert [has_band(page) for page in banded_pages] == [True, True]
    assert [has_band(page) for page in plain_pages] == [False, False]
    # Below the band (6 mm) and above the inside's footer, the panels are drawn exactly as without it.
    inside_banded, inside_plain = banded_pages[1], plain_pages[1]
    box = (0, int(inside_banded.height * 0.05), inside_banded.width, int(inside_banded.height * 0.85))
    assert inside_banded.crop(box).tobytes() == inside_plain.crop(box).tobytes()


@pytest.mark.parametrize("option", ["--large-print", "--imposition booklet", "--layout pages"])
def test_the_band_is_on_every_page_of_every_layout(governed, tmp_path, option):
    project, _ = governed
    out = tmp_path / "out"
    kind = "preparation" if option == "--large-print" else "brochure"  # a booklet of more than one page
    result = run(project, "build", "--out", str(out), "-p", "both-one", "-k", kind, "--as-of", AS_OF.isoformat(), *option.split())
    assert result.exit_code == 0, result.output
    pdf = pdf_of(out, "both-one", kind=kind)
    texts = page_texts(pdf)
    assert texts and all(DRAFT in text and OVERDUE in text and f"BOTH-{kind[:3].upper()}-en" in text for text in texts)
    assert all(has_band(page) for page in page_images(pdf, tmp_path))


def test_the_manifest_records_code_version_and_review_status(governed):
    _, out = governed
    entries = {entry["path"]: entry for entry in json.loads((out / "manifest.json").read_text())["documents"]}
    fields = ("code", "version", "review_status", "overdue_since")
    assert {path: tuple(entries[path][name] for name in fields) for path in entries if path.endswith("preparation.pdf")} == {
        "riverbend-spine/en/both-one-preparation.pdf": ("BOTH-PRE-en", "2026-11-01", "draft", "2027-03-01"),
        "riverbend-spine/en/draft-one-preparation.pdf": ("DRAF-PRE-en", "2026-11-01", "draft", None),
        "riverbend-spine/es/draft-one-preparation.pdf": ("DRAF-PRE-es", "2026-11-01", "draft", None),
        "riverbend-spine/en/fine-one-preparation.pdf": ("FINE-PRE-en", "2026-11-01", "reviewed", None),
        "riverbend-spine/en/late-one-preparation.pdf": ("LATE-PRE-en", "2026-11-01", "reviewed", "2027-03-01"),
    }


# --- check and --release ---------------------------------------------------------------------


def test_check_lists_drafts_and_overdue_documents_and_with_release_fails_on_them(governed):
    project, _ = governed
    common = ("-k", "preparation", "--no-typeset", "--as-of", AS_OF.isoformat())
    listed = run(project, "check", *common)
    assert listed.exit_code == 0, listed.output
    review_lines = sorted(line for line in listed.stdout.splitlines() if line.startswith("REVIEW "))
    assert review_lines == [
        "REVIEW riverbend-spine/en/both-one-preparation.pdf (BOTH-PRE-en 2026-11-01): content/procedures/both-one/en.yaml: "
        "line 11: review.status: draft: no clinician has reviewed it; line 10: review.next_review: 2027-03-01 has passed: "
        "the review is overdue",
        "REVIEW riverbend-spine/en/draft-one-preparation.pdf (DRAF-PRE-en 2026-11-01): content/procedures/draft-one/en.yaml: "
        "line 11: review.status: draft: no clinician has reviewed it",
        "REVIEW riverbend-spine/en/late-one-preparation.pdf (LATE-PRE-en 2026-11-01): content/procedures/late-one/en.yaml: "
        "line 10: review.next_review: 2027-03-01 has passed: the review is overdue",
        "REVIEW riverbend-spine/es/draft-one-preparation.pdf (DRAF-PRE-es 2026-11-01): content/procedures/draft-one/en.yaml: "
        "line 11: review.status: draft: no clinician has reviewed it (the source of es.yaml)",
    ]
    assert ": 0 problems, " in listed.stdout and "; 4 with a review band (draft or overdue), which build --release refuses" in listed.stdout

    refused = run(project, "check", *common, "--release")
    assert refused.exit_code == 1
    errors = [line for line in refused.stderr.splitlines() if line.startswith("ERROR  ")]
    assert len(errors) == 4 and all("--release builds only reviewed content that is not overdue" in line for line in errors)
    assert "4 problems" in refused.stderr

    before = run(project, "check", "-p", "late-one", "-k", "preparation", "--no-typeset", "--as-of", "2027-03-01", "--release")
    assert before.exit_code == 0, before.output  # due that day: not yet overdue


def test_build_release_refuses_drafts_and_overdue_reviews_and_builds_the_rest(governed, tmp_path):
    project, built_out = governed
    out = tmp_path / "out"
    shutil.copytree(built_out, out)
    procedures = [option for procedure, _ in EXPECTED_BANDS for option in ("-p", procedure)]
    result = run(project, "build", "--out", str(out), *procedures, "-k", "preparation", "--as-of", AS_OF.isoformat(), "--release")
    assert result.exit_code == 1
    failed = sorted(line for line in result.stderr.splitlines() if line.startswith("FAILED "))
    assert [line.split(":")[0] for line in failed] == [
        f"FAILED riverbend-spine/{name}-preparation.pdf" for name in ("en/both-one", "en/draft-one", "en/late-one", "es/draft-one")
    ]
    assert "content/procedures/late-one/en.yaml: line 10: review.next_review: 2027-03-01 has passed" in failed[2]
    assert "content/procedures/draft-one/en.yaml: line 11: review.status: draft" in failed[3]
    assert "0 built, 1 up to date, 4 failed, 0 file errors" in result.stderr
    # Nothing refused is left in place looking current; the earlier banded PDFs are set aside.
    assert not pdf_of(out, "draft-one").exists() and (out / ".failed/riverbend-spine/en/draft-one-preparation.pdf").is_file()
    assert pdf_of(out, "fine-one").is_file()
    manifest = json.loads((out / "manifest.json").read_text())["documents"]
    assert {entry["path"] for entry in manifest if entry["kind"] == "preparation"} == {"riverbend-spine/en/fine-one-preparation.pdf"}


def test_a_bad_as_of_date_is_wrong_usage(governed):
    project, _ = governed
    for command in ("build", "check"):
        result = CliRunner().invoke(main, [command, "--root", str(project), "--as-of", "2027-02-30"])
        assert result.exit_code == 2 and "--as-of" in result.output


# --- incremental builds ---------------------------------------------------------------------------


def test_a_document_is_rebuilt_exactly_when_what_it_prints_about_its_review_changes(governed, tmp_path):
    project, built_out = governed
    out = tmp_path / "out"
    shutil.copytree(built_out, out)

    def build_as_of(day: str, procedure: str = "fine-one", lang: str = "en") -> tuple[int, int]:
        report = build(project, Selection((procedure,), kinds=("preparation",), langs=(lang,)), out, as_of=date.fromisoformat(day))
        assert report.ok, [error.describe() for error in report.failures]
        return len(report.built), len(report.skipped)

    assert build_as_of("2027-06-01") == (0, 1)
    assert build_as_of("2027-11-01") == (0, 1)  # due today: nothing changes on the page
    assert build_as_of("2027-11-02") == (1, 0)  # overdue from today
    assert all("Review overdue since November 2027" in text for text in page_texts(pdf_of(out, "fine-one")))
    assert build_as_of("2027-11-02") == (0, 1)
    assert build_as_of("2028-05-01") == (0, 1)  # still overdue since the same day: the same pages
    assert build_as_of("2027-06-01") == (1, 0)  # as of before it fell due, the band goes again
    assert not any("overdue" in text for text in page_texts(pdf_of(out, "fine-one")))


def test_a_translation_is_rebuilt_when_its_source_is_reviewed(governed, tmp_path):
    project, built_out = governed
    copy = tmp_path / "project"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("out"))
    out = tmp_path / "out"
    shutil.copytree(built_out, out)
    selection = Selection(("draft-one",), kinds=("preparation",), langs=("es",))
    assert len(build(copy, selection, out, as_of=AS_OF).skipped) == 1
    source = copy / "content/procedures/draft-one/en.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("status: draft", "status: reviewed"), encoding="utf-8")
    report = build(copy, selection, out, as_of=AS_OF)
    assert len(report.built) == 1 and not report.banded
    assert not any(DRAFT in text for text in page_texts(pdf_of(out, "draft-one", "es")))


def test_the_example_workflow_releases_only_when_a_clinic_switches_it_on():
    """The shipped samples are drafts: the workflow must stay green on them, and refuse drafts once switched on."""
    workflow = yaml.safe_load((ROOT / ".github/workflows/handouts.yml").read_text(encoding="utf-8"))
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    switched_on, off = "vars.HANDOUTS_RELEASE == 'true'", "vars.HANDOUTS_RELEASE != 'true'"
    release = [step for step in steps if "--release" in step.get("run", "")]
    assert [step["if"] for step in release] == [switched_on, switched_on]
    assert sorted(step["if"] for step in steps if "make build" in step.get("run", "")) == sorted([off, switched_on])
    assert "`HANDOUTS_RELEASE`" in (ROOT / "README.md").read_text(encoding="utf-8")
