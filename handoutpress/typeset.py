"""Stage 4, typeset: HTML to PDF bytes with WeasyPrint.

One ``Typesetter`` is kept for a whole build so that WeasyPrint's font
configuration and caches stay warm from one document to the next.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import pydyf
import weasyprint
from weasyprint.text.fonts import FontConfiguration

from .errors import FetchError, LayoutError
from .fetch import ConfinedFetcher, RefusedFetch
from .options import BuildOptions
from .paths import ProjectPaths
from .render import RenderedDocument

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


@dataclass(frozen=True)
class PdfFacts:
    """What the written PDF says about itself, read from WeasyPrint's PDF objects as they are written."""

    lang: str | None
    info: dict[str, str]
    tagged: bool
    displays_title: bool
    field_names: frozenset[str]


@dataclass(frozen=True)
class TypesetDocument:
    rendered: RenderedDocument
    pdf: bytes
    pages: int
    facts: PdfFacts
    fetched: frozenset[Path]


@dataclass(frozen=True)
class _ParsedStylesheet:
    css: weasyprint.CSS
    files: dict[Path, int]  # every file it read (imports, fonts), with the mtime it had

    def is_current(self) -> bool:
        return all(_mtime(path) == mtime for path, mtime in self.files.items())


class Typesetter:
    """Typesets documents one after another, keeping fonts and parsed stylesheets."""

    def __init__(self, paths: ProjectPaths, options: BuildOptions = BuildOptions()):
        self.paths = paths
        self.options = options
        self.font_config = _CheckedFontConfiguration()
        self._stylesheets: dict[tuple[str, tuple[Path, ...], tuple[str, ...]], _ParsedStylesheet] = {}

    def typeset(self, rendered: RenderedDocument) -> TypesetDocument:
        hosts = tuple(rendered.job.practice.data.network.allowed_hosts)
        fetcher = ConfinedFetcher(self.paths.readable_roots, rendered.layers, hosts)
        html = weasyprint.HTML(string=rendered.html, base_url=rendered.base_url, url_fetcher=fetcher)
        try:
            stylesheets = [self._stylesheet(url, rendered.layers, hosts, fetcher) for url in rendered.stylesheets]
            # No image cache: every file a document uses must pass the fetcher,
            # which is how the build learns what to watch for changes.
            document = html.render(font_config=self.font_config, pdf_forms=True, stylesheets=stylesheets)
            if rendered.layout == "trifold":
                _check_trifold_fits(document, rendered)
            collected: list[PdfFacts] = []
            pdf = document.write_pdf(
                finisher=lambda _document, pdf_objects: collected.append(_facts(pdf_objects)),
                pdf_variant=self.options.pdf_variant,
                pdf_tags=True,
                pdf_forms=True,
                pdf_identifier=_stable_identifier(rendered),
            )
            if fetcher.refused:
                raise fetcher.refused[0]
        except RefusedFetch as refusal:
            raise FetchError(
                f"the document asked for {refusal.url!r}, which was refused ({refusal.reason})",
                self.paths.templates,
            ) from None
        return TypesetDocument(
            rendered=rendered, pdf=pdf, pages=len(document.pages), facts=collected[0], fetched=frozenset(fetcher.served)
        )


    def _stylesheet(
        self, url: str, layers: tuple[Path, ...], hosts: tuple[str, ...], fetcher: ConfinedFetcher
    ) -> weasyprint.CSS:
        """A shared stylesheet, parsed once per build and reused while its files are unchanged.

        Its files count as read by every document that uses it, so that
        incremental builds still see them.
        """
        key = (url, layers, hosts)
        parsed = self._stylesheets.get(key)
        if parsed is None or not parsed.is_current():
            own = ConfinedFetcher(self.paths.readable_roots, layers, hosts)
            css = weasyprint.CSS(url=url, url_fetcher=own, font_config=self.font_config)
            parsed = _ParsedStylesheet(css, {path: _mtime(path) for path in own.served})
            self._stylesheets[key] = parsed
        fetcher.served.update(parsed.files)
        return parsed.css


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


class _CheckedFontConfiguration(FontConfiguration):
    """Keeps fonts loaded across documents, yet checks and records each document's fonts.

    WeasyPrint fetches an ``@font-face`` file only the first time it sees the
    rule; later documents reuse it without asking the fetcher.
    """

    def add_font_face(self, rule_descriptors, url_fetcher):
        if isinstance(url_fetcher, ConfinedFetcher):
            for font_type, url in rule_descriptors.get("src", ()):
                if font_type == "external" and url and not url.startswith("data:"):
                    url_fetcher.allowed_path(url)
        return super().add_font_face(rule_descriptors, url_fetcher)


def _check_trifold_fits(document, rendered: RenderedDocument) -> None:
    """A tri-fold has exactly six panels; refuse content that would spill out of them.

    Extra content lands on a third page (the inside flow) or below the bottom
    of an outside panel, where it would be cut off by the printer.
    """
    job = rendered.job
    who = f"the {job.procedure.data.id} ({job.lang}) brochure for {job.practice.slug}"
    for index, page in enumerate(document.pages):
        panels = list(_boxes_with_class(page._page_box, "panel"))
        spilled = [_panel_name(panel) for panel in panels if index > 0]
        if index == 0:
            spilled = [_panel_name(panel) for panel in panels if _overflows(panel)]
        if spilled:
            raise LayoutError(
                f"{who}: the text of the {' and '.join(spilled)} panel does not fit in it; "
                "shorten that content, lower brand.base_size_pt, or build with --layout pages",
                job.procedure.file,
            )
    if len(document.pages) > 2:
        raise LayoutError(
            f"{who} is too long for the three inside panels of a tri-fold "
            f"(it needs {len(document.pages)} sides, not 2); shorten the content, "
            "lower brand.base_size_pt, or build with --layout pages",
            job.procedure.file,
        )


def _panel_name(panel) -> str:
    names = [c.removeprefix("panel-") for c in panel.element.get("class", "").split() if c.startswith("panel-")]
    return names[0] if names else "unnamed"


def _overflows(panel) -> bool:
    bottom = _bottom(panel)
    return any(_bottom(child) > bottom + 0.5 for child in _descendants(panel))


def _boxes_with_class(box, class_name: str):
    for child in _descendants(box):
        element = getattr(child, "element", None)
        if element is not None and class_name in element.get("class", "").split() and child.element_tag == "div":
            yield child


def _descendants(box):
    for child in getattr(box, "children", ()):
        yield child
        yield from _descendants(child)


def _bottom(box) -> float:
    return box.position_y + box.margin_height()


def _facts(pdf: pydyf.PDF) -> PdfFacts:
    catalog = pdf.catalog

    def text(value) -> str | None:
        return getattr(value, "string", None) if value is not None else None

    return PdfFacts(
        lang=text(catalog.get("Lang")),
        info={key: text(value) or "" for key, value in pdf.info.items()},
        tagged="StructTreeRoot" in catalog and catalog.get("MarkInfo", {}).get("Marked") == "true",
        displays_title=catalog.get("ViewerPreferences", {}).get("DisplayDocTitle") == "true",
        field_names=frozenset(
            text(obj["T"]) for obj in pdf.objects if isinstance(obj, pydyf.Dictionary) and "FT" in obj and "T" in obj
        ),
    )


def _stable_identifier(rendered: RenderedDocument) -> bytes:
    """The same document gets the same PDF /ID on every build (reproducible output)."""
    return hashlib.sha256(str(rendered.job.output_name).encode()).hexdigest()[:32].encode()
