"""What changes with a handout's language: the direction it is written in and the fonts its script needs.

One registry, read by the templates' context, the font-coverage check and
the tests, as ``kinds.KIND_SPECS`` is for document kinds. Any language tag is
accepted; a language not listed here is written left to right in the Latin
fonts, and a letter those lack is reported by ``coverage`` before anything is
typeset.

The Latin family (Atkinson Hyperlegible Next, with Vietnamese merged in) comes
first in every stack, so digits, doses and Latin names look the same in every
language; a script's own family follows for the letters Atkinson lacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import TemplateError
from .localize import without_region

STYLES = ("regular", "bold", "italic")
WEIGHT_AND_STYLE = {"regular": ("400", "normal"), "bold": ("700", "normal"), "italic": ("400", "italic")}


@dataclass(frozen=True)
class ScriptFonts:
    """One family for one script: a file per style, in a folder of ``templates/fonts``.

    A style without a file of its own is printed with the regular face, so
    its letters are the regular's; italic Arabic or Chinese prints upright
    (WeasyPrint does not slant a face that has no italic).
    ``made_by`` names the ``make`` target that makes the files, for fonts too
    large to commit (CJK, about 16 MB a weight).
    """

    family: str
    folder: str
    files: dict[str, str]
    made_by: str | None = None

    def file_for(self, templates: Path, style: str) -> Path:
        return templates / "fonts" / self.folder / self.files.get(style, self.files["regular"])

    def faces(self, templates: Path) -> list[tuple[str, str, Path]]:
        """``(weight, style, file)`` for each face this family declares in ``@font-face``."""
        return [(*WEIGHT_AND_STYLE[style], templates / "fonts" / self.folder / name) for style, name in self.files.items()]

    def check_present(self, templates: Path) -> None:
        """Fail, naming the ``make`` target, where a font that is not committed has not been made yet."""
        missing = [path for _, _, path in self.faces(templates) if not path.is_file()]
        if missing:
            how = f"run `make {self.made_by}` to extract them" if self.made_by else "they are part of the project; restore them"
            raise TemplateError(
                f"the {self.family} font files are not there ({', '.join(p.name for p in missing)}); {how}",
                missing[0].parent,
            )


@dataclass(frozen=True)
class LanguageSpec:
    """How handouts in one language are set: direction, and the fonts after the Latin family."""

    tag: str
    name: str
    direction: str = "ltr"
    scripts: tuple[ScriptFonts, ...] = field(default=())
    longest_sentence: int | None = 20
    """Words a sentence may have before the plain-language check flags it (the Clear
    Communication Index and most plain-language guides say 20 for English);
    None where words are not written apart (Chinese), so they cannot be counted."""

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    def fonts(self) -> tuple[ScriptFonts, ...]:
        """The families that print this language, in stack order: the Latin one, then the script's."""
        return (ATKINSON_HYPERLEGIBLE_NEXT, *self.scripts)

    def families(self) -> tuple[str, ...]:
        return tuple(fonts.family for fonts in self.fonts())


# Declared in templates/css/fonts.css for every document (it is every stack's first).
ATKINSON_HYPERLEGIBLE_NEXT = ScriptFonts(
    family="Atkinson Hyperlegible Next",
    folder="atkinson-hyperlegible-next",
    files={
        "regular": "atkinson-hyperlegible-next-400-normal.woff2",
        "bold": "atkinson-hyperlegible-next-700-normal.woff2",
        "italic": "atkinson-hyperlegible-next-400-italic.woff2",
    },
)
LATIN_FAMILY = ATKINSON_HYPERLEGIBLE_NEXT.family

# Not Noto Sans Arabic: it draws beh, teh, noon and yeh on one dotless glyph
# with the dots as marks, so the PDF's text layer gives screen readers and
# search the wrong letters ("اغةبار" for "اختبار"); IBM Plex Sans Arabic has a
# glyph of its own for each letter's every form and reads back right.
IBM_PLEX_SANS_ARABIC = ScriptFonts(
    family="IBM Plex Sans Arabic",
    folder="ibm-plex-sans-arabic",
    files={"regular": "ibm-plex-sans-arabic-arabic-400-normal.woff2", "bold": "ibm-plex-sans-arabic-arabic-700-normal.woff2"},
)
NOTO_SANS_SC = ScriptFonts(
    family="Noto Sans SC",
    folder="noto-sans-cjk",
    files={"regular": "NotoSansSC-Regular.otf", "bold": "NotoSansSC-Bold.otf"},
    made_by="fonts",
)
NOTO_SANS_TC = ScriptFonts(
    family="Noto Sans TC",
    folder="noto-sans-cjk",
    files={"regular": "NotoSansTC-Regular.otf", "bold": "NotoSansTC-Bold.otf"},
    made_by="fonts",
)

LANGUAGES: dict[str, LanguageSpec] = {
    spec.tag: spec
    for spec in (
        LanguageSpec("en", "English"),
        LanguageSpec("es", "Spanish"),
        # Vietnamese writes every syllable apart: the 20 words of an English
        # sentence take about half as many more.
        LanguageSpec("vi", "Vietnamese", longest_sentence=30),
        LanguageSpec("zh-Hans", "Chinese (Simplified)", scripts=(NOTO_SANS_SC,), longest_sentence=None),
        LanguageSpec("zh-Hant", "Chinese (Traditional)", scripts=(NOTO_SANS_TC,), longest_sentence=None),
        LanguageSpec("ar", "Arabic", direction="rtl", scripts=(IBM_PLEX_SANS_ARABIC,)),
    )
}
"""The languages the press knows how to set; others are set as Latin, left to right."""



def language_spec(tag: str) -> LanguageSpec:
    """The spec for a tag, regional or not (``ar-EG`` is set as ``ar``, ``zh-Hans-SG`` as ``zh-Hans``).

    A script is part of the language and a region is not, so ``zh-Hant``
    never gets the Simplified faces. Chinese without a script says neither,
    and is set as Latin: its first CJK character is then reported, with the
    field it is in.
    """
    for candidate in (tag, without_region(tag)):
        for known, spec in LANGUAGES.items():
            if known.lower() == candidate.lower():
                return spec
    return LanguageSpec(tag, tag)
