"""How hard a handout is to read, measured on the words a patient reads.

Health-literacy guidance (NIH, AHRQ, AMA) asks for patient materials at or
below a 6th to 8th-grade reading level. The press measures each procedure's
content as each kind prints it: the sections the kind's recipe takes, their
paragraphs, list items, steps, callouts and captions, without headings,
labels, phone numbers and list markers, and without the practice's own
wording (linted separately, see ``lint.py``). A list item or a line without
closing punctuation is one sentence, as a reader takes it.

The procedure's own name and the terms its definition blocks explain count
as one-syllable words: the handout teaches them, and a formula that counts
"kyphoplasty" as five syllables in every sentence measures the procedure's
name, not the writing.

Formulas exist per language (``FORMULAS``): Flesch-Kincaid grade (and SMOG
for the whole document, which needs 30 sentences to mean much) for English,
Fernández-Huerta ease for Spanish. For a language with no validated formula
the press says so rather than print a number. textstat 0.7.3 counts
syllables with pyphen's dictionaries, offline.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from textstat.textstat import textstatistics

from .kinds import KIND_SPECS
from .models import LoadedPractice, LoadedProcedure, Procedure, ReadingLimit

Scale = Literal["grade", "ease"]


@dataclass(frozen=True)
class Formula:
    name: str
    scale: Scale
    """A grade must stay at or below its limit; an ease score at or above it."""
    hyphenation: str
    """pyphen's dictionary, which textstat counts syllables with."""
    score: Callable[[textstatistics, str], float]
    document_figures: tuple[tuple[str, Callable[[textstatistics, str], float]], ...] = ()
    """Further figures for a whole document only (SMOG needs many sentences)."""


