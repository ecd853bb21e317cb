"""The shipped content, read back from its PDFs.

Every fact of a source text must reach the kind of document where a patient
needs it; these phrases are what a reviewer would look for, as they appear in
the content. This is the only test module that builds the shipped ``content/``;
the others build ``tests/project/``.
"""

from __future__ import annotations

import pytest
from conftest import ROOT
from pdfs import pdf_text

from handoutpress import Selection, build


KINDS = ("brochure", "consent", "discharge")
PRACTICE = "riverbend-spine"

# (phrase, kinds it must appear in)
SOURCE_FACTS = [
    # what it treats and why
    ("treats spine fractures caused by osteoporosis", KINDS[:2]),
    ("relieves pain from vertebral compression fractures", KINDS[:2]),
    ("fractures happened because of osteoporosis", KINDS[:2]),
    ("relieve back pain quickly", KINDS[:2]),
    ("helps straighten the spine", KINDS[:2]),
    ("within two months of the fracture", KINDS[:2]),
    # the work-up
    ("physical exam", ("brochure",)),
    ("medical history", ("brochure",)),
    ("blood tests", ("brochure",)),
    ("spinal x-rays, an MRI and other imaging tests", ("brochure",)),
    ("confirm that you have a vertebral compression fracture", ("brochure",)),
    # what to tell the doctor
    ("all the medicines you are taking now", KINDS[:2]),
    ("any allergies you have", KINDS[:2]),
    ("if you are pregnant or may be pregnant", KINDS[:2]),
    ("eating, drinking and taking your medicines", ("brochure",)),
    # the day
    ("outpatient procedure", KINDS[:2]),
    ("under sedation", KINDS[:2]),
    ("General anesthesia", KINDS[:2]),
    ("friend or relative to drive you home", KINDS[:2]),
    ("lie face down", KINDS[:2]),
    ("It takes about an hour", KINDS[:2]),
    ("cleans the skin around your spine to kill germs, and shaves it", KINDS[:2]),
    ("tiny cut", KINDS[:2]),
    ("Using x-rays to guide it", KINDS[:2]),
    ("called a trocar", KINDS[:2]),
    ("level with the broken vertebra", KINDS[:2]),
    ("passes a balloon through the needle and inflates it", KINDS[:2]),
    ("returns the bone to its original shape", KINDS[:2]),
    ("makes a space (a cavity)", KINDS[:2]),
    ("The doctor takes the balloon out", KINDS[:2]),
    ("injects orthopedic cement to fill the space", KINDS[:2]),
    ("takes the needle (trocar) out", KINDS[:2]),
    ("presses on the area to stop bleeding", KINDS[:2]),
    ("puts a bandage over the skin", KINDS[:2]),
    # recovery
    ("recovery area for about an hour", ("brochure", "discharge")),
    ("The first 24 hours", ("brochure", "discharge")),
    ("Stay in bed. You may get up to use the bathroom", ("brochure", "discharge")),
    ("go back to your regular activities", ("brochure", "discharge")),
    ("about six weeks", ("brochure", "discharge")),
    ("Do not lift heavy things or do other strenuous activities", ("brochure", "discharge")),
    ("usually goes away within three days", ("brochure", "discharge")),
    ("An ice pack can help", ("brochure", "discharge")),
    ("even when you bathe or shower", ("brochure", "discharge")),
    # risks
    ("Kyphoplasty is a safe procedure", KINDS[:2]),
    ("infection where the needle went in", KINDS),
    ("more back pain", KINDS[:2]),
    ("allergic reaction to the contrast material", KINDS[:2]),
    ("leakage of the orthopedic cement", KINDS[:2]),
    ("These problems rarely happen", KINDS[:2]),
    # warning signs
    ("Call us if you notice any of these", ("discharge",)),
    ("your back pain gets worse", ("discharge",)),
    # where to ask
    ("American Orthopaedic Society for Sports Medicine", ("brochure", "discharge")),
    ("American Association for Hand Surgery", ("brochure", "discharge")),
    ("American Academy of Orthopaedic Surgeons", ("brochure", "discharge")),
    ("The American Board of Pediatrics", ("brochure", "discharge")),
]


@pytest.fixture(scope="module")
def texts(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("shipped")
    report = build(ROOT, Selection(practices=(PRACTICE,), procedures=("kyphoplasty",), langs=("en",)), out)
    assert report.ok, [e.describe() for e in report.failures]
    return {kind: pdf_text(out / PRACTICE / "en" / f"kyphoplasty-{kind}.pdf") for kind in KINDS}


@pytest.mark.parametrize("phrase, kinds", SOURCE_FACTS, ids=[fact for fact, _ in SOURCE_FACTS])
def test_source_fact_reaches_its_documents(texts, phrase, kinds):
    for kind in kinds:
        assert phrase.lower() in texts[kind].lower(), f"{phrase!r} missing from the {kind}"
