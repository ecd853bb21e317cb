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


def tagged_headings(path: Path) -> list[tuple[str, str]]:
    """(H1/H2/H3, text) of every heading in the structure tree, in the order a screen reader follows it.

    A heading's text is read from the marked content its MCIDs point at, so
    this sees the tags as they are, not the order text happens to be drawn in.
    """
    reader = PdfReader(path)
    page_of = {page.indirect_reference.idnum: number for number, page in enumerate(reader.pages)}
    texts = [_marked_texts(page) for page in reader.pages]
    headings = []

    def page_number(element, inherited: int | None) -> int | None:
        return page_of[element.raw_get("/Pg").idnum] if "/Pg" in element else inherited

    def marked(element, page: int | None):
        for kid in _kids(element):
            if isinstance(kid, int):
                yield page, kid
                continue
            kid = kid.get_object()
            if kid.get("/Type") == "/MCR":
                yield page_number(kid, page), kid["/MCID"]
            elif "/S" in kid:
                yield from marked(kid, page_number(kid, page))

    def walk(element, page: int | None) -> None:
        page = page_number(element, page)
        if element.get("/S") in ("/H1", "/H2", "/H3"):
            text = "".join(texts[number].get(mcid, "") for number, mcid in marked(element, page))
            headings.append((element["/S"][1:], fold(text)))
            return
        for kid in _kids(element):
            if not isinstance(kid, int) and "/S" in kid.get_object():
                walk(kid.get_object(), page)

    walk(reader.trailer["/Root"]["/StructTreeRoot"], None)
    return headings


def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, list) else [kids]


def _marked_texts(page) -> dict[int, str]:
    """The text inside each marked-content sequence of a page, by MCID."""
    texts: dict[int, str] = {}
    open_ids: list[int | None] = []

    def before(operator, operands, cm, tm) -> None:
        if operator == b"BDC":
            properties = operands[1].get_object() if len(operands) > 1 else None
            open_ids.append(properties.get("/MCID") if isinstance(properties, dict) else None)
        elif operator == b"BMC":
            open_ids.append(None)
        elif operator == b"EMC" and open_ids:
            open_ids.pop()

    def visit(text, cm, tm, font, size) -> None:
        mcid = next((mcid for mcid in reversed(open_ids) if mcid is not None), None)
        if mcid is not None:
            texts[mcid] = texts.get(mcid, "") + text

    page.extract_text(visitor_operand_before=before, visitor_text=visit)
    return texts
