"""A tri-fold that does not fit says by how much, and a practice or procedure may let it fall back to pages."""

from __future__ import annotations

import re

from pypdf import PdfReader

from handoutpress import Selection, build

ONE = Selection(practices=("riverbend-spine",), kinds=("brochure",))
PROCEDURE = "content/procedures/kyphoplasty/en.yaml"


def lengthen(project, extra_steps: int = 40) -> None:
    content = project / PROCEDURE
    steps = "".join(f"          - Extra step number {n} of a procedure that has far too many steps to fit.\n" for n in range(extra_steps))
    text = content.read_text()
    marker = "      - steps:\n"
    assert marker in text
    content.write_text(text.replace(marker, marker + steps, 1))


def test_too_long_for_a_trifold_says_by_how_many_lines(project):
    lengthen(project)
    report = build(project, ONE, project / "out")
    (failure,) = report.failures
    assert re.search(r"does not fit the six panels of a tri-fold: too long for the inside panels by \d+ lines", failure.message)
    assert "trifold_overflow: use-pages" in failure.message
    assert not (project / "out/riverbend-spine/en/kyphoplasty-brochure.pdf").exists()


def test_a_practice_may_let_it_fall_back_to_pages_with_a_warning(project):
    lengthen(project)
    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text().replace("  - procedure: kyphoplasty\n", "  - procedure: kyphoplasty\n    trifold_overflow: use-pages\n"))
    report = build(project, ONE, project / "out")
    assert report.ok, [e.describe() for e in report.failures]
    (document,) = report.documents
    assert document.warning.startswith("printed as pages, as trifold_overflow asks: ")
    reader = PdfReader(project / "out/riverbend-spine/en/kyphoplasty-brochure.pdf")
    box = reader.pages[0].mediabox
    assert float(box.width) < float(box.height) and len(reader.pages) > 2


def test_a_procedure_may_choose_the_fall_back_for_every_practice(project):
    lengthen(project)
    content = project / PROCEDURE
    content.write_text(content.read_text().replace("specialty: ", "trifold_overflow: use-pages\nspecialty: ", 1))
    report = build(project, ONE, project / "out")
    assert report.ok and report.documents[0].warning