FORMULAS: dict[str, Formula] = {
    "en": Formula(
        "Flesch-Kincaid grade",
        "grade",
        "en_US",
        lambda stats, text: stats.flesch_kincaid_grade(text),
        (("SMOG", lambda stats, text: stats.smog_index(text)),),
    ),
    "es": Formula(
        "Fernández-Huerta ease",
        "ease",
        "es",
        lambda stats, text: stats.fernandez_huerta(text),
        (("Szigriszt-Pazos", lambda stats, text: stats.szigriszt_pazos(text)),),
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
_PHONE = re.compile(r"\+?\(?\d[\d ().-]{5,}\d")
_WEB = re.compile(r"\b(?:https?://)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9¿¡])")


def plain_text(text: str) -> str:
    """Inline markup, phone numbers and web addresses taken out; one line."""
    text = _MARKUP.sub(lambda match: match[1] or "", text)
    text = _PHONE.sub(" ", text)
    text = _WEB.sub(lambda match: match[0] if " " in match[0] or match[0].count(".") > 2 else " ", text)
    return " ".join(text.split())


def sentences(text: str) -> list[str]:
    """A passage's sentences; one without closing punctuation still ends, as a list item does for its reader."""
    text = plain_text(text)
    if not text:
        return []
    found = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        if sentence:
            sentence = re.sub(r"[:;,]$", "", sentence)
            found.append(sentence if re.search(r"[.!?][\"')\]]*$", sentence) else sentence + ".")
    return found


def words(sentence: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+(?:[.,]\d+)*", sentence)


# --- measuring ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    text: str
    loc: tuple[Any, ...]
    words: int


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
    limit: float | None
    figures: dict[str, float] = field(default_factory=dict)
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
        return sorted(self.sentences, key=lambda sentence: -sentence.words)[:count]

    def failing_sections(self, limit: float | None = None) -> list[SectionReading]:
        return [section for section in self.sections if not self.passes(section.score, limit)]


class Measurer:
    """Scores text with one textstat instance per language (textstat keeps its language as state)."""

    def __init__(self) -> None:
        self._stats: dict[str, textstatistics] = {}

    def stats(self, formula: Formula) -> textstatistics:
        if formula.hyphenation not in self._stats:
            stats = textstatistics()
            stats.set_lang(formula.hyphenation)
            stats.set_rounding(False)
            self._stats[formula.hyphenation] = stats
        return self._stats[formula.hyphenation]

    def read(self, loaded: LoadedProcedure, kind: str, limit: float | None) -> Reading:
        procedure = loaded.data
        formula = formula_for(procedure.lang)
        known = _known_words(procedure)
        sections = []
        for section in kind_sections(procedure, kind):
            found = tuple(
                Sentence(sentence, passage.loc, len(words(sentence)))
                for passage in section.passages
                for sentence in sentences(passage.text)
            )
            score = self._score(formula, found, known) if found and formula else None
            sections.append(SectionReading(section.role, section.title, section.loc, score, found))
        everything = tuple(sentence for section in sections for sentence in section.sentences)
        score = self._score(formula, everything, known) if everything and formula else None
        figures = {}
        if formula is not None and everything:
            text = _measured_text(everything, known)
            figures = {name: round(measure(self.stats(formula), text), 1) for name, measure in formula.document_figures}
        return Reading(
            procedure=procedure.id,
            lang=procedure.lang,
            kind=kind,
            file=loaded.file,
            formula=formula,
            score=score,
            limit=limit,
            figures=figures,
            sections=tuple(sections),
            hardest_words=self._hardest(formula, everything, known) if formula else (),
        )

    def _score(self, formula: Formula, found: tuple[Sentence, ...], known: re.Pattern[str] | None) -> float:
        return round(formula.score(self.stats(formula), _measured_text(found, known)), 1)

    def _hardest(self, formula: Formula, found: tuple[Sentence, ...], known: re.Pattern[str] | None, count: int = 5) -> tuple[str, ...]:
        stats = self.stats(formula)
        seen: dict[str, int] = {}
        for sentence in found:
            for word in words(known.sub(" ", sentence.text) if known else sentence.text):
                lowered = word.lower()
                if lowered not in seen and not word[0].isdigit():
                    seen[lowered] = stats.syllable_count(lowered)
        ranked = sorted((item for item in seen.items() if item[1] >= 3), key=lambda item: (-item[1], item[0]))
        return tuple(word for word, _ in ranked[:count])


def _known_words(procedure: Procedure) -> re.Pattern[str] | None:
    """The procedure's name and the terms it defines, which count as one syllable (see the module's docstring)."""
    terms = {procedure.title, procedure.name_in_sentence}
    for section in procedure.sections:
        for block in section.blocks:
            definition = getattr(block, "definition", None)
            if definition is not None:
                terms.add(definition.term)
    terms = {re.sub(r"^(an?|the)\s+", "", term.strip(), flags=re.IGNORECASE) for term in terms if term.strip()}
    if not terms:
        return None
    alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})(?:e?s)?\b", re.IGNORECASE)


def _measured_text(found: tuple[Sentence, ...], known: re.Pattern[str] | None) -> str:
    text = " ".join(sentence.text for sentence in found)
    return known.sub("it", text) if known else text


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


def read_documents(jobs, measurer: Measurer | None = None) -> list[Reading]:
    """One reading per procedure, language and kind the plan makes, with the procedure's limit.

    A practice that sets its own limit is judged by it in ``over_limit``;
    the table shows the procedure's.
    """
    measurer = measurer or Measurer()
    readings: dict[tuple[str, str, str], Reading] = {}
    for job in jobs:
        key = (job.procedure.data.id, job.lang, job.kind)
        if key not in readings:
            formula = formula_for(job.lang)
            limit = limit_for(job.kind, formula, job.procedure.data.reading_limits)
            readings[key] = measurer.read(job.procedure, job.kind, limit)
    return [readings[key] for key in sorted(readings)]


def practice_limits(jobs) -> dict[tuple[str, str, str], list[tuple[LoadedPractice, float]]]:
    """Where a practice's own limit differs from its procedure's, per (procedure, language, kind)."""
    found: dict[tuple[str, str, str], list[tuple[LoadedPractice, float]]] = {}
    for job in jobs:
        formula = formula_for(job.lang)
        own = limit_for(job.kind, formula, job.practice.data.reading_limits, job.procedure.data.reading_limits)
        base = limit_for(job.kind, formula, job.procedure.data.reading_limits)
        if own != base and own is not None:
            entries = found.setdefault((job.procedure.data.id, job.lang, job.kind), [])
            if job.practice.slug not in [practice.slug for practice, _ in entries]:
                entries.append((job.practice, own))
    return found
