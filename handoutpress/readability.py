"""How hard a handout is to read, measured on the words a patient reads.

Health-literacy guidance (NIH, AHRQ, AMA) asks for patient materials at or
below a 6th to 8th-grade reading level. The press measures each procedure's
content as each kind prints it: the sections the kind's recipe takes, their
paragraphs, list items, steps, callouts, captions and definitions, without
headings, labels, phone numbers and list markers, and without the practice's
own wording (linted separately, see ``lint.py``). A list item, or a line of a
passage, without closing punctuation is one sentence, as a reader takes it;
a list item that is a name ("American Academy of Orthopaedic Surgeons": its
longer words capitalised, no closing punctuation) is not prose and is left
out, as a heading is.

Each word of the procedure's name and of the terms its printed definition
blocks explain counts as a one-syllable word: the handout teaches them, and
a formula that counts "colonoscopy" as five syllables in every sentence
measures the procedure's name, not the writing. The table also gives the
grade without this allowance.

The formulas are computed here from counts the press makes itself
(sentences, words, syllables), because textstat, the usual library, drops
every sentence of two words or fewer from its count while keeping their
words, which grades a checklist of short items as hard; and it needs
setuptools at run time. Syllables are counted by vowel groups (English,
with the silent endings; Spanish, with its hiatus rules), which is closer
than pyphen's hyphenation points ("medicine" and "area" are one
hyphenation unit but three syllables).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from .kinds import KIND_SPECS
from .models import LoadedPractice, LoadedProcedure, Procedure, ReadingLimit

Scale = Literal["grade", "ease"]


@dataclass(frozen=True)
class Counts:
    """What every formula is made of."""

    sentences: int
    words: int
    syllables: int
    polysyllables: int
    """Words of three syllables or more."""


@dataclass(frozen=True)
class Formula:
    name: str
    scale: Scale
    """A grade must stay at or below its limit; an ease score at or above it."""
    syllables: Callable[[str], int]
    score: Callable[[Counts], float]
    document_figures: tuple[tuple[str, Callable[[Counts], float | None]], ...] = ()
    """Further figures for a whole document only (SMOG needs 30 sentences)."""


def english_syllables(word: str) -> int:
    word = re.sub(r"[^a-z]", "", word.lower())
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", word)))


_SPANISH_STRONG = frozenset("aeoáéó")


def spanish_syllables(word: str) -> int:
    """Vowel groups, split where two strong vowels meet or an accented i or u stands beside another vowel."""
    count, previous = 0, None
    for letter in word.lower():
        if letter in "aeiouáéíóúü":
            if previous is None or (previous in _SPANISH_STRONG and letter in _SPANISH_STRONG) or "í" in (letter, previous) or "ú" in (letter, previous):
                count += 1
            previous = letter
        elif letter != "h":
            previous = None
    return max(1, count)


def _smog(counts: Counts) -> float | None:
    if counts.sentences < 30:
        return None
    return 1.043 * math.sqrt(counts.polysyllables * 30 / counts.sentences) + 3.1291


FORMULAS: dict[str, Formula] = {
    "en": Formula(
        "Flesch-Kincaid grade",
        "grade",
        english_syllables,
        lambda c: 0.39 * c.words / c.sentences + 11.8 * c.syllables / c.words - 15.59,
        (("SMOG", _smog),),
    ),
    "es": Formula(
        "Fernández-Huerta ease",
        "ease",
        spanish_syllables,
        lambda c: 206.84 - 60 * c.syllables / c.words - 1.02 * c.words / c.sentences,
        (("Szigriszt-Pazos", lambda c: 206.835 - 62.3 * c.syllables / c.words - c.words / c.sentences),),
    ),
}


def formula_for(lang: str) -> Formula | None:
    """The formula for a language tag (``en-GB`` reads as ``en``), or None where none is validated."""
    return FORMULAS.get(lang.split("-")[0].lower())


# --- the text a patient reads --------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """One stretch of text the patient reads, and where it is in its file."""

    text: str
    loc: tuple[Any, ...]


@dataclass(frozen=True)
class SectionText:
    role: str
    title: str | None
    loc: tuple[Any, ...]
    passages: tuple[Passage, ...]


def kind_sections(procedure: Procedure, kind: str) -> list[SectionText]:
    """The procedure's own sections that ``kind`` prints, in its recipe's order, without practice wording."""
    chosen = []
    for role in KIND_SPECS[kind].roles:
        for number, section in enumerate(procedure.sections):
            if section.role != role or (section.kinds is not None and kind not in section.kinds):
                continue
            loc = ("sections", number)
            passages = tuple(
                passage
                for index, block in enumerate(section.blocks)
                for passage in block_passages(block, (*loc, "blocks", index))
            )
            chosen.append(SectionText(role, section.title, loc, passages))
    return chosen


def block_passages(block: BaseModel, loc: tuple[Any, ...]) -> Iterator[Passage]:
    """The text of one block a patient reads; labels (a timeline's "when", a table's header) are not prose."""
    (kind,) = type(block).model_fields
    value = getattr(block, kind)
    here = (*loc, kind)
    if kind == "paragraph":
        yield Passage(value, here)
    elif kind in ("bullets", "steps", "checklist"):
        yield from (Passage(item, (*here, number)) for number, item in enumerate(value))
    elif kind == "timeline":
        for number, entry in enumerate(value):
            yield from (Passage(item, (*here, number, "what", line)) for line, item in enumerate(entry.what))
    elif kind == "schedule":
        yield from (Passage(row.what, (*here, number, "what")) for number, row in enumerate(value))
    elif kind == "table":
        for number, row in enumerate(value.rows):
            yield from (Passage(cell, (*here, "rows", number, column)) for column, cell in enumerate(row))
    elif kind == "do_dont":
        for part in ("do", "dont"):
            yield from (Passage(item, (*here, part, number)) for number, item in enumerate(getattr(value, part)))
    elif kind == "callout":
        yield Passage(value.text, (*here, "text"))
    elif kind == "figure":
        yield Passage(value.caption, (*here, "caption"))
    elif kind == "definition":
        yield Passage(value.meaning, (*here, "meaning"))
    # practice_text: the practice's wording, linted with the practice


_MARKUP = re.compile(r"\\(.)|[*_]+")
_PHONE = re.compile(r"(?<![\d+(])\+?\(?\d[\d ().-]{4,30}\d")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?؟])[\"')\]]*\s+|(?<=[。！？])[”’」』）]*\s*")


def plain_text(text: str) -> str:
    """Inline markup and phone numbers taken out; one line."""
    text = _MARKUP.sub(lambda match: match[1] or "", text)
    return re.sub(r"\s+([.,;:!?])", r"\1", " ".join(_PHONE.sub(" ", text).split()))


def sentences(text: str) -> list[str]:
    """A passage's sentences; a line without closing punctuation still ends, as a list item does for its reader."""
    found: list[str] = []
    for line in text.splitlines():
        pieces: list[str] = []
        for piece in _SENTENCE_BREAK.split(plain_text(line)):
            piece = piece.strip()
            if pieces and piece and not _starts_a_sentence(piece):
                pieces[-1] = f"{pieces[-1]} {piece}"  # "e.g. this", "2 p.m. today": not a new sentence
            elif piece:
                pieces.append(piece)
        for piece in pieces:
            piece = re.sub(r"[:;,]$", "", piece)
            found.append(piece if re.search(r"[.!?؟。！？][\"'”’」』）)\]]*$", piece) else piece + ".")
    return found


