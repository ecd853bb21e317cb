"""The page that shows every handout: served live by ``serve``, written as static files by ``gallery``.

Both draw the same templates (``handoutpress/site/``) from the same
catalogue; only the addresses differ, so they are given to the templates as
finished strings by a ``Links`` of each kind. The page is self-contained:
its stylesheet and script are inlined, its images are the press's own, and
nothing is fetched from anywhere else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import jinja2

from .catalogue import Catalogue, DocumentSummary
from .pages import png, render_pages
from .write import LOCK_WAIT_SECONDS, OutputLock, write_atomic

SITE_TEMPLATES = Path(__file__).parent / "site"
THUMBNAIL_WIDTH = 150
"""Pixels: three pages of a handout side by side in a card."""
PAGE_WIDTH = 900
"""Pixels: a page on the document's own preview page, readable at arm's length."""
GALLERY_FOLDER = "_gallery"
"""Inside the output folder; a practice slug cannot start with an underscore, so no practice's PDFs land here."""
SIZES = {"thumb": THUMBNAIL_WIDTH, "page": PAGE_WIDTH}


class Links(Protocol):
    home: str
    name: str
    """What the page calls itself."""
    fonts: tuple[tuple[str, str], ...]
    """(family, address) of the fonts of the scripts a handout's title may be in, where the page can reach them."""

    def document(self, document: DocumentSummary) -> str: ...
    def pdf(self, document: DocumentSummary) -> str: ...
    def html(self, document: DocumentSummary) -> str: ...
    def image(self, document: DocumentSummary, page: int, size: str) -> str: ...


@dataclass(frozen=True)
class PageImage:
    src: str
    alt: str
    width: int


@dataclass(frozen=True)
class Card:
    document: DocumentSummary
    anchor: str
    href: str
    pdf: str
    html: str
    size: str
    pages: tuple[PageImage, ...]
    large: tuple[PageImage, ...]


@dataclass(frozen=True)
class PracticeGroup:
    name: str
    anchor: str
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class SiteContext:
    """Everything the page templates see, built here and nowhere else."""

    live: bool
    name: str
    home: str
    fonts: tuple[tuple[str, str], ...]
    open: str
    status: str
    problems: tuple[str, ...]
    count: int
    failed: int
    made_at_words: str


def cards(catalogue: Catalogue, links: Links, has_html: set[str] = frozenset()) -> list[Card]:
    made = []
    for document in catalogue.documents:
        pages = range(1, document.pages + 1) if document.made else range(0)
        described = f"{document.title}, {document.kind}, {document.practice_name}, {document.language}"
        made.append(Card(
            document=document,
            anchor=_anchor(document.stem),
            href=links.document(document),
            pdf=links.pdf(document) if document.made else "",
            html=links.html(document) if document.name in has_html else "",
            size=_size(document.bytes),
            pages=tuple(PageImage(links.image(document, n, "thumb"), "", THUMBNAIL_WIDTH) for n in pages),
            large=tuple(
                PageImage(links.image(document, n, "page"), f"Page {n} of {document.pages}: {described}", PAGE_WIDTH)
                for n in pages
            ),
        ))
    return made


def groups(all_cards: list[Card]) -> list[PracticeGroup]:
    by_practice: dict[str, list[Card]] = {}
    for card in all_cards:
        by_practice.setdefault(card.document.practice, []).append(card)
    return [
        PracticeGroup(found[0].document.practice_name, f"practice-{_anchor(slug)}", tuple(found))
        for slug, found in sorted(by_practice.items())
    ]


def site_context(catalogue: Catalogue, links: Links, live: bool, status: str = "", open_document: str = "") -> SiteContext:
    failed = sum(1 for document in catalogue.documents if not document.made)
    return SiteContext(
        live=live,
        name=links.name,
        home=links.home,
        fonts=links.fonts,
        open=open_document,
        status=status,
        problems=catalogue.problems,
        count=len(catalogue.documents),
        failed=failed,
        made_at_words=f"As of {catalogue.made_at}." if catalogue.made_at else "",
    )


