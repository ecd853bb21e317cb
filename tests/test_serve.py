"""The live preview in a real browser: ``build.py serve`` as its own process, the page in headless Chromium.

One session walks the whole editor's path, because starting the server and
the browser is most of the cost: the list, the keyboard, a document's page,
a saved edit that rebuilds it and refreshes its picture, a broken file shown
on the page with its line, and the fix.
"""

from __future__ import annotations

import io
import re
import shutil
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

from browser import chromium_page, first_page_image, preview_server, wait_for_new_first_page
from conftest import ROOT, make_project
from pdfs import pdf_text
from PIL import Image, ImageChops

from handoutpress.catalogue import Catalogue, DocumentSummary
from handoutpress.load import load_project
from handoutpress.paths import ProjectPaths
from handoutpress.plan import Selection, plan
from handoutpress.serve import Preview, PreviewSettings, _allowed_hosts

SCREENSHOTS = ROOT / "test-results"


def planned_names(root: Path) -> list[str]:
    return [str(job.output_name) for job in plan(load_project(ProjectPaths.at(root)), Selection())]


def status_of(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def picture(page, selector: str) -> Image.Image:
    return Image.open(io.BytesIO(page.locator(selector).first.screenshot())).convert("RGB")


def test_an_editor_saves_a_file_and_sees_the_page_change(tmp_path, built):
    root = make_project(tmp_path / "project", practices=("riverbend-spine",))
    shutil.copytree(built, root / "output")  # made already: the preview's first build only retires the other practices'

    content = root / "content/procedures/kyphoplasty/en.yaml"
    original = content.read_text(encoding="utf-8")
    expected = planned_names(root)
    SCREENSHOTS.mkdir(exist_ok=True)

    with preview_server(root) as served, chromium_page() as page:
        page.goto(served.url)

        # Every planned document is listed, each with its pages, reading level and review.
        listed = page.locator("li.card").evaluate_all("cards => cards.map(card => card.dataset.document)")
        assert sorted(listed) == sorted(expected) and len(expected) >= 4
        for card in page.locator("li.card").all():
            assert card.locator(".thumbs img").count() >= 1
            facts = card.locator(".facts").inner_text()
            assert "Reading level" in facts and "grade" in facts and "Review" in facts and "reviewed" in facts
        page.screenshot(path=SCREENSHOTS / "preview-list.png")

        # Only what the preview lists is served, and only to requests addressed to this machine.
        for address in ("pdf/..%2F..%2Fcontent%2Fprocedures%2Fkyphoplasty%2Fen.yaml", "pdf/../content/procedures/kyphoplasty/en.yaml",
                        "html/riverbend-spine/en/kyphoplasty-brochure.html", "pages/riverbend-spine/en/kyphoplasty-brochure/thumb-99.png"):
            assert status_of(served.url + address) == 404, address
        assert status_of(served.url + "health", {"Host": "rebinding.example"}) == 400

        # Accessible: landmarks, a text alternative on every image (empty only for the decorative thumbnails
        # inside a link the screen reader skips), and keyboard access from the skip link to a document.
        for landmark in ("header", "nav", "main", "footer"):
            assert page.locator(landmark).count() == 1, landmark
        assert page.locator("img:not([alt])").count() == 0
        assert page.locator('.thumbs[aria-hidden="true"][tabindex="-1"]').count() == len(expected)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to the handouts"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.getAttribute('href')")
        assert focused.startswith("/documents/riverbend-spine/en/kyphoplasty-")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**{focused}")

        # The document's own page: its pages large, described, and the PDF linked.
        before = first_page_image(page)
        assert before["loaded"]
        alts = page.locator(".pages img").evaluate_all("images => images.map(image => image.alt)")
        assert alts and all(re.match(rf"Page {n} of {len(alts)}: Kyphoplasty, ", alt) for n, alt in enumerate(alts, 1))
        assert page.locator('a[href$=".pdf"]').first.get_attribute("href") == focused.replace("/documents/", "/pdf/") + ".pdf"
        picture_before = picture(page, ".pages img")

        # Save an edit: the open document is rebuilt and its picture replaced, without a reload by hand,
        # the keyboard's place (here the PDF link, which has no id) is kept, and so is the reader's place on the page.
        page.locator('a[href$=".pdf"]').first.focus()
        page.evaluate("window.scrollTo(0, 400)")
        content.write_text(original.replace("title: Kyphoplasty", "title: Kyphoplasty changed"), encoding="utf-8")
        saved = time.perf_counter()
        wait_for_new_first_page(page, before["src"])
        print(f"save to refreshed page image: {time.perf_counter() - saved:.2f} s")
        assert page.evaluate("window.scrollY") == 400
        assert ImageChops.difference(picture_before, picture(page, ".pages img")).getbbox() is not None
        assert page.evaluate("document.activeElement.getAttribute('href')") == focused.replace("/documents/", "/pdf/") + ".pdf"
        assert "Rebuilt riverbend-spine/en/kyphoplasty-" in page.locator("#status").inner_text()
        page.screenshot(path=SCREENSHOTS / "preview-after-edit.png", full_page=True)
        pdf = root / "output" / (focused.removeprefix("/documents/") + ".pdf")
        assert "Kyphoplasty changed" in pdf_text(pdf)

        # A broken file: its problem shows on the open page, naming the file and the line.
        content.write_text(original.replace("title: Kyphoplasty", "title: [Kyphoplasty"), encoding="utf-8")
        page.wait_for_selector(".problems", timeout=60000)
        problem = page.locator(".problems").inner_text()
        assert "content/procedures/kyphoplasty/en.yaml" in problem and re.search(r"line \d+", problem), problem
        page.screenshot(path=SCREENSHOTS / "preview-broken-file.png", full_page=True)

        # Fixed: the problem goes and the document is back, the open one made first.
        log = root / "serve.log"
        broken_at = len(log.read_text())
        content.write_text(original, encoding="utf-8")
        page.wait_for_selector(".problems", state="detached", timeout=60000)
        page.wait_for_selector(".pages img", timeout=60000)
        rebuilt = re.findall(r"Rebuilt (\S+)\.pdf\.", log.read_text()[broken_at:])
        assert len(rebuilt) == len(expected) and rebuilt[0] == focused.removeprefix("/documents/"), rebuilt

    assert served.process.returncode == 0, (root / "serve.log").read_text()
    assert "Traceback" not in (root / "serve.log").read_text()


