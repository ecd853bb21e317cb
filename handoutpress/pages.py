"""Pages of a finished PDF as images: thumbnails for the preview, pictures for visual regression.

PDFium (through pypdfium2) draws the page the way a browser's PDF viewer
would, from the fonts embedded in the PDF, so the same PDF gives the same
picture on every machine with the same pypdfium2. PDFium is not safe to call
from two threads at once, and the preview server answers image requests on
a thread pool, so every call here takes one lock.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

_PDFIUM = threading.Lock()


def render_pages(pdf: Path | bytes, width: int, first: int = 0, last: int | None = None) -> list:
    """Pages ``first`` to ``last`` (0-based, inclusive; default all) as PIL images ``width`` pixels wide."""
    import pypdfium2

    with _PDFIUM:
        document = pypdfium2.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
        try:
            count = len(document)
            last = count - 1 if last is None else min(last, count - 1)
            images = []
            for index in range(first, last + 1):
                page = document[index]
                try:
                    scale = (width - 0.01) / page.get_width()  # PDFium rounds the width up: exactly ``width``
                    bitmap = page.render(scale=scale, may_draw_forms=True)
                    images.append(bitmap.to_pil().convert("RGB"))
                finally:
                    page.close()
            return images
        finally:
            document.close()


def png(image) -> bytes:
    """A compact PNG: handouts are flat colour and text, which 128 colours keep (a quarter of the bytes, faster to write)."""
    from PIL import Image

    buffer = io.BytesIO()
    image.quantize(128, method=Image.Quantize.FASTOCTREE).save(buffer, format="PNG")
    return buffer.getvalue()