class Site:
    """The page templates, compiled once."""

    def __init__(self) -> None:
        self.environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(SITE_TEMPLATES),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def index(self, catalogue: Catalogue, links: Links, live: bool = False, status: str = "", has_html: set[str] = frozenset()) -> str:
        site = site_context(catalogue, links, live, status)
        return self.environment.get_template("index.html.j2").render(site=site, groups=groups(cards(catalogue, links, has_html)))

    def document(
        self, catalogue: Catalogue, name: str, links: Links, live: bool = False, status: str = "", has_html: set[str] = frozenset()
    ) -> str | None:
        every = cards(catalogue, links, has_html)
        index = next((i for i, card in enumerate(every) if card.document.name == name), None)
        if index is None:
            return None
        site = site_context(catalogue, links, live, status, open_document=name)
        return self.environment.get_template("document.html.j2").render(
            site=site,
            card=every[index],
            previous=every[index - 1] if index > 0 else None,
            next=every[index + 1] if index + 1 < len(every) else None,
        )

    def missing(self, catalogue: Catalogue, name: str, links: Links, live: bool = False, status: str = "") -> str:
        """The page of a document not planned now; live, it comes back by itself when the document does."""
        site = site_context(catalogue, links, live, status, open_document=name)
        return self.environment.get_template("missing.html.j2").render(site=site, name=name)


# --- static files ------------------------------------------------------------------------


class StaticLinks:
    """Addresses relative to the output folder, where ``index.html`` lies; a page below it gives ``base``, the way back up.

    Each address carries the way up itself: a ``<base>`` element would also
    move the page's own ``#main`` (the skip link) to the output folder.
    """

    home = "index.html"
    name = "Handout gallery"
    fonts = ()  # the Chinese faces are too large to copy into every gallery; the reader's own fonts show those titles

    def __init__(self, base: str = ""):
        self.base = base
        self.home = base + "index.html"

    def document(self, document: DocumentSummary) -> str:
        return self.base + quote(f"{GALLERY_FOLDER}/{document.stem}.html")

    def pdf(self, document: DocumentSummary) -> str:
        return self.base + quote(document.name)

    def html(self, document: DocumentSummary) -> str:
        return self.base + quote(f"{document.stem}.html")

    def image(self, document: DocumentSummary, page: int, size: str) -> str:
        return self.base + quote(f"{GALLERY_FOLDER}/{document.stem}/{size}-{page}.png")


@dataclass
class GalleryReport:
    index: Path
    pages_drawn: int
    documents: int


def make_gallery(
    root: Path | str,
    out_dir: Path | str | None = None,
    jobs: int = 1,
    allow_stale: bool = False,
    keep_html: bool = False,
    on_result=None,
    on_plan=None,
):
    """``build.py gallery``: build what is out of date, then write the gallery of every planned document.

    Returns the build's report and the gallery's; a document that failed is
    in the gallery with its error, and in the build report's failures.
    """
    from .catalogue import survey
    from .pipeline import build

    report = build(root, out_dir=out_dir, on_result=on_result, on_plan=on_plan, jobs=jobs, allow_stale=allow_stale, keep_html=keep_html)
    return report, write_gallery(survey(root, report.out_dir, report), report.out_dir)


def write_gallery(catalogue: Catalogue, out: Path) -> GalleryReport:
    """Write ``index.html``, a page per document and their images into ``out``.

    Images are drawn again only for documents whose PDF changed since the
    last gallery (``_gallery/drawn.json`` records the hashes); images of
    documents no longer planned are left to ``make clean``.
    """
    with OutputLock(out, LOCK_WAIT_SECONDS):
        return _write_gallery(catalogue, out)


def _write_gallery(catalogue: Catalogue, out: Path) -> GalleryReport:
    site = Site()
    folder = out / GALLERY_FOLDER
    record_file = folder / "drawn.json"
    try:
        drawn = json.loads(record_file.read_text())
    except (OSError, ValueError):
        drawn = {}
    links = StaticLinks()
    # Not linked: a kept page is a contractor's template's output, and a browser opening it from the
    # gallery would run any script in it; the live preview shows it as text.
    has_html: set[str] = set()
    pages_drawn = 0
    for document in catalogue.documents:
        if not document.made or drawn.get(document.name) == document.sha256:
            continue
        for size, width in SIZES.items():
            for number, image in enumerate(render_pages(out / document.name, width), start=1):
                write_atomic(folder / f"{document.stem}/{size}-{number}.png", png(image))
                pages_drawn += 1
        drawn[document.name] = document.sha256
    for document in catalogue.documents:
        depth = document.name.count("/") + 1  # _gallery/<practice>/<lang>/ back to the output folder
        page = site.document(catalogue, document.name, StaticLinks(base="../" * depth), has_html=has_html)
        write_atomic(folder / f"{document.stem}.html", page.encode())
    index = out / "index.html"
    write_atomic(index, site.index(catalogue, links, has_html=has_html).encode())
    write_atomic(record_file, json.dumps(drawn, indent=1, sort_keys=True).encode())
    return GalleryReport(index, pages_drawn, len(catalogue.documents))


def _anchor(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:.1f} MB"
    return f"{max(1, round(count / 1024))} KB"
