"""How documents are produced, as opposed to which ones (that is ``plan.Selection``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .errors import OptionsError
from .kinds import KIND_SPECS

Layout = Literal["trifold", "pages"]
Imposition = Literal["none", "booklet"]

IMPOSITIONS: tuple[str, ...] = ("none", "booklet")
PDF_VARIANTS: tuple[str, ...] = ("pdf/ua-1", "pdf/a-3b", "pdf/a-3a", "pdf/a-2b")
DEFAULT_PDF_VARIANT = "pdf/ua-1"
LARGE_PRINT_SIZE_PT = 16.0
BLEED_MM = 3


@dataclass(frozen=True)
class BuildOptions:
    """``layout`` applies to the kinds that allow it (the brochure); the others are always pages.

    Large print forces the pages layout: a tri-fold panel cannot hold 16 pt text.
    Booklet imposition also works on pages, each printed at half a sheet.
    An imposed booklet loses its tags and metadata, so it cannot be PDF/A;
    asking for both is refused rather than writing a file that claims it.
    """

    layout: Layout | None = None
    """None: each document takes its offer's layout, or its kind's first."""
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

    def layout_for(self, kind: str, preferred: Layout | None = None) -> Layout:
        """The layout of one document: the command line's, else the practice's offer's, else the kind's first."""
        layouts = KIND_SPECS[kind].layouts
        if self.large_print or self.imposition == "booklet":
            return "pages"
        for choice in (self.layout, preferred):
            if choice in layouts:
                return choice
        return layouts[0]

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