def _starts_a_sentence(piece: str) -> bool:
    first = piece.lstrip("\"'([¿¡“「（")[:1]
    caseless = first.isalpha() and not first.islower() and not first.isupper()  # Arabic, Chinese
    return bool(first) and (first.isupper() or first.isdigit() or caseless)


def words(sentence: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+(?:[.,]\d+)*", sentence)


# --- measuring ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    text: str
    loc: tuple[Any, ...]
    words: int


def longest(found: tuple[Sentence, ...], count: int = 3) -> list[Sentence]:
    return sorted(found, key=lambda sentence: -sentence.words)[:count]


@dataclass(frozen=True)
class SectionReading:
    role: str
    title: str | None
    loc: tuple[Any, ...]
    score: float | None
    """None when the section has no prose of the procedure's own (only practice wording)."""
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class Reading:
    """One procedure in one language, as one kind prints it."""

    procedure: str
    lang: str
    kind: str
    file: Path
    formula: Formula | None
    score: float | None
    """None when the language has no formula, or the kind has no prose of the procedure's own."""
    limit: float | None
    unadjusted: float | None = None
    """The score with the procedure's name and defined terms counted as written."""
    figures: dict[str, float | None] = field(default_factory=dict)
    sections: tuple[SectionReading, ...] = ()
    hardest_words: tuple[str, ...] = ()

    def passes(self, score: float | None, limit: float | None = None) -> bool:
        limit = self.limit if limit is None else limit
        if score is None or limit is None or self.formula is None:
            return True
        return score <= limit if self.formula.scale == "grade" else score >= limit

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(sentence for section in self.sections for sentence in section.sentences)

    def longest_sentences(self, count: int = 3) -> list[Sentence]:
        return longest(self.sentences, count)

    def failing_sections(self, limit: float | None = None) -> list[SectionReading]:
        return [section for section in self.sections if not self.passes(section.score, limit)]


class Measurer:
    """Counts and scores text; syllable counts are kept, since the same words recur across kinds."""

    def __init__(self) -> None:
        self._syllables: dict[tuple[str, str], int] = {}

    def syllables(self, formula: Formula, word: str) -> int:
        key = (formula.name, word)
        if key not in self._syllables:
            self._syllables[key] = 1 if word[:1].isdigit() else formula.syllables(word)
        return self._syllables[key]

    def counts(self, formula: Formula, found: tuple[Sentence, ...], known: re.Pattern[str] | None = None) -> Counts:
        syllables = polysyllables = total = 0
        for sentence in found:
            text = known.sub(lambda match: " ".join("it" for _ in match[0].split()), sentence.text) if known else sentence.text
            for word in words(text):
                count = self.syllables(formula, word)
                total += 1
                syllables += count
                polysyllables += count >= 3
        return Counts(len(found), max(total, 1), syllables, polysyllables)

    def read(self, loaded: LoadedProcedure, kind: str, limit: float | None) -> Reading:
        procedure = loaded.data
        formula = formula_for(procedure.lang)
        printed = kind_sections(procedure, kind)
        known = _known_words(procedure, printed)
        sections = []
        for section in printed:
            found = tuple(
                Sentence(sentence, passage.loc, len(words(sentence)))
                for passage in section.passages
                if not _is_a_name(passage)
                for sentence in sentences(passage.text)
            )
            score = self._score(formula, found, known) if found and formula else None
            sections.append(SectionReading(section.role, section.title, section.loc, score, found))
        everything = tuple(sentence for section in sections for sentence in section.sentences)
        score = unadjusted = None
        figures: dict[str, float | None] = {}
        if formula is not None and everything:
            counts = self.counts(formula, everything, known)
            score, unadjusted = round(formula.score(counts), 1), self._score(formula, everything, None)
            for name, measure in formula.document_figures:
                value = measure(counts)
                figures[name] = None if value is None else round(value, 1)
        return Reading(
            procedure=procedure.id,
            lang=procedure.lang,
            kind=kind,
            file=loaded.file,
            formula=formula,
            score=score,
            limit=limit,
            unadjusted=unadjusted,
            figures=figures,
            sections=tuple(sections),
            hardest_words=self._hardest(formula, everything, known) if formula else (),
        )

    def _score(self, formula: Formula, found: tuple[Sentence, ...], known: re.Pattern[str] | None) -> float:
        return round(formula.score(self.counts(formula, found, known)), 1)

    def _hardest(self, formula: Formula, found: tuple[Sentence, ...], known: re.Pattern[str] | None, count: int = 5) -> tuple[str, ...]:
        seen: dict[str, int] = {}
        for sentence in found:
            for word in words(known.sub(" ", sentence.text) if known else sentence.text):
                lowered = word.lower()
                if lowered not in seen and not word[0].isdigit():
                    seen[lowered] = self.syllables(formula, lowered)
        ranked = sorted((item for item in seen.items() if item[1] >= 3), key=lambda item: (-item[1], item[0]))
        return tuple(word for word, _ in ranked[:count])


def _is_a_name(passage: Passage) -> bool:
    """A list item that is a name (an organisation, a place), not a sentence: no formula can make it plainer."""
    if not isinstance(passage.loc[-1], int) or re.search(r"[.!?:]\s*$", passage.text):
        return False
    long_words = [word for word in words(plain_text(passage.text)) if len(word) >= 4]
    return len(long_words) >= 2 and all(word[0].isupper() for word in long_words)


def _known_words(procedure: Procedure, printed: list[SectionText]) -> re.Pattern[str] | None:
    """The procedure's name and the terms defined in the ``printed`` sections (see the module's docstring)."""
    terms = {procedure.title, procedure.name_in_sentence}
    for section in printed:
        for passage in section.passages:
            if passage.loc[-2:] == ("definition", "meaning"):
                block = procedure.sections[passage.loc[1]].blocks[passage.loc[3]]
                terms.add(block.definition.term)
    terms = {re.sub(r"^(an?|the)\s+", "", term.strip(), flags=re.IGNORECASE) for term in terms}
    terms = {plain_text(term) for term in terms if term}
    if not terms:
        return None
    alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?:e?s)?(?!\w)", re.IGNORECASE)


