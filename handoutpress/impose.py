"""Booklet imposition: half-sheet pages two-up on full sheets, in saddle-stitch order.

Printed double-sided (flip on the short edge), folded in the middle and
stapled on the fold, the sheets read in page order.

Two pages merged onto one sheet have no structure tree a reader could follow,
so an imposed file claims neither PDF/UA nor PDF/A: it carries no XMP and no
``/MarkInfo``, and says in its keywords that it is for the printer.
"""

from __future__ import annotations

import io

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import ArrayObject, BooleanObject, ByteStringObject, DictionaryObject, NameObject, TextStringObject

BLANK = None
IMPOSED_NOTE = "Imposed for printing: not tagged; use the unimposed PDF for reading on screen"


def booklet_order(page_count: int, right_to_left: bool = False) -> list[tuple[int | None, int | None]]:
    """The (left, right) page indices of each printed side; ``None`` is a blank page.

    The count is padded to a multiple of four. Side 2k is the front of sheet k,
    side 2k+1 its back: for eight pages, (8,1) (2,7) (6,3) (4,5), 1-based. A
    booklet read right to left (Arabic) is bound on its right edge, so every
    side is mirrored: (1,8) (7,2) (3,6) (5,4).
    """
    padded = -(-page_count // 4) * 4
    def page(index: int) -> int | None:
        return index if index < page_count else BLANK
    sides = []
    for sheet in range(padded // 4):
        sides.append((page(padded - 1 - 2 * sheet), page(2 * sheet)))
        sides.append((page(2 * sheet + 1), page(padded - 2 - 2 * sheet)))
    return [(right, left) for left, right in sides] if right_to_left else sides


def impose_booklet(pdf: bytes, right_to_left: bool = False) -> bytes:
    reader = PdfReader(io.BytesIO(pdf))
    first = reader.pages[0]
    width, height = float(first.mediabox.width), float(first.mediabox.height)
    writer = PdfWriter()
    for left, right in booklet_order(len(reader.pages), right_to_left):
        side = writer.add_blank_page(width=2 * width, height=height)
        for index, offset in ((left, 0.0), (right, width)):
            if index is not BLANK:
                side.merge_transformed_page(_without_annotations(reader.pages[index]), Transformation().translate(tx=offset))
    _carry_document_metadata(reader, writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _without_annotations(page: PageObject) -> PageObject:
    """Form fields cannot follow a page onto a shared sheet; the printed lines stay."""
    if "/Annots" in page:
        del page["/Annots"]
    return page


def _carry_document_metadata(reader: PdfReader, writer: PdfWriter) -> None:
    info = {key: str(value) for key, value in (reader.metadata or {}).items() if key != "/Producer"}
    info["/Keywords"] = "; ".join(filter(None, (info.get("/Keywords"), IMPOSED_NOTE)))
    writer.add_metadata({key: TextStringObject(value) for key, value in info.items()})
    if "/ID" in reader.trailer:
        writer._ID = ArrayObject(ByteStringObject(bytes(part.original_bytes)) for part in reader.trailer["/ID"])
    catalog = reader.trailer["/Root"]
    if "/Lang" in catalog:
        writer._root_object[NameObject("/Lang")] = TextStringObject(str(catalog["/Lang"]))
    writer._root_object[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)}
    )
