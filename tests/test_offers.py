"""A practice builds what it offers, and nothing it no longer offers stays in output/ looking current."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from handoutpress import Selection, build
from handoutpress.cli import main
from handoutpress.kinds import KINDS
from handoutpress.load import load_project
from handoutpress.paths import ProjectPaths
from handoutpress.plan import plan


def add_procedure(project, procedure_id: str, title: str = "Second procedure") -> None:
    """A second procedure, a copy of the fixture's with its own id and title."""
    source = (project / "content/procedures/kyphoplasty/en.yaml").read_text()
    folder = project / "content/procedures" / procedure_id
    folder.mkdir()
    (folder / "en.yaml").write_text(source.replace("id: kyphoplasty", f"id: {procedure_id}").replace("title: Kyphoplasty", f"title: {title}"))


def offer(project, slug: str, procedure_id: str) -> None:
    practice = project / "content/practices" / f"{slug}.yaml"
    practice.write_text(practice.read_text().replace("offers:\n", f"offers:\n  - procedure: {procedure_id}\n"))


def test_only_what_a_practice_offers_is_planned(project):
    add_procedure(project, "second")
    offer(project, "riverbend-spine", "second")
    jobs = plan(load_project(ProjectPaths.at(project)), Selection())
    planned = {(job.practice.slug, job.procedure.data.id) for job in jobs}
    assert ("riverbend-spine", "second") in planned
    assert ("harbourside-spine", "second") not in planned
    assert {job.kind for job in jobs if job.practice.slug == "riverbend-spine" and job.procedure.data.id == "second"} == set(KINDS)


def test_a_broken_procedure_fails_only_the_practices_that_offer_it(project):
    add_procedure(project, "second")
    (project / "content/procedures/second/en.yaml").write_text("id: second\nlang: en\ntitle: [broken\n")
    offer(project, "riverbend-spine", "second")
    spared = build(project, Selection(practices=("harbourside-spine",), kinds=("consent",)), project / "out")
    assert spared.ok, [e.describe() for e in spared.failures]
    hit = build(project, Selection(practices=("riverbend-spine",), kinds=("consent",)), project / "out")
    assert [e.file.name for e in hit.file_errors] == ["en.yaml"]


def test_a_document_no_longer_offered_is_removed_and_the_summary_says_so(project):
    add_procedure(project, "second")
    offer(project, "riverbend-spine", "second")
    out = project / "out"
    one = Selection(practices=("riverbend-spine",), kinds=("consent",))
    assert build(project, one, out).ok
    gone = out / "riverbend-spine/en/second-consent.pdf"
    assert gone.is_file()
    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text().replace("  - procedure: second\n", ""))
    result = CliRunner().invoke(main, ["build", "--root", str(project), "--out", str(out), "--practice", "riverbend-spine", "-k", "consent"])
    assert result.exit_code == 0, result.output
    assert "removed riverbend-spine/en/second-consent.pdf (no longer planned" in result.output
    assert ", 1 removed" in result.output
    assert not gone.exists()
    listed = {entry["path"] for entry in json.loads((out / "manifest.json").read_text())["documents"]}
    assert listed == {"riverbend-spine/en/kyphoplasty-consent.pdf"}


def test_a_build_of_one_practice_leaves_the_others_documents_alone(project):
    out = project / "out"
    assert build(project, Selection(kinds=("consent",)), out).ok
    report = build(project, Selection(practices=("riverbend-spine",), kinds=("discharge",)), out)
    assert report.ok and report.removed == []
    assert (out / "harbourside-spine/en/kyphoplasty-consent.pdf").is_file()


def test_a_document_that_fails_is_moved_aside_not_left_looking_current(project):
    out = project / "out"
    one = Selection(practices=("riverbend-spine",), kinds=("consent",))
    assert build(project, one, out).ok
    name = "riverbend-spine/en/kyphoplasty-consent.pdf"
    good = (out / name).read_bytes()
    template = project / "templates/consent.html.j2"
    template.write_text(template.read_text().replace("{% block signatures %}", "{% block signatures %}{{ nothing_here }}"))
    report = build(project, one, out)
    assert [d.name for d in report.failed] == [name]
    assert report.set_aside == [name]
    assert not (out / name).exists()
    assert (out / ".failed" / name).read_bytes() == good
    assert json.loads((out / "manifest.json").read_text())["documents"] == []


