"""Plain-language lint: what makes a patient stumble, found sentence by sentence.

The rules follow the CDC's Clear Communication Index and ISMP's list of
error-prone abbreviations: long sentences, the passive voice (who does
what is the first thing a patient needs), jargon with its plain word,
numbers written in ways people misread ("q.d.", "1.0 mg", ".5 mg") and runs
of capitals. The jargon list is a data file, ``content/plain-language/<lang>.yaml``,
that a clinic extends with its own words.

Each finding names the file, the line and the words. ``check`` prints them;
``check --strict`` fails on them. Procedure content and practice wording are
linted alike; only the procedure's content has a reading grade.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .errors import ContentError
from .languages import language_spec
from .load import FieldLines, read_yaml
from .localize import practice_wording, practice_wording_of, without_region
from .models import LoadedPractice, LoadedProcedure, PlainWords
from .readability import block_passages, sentences, words


_BE = r"(?:am|is|are|was|were|be|been|being|get|gets|got|gotten)"
_IRREGULAR = (
    "done|given|taken|seen|made|put|cut|set|kept|left|told|shown|known|found|held|sent|brought|"
    "bought|run|felt|paid|said|worn|written|drawn|chosen|eaten|begun|broken|frozen|hidden|stuck|spent|"
    "lost|fed|led|read|hurt|sewn|sown|shaken|woken"
)
_PASSIVE = re.compile(
    rf"\b{_BE}\s+(?:(?:not|also|then|usually|often|only|always|sometimes|just|\w+ly)\s+)?(\w+ed|{_IRREGULAR})\b(?!\s+of\b)",
    re.IGNORECASE,
)
_NOT_PARTICIPLES = frozenset(
    "tired scared worried interested pleased surprised confused concerned married used supposed allowed "
    "bored excited relaxed prepared able needed red bed bleed bled shed seed feed speed need called named swollen based dressed indeed".split()
)
"""Words after "is"/"are" that end in -ed but describe a state, are not verbs, or name a thing ("is called")."""

_UNIT = r"(?:mg|mcg|micrograms?|g|grams?|kg|mL|ml|L|litres?|liters?|units?|tablets?|capsules?|drops?|puffs?|%)\b"
_MISREAD: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![\w.])q\.?\s?d\.?(?![\w])", re.IGNORECASE), "is misread as 'q.i.d.' (four times a day); write 'once a day'"),
    (re.compile(r"(?<![\w.])q\.?\s?o\.?\s?d\.?(?![\w])", re.IGNORECASE), "is misread; write 'every other day'"),
    (re.compile(r"(?<![\w.])(?:[bB]\.[iI]\.[dD]\.|BID)(?![\w])"), "is an abbreviation patients do not know; write 'twice a day'"),
    (re.compile(r"(?<![\w.])(?:[tT]\.[iI]\.[dD]\.|TID)(?![\w])"), "is an abbreviation patients do not know; write 'three times a day'"),
    (re.compile(r"(?<![\w.])(?:[qQ]\.[iI]\.[dD]\.|QID|qid)(?![\w])"), "is an abbreviation patients do not know; write 'four times a day'"),
    (re.compile(r"(?<![\w.])(?:q\.?h\.?s\.?|h\.s\.)(?![\w])", re.IGNORECASE), "is misread (half-strength or bedtime); write 'at bedtime'"),
    (re.compile(r"(?<![\w.])p\.?r\.?n\.?(?![\w])", re.IGNORECASE), "is an abbreviation patients do not know; write 'when you need it'"),
    (re.compile(r"(?<![\w.])p\.o\.(?![\w])", re.IGNORECASE), "is an abbreviation patients do not know; write 'by mouth'"),
    (re.compile(rf"(?<![\d.])\d+\.0+(?=\s?{_UNIT})"), "has a trailing zero, misread as ten times the dose ('1.0 mg' as '10 mg'); write it without"),
    (re.compile(r"(?<![\d\w.])\.\d+"), "has no leading zero, misread as ten times the dose ('.5 mg' as '5 mg'); write '0.5'"),
    (re.compile(r"(?<=\d)\s?(?:I?U)\b"), "is misread ('U' as 0 or 4, 'IU' as 'IV' or 10); write 'units'"),
    (re.compile(r"(?<=\d)\s?cc\b"), "is misread as 'u' (units); write 'mL'"),
    (re.compile(r"(?<=\d)\s?µg\b"), "is misread as 'mg'; write 'mcg'"),
)
_CAPITALS = re.compile(r"(?<![\w'’-])[A-Z][A-Z'’-]++(?:[ \t]++(?:[A-Z][A-Z'’-]++|\d++)(?![\w'’-]))++")
"""A run of words in capitals (numbers may stand between them); a match must hold two such words."""


@dataclass(frozen=True)
class Finding:
    """One thing to fix, where it is, and what to write instead."""

    file: Path
    where: str
    rule: str
    message: str

    def as_error(self) -> ContentError:
        return ContentError(f"{self.rule}: {self.message}", self.file, self.where)

    def describe(self, root: Path | None = None) -> str:
        return self.as_error().describe(root)


def load_plain_words(folder: Path, lang: str) -> tuple[dict[str, str], Path | None]:
    """The jargon list for a language (``en-GB`` falls back to ``en``), and its file; empty when there is none.

    A script is part of the language: ``zh-Hant`` never reads ``zh-Hans.yaml``.
    """
    for name in dict.fromkeys((lang, without_region(lang))):
        file = folder / f"{name}.yaml"
        if file.is_file():
            data, _ = read_yaml(file)
            try:
                return dict(PlainWords.model_validate(data or {}).jargon), file
            except ValueError as error:
                raise ContentError(f"is not a jargon list ({str(error).splitlines()[-1].strip()})", file) from None
    return {}, None


def lint_text(text: str, jargon: dict[str, str], prose: bool = True, lang: str = "en") -> Iterator[tuple[str, str]]:
    """``(rule, message)`` for each problem in one passage; a heading or label is not held to the prose rules.

    The passive-voice rule knows English only; the others hold in any language.
    """
    english = lang.split("-")[0].lower() == "en"
    longest = language_spec(lang).longest_sentence
    for sentence in sentences(text) if prose else []:
        count = len(words(sentence))
        if longest is not None and count > longest:
            yield "long sentence", f"{count} words (at most {longest}): {quote(sentence)}; split it"
        for match in _PASSIVE.finditer(sentence) if english else ():
            if match[1].lower() not in _NOT_PARTICIPLES:
                yield "passive voice", f"{quote(match[0])} in {quote(sentence)}; say who does it"
    for pattern, plain in _jargon_patterns(tuple(jargon.items())):
        for match in pattern.finditer(text):
            yield "jargon", f"{quote(match[0])}: write {quote(plain)}"
    for pattern, advice in _MISREAD:
        for match in pattern.finditer(text):
            yield "misread number", f"{quote(match[0].strip())} {advice}"
    for match in _CAPITALS.finditer(text):
        if len(re.findall(r"[A-Z][A-Z'’-]+", match[0])) >= 2:
            yield "capitals", f"{quote(match[0])} is hard to read in capitals; use bold for emphasis"


@lru_cache(maxsize=8)
def _jargon_patterns(jargon: tuple[tuple[str, str], ...]) -> list[tuple[re.Pattern[str], str]]:
    """Each word with its plain alternative, compiled once per list (a clinic's list may be long)."""
    patterns = []
    for term, plain in jargon:
        forms = rf"{re.escape(term)}(?:s|es|d|ed|ing)?" + (rf"|{re.escape(term[:-1])}ing" if term.endswith("e") else "")
        flags = 0 if term.isupper() else re.IGNORECASE
        patterns.append((re.compile(rf"(?<![\w-])(?:{forms})(?![\w-])", flags), plain))
    return patterns


def quote(text: str, limit: int = 70) -> str:
    """*text* in quotes on one line, shortened to *limit* characters."""
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


class _Findings:
    """Findings in one file, each placed on its line."""

    def __init__(self, file: Path, jargon: dict[str, str], lang: str):
        self.file, self.jargon, self.lang, self.lines = file, jargon, lang, FieldLines(file)
        self.found: list[Finding] = []

    def __call__(self, text: str, loc: tuple[Any, ...], prose: bool = True, lang: str | None = None, jargon: dict[str, str] | None = None) -> None:
        problems = lint_text(text, self.jargon if jargon is None else jargon, prose, lang or self.lang)
        self.found.extend(Finding(self.file, self.lines(loc), rule, message) for rule, message in problems)


def lint_procedure(loaded: LoadedProcedure, jargon: dict[str, str]) -> list[Finding]:
    procedure = loaded.data
    add = _Findings(loaded.file, jargon, procedure.lang)
    add(procedure.title, ("title",), prose=False)
    add(procedure.tagline, ("tagline",))
    for number, section in enumerate(procedure.sections):
        if section.title:
            add(section.title, ("sections", number, "title"), prose=False)
        for index, block in enumerate(section.blocks):
            for passage in block_passages(block, ("sections", number, "blocks", index)):
                add(passage.text, passage.loc)
            for label, loc in _labels(block, ("sections", number, "blocks", index)):
                add(label, loc, prose=False)
    for slot, text in procedure.practice_defaults.items():
        add(text, ("practice_defaults", slot))
    return add.found


def _labels(block: BaseModel, loc: tuple[Any, ...]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Short texts a patient reads that are not sentences: a step's time, a table's header, an image's alt text.

    A definition's term is left alone: the block is there to explain it.
    """
    (kind,) = type(block).model_fields
    value = getattr(block, kind)
    if kind in ("timeline", "schedule"):
        yield from ((entry.when, (*loc, kind, number, "when")) for number, entry in enumerate(value))
    elif kind == "table":
        yield from ((cell, (*loc, kind, "header", number)) for number, cell in enumerate(value.header))
    elif kind == "figure":
        yield value.alt, (*loc, kind, "alt")


def lint_practice(loaded: LoadedPractice, jargon_for: Callable[[str], dict[str, str]]) -> list[Finding]:
    """The practice's wording that reaches patients: emergency line, texts, questions, its own section wording."""
    practice = loaded.data
    add = _Findings(loaded.file, jargon_for(practice.language), practice.language)
    for loc, text, lang in practice_wording(practice):
        add(text, loc, lang=lang, jargon=jargon_for(lang))
    for number, offer in enumerate(practice.offers):
        for role, wording in offer.sections.items():
            here = ("offers", number, "sections", role)
            for loc, title, lang in practice_wording_of(wording.title, (*here, "title"), practice.language):
                add(title, loc, prose=False, lang=lang, jargon=jargon_for(lang))
            for index, block in enumerate(wording.blocks or ()):
                for passage in block_passages(block, (*here, "blocks", index)):
                    add(passage.text, passage.loc)
    return add.found

