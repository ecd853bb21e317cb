"""How documents are produced, as opposed to which ones (that is ``plan.Selection``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .errors import OptionsError

Layout = Literal["trifold", "pages"]
Imposition = Literal["none", "booklet"]

LAYOUTS: tuple[str, ...] = ("trifold", "pages")
IMPOSITIONS: tuple[str, ...] = ("none", "booklet")
PDF_VARIANTS: tuple[str, ...] = ("pdf/ua-1", "pdf/a-3b", "pdf/a-3a", "pdf/a-2b")
DEFAULT_PDF_VARIANT = "pdf/ua-1"
LARGE_PRINT_SIZE_PT = 16.0
BLEED_MM = 3


@dataclass(frozen=True)
class BuildOptions:
    """``layout`` applies to brochures; the other kinds are always pages.

    Large print forces the pages layout: a tri-fold panel cannot hold 16 pt text.
    Booklet imposition also works on pages, each printed at half a sheet.
    An imposed booklet loses its tags and metadata, so it cannot be PDF/A;
    asking for both is refused rather than writing a file that claims it.
    """

    layout: Layout = "trifold"
    imposition: Imposition = "none"
    print_marks: bool = False
    pdf_variant: str = DEFAULT_PDF_VARIANT
    large_print: bool = False

    def __post_init__(self) -> None:
        if self.imposition == "booklet" and self.pdf_variant.startswith("pdf/a"):
            raise OptionsError(
                f"--pdf-variant {self.pdf_variant} cannot be combined with --imposition booklet: an imposed "
                "booklet keeps no tags, metadata or output intent, so it cannot be PDF/A; "
                "build the archival files without --imposition"
            )

    def layout_for(self, kind: str) -> Layout:
        if kind != "brochure" or self.large_print or self.imposition == "booklet":
            return "pages"
        return self.layout

PAPER_MM = {"letter": (215.9, 279.4), "a4": (210.0, 297.0)}


@dataclass(frozen=True)
class Sheet:
    """The page WeasyPrint lays out, in millimetres, and its CSS ``size``."""

    page_size: str
    width_mm: float
    height_mm: float

    @property
    def panel_width_mm(self) -> float:
        return round(self.width_mm / 3, 3)


def sheet_for(paper: str, layout: Layout, imposition: Imposition) -> Sheet:
    """The tri-fold lays a landscape sheet out; a booklet page is half a portrait sheet."""
    short, long = PAPER_MM[paper]
    if layout == "trifold":
        return Sheet(f"{long}mm {short}mm", long, short)
    if imposition == "booklet":
        return Sheet(f"{long / 2}mm {short}mm", long / 2, short)
    return Sheet(f"{short}mm {long}mm", short, long)
