"""Every character a document prints must be in a font the document embeds.

A letter no font has is drawn by WeasyPrint as an empty box, or quietly taken
from whatever font the machine happens to have; either way the patient reads
something other than what the clinic wrote, and the PDF depends on the machine
that made it. So a missing character is an error naming the file, the field
and the character, found before anything is typeset.

A document's font stack is the practice's own typeface, if it has one, then
the default Latin family, then the families of its language's script
(``languages.LANGUAGES``); a character is covered when, in each style a field
may be printed in, some font of the stack has it.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError
from pydantic import BaseModel

from .errors import ContentError, TemplateError
from .languages import ATKINSON_HYPERLEGIBLE_NEXT, LATIN_FAMILY, STYLES, language_spec
from .plan import Job

DEFAULT_FAMILY = LATIN_FAMILY
_NOT_DRAWN = {"Cc", "Cf", "Zl", "Zp"}


def default_font_files(templates: Path) -> dict[str, Path]:
    """The default family's file for each style, as ``templates/css/fonts.css`` declares them."""
    return {style: ATKINSON_HYPERLEGIBLE_NEXT.file_for(templates, style) for style in STYLES}


def check_coverage(job: Job, templates: Path) -> None:
    """Raise a ``ContentError`` for the first character of the job's content or
    practice file that no font of the document's stack has."""
    stacks = _font_stacks(job, templates)
    families = ", ".join(dict.fromkeys(family for stack in stacks for family, _ in stack))
    covered = _covered_in_every_style(stacks)
    sources = ((job.procedure.file, job.procedure.data), (job.practice.file, job.practice.data))
    for file, model in sources:
        for where, text in strings_of(model):
            for character in unicodedata.normalize("NFC", text):
                if character not in covered and not _is_not_drawn(character):
                    raise ContentError(
                        f"the character {character!r} ({describe_character(character)}) is not in the fonts "
                        f"this document uses ({families})",
                        file,
                        where,
                    )


def strings_of(value: object, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a model, with the dotted path a person would look for it by."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from strings_of(getattr(value, name), f"{where}.{name}" if where else name)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from strings_of(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_of(item, f"{where}.{key}" if where else str(key))


def describe_character(character: str) -> str:
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X} {name}".rstrip()


def font_characters(path: Path) -> frozenset[int]:
    """The code points a font file maps to glyphs, read once per process for each version of the file."""
    return _read_cmap(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _read_cmap(path: Path, mtime_ns: int) -> frozenset[int]:
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap() or ())


def _font_stacks(job: Job, templates: Path) -> list[list[tuple[str, frozenset[int]]]]:
    """For each style, the families that may print it, each with the characters it has."""
    own = job.practice.font
    language = language_spec(job.lang)
    for script in language.scripts:
        script.check_present(templates)
    stacks = []
    for style in STYLES:
        stack = []
        if own is not None:
            # Without an italic file the regular one is slanted, so its letters are the italic's.
            path = getattr(own, style) or own.regular
            stack.append((own.family, _practice_font(path, job, style)))
        stack += [(fonts.family, _default_font(fonts.file_for(templates, style))) for fonts in language.fonts()]
        stacks.append(stack)
    return stacks


def _covered_in_every_style(stacks: list[list[tuple[str, frozenset[int]]]]) -> frozenset[str]:
    per_style = [frozenset().union(*(characters for _, characters in stack)) for stack in stacks]
    return frozenset(map(chr, frozenset.intersection(*per_style)))


def _practice_font(path: Path, job: Job, style: str) -> frozenset[int]:
    try:
        return font_characters(path)
    except (OSError, TTLibError, AssertionError, KeyError, ValueError) as error:
        where = f"brand.font.files.{style if getattr(job.practice.font, style) else 'regular'}"
        raise ContentError(f"{path.name!r} cannot be read as a font ({error})", job.practice.file, where) from None


def _default_font(path: Path) -> frozenset[int]:
    try:
        return font_characters(path)
    except (OSError, TTLibError, AssertionError, KeyError, ValueError) as error:
        raise TemplateError(f"the default font cannot be read ({error})", path) from None


def _is_not_drawn(character: str) -> bool:
    return character.isspace() or unicodedata.category(character) in _NOT_DRAWN
