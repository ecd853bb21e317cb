"""Visual regression: a handout's pages compared with approved pictures of them.

A layout can change with no text changing: a panel that slides, a colour, a
font that falls back. The pages are drawn small (``GOLDEN_WIDTH``) by PDFium
from the fonts embedded in the PDF, which makes the picture the same on
every machine: an unchanged page differs in no pixel at all. A page fails
when more than ``TOLERANCE`` of its pixels moved by more than
``PIXEL_THRESHOLD`` in some channel, which a hair of anti-aliasing from
another version of the system's text libraries does not reach, and one word
changed at the end of a paragraph does (33 pixels of a page of 116,000,
measured on the test project's preparation sheet).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .pages import render_pages

GOLDEN_WIDTH = 300
PIXEL_THRESHOLD = 32
"""Out of 255: a pixel this much lighter or darker in any channel has changed."""
TOLERANCE = 0.00005
"""The share of a page's pixels that may change (0.005 %: about six pixels of a 300-pixel-wide page)."""


@dataclass(frozen=True)
class PageChange:
    page: int
    changed: float
    """The share of the page's pixels that changed, 0 to 1 (1 when the page's size changed)."""
    expected: Path | None
    """The approved picture; None for a page that has none (the document grew)."""

    def describe(self) -> str:
        if self.expected is None:
            return f"page {self.page}: new"
        return f"page {self.page}: {self.changed:.2%} of its pixels changed"


@dataclass(frozen=True)
class Comparison:
    name: str
    pages: int
    approved_pages: int
    changes: tuple[PageChange, ...]

    @property
    def ok(self) -> bool:
        return self.pages == self.approved_pages and not self.changes

    def describe(self) -> str:
        count = [f"{self.approved_pages} approved page(s), {self.pages} now"] if self.pages != self.approved_pages else []
        return f"{self.name}: " + "; ".join(count + [change.describe() for change in self.changes])


def listed_documents(folder: Path) -> list[str]:
    """The documents named in ``folder/documents.txt``, one per line (``#`` starts a comment)."""
    lines = (folder / "documents.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def golden_files(folder: Path, name: str) -> list[Path]:
    """The approved pictures of the document ``name`` (its path below the output folder), in page order."""
    stem = name.removesuffix(".pdf")
    found = list((folder / stem).parent.glob(f"{Path(stem).name}-page-*.png"))
    return sorted(found, key=lambda path: int(path.stem.rsplit("-", 1)[1]))


def golden_file(folder: Path, name: str, page: int) -> Path:
    return folder / f"{name.removesuffix('.pdf')}-page-{page}.png"


def changed_share(actual, expected) -> float:
    if actual.size != expected.size:
        return 1.0
    histogram = changed_mask(actual, expected).histogram()
    return histogram[255] / (actual.width * actual.height)


def changed_mask(actual, expected):
    """White where a pixel moved by more than ``PIXEL_THRESHOLD`` in any channel.

    The largest of the three channel differences, not their brightness: a
    difference converted to grey weighs blue at a tenth, and text turned from
    black to blue changed no pixel by the threshold.
    """
    from PIL import ImageChops

    red, green, blue = ImageChops.difference(actual.convert("RGB"), expected.convert("RGB")).split()
    largest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return largest.point(lambda value: 255 if value > PIXEL_THRESHOLD else 0)


def diff_picture(actual, expected):
    """Approved, now, and the changed pixels in red over a faded copy of now: side by side, for a person to look at."""
    from PIL import Image

    actual = actual.convert("RGB")
    expected = expected.convert("RGB") if expected is not None else Image.new("RGB", actual.size, "white")
    height = max(actual.height, expected.height)
    canvas = Image.new("RGB", (actual.width + expected.width + actual.width + 20, height), "white")
    canvas.paste(expected, (0, 0))
    canvas.paste(actual, (expected.width + 10, 0))
    faded = Image.blend(actual, Image.new("RGB", actual.size, "white"), 0.7)
    if expected.size == actual.size:
        mask = changed_mask(actual, expected)
        faded.paste(Image.new("RGB", actual.size, (220, 0, 0)), (0, 0), mask)
    canvas.paste(faded, (expected.width + actual.width + 20, 0))
    return canvas


def compare(pdf: Path, name: str, folder: Path, report_folder: Path | None = None) -> Comparison:
    """Compare the pages of ``pdf`` with the approved pictures of ``name`` in ``folder``.

    With ``report_folder``, every changed page leaves ``<name>-page-N-diff.png`` there.
    """
    from PIL import Image

    pages = render_pages(pdf, GOLDEN_WIDTH)
    approved = golden_files(folder, name)
    changes = []
    for number, actual in enumerate(pages, start=1):
        expected_file = golden_file(folder, name, number)
        expected = Image.open(expected_file) if expected_file.is_file() else None
        share = changed_share(actual, expected) if expected is not None else 1.0
        if share > TOLERANCE:
            changes.append(PageChange(number, share, expected_file if expected is not None else None))
            if report_folder is not None:
                target = report_folder / f"{name.removesuffix('.pdf')}-page-{number}-diff.png"
                target.parent.mkdir(parents=True, exist_ok=True)
                diff_picture(actual, expected).save(target)
    return Comparison(name, len(pages), len(approved), tuple(changes))


def approve(pdf: Path, name: str, folder: Path) -> list[Path]:
    """Make the pages of ``pdf`` the approved pictures of ``name``; the pictures written."""
    for old in golden_files(folder, name):
        old.unlink()
    written = []
    for number, image in enumerate(render_pages(pdf, GOLDEN_WIDTH), start=1):
        target = golden_file(folder, name, number)
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(target, optimize=True)  # lossless: the comparison must see the page as drawn
        written.append(target)
    return written
