"""Visual regression: one document of each kind, from a different practice where there is one, against approved pictures.

The approved pictures are in tests/golden/ (``make golden`` draws them again
and says what changed). A failure leaves a side-by-side picture of each
changed page (approved, now, changes in red) in test-results/visual/, beside
``report.txt``.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT, make_project

from handoutpress import Selection, build

from handoutpress.kinds import KINDS
from handoutpress.visual import TOLERANCE, changed_share, compare, diff_picture, golden_files, listed_documents

GOLDEN = ROOT / "tests/golden"
REPORT = ROOT / "test-results/visual"



def test_every_kind_has_approved_pictures():
    names = listed_documents(GOLDEN)
    assert sorted(name.rsplit("-", 1)[1].removesuffix(".pdf") for name in names) == sorted(KINDS)
    assert len({name.split("/")[0] for name in names}) >= 3, "more than one practice's look"
    for name in names:
        assert golden_files(GOLDEN, name), f"no approved pictures of {name}: run `make golden`"


@pytest.fixture(scope="module", autouse=True)
def fresh_report():
    """This run's failures only (the module runs on one test worker)."""
    (REPORT / "report.txt").unlink(missing_ok=True)


@pytest.mark.parametrize("name", listed_documents(GOLDEN))
def test_pages_look_as_approved(built, name):
    comparison = compare(built / name, name, GOLDEN, REPORT)
    if not comparison.ok:
        REPORT.mkdir(parents=True, exist_ok=True)
        with open(REPORT / "report.txt", "a") as report:
            print(comparison.describe(), file=report)
    assert comparison.ok, f"{comparison.describe()} (pictures in {REPORT}; `make golden` approves the change)"


def test_a_moved_block_fails_and_leaves_a_picture_of_the_change(built, tmp_path):
    """The comparison can fail: the approved page shifted by a few pixels is beyond the tolerance."""
    from PIL import Image, ImageChops

    name = listed_documents(GOLDEN)[1]
    approved = Image.open(golden_files(GOLDEN, name)[0]).convert("RGB")
    shifted = ImageChops.offset(approved, 0, 4)
    assert changed_share(approved, approved) == 0
    assert changed_share(shifted, approved) > TOLERANCE
    folder = tmp_path / "golden"
    shutil.copytree(GOLDEN, folder)
    shifted.save(golden_files(folder, name)[0])
    comparison = compare(built / name, name, folder, tmp_path / "report")
    assert not comparison.ok and [change.page for change in comparison.changes] == [1]
    diff = Image.open(tmp_path / "report" / name.replace(".pdf", "-page-1-diff.png"))
    assert diff.width > 2 * approved.width and diff_picture(approved, approved).size == diff.size


def test_a_change_of_colour_alone_fails():
    """Dark text printed blue is a change in the blue channel only: it must count, whatever its brightness."""
    from PIL import Image

    name = listed_documents(GOLDEN)[1]
    approved = Image.open(golden_files(GOLDEN, name)[0]).convert("RGB")
    blue = Image.merge("RGB", (*approved.split()[:2], Image.new("L", approved.size, 255)))  # white stays white
    assert changed_share(blue, approved) > TOLERANCE


def test_one_word_changed_fails(tmp_path):
    """The tolerance lets no edit of the text through: one word at the end of a paragraph."""
    name = "riverbend-spine/en/kyphoplasty-preparation.pdf"
    project = make_project(tmp_path / "project", practices=("riverbend-spine",))
    content = project / "content/procedures/kyphoplasty/en.yaml"
    text = content.read_text(encoding="utf-8")
    assert name in listed_documents(GOLDEN) and text.count("before the procedure.") >= 1
    content.write_text(text.replace("before the procedure.", "before the operation.", 1), encoding="utf-8")
    report = build(project, Selection(practices=("riverbend-spine",), kinds=("preparation",)))
    comparison = compare(report.out_dir / name, name, GOLDEN)
    assert [change.page for change in comparison.changes] == [1], comparison.describe()
