"""Review governance: drafts and overdue reviews are visible on every page, listed by check and refused by --release;
every page carries the document's code and version."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import make_project

from handoutpress.governance import review_state
from handoutpress.kinds import KIND_SPECS
from handoutpress.load import load_project
from handoutpress.paths import ProjectPaths

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
