"""The tagged reading order: what a screen reader follows through a folded tri-fold."""

from __future__ import annotations

import pytest
from pdfs import tagged_headings

from handoutpress import Selection, build
from handoutpress.options import BuildOptions

BROCHURE = "en/kyphoplasty-brochure.pdf"


def brochure(project, tmp_path, slug: str, layout: str):
    out = tmp_path / f"out-{layout}"
    report = build(
        project, Selection(practices=(slug,), kinds=("brochure",)), out, options=BuildOptions(layout=layout), jobs=1
    )
    assert report.ok, [e.describe() for e in report.failures]
    return out / slug / BROCHURE


@pytest.mark.parametrize("slug", ["riverbend-spine", "lakeside-spine-care"])
def test_trifold_is_tagged_cover_flap_inside_then_back(project, tmp_path, slug):
    trifold = tagged_headings(brochure(project, tmp_path, slug, "trifold"))
    pages = tagged_headings(brochure(project, tmp_path, slug, "pages"))
    texts = [text for _, text in trifold]

    assert trifold[0] == ("H1", "Kyphoplasty")
    assert texts[1:3] == ["What is kyphoplasty?", "How it can help"]  # the flap: about, benefits
    assert texts[3:6] == ["Tests before kyphoplasty", "What to tell your doctor", "Getting ready"]  # the inside
    assert texts[-1] == "Have a question?"
    assert trifold == pages
