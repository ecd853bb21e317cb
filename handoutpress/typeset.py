"""Stage 4, typeset: HTML to PDF bytes with WeasyPrint.

One ``Typesetter`` is kept for a whole build so that WeasyPrint's font
configuration and caches stay warm from one document to the next.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from hashlib import md5
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pydyf
import weasyprint
from weasyprint.html import element_has_link_type, parse_url
from weasyprint.text.fonts import FontConfiguration, get_hb_object_data

from .errors import FetchError, LayoutError, TemplateError
from .fetch import ConfinedFetcher, RefusedFetch
from .options import BuildOptions
from .paths import ProjectPaths
from .reading_order import is_div_with_class, tag_back_panel_last
from .render import RenderedDocument
from .tag_languages import install as install_span_languages

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)
install_span_languages()


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
    """Typesets documents one after another, keeping fonts and parsed stylesheets.

    Each practice has its own font configuration and its own parsed
    stylesheets: an ``@font-face`` in one practice's stylesheet must never
    change the glyphs in another practice's handouts built later by the same
    worker.
    """

    def __init__(self, paths: ProjectPaths, options: BuildOptions = BuildOptions()):
        self.paths = paths
        self.options = options
        self._font_configs: dict[str, _CheckedFontConfiguration] = {}
        self._stylesheets: dict[tuple[str, str, tuple[Path, ...]], _ParsedStylesheet] = {}

    def typeset(self, rendered: RenderedDocument) -> TypesetDocument:
        practice = rendered.job.practice
        fetcher = self._fetcher(rendered)
        font_config = self._font_configs.get(practice.slug)
        if font_config is None:
            own_family = practice.font.family if practice.font else None
            font_config = self._font_configs[practice.slug] = _CheckedFontConfiguration(self.paths.shared_fonts, own_family)
        html = weasyprint.HTML(string=rendered.html, base_url=rendered.base_url, url_fetcher=fetcher)
        try:
            stylesheets = [self._stylesheet(url, rendered, fetcher, font_config) for url in rendered.stylesheets]
            # No image cache: every file a document uses must pass the fetcher,
            # which is how the build learns what to watch for changes.
            try:
                document = html.render(font_config=font_config, pdf_forms=True, stylesheets=stylesheets)
            except RecursionError:
                raise LayoutError(
                    "its elements are nested too deeply to lay out; flatten the template", rendered.template_file
                ) from None
            if rendered.layout == "trifold":
                _check_trifold_fits(document, rendered)
            collected: list[PdfFacts] = []

            def finisher(_document, pdf_objects: pydyf.PDF) -> None:
                if rendered.layout == "trifold":
                    tag_back_panel_last(document, pdf_objects)
                collected.append(_finish_objects(pdf_objects))

            for url in _attachment_urls(html, document):
                fetcher.check_attachment(url, self.paths.own_folders(practice.slug))
            pdf = document.write_pdf(
                finisher=finisher,
                pdf_variant=self.options.pdf_variant,
                pdf_tags=True,
                pdf_forms=True,
                pdf_identifier=_stable_identifier(rendered),
            )
            if fetcher.refused:
                raise fetcher.refused[0]
            font_config.check_embedded(document, rendered)
        except FontRefused as refusal:
            raise FetchError(refusal.reason, self.paths.templates) from None
        except RefusedFetch as refusal:
            raise FetchError(
                f"the document asked for {refusal.url!r}, which was refused ({refusal.reason})",
                self.paths.templates,
            ) from None
        return TypesetDocument(
            rendered=rendered, pdf=pdf, pages=len(document.pages), facts=collected[0], fetched=frozenset(fetcher.served)
        )


    def _fetcher(self, rendered: RenderedDocument) -> ConfinedFetcher:
        practice = rendered.job.practice
        return ConfinedFetcher(
            self.paths.readable_roots_for(practice.slug),
            rendered.layers,
            tuple(practice.data.network.allowed_hosts),
            project_roots=self.paths.readable_roots,
        )

    def _stylesheet(
        self,
        url: str,
        rendered: RenderedDocument,
        fetcher: ConfinedFetcher,
        font_config: _CheckedFontConfiguration,
    ) -> weasyprint.CSS:
        """A stylesheet, parsed once per practice and reused while its files are unchanged.

        Its files count as read by every document that uses it, so that
        incremental builds still see them. The practice's slug stands for
        everything else that shapes the parse (its hosts, its fonts): a worker
        loads the project once.
        """
        key = (rendered.job.practice.slug, url, rendered.layers)
        parsed = self._stylesheets.get(key)
        if parsed is None or not parsed.is_current():
            own = self._fetcher(rendered)
            try:
                css = weasyprint.CSS(url=url, url_fetcher=own, font_config=font_config)
            except RecursionError:
                raise TemplateError(
                    "is nested too deeply to read (brackets or blocks inside one another)", url2pathname(urlsplit(url).path)
                ) from None
            if own.refused:
                raise own.refused[0]
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
    """One practice's fonts, kept loaded across its documents, checked and recorded for each.

    WeasyPrint fetches an ``@font-face`` file only the first time it sees the
    rule; later documents reuse it without asking the fetcher, so the rule's
    files are checked here for every document. Files outside the shared font
    folder may only be declared under the practice's own family
    (``brand.font``), so no stylesheet can quietly redraw the shared family.
    The machine's own fonts stay visible to Pango, so after typesetting every
    embedded font is compared with the font files the project supplied.
    """

    def __init__(self, shared_fonts: Path, own_family: str | None):
        super().__init__()
        self.shared_fonts = shared_fonts.resolve()
        self.own_family = own_family
        self.supplied: set[str] = set()
        """sha256 of every font file loaded from the project, as WeasyPrint stores it (decompressed)."""

    def add_font_face(self, rule_descriptors, url_fetcher):
        family = rule_descriptors.get("font_family", "")
        for font_type, url in rule_descriptors.get("src", ()):
            if font_type == "local":
                raise FontRefused(f"@font-face for {family!r} asks for the machine's font {url!r}; use a font file")
            if font_type != "external" or not url:
                continue
            if url.startswith("data:"):
                raise FontRefused(f"@font-face for {family!r} embeds a data: URL; use a font file")
            path = url_fetcher.allowed_path(url) if isinstance(url_fetcher, ConfinedFetcher) else None
            if path is not None and not path.is_relative_to(self.shared_fonts) and family != self.own_family:
                raise FontRefused(
                    f"@font-face gives the family {family!r} the practice's file {path.name}; a practice's own "
                    f"font files may only be used under its own family, named in brand.font"
                    + (f" ({self.own_family!r})" if self.own_family else "")
                )
        result = super().add_font_face(rule_descriptors, url_fetcher)
        stored = self._folder / md5(str(rule_descriptors).encode(), usedforsecurity=False).hexdigest() if self._folder else None
        if stored is not None and stored.is_file():
            self.supplied.add(hashlib.sha256(stored.read_bytes()).hexdigest())
        return result

    def check_embedded(self, document, rendered: RenderedDocument) -> None:
        for font in document.fonts.values():
            original = get_hb_object_data(font.hb_face)  # font.file_content is the subset by now
            if hashlib.sha256(bytes(original)).hexdigest() not in self.supplied:
                raise TemplateError(
                    f"the document uses the font {font.family!r}, which is not one of the project's font files "
                    "(a font-family with no @font-face pulls in a font of the machine); "
                    "use the shared fonts or the practice's own brand.font",
                    rendered.template_file,
                )


class FontRefused(RefusedFetch):
    """An ``@font-face`` rule the press does not allow; reported like a refused file."""

    def __init__(self, reason: str):
        super().__init__("@font-face", reason)


def _check_trifold_fits(document, rendered: RenderedDocument) -> None:
    """A tri-fold has exactly six panels; refuse content that would spill out of them, saying by how much.

    Extra content lands on a third page (the inside flow) or below the bottom
    of an outside panel, where it would be cut off by the printer.
    """
    job = rendered.job
    who = f"the {job.procedure.data.id} ({job.lang}) brochure for {job.practice.slug}"
    advice = (
        "shorten that content, lower brand.base_size_pt, or let the offer fall back to pages "
        "(trifold_overflow: use-pages) or build with --layout pages"
    )
    over = []
    for panel in _boxes_with_class(document.pages[0]._page_box, "panel"):
        excess = max((_bottom(child) for child in _descendants(panel)), default=0) - _bottom(panel)
        if excess > 0.5:
            over.append(f"the {_panel_name(panel)} panel by {excess * 25.4 / 96:.0f} mm")
    spilled = {}
    for page in document.pages[1:]:
        for panel in _boxes_with_class(page._page_box, "panel"):
            bottoms = [_bottom(child) for child in _descendants(panel) if type(child).__name__ == "LineBox"]
            if bottoms:
                name = _panel_name(panel)
                spilled[name] = spilled.get(name, 0) + max(bottoms) - panel.position_y
    for name, excess in spilled.items():
        over.append(f"the {name} panel by {excess * 25.4 / 96:.0f} mm")
    if not spilled and len(document.pages) > 2:
        lines = sum(_line_count(page._page_box) for page in document.pages[2:])
        over.append(f"the inside panels by {lines} line{'s' if lines != 1 else ''} ({len(document.pages) - 2} more side)")
    if over:
        raise LayoutError(f"{who} does not fit the six panels of a tri-fold: too long for {'; '.join(over)}; {advice}", job.procedure.file)


def _line_count(page_box) -> int:
    """Lines of content on a page; the running footer and review band in its margins are not content."""
    content = [child for child in page_box.children if type(child).__name__ != "MarginBox"]
    return sum(1 for box in content for child in _descendants(box) if type(child).__name__ == "LineBox")


def _panel_name(panel) -> str:
    names = [c.removeprefix("panel-") for c in panel.element.get("class", "").split() if c.startswith("panel-")]
    return names[0] if names else "unnamed"


def _boxes_with_class(box, class_name: str):
    for child in _descendants(box):
        if is_div_with_class(child, class_name):
            yield child


def _descendants(box):
    for child in getattr(box, "children", ()):
        yield child
        yield from _descendants(child)


def _bottom(box) -> float:
    return box.position_y + box.margin_height()


def _attachment_urls(html: weasyprint.HTML, document):
    """Every file the PDF would embed: ``<a rel="attachment">`` links and ``<link rel="attachment">``.

    Checked before the PDF is written rather than by watching what is fetched
    while it is written, because images inside SVG are fetched then too.
    """
    for page in document.pages:
        for link_type, target, _rectangle, _box in page.links:
            if link_type == "attachment":
                yield target
    for element in html.etree_element.iter("link"):
        if element_has_link_type(element, "attachment"):
            url = parse_url(element.get("href"), html.base_url)
            if url is not None:
                yield url


def _finish_objects(pdf: pydyf.PDF) -> PdfFacts:
    _give_widgets_appearances(pdf)
    return _facts(pdf)


def _give_widgets_appearances(pdf: pydyf.PDF) -> None:
    """Every form field gets an appearance of its own, and viewers are not asked to draw them.

    WeasyPrint leaves text fields without an appearance stream and sets
    NeedAppearances, which PDF/A forbids (ISO 19005 6.3.3, 6.4.1): an archived
    form must look the same in every viewer. The fields are empty, so an empty
    form XObject the size of the field is their true appearance; a viewer or
    pypdf that fills a field draws a new one.
    """
    form = pdf.catalog.get("AcroForm")
    if form is None:
        return
    for obj in list(pdf.objects):
        if isinstance(obj, pydyf.Dictionary) and obj.get("Subtype") == "/Widget" and "AP" not in obj:
            left, top, right, bottom = obj["Rect"]
            appearance = pydyf.Stream(
                extra={
                    "Type": "/XObject",
                    "Subtype": "/Form",
                    "BBox": pydyf.Array((0, 0, abs(right - left), abs(top - bottom))),
                }
            )
            pdf.add_object(appearance)
            obj["AP"] = pydyf.Dictionary({"N": appearance.reference})
    form.pop("NeedAppearances", None)


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