def test_ctrl_c_with_a_page_open_stops_at_once_and_cleanly(tmp_path, built):
    """A page left open keeps its event stream: Ctrl-C ends it, rather than the server giving up on it with a traceback."""
    root = make_project(tmp_path / "project", practices=("riverbend-spine",))
    shutil.copytree(built, root / "output")
    with preview_server(root) as served:
        stream = urllib.request.urlopen(served.url + "events?open=riverbend-spine/en/kyphoplasty-brochure.pdf", timeout=10)
        assert stream.readline().startswith(b"retry:")
        served.process.send_signal(signal.SIGINT)
        served.process.wait(timeout=15)
        assert stream.read().strip() == b"", "the stream ends"
    log = (root / "serve.log").read_text()
    assert served.process.returncode == 0 and "Traceback" not in log and "ERROR" not in log, log


def summary(name: str, made: bool) -> DocumentSummary:
    practice, lang, _ = name.split("/")
    return DocumentSummary(name, practice, practice, "kyphoplasty", "Kyphoplasty", "brochure", lang, "English", made)


def test_an_open_document_that_failed_is_built_first_when_any_file_is_saved(tmp_path):
    """A failed document has no manifest entry, so no file is known to make it: the save that fixes it must not wait for the rest."""
    preview = Preview(PreviewSettings(root=tmp_path, out=tmp_path / "output"))
    failed, made, closed = "a/en/kyphoplasty-brochure.pdf", "b/en/kyphoplasty-brochure.pdf", "c/en/kyphoplasty-brochure.pdf"
    preview.state.catalogue = Catalogue((summary(failed, False), summary(made, True), summary(closed, False)))
    preview.state.open_documents.update({failed: 1, made: 1})
    assert preview.first_to_build(set()) == {failed}
    assert preview.first_to_build({made, closed}) == {failed, made}


def test_the_preview_answers_an_ipv6_loopback_address_as_browsers_send_it():
    assert "[::1]" in _allowed_hosts("127.0.0.1")
    assert "[::1]" in _allowed_hosts("::1") and "[fd00::5]" in _allowed_hosts("fd00::5")
