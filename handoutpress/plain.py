"""Reading level and plain-language lint together, as ``check`` runs them.

Without ``--strict`` they inform: a table of reading levels and a warning per
finding. With it they gate: a document or a section above its limit, or any
finding, is an error naming the file, the section and the sentences to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import ContentError, PressError
from .lint import Finding, quote, lint_practice, lint_procedure, load_plain_words
from .load import FieldLines
from .models import LoadedProcedure
from .paths import ProjectPaths
from .plan import Job
from .readability import Measurer, Reading, SectionReading, document_limits, longest, read_documents


@dataclass
class PlainLanguageReport:
    readings: list[Reading] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    over_limit: list[ContentError] = field(default_factory=list)
    """A document or section above its reading-level limit, with its longest sentences."""
    errors: list[PressError] = field(default_factory=list)
    """A jargon list that cannot be read."""


def assess(paths: ProjectPaths, jobs: list[Job], unplanned: list[LoadedProcedure] = ()) -> PlainLanguageReport:
    """Read and lint what ``jobs`` print, and ``unplanned`` procedures in every kind they could make."""
    report = PlainLanguageReport(readings=read_documents(jobs, Measurer(), unplanned))
    jargon_by_lang: dict[str, dict[str, str]] = {}

    def jargon_for(lang: str) -> dict[str, str]:
        if lang not in jargon_by_lang:
            try:
                jargon_by_lang[lang] = load_plain_words(paths.content / "plain-language", lang)[0]
            except PressError as error:
                report.errors.append(error)
                jargon_by_lang[lang] = {}
        return jargon_by_lang[lang]

    linted: set[Path] = set()
    for job in sorted(jobs, key=lambda job: str(job.output_name)):
        for file, lint in (
            (job.procedure.file, lambda: lint_procedure(job.procedure, jargon_for(job.lang))),
            (job.practice.file, lambda: lint_practice(job.practice, jargon_for)),
        ):
            if file not in linted:
                linted.add(file)
                report.findings.extend(lint())
    for loaded in unplanned:
        if loaded.file not in linted:
            linted.add(loaded.file)
            report.findings.extend(lint_procedure(loaded, jargon_for(loaded.data.lang)))
    judged_by = document_limits(jobs)
    lines_of: dict[Path, FieldLines] = {}
    for reading in report.readings:
        lines = lines_of.setdefault(reading.file, FieldLines(reading.file))
        groups = judged_by.get((reading.procedure, reading.lang, reading.kind)) or {reading.limit: []}
        for limit, practices in groups.items():
            whose = ""
            if practices:
                names = ", ".join(practice.slug for practice in practices)
                whose = f"the limit of {limit:g} that {names} set{'s' if len(practices) == 1 else ''} (reading_limits)"
            report.over_limit.extend(_over_limit(reading, limit, lines, whose))
    return report


def _over_limit(reading: Reading, limit: float | None, lines: FieldLines, whose: str = "") -> list[ContentError]:
    formula = reading.formula
    if formula is None or limit is None:
        return []
    whose = whose or f"the limit of {limit:g}"
    measure = "reads at grade" if formula.scale == "grade" else "has a reading ease of"
    beyond = "above" if formula.scale == "grade" else "below"
    errors = []
    if not reading.passes(reading.score, limit):
        errors.append(
            ContentError(
                f"the {reading.kind} ({reading.lang}) {measure} {reading.score:g} ({formula.name}), {beyond} {whose}; "
                f"its longest sentences: {_sentences(reading.longest_sentences(), lines)}",
                reading.file,
            )
        )
    for section in reading.failing_sections(limit):
        errors.append(
            ContentError(
                f"section {_name(section)!r} {measure} {section.score:g} in the {reading.kind} ({reading.lang}), {beyond} {whose}; "
                f"its longest sentences: {_sentences(longest(section.sentences), lines)}",
                reading.file,
                lines(section.loc),
            )
        )
    return errors


def _name(section: SectionReading) -> str:
    return section.title or section.role


def _sentences(found, lines: FieldLines) -> str:
    return "; ".join(_sentence(sentence, lines) for sentence in found)


def _sentence(sentence, lines: FieldLines) -> str:
    line = lines.line(sentence.loc)
    return f"{quote(sentence.text)} (line {line})" if line else quote(sentence.text)