# --- limits ---------------------------------------------------------------------------------


def limit_for(kind: str, formula: Formula | None, *overrides: dict[str, ReadingLimit]) -> float | None:
    """The limit for a kind on the formula's scale: the first override that sets one, else the kind's own."""
    if formula is None:
        return None
    for override in overrides:
        chosen = override.get(kind)
        if chosen is not None and getattr(chosen, formula.scale) is not None:
            return getattr(chosen, formula.scale)
    return getattr(KIND_SPECS[kind].reading, formula.scale)


def read_documents(jobs, measurer: Measurer | None = None, unplanned: list[LoadedProcedure] = ()) -> list[Reading]:
    """One reading per procedure, language and kind, with the procedure's limit.

    ``unplanned`` procedures (no practice offers them yet) are read in every
    kind they have the roles for, so ``check -p`` helps before anyone offers
    one. A practice that sets its own limit is judged by it (``document_limits``).
    """
    measurer = measurer or Measurer()
    wanted: dict[tuple[str, str, str], LoadedProcedure] = {}
    for job in jobs:
        wanted.setdefault((job.procedure.data.id, job.lang, job.kind), job.procedure)
    for loaded in unplanned:
        roles = {section.role for section in loaded.data.sections}
        for kind, spec in KIND_SPECS.items():
            if set(spec.required_roles) <= roles:
                wanted.setdefault((loaded.data.id, loaded.data.lang, kind), loaded)
    readings = []
    for (_, lang, kind), loaded in sorted(wanted.items()):
        limit = limit_for(kind, formula_for(lang), loaded.data.reading_limits)
        readings.append(measurer.read(loaded, kind, limit))
    return readings


def document_limits(jobs) -> dict[tuple[str, str, str], dict[float, list[LoadedPractice]]]:
    """Per (procedure, language, kind): each limit a document is judged by, and the practices whose it is.

    A practice's own limit wins over its procedure's, looser or stricter; a
    practice without one has the procedure's (listed under no practice).
    """
    found: dict[tuple[str, str, str], dict[float, list[LoadedPractice]]] = {}
    for job in jobs:
        formula = formula_for(job.lang)
        own = limit_for(job.kind, formula, job.practice.data.reading_limits, job.procedure.data.reading_limits)
        if own is None:
            continue
        overridden = formula is not None and getattr(job.practice.data.reading_limits.get(job.kind), formula.scale, None) is not None
        practices = found.setdefault((job.procedure.data.id, job.lang, job.kind), {}).setdefault(own, [])
        if overridden and job.practice not in practices:
            practices.append(job.practice)
    return found
