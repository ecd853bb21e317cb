"""What an image or font must be before WeasyPrint is given it.

WeasyPrint quietly leaves out an image or a font it cannot decode, and
expands whatever an SVG's DTD declares. So a logo, a font, and every SVG or
raster image a document fetches is checked first, and each check gives the
reason the file is refused (or ``None``), for the caller to report where it
was named.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.parsers import expat

from fontTools.ttLib import TTFont, woff2
from PIL import Image, ImageFile, UnidentifiedImageError

MAX_IMAGE_PIXELS = 25_000_000
"""About 5000 by 5000: a print logo at 600 dpi needs far less, and a decoded image
of this size already takes 100 MB. Refused before any pixel is decoded."""

FONT_SIGNATURES = frozenset({b"wOF2", b"wOFF", b"\x00\x01\x00\x00", b"OTTO", b"true"})
RASTER_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})
_PILLOW_SETTINGS = threading.Lock()
_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError)
_DTD_REFUSED = "declares a DOCTYPE or entities, which SVG images may not (they can expand without limit)"


class _DeclaresDTD(Exception):
    pass


def check_svg(data: bytes) -> str | None:
    """Why ``data`` is not an SVG image the press will use, or ``None``.

    A real XML parse rather than a search for ``<!DOCTYPE``: the parser reads
    the same encodings (UTF-16 among them) as the one that would expand the
    entities, so a declaration cannot hide from it.
    """
    parser = expat.ParserCreate(namespace_separator=" ")
    roots: list[str] = []

    def refuse(*args: object) -> None:
        raise _DeclaresDTD

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = lambda name, attributes: roots.append(name) if not roots else None
    try:
        parser.Parse(data, True)
    except _DeclaresDTD:
        return _DTD_REFUSED
    except (expat.ExpatError, ValueError, LookupError) as error:  # LookupError: an encoding Python does not know
        return f"is not a valid SVG image ({error})"
    root = roots[0].rpartition(" ")[2] if roots else ""
    if root != "svg":
        return f"is not an SVG image (its root is <{root}>)"
    return None


def check_png(data: bytes) -> str | None:
    """Why ``data`` is not a PNG image the press will use: too many pixels, a lying header, damaged data."""
    if problem := _measure(data, "PNG"):
        return problem
    try:
        with _open_image(data, "PNG") as image:
            image.verify()
        with _open_image(data, "PNG") as image, _refusing_truncated_images():
            image.load()
    except _IMAGE_ERRORS as error:
        return f"is not a PNG image that can be decoded ({error})"
    return None


def check_font(path: Path) -> str | None:
    """Why ``path`` is not a font WeasyPrint can use (WOFF2, WOFF, TrueType or OpenType), or ``None``."""
    try:
        with path.open("rb") as stream:
            signature = stream.read(4)
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    if signature not in FONT_SIGNATURES:
        return "is not a font file (WOFF2, WOFF, TrueType or OpenType)"
    try:
        with TTFont(path, lazy=True) as font:
            if "glyf" not in font and "CFF " not in font and "CFF2" not in font:
                return "is not a usable font (it has no glyph outlines)"
            if "cmap" not in font or not font.getBestCmap():
                return "is not a usable font (it maps no characters to glyphs)"
    except Exception as error:  # fontTools raises whatever a damaged table makes it raise
        return f"is a damaged font file ({error})"
    return None


def check_served(name: str, data: bytes) -> str | None:
    """Why a file a document fetches may not be given to WeasyPrint, or ``None``.

    Raster images are only measured, from their header: a document fetches
    its images each time it is typeset, and decoding is WeasyPrint's job.
    """
    suffix = Path(name).suffix.lower()
    if suffix == ".svg":
        return check_svg(data)
    if suffix in RASTER_SUFFIXES:
        return _measure(data)
    return None


def _measure(data: bytes, image_format: str | None = None) -> str | None:
    """Refuse an image by the size its header declares, before a single pixel is decoded."""
    kind = f"a {image_format}" if image_format else "an"
    try:
        with _open_image(data, image_format) as image:
            width, height = image.size
    except Image.DecompressionBombError:
        return f"has more than {MAX_IMAGE_PIXELS:,} pixels, the most an image may have"
    except UnidentifiedImageError:
        return f"is not {kind} image"
    except _IMAGE_ERRORS as error:
        return f"is not {kind} image that can be read ({error})"
    if width * height > MAX_IMAGE_PIXELS:
        return f"is {width} x {height} pixels; an image may have at most {MAX_IMAGE_PIXELS:,}"
    return None


@contextmanager
def _refusing_truncated_images() -> Iterator[None]:
    """WeasyPrint tells Pillow, for the whole process, to accept truncated images; a logo must not need that."""
    with _PILLOW_SETTINGS:
        accepted, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = accepted


def _open_image(data: bytes, image_format: str | None = None) -> Image.Image:
    """Read the header only; Pillow's own, larger, pixel limit warns where ours refuses."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data), formats=[image_format] if image_format else None)


_UNPACKED_FONTS: dict[str, bytes] = {}
_MAX_UNPACKED_FONTS = 64


def unpacked_font(data: bytes) -> bytes:
    """A WOFF or WOFF2 font as the plain TrueType/OpenType font WeasyPrint would make of it.

    WeasyPrint unpacks web fonts itself, in pure Python (about 0.25 s a face),
    for every font configuration, and each practice has its own in every
    worker. Unpacked once here, keyed by content, the result is shared by
    every practice and, when the build process unpacks them before forking,
    by every worker. Other data is returned as it is.
    """
    if data[:4] not in (b"wOF2", b"wOFF"):
        return data
    key = hashlib.sha256(data).hexdigest()
    if key not in _UNPACKED_FONTS:
        out = io.BytesIO()
        try:  # as weasyprint.text.fonts does it, so the PDF is the same byte for byte
            if data[:4] == b"wOFF":
                font = TTFont(io.BytesIO(data))
                font.flavor = font.flavorData = None
                font.save(out)
            else:
                woff2.decompress(io.BytesIO(data), out)
        except Exception:  # noqa: BLE001 (a damaged font is reported where it is named, not here)
            return data
        if len(_UNPACKED_FONTS) >= _MAX_UNPACKED_FONTS:
            _UNPACKED_FONTS.clear()
        _UNPACKED_FONTS[key] = out.getvalue()
    return _UNPACKED_FONTS[key]

