"""The content guide (docs/content-guide.md) is a working example: its procedure builds in every kind,
and every block type it shows reaches the PDFs where its role's recipe puts it."""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import ROOT, make_project
from pdfs import pdf_text
from pypdf import PdfReader

from handoutpress import Selection, build
from handoutpress.kinds import KINDS
from handoutpress.models import BLOCK_TYPES, Procedure

GUIDE = ROOT / "docs/content-guide.md"
DIAGRAM = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 10" width="40" height="10"><rect width="40" height="10" fill="#1d4e89"/></svg>'


def guide_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    header, body, offer = guide_blocks()[:3]
    procedure = {**yaml.safe_load(header), **yaml.safe_load(body)}
    project = make_project(tmp_path_factory.mktemp("guide"), practices=("riverbend-spine",))
    folder = project / "content/procedures/example-procedure"
    folder.mkdir()
    (folder / "en.yaml").write_text(yaml.safe_dump(procedure, sort_keys=False), encoding="utf-8")
    (folder / "diagram.svg").write_text(DIAGRAM)
    practice = project / "content/practices/riverbend-spine.yaml"
    offers = yaml.safe_load(offer)["offers"]
    practice.write_text(practice.read_text() + "".join(f"  - procedure: {o['procedure']}\n" for o in offers))
    out = project / "out"
    report = build(project, Selection(procedures=("example-procedure",)), out)
    assert report.ok, [e.describe() for e in report.failures]
    return {kind: out / f"riverbend-spine/en/example-procedure-{kind}.pdf" for kind in KINDS}


def test_the_guide_shows_every_block_type():
    body = guide_blocks()[1]
    for block_type in BLOCK_TYPES:
        assert re.search(rf"^\s+- {block_type}:", body, re.MULTILINE), block_type


def test_the_guides_translation_is_a_valid_header_for_the_example(tmp_path):
    header, body, _, translation = (yaml.safe_load(block) for block in guide_blocks()[:4])
    procedure = Procedure.model_validate({**header, **body, **translation})
    assert (procedure.lang, procedure.translated_from, procedure.review.status) == ("es", "en", "reviewed")


def test_the_guide_procedure_builds_in_every_kind(built):
    assert all(pdf.is_file() for pdf in built.values())


# (text the block prints, kinds it must reach, kinds it must not)
PRINTED = [
    ("An example procedure is a short test", {"brochure", "consent"}, {"discharge", "preparation"}),   # paragraph
    ("probe: a thin tool", {"brochure", "consent"}, {"discharge"}),                                     # definition
    ("The probe is about as long as a pencil.", {"brochure", "consent"}, {"discharge"}),               # figure
    ("It can show what causes the problem.", {"brochure", "consent"}, {"preparation"}),                # bullets
    ("The day before, 6 pm", {"brochure", "preparation"}, {"consent", "discharge"}),                   # schedule
    ("Arrange an adult to take you home", {"brochure", "preparation"}, {"consent"}),                   # checklist
    ("Drive yourself home", {"brochure", "preparation"}, {"consent"}),                                 # do_dont
    ("Follow the times your care team gives you.", {"preparation"}, {"consent"}),                      # callout
    ("when to stop eating and drinking", {"preparation"}, {"consent"}),                                # practice_text
    ("The care team does the test.", {"brochure", "consent"}, {"preparation"}),                        # steps
    ("Most people are back to their usual day.", {"brochure", "discharge"}, {"consent"}),              # timeline
    ("Soreness", {"brochure", "consent"}, {"discharge"}),                                              # table
    ("Pain that gets worse", {"discharge"}, {"brochure", "consent"}),                                  # warning signs
]


@pytest.mark.parametrize("text, present, absent", PRINTED, ids=[p[0][:30] for p in PRINTED])
def test_each_block_reaches_the_kinds_of_its_role(built, text, present, absent):
    texts = {kind: " ".join(pdf_text(pdf).split()) for kind, pdf in built.items()}
    for kind in present:
        assert text in texts[kind], f"{text!r} missing from the {kind}"
    for kind in absent:
        assert text not in texts[kind], f"{text!r} should not be in the {kind}"


def test_bold_prints_bold_and_markup_characters_do_not_print(built):
    text = pdf_text(built["consent"])
    assert "**" not in text and "a short test" in text
    fonts = set()
    for page in PdfReader(built["consent"]).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("700" in name or "Bold" in name for name in fonts), fonts


def test_the_figure_is_tagged_with_its_alt_text(built):
    raw = built["brochure"].read_bytes()
    reader = PdfReader(built["brochure"])
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict) or hasattr(node, "get"):
            if node.get("/S") == "/Figure" and "/Alt" in node:
                found.append(str(node["/Alt"]))
            kids = node.get("/K")
            if kids is not None:
                for kid in kids if isinstance(kids, list) else [kids]:
                    if hasattr(kid, "get_object"):
                        walk(kid)
    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert raw and "A drawing of the probe next to a ruler." in found, found