def test_an_offer_may_narrow_languages_and_choose_the_layout(project):
    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text().replace("  - procedure: kyphoplasty\n", "  - procedure: kyphoplasty\n    layout: pages\n"))
    out = project / "out"
    assert build(project, Selection(practices=("riverbend-spine",), kinds=("brochure",)), out).ok
    from pypdf import PdfReader

    box = PdfReader(out / "riverbend-spine/en/kyphoplasty-brochure.pdf").pages[0].mediabox
    assert float(box.width) < float(box.height), "the offer's layout: pages makes portrait pages"
    practice.write_text(practice.read_text().replace("    layout: pages\n", "    languages: [fr]\n"))
    errors = [e.describe(project) for e in load_project(ProjectPaths.at(project)).errors]
    assert any("offers[0].languages: kyphoplasty has no 'fr' content (it has: en)" in e for e in errors), errors


@pytest.mark.parametrize("slot, message", [
    ("arival", "no procedure this practice offers has a practice_text 'arival'; did you mean 'arrival'?"),
])
def test_practice_text_for_a_slot_no_offered_procedure_has_is_an_error(project, slot, message):
    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text() + f"texts:\n  {slot}: Come early.\n")
    errors = [e.describe(project) for e in load_project(ProjectPaths.at(project)).errors]
    assert any(message in e for e in errors), errors


def test_an_offer_may_give_a_sections_heading_and_body_in_the_practices_own_words(project):
    from pdfs import pdf_text

    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text().replace("  - procedure: kyphoplasty\n", """\
  - procedure: kyphoplasty
    sections:
      alternatives:
        title: Your choices at Riverbend
        blocks:
          - paragraph: Ask **Dr Example** about the choices we offer.
      risks:
        title: What could go wrong
"""))
    out = project / "out"
    assert build(project, Selection(practices=("riverbend-spine", "harbourside-spine"), kinds=("consent",)), out).ok
    mine = " ".join(pdf_text(out / "riverbend-spine/en/kyphoplasty-consent.pdf").split())
    theirs = " ".join(pdf_text(out / "harbourside-spine/en/kyphoplasty-consent.pdf").split())
    assert "Your choices at Riverbend" in mine and "Ask Dr Example about the choices we offer." in mine
    assert "What could go wrong" in mine and "Kyphoplasty is a safe procedure" in mine, "a title alone keeps the body"
    assert "Your choices at Riverbend" not in theirs and "What could go wrong" not in theirs


def test_an_offer_with_a_bad_section_wording_is_not_built_and_the_practices_other_offers_are(project):
    add_procedure(project, "second")
    offer(project, "riverbend-spine", "second")
    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text().replace("  - procedure: kyphoplasty\n", """\
  - procedure: kyphoplasty
    sections:
      about:
        blocks:
          - figure: {image: ../../../etc/hostname, alt: x, caption: y}
"""))
    report = build(project, Selection(practices=("riverbend-spine",), kinds=("consent",)), project / "out")
    errors = [e.describe(project) for e in report.file_errors]
    assert len(errors) == 1, errors
    assert errors[0].startswith("content/practices/riverbend-spine.yaml: line ")
    assert errors[0].endswith(
        "offers[1].sections.about.blocks[0]: a practice's own section wording may not show a figure; "
        "figures come from the procedure's folder"
    ), errors
    assert [d.name for d in report.built] == ["riverbend-spine/en/second-consent.pdf"]


def test_wording_for_a_role_the_procedure_does_not_have_is_an_error_not_a_no_op(project):
    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text().replace(
        "  - procedure: kyphoplasty\n", "  - procedure: kyphoplasty\n    sections:\n      follow_up: {title: Never printed}\n"
    ))
    errors = [e.describe(project) for e in load_project(ProjectPaths.at(project)).errors]
    assert any(
        "offers[0].sections.follow_up: kyphoplasty has no section with the role 'follow_up', so this wording would print nowhere" in e
        for e in errors
    ), errors
