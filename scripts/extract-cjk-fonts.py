"""Extract one Noto Sans CJK face per region from Debian's fonts-noto-cjk collections.

The collections (``NotoSansCJK-Regular.ttc``, ``-Bold.ttc``) hold the
Japanese, Korean, Simplified and Traditional Chinese faces under one file; a
stylesheet pointed at the collection gets whichever face comes first, and
Chinese printed with Japanese glyph forms. So each region's face is written
to a file of its own, named as ``handoutpress.languages`` expects
(``NotoSansSC-Regular.otf``), about 16 MB a weight: too large to commit, so
``make fonts`` makes them into a git-ignored folder.

usage: extract-cjk-fonts.py DEB_ROOT DEST
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools.ttLib import TTCollection

REGIONS = {"SC": "Noto Sans CJK SC", "TC": "Noto Sans CJK TC"}
WEIGHTS = ("Regular", "Bold")


def main(root: Path, dest: Path) -> None:
    collections = root / "usr/share/fonts/opentype/noto"
    dest.mkdir(parents=True, exist_ok=True)
    for weight in WEIGHTS:
        collection = TTCollection(collections / f"NotoSansCJK-{weight}.ttc", lazy=True)
        by_name = {font["name"].getDebugName(1): font for font in collection.fonts}
        for region, name in REGIONS.items():
            if name not in by_name:
                raise SystemExit(f"{collections}/NotoSansCJK-{weight}.ttc has no face {name!r}")
            target = dest / f"NotoSans{region}-{weight}.otf"
            partial = target.with_name(f".{target.name}.tmp")
            by_name[name].save(partial)
            partial.replace(target)
            print(f"  {target} ({target.stat().st_size // 1_000_000} MB)")
    licence = root / "usr/share/doc/fonts-noto-cjk/copyright"
    (dest / "LICENSE-fonts-noto-cjk.txt").write_bytes(licence.read_bytes())


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
