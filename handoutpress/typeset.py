"""Stage 4, typeset: HTML to PDF bytes with WeasyPrint.

One ``Typesetter`` is kept for a whole build so that WeasyPrint's font
configuration and caches stay warm from one document to the next.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import weasyprint
from weasyprint.text.fonts import FontConfiguration

from .errors import FetchError
from .fetch import ConfinedFetcher, RefusedFetch
from .paths import ProjectPaths
from .render import RenderedDocument

PDF_VARIANT = "pdf/ua-1"

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


@dataclass(frozen=True)
class TypesetDocument:
    rendered: RenderedDocument
    pdf: bytes
    pages: int


class Typesetter:
    def __init__(self, paths: ProjectPaths):
        self.paths = paths
        self.font_config = FontConfiguration()
        self.cache: dict = {}

    def typeset(self, rendered: RenderedDocument) -> TypesetDocument:
        fetcher = ConfinedFetcher(self.paths.readable_roots, rendered.layers)
        html = weasyprint.HTML(string=rendered.html, base_url=rendered.base_url, url_fetcher=fetcher)
        try:
            document = html.render(font_config=self.font_config, cache=self.cache, pdf_forms=True)
            pdf = document.write_pdf(
                pdf_variant=PDF_VARIANT,
                pdf_forms=True,
                pdf_identifier=_stable_identifier(rendered),
            )
        except RefusedFetch as refusal:
            raise FetchError(
                f"the document asked for {refusal.url!r}, which was refused ({refusal.reason})",
                self.paths.templates,
                str(rendered.job.output_name),
            ) from None
        return TypesetDocument(rendered=rendered, pdf=pdf, pages=len(document.pages))


def _stable_identifier(rendered: RenderedDocument) -> bytes:
    """The same document gets the same PDF /ID on every build (reproducible output)."""
    return hashlib.sha256(str(rendered.job.output_name).encode()).hexdigest()[:32].encode()
