"""Reading the press's real PDFs back, the way a test (or a patient) sees them."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader


def fold(text: str) -> str:
    return " ".join(text.split())


def page_texts(path: Path) -> list[str]:
    """Each page's extracted text, with runs of white space folded to one space."""
    return [fold(page.extract_text() or "") for page in PdfReader(path).pages]


def pdf_text(path: Path) -> str:
    return " ".join(page_texts(path))


def fonts_of(reader: PdfReader) -> dict[str, dict]:
    """Every font dictionary used on any page (or in form fields), by base font name."""
    fonts: dict[str, dict] = {}

    def visit(resources) -> None:
        resources = resources.get_object() if resources is not None else None
        if not resources:
            return
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
        for xobject in (resources.get("/XObject") or {}).values():
            visit(xobject.get_object().get("/Resources"))

    for page in reader.pages:
        visit(page.get("/Resources"))
    acroform = reader.trailer["/Root"].get("/AcroForm")
    if acroform is not None:
        visit(acroform.get_object().get("/DR"))
    return fonts


def is_embedded(font: dict) -> bool:
    for descendant in font.get("/DescendantFonts", [font]):
        descriptor = descendant.get_object().get("/FontDescriptor")
        if descriptor is None:
            return False
        descriptor = descriptor.get_object()
        if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            return False
    return True
