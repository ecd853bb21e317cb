"""Make the default family's font files: one file per style, every subset in it.

Run by hand, never by a build; the files it writes are committed under
templates/fonts/atkinson-hyperlegible-next/. Fontsource splits a family into
subsets that share one family name, and WeasyPrint merges same-named faces
badly (a name such as "Łukasz" came out in the wrong glyphs), so each style is
joined back into one file the press declares once, with no unicode-range.

Atkinson Hyperlegible Next draws Latin and Latin Extended but not Vietnamese
(no hook above, dot below or horn), so the Vietnamese letters it lacks are
taken from Noto Sans, scaled to Atkinson's x-height. Both are under the SIL
Open Font License 1.1 with no Reserved Font Name; both licences are copied.

Needs npm and the press's own environment (fontTools and brotli come with
WeasyPrint)::

    .venv/bin/python scripts/merge-fonts.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.merge import Merger
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem

ATKINSON = "@fontsource/atkinson-hyperlegible-next@5.3.0"
NOTO = "@fontsource/noto-sans@5.3.0"
STYLES = ("400-normal", "700-normal", "400-italic")
VIETNAMESE = [
    *range(0x0102, 0x0104), *range(0x0110, 0x0112), *range(0x0128, 0x012A), *range(0x0168, 0x016A),
    *range(0x01A0, 0x01A2), *range(0x01AF, 0x01B1), *range(0x0300, 0x0302), *range(0x0303, 0x0305),
    *range(0x0308, 0x030A), 0x0323, 0x0329, *range(0x1EA0, 0x1EFA), 0x20AB,
]  # Fontsource's "vietnamese" subset
OUT = Path(__file__).resolve().parent.parent / "templates" / "fonts" / "atkinson-hyperlegible-next"


def unpack(spec: str, work: Path) -> Path:
    name = subprocess.run(
        ["npm", "pack", "--silent", spec], cwd=work, check=True, capture_output=True, text=True
    ).stdout.split()[-1]
    folder = work / name.removesuffix(".tgz")
    with tarfile.open(work / name) as archive:
        archive.extractall(folder, filter="data")
    return folder / "package"


def vietnamese_supplement(noto: Path, lacking: set[int], target: TTFont, work: Path, style: str) -> Path:
    """Noto's glyphs for what Atkinson lacks, without layout rules, at Atkinson's x-height."""
    font = TTFont(noto / "files" / f"noto-sans-vietnamese-{style}.woff2")
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.drop_tables += ["STAT", "GDEF", "GPOS", "GSUB"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=lacking)
    subsetter.subset(font)
    upem = target["head"].unitsPerEm
    scale_upem(font, round(upem * target["OS/2"].sxHeight / font["OS/2"].sxHeight))
    font["head"].unitsPerEm = upem
    path = work / f"noto-{style}.ttf"
    font.flavor = None
    font.save(path)
    return path


def as_ttf(source: Path, work: Path) -> Path:
    font = TTFont(source)
    for tag in ("STAT",):
        if tag in font:
            del font[tag]
    font.flavor = None
    path = work / (source.stem + ".ttf")
    font.save(path)
    return path


def without_substitutions(font: TTFont) -> TTFont:
    """Only glyphs the cmap names, and no rules that swap one glyph for another.

    A consent summary has form fields, and WeasyPrint then embeds the whole
    font and writes its text layer from the cmap alone: a glyph reached by
    substitution (the subsets' duplicate letters after merging, the tabular
    figures of list numbers) would copy out as the wrong character. Kerning
    and mark positioning only move glyphs, so they stay.
    """
    options = subset.Options()
    options.layout_features = ["kern", "mark", "mkmk"]
    options.glyph_names = True
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.drop_tables += ["GSUB"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=font.getBestCmap().keys())
    subsetter.subset(font)
    return font


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        atkinson = unpack(ATKINSON, work)
        noto = unpack(NOTO, work)
        for style in STYLES:
            parts = [as_ttf(atkinson / "files" / f"atkinson-hyperlegible-next-{subset_}-{style}.woff2", work) for subset_ in ("latin", "latin-ext")]
            merged = Merger().merge([str(p) for p in parts])
            lacking = set(VIETNAMESE) - set(merged.getBestCmap())
            merged.save(work / "atkinson.ttf")
            supplement = vietnamese_supplement(noto, lacking, merged, work, style)
            merged = Merger().merge([str(work / "atkinson.ttf"), str(supplement)])
            merged = without_substitutions(merged)
            # The release's own date rather than today's, so that running this again changes nothing.
            released = TTFont(atkinson / "files" / f"atkinson-hyperlegible-next-latin-{style}.woff2")["head"]
            merged["head"].created, merged["head"].modified = released.created, released.modified
            merged.recalcTimestamp = False
            merged.flavor = "woff2"
            target = OUT / f"atkinson-hyperlegible-next-{style}.woff2"
            merged.save(target)
            missing = set(VIETNAMESE) - set(TTFont(target).getBestCmap())
            print(f"{target.name}: {len(TTFont(target).getBestCmap())} characters; Vietnamese lacking: {sorted(map(hex, missing))}")
        shutil.copy(atkinson / "LICENSE", OUT / "OFL.txt")
        shutil.copy(noto / "LICENSE", OUT / "OFL-Noto-Sans.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
