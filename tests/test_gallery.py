"""``build.py gallery``: every handout on one static page, for a reviewer's browser; and ``--keep-html``."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin

from click.testing import CliRunner
from conftest import make_project
from PIL import Image

from handoutpress import build
from handoutpress.catalogue import survey
from handoutpress.cli import main
from handoutpress.load import load_project
from handoutpress.paths import ProjectPaths
from handoutpress.plan import Selection, plan
from handoutpress.write import Manifest


class Page(HTMLParser):
    """The addresses a page refers to, its images' alt texts and whether it runs a script."""

    def __init__(self, text: str):
        super().__init__()
        self.base, self.links, self.images, self.alts, self.scripts, self.cards = "", [], [], [], 0, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "base":
            self.base = attributes["href"]
        if tag == "script":
            self.scripts += 1
        if tag in ("a", "link") and "href" in attributes and attributes["href"] != "data:,":  # "#main" too: it must stay on this page
            self.links.append(attributes["href"])
        if tag == "img":
            self.images.append(attributes["src"])
            self.alts.append(attributes.get("alt"))
        if "data-document" in attributes and tag == "li":
            self.cards.append(attributes["data-document"])


def target(page_file: Path, page: Page, address: str) -> Path:
    """The file an address of a static page points at."""
    assert not re.match(r"^[a-z]+:|^//", address), f"{page_file} refers outside the gallery: {address}"
    return Path(unquote(urljoin(page_file.as_uri() if not page.base else urljoin(page_file.as_uri(), page.base), address))[len("file://"):].split("#")[0])


def gallery_of_built(test_project: Path, built: Path, tmp_path: Path) -> tuple[Path, object]:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    result = CliRunner().invoke(main, ["gallery", "--root", str(test_project), "--out", str(out), "-q"])
    return out, result


def test_the_gallery_shows_every_handout_with_its_pages_and_nothing_from_outside(test_project, built, tmp_path):
    out, result = gallery_of_built(test_project, built, tmp_path)
    assert result.exit_code == 0, result.output
    index_file = out / "index.html"
    index = Page(index_file.read_text())
    planned = [str(job.output_name) for job in plan(load_project(ProjectPaths.at(test_project)), Selection())]
    assert sorted(index.cards) == sorted(planned)
    assert index.scripts == 0, "a static gallery runs no script"
    manifest = Manifest(out)
    for address in index.links + index.images:
        assert target(index_file, index, address).is_file(), address
    assert len(index.images) == sum(manifest.entries[name].pages for name in planned)
    for name in planned:
        page_file = out / "_gallery" / name.replace(".pdf", ".html")
        page = Page(page_file.read_text())
        assert page.scripts == 0
        assert len(page.images) == manifest.entries[name].pages
        assert all(alt and alt.startswith(f"Page {n} of {len(page.images)}: ") for n, alt in enumerate(page.alts, 1)), page.alts
        for address in page.links + page.images:
            assert target(page_file, page, address).is_file(), (page_file, address)
        assert target(page_file, page, "#main") == page_file, "the skip link stays on the page"
        assert any(target(page_file, page, link) == out / name for link in page.links), "links its PDF"
        large = Image.open(target(page_file, page, page.images[0])).convert("L")
        assert large.width == 900 and large.getextrema()[0] < 100, "a page drawn, not a blank"
    again = CliRunner().invoke(main, ["gallery", "--root", str(test_project), "--out", str(out), "-q"])
    assert again.exit_code == 0 and "(0 page images drawn)" in again.output


def test_a_document_that_fails_shows_its_error_in_the_gallery_with_file_and_line(tmp_path):
    project = make_project(tmp_path, practices=("riverbend-spine",))
    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text() + "defaults:\n  kinds: [preparation, discharge]\n")
    override = project / "templates/practices/riverbend-spine/discharge.html.j2"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text('{% extends "default/discharge.html.j2" %}\n{% block content %}\n{{ no_such_thing.field }}\n{% endblock %}\n')
    result = CliRunner().invoke(main, ["gallery", "--root", str(project), "-q", "--jobs", "2"])
    assert result.exit_code == 1
    index = (project / "output/index.html").read_text()
    card = re.search(r'<li class="card failed"[^>]*data-document="riverbend-spine/en/kyphoplasty-discharge.pdf".*?</li>', index, re.S)
    assert card is not None
    assert re.search(r"templates/practices/riverbend-spine/discharge\.html\.j2: line 3", card[0]), card[0]
    assert '<li class="card" ' in index, "the other documents are made and shown"


def test_keep_html_writes_the_html_beside_each_pdf_and_remakes_a_document_without_it(project):
    selection = Selection(practices=("riverbend-spine",), kinds=("preparation", "discharge"))
    plain = build(project, selection)
    assert plain.ok and not list((project / "output").rglob("*.html"))
    kept = build(project, selection, keep_html=True)
    assert len(kept.built) == 2, "a document without its HTML is made again"
    pages = sorted((project / "output").rglob("*.html"))
    assert [page.relative_to(project / "output").as_posix() for page in pages] == [
        "riverbend-spine/en/kyphoplasty-discharge.html", "riverbend-spine/en/kyphoplasty-preparation.html",
    ]
    kept = pages[0].read_text()
    assert '<html lang="en"' in kept and "Riverbend Spine Center" in kept
    assert re.search(r'<link rel="stylesheet" href="file://[^"]+/templates/css/base\.css">', kept), "opens styled in a browser"
    assert not build(project, selection, keep_html=True).built
    pages[0].unlink()
    again = build(project, selection, keep_html=True)
    assert [result.name for result in again.built] == ["riverbend-spine/en/kyphoplasty-discharge.pdf"]


def test_a_pdf_made_again_without_keep_html_leaves_no_html_of_its_earlier_text(project):
    """The gallery and the preview link the HTML beside a PDF as the HTML it was typeset from."""
    selection = Selection(practices=("riverbend-spine",), kinds=("preparation",))
    assert build(project, selection, keep_html=True).ok
    html = project / "output/riverbend-spine/en/kyphoplasty-preparation.html"
    assert html.is_file()
    procedure = project / "content/procedures/kyphoplasty/en.yaml"
    procedure.write_text(procedure.read_text(encoding="utf-8").replace("title: Kyphoplasty", "title: Kyphoplasty changed", 1), encoding="utf-8")
    assert build(project, selection).built
    assert not html.exists() or "Kyphoplasty changed" in html.read_text(encoding="utf-8")


def test_building_named_documents_leaves_the_others_in_the_output(test_project, built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    before = Manifest(out).entries
    name = "riverbend-spine/en/kyphoplasty-preparation.pdf"
    report = build(test_project, Selection(documents=frozenset({name})), out, force=True)
    assert [result.name for result in report.documents] == [name] and not report.removed
    assert Manifest(out).entries.keys() == before.keys()
    assert all((out / other).is_file() for other in before)


def test_the_catalogue_says_how_each_document_reads_and_where_its_review_stands(test_project, built):
    catalogue = survey(test_project, built)
    document = catalogue.document("riverbend-spine/en/kyphoplasty-preparation.pdf")
    assert document.made and document.pages >= 1 and document.sha256 == Manifest(built).entries[document.name].sha256
    assert re.fullmatch(r"school grade \d+(\.\d)?, limit \d+ \(within the limit\) \(Flesch-Kincaid grade\)", document.reading), document.reading
    assert document.review == "reviewed" and not document.banded and document.language == "English"
