"""Reading level and plain-language lint together, as ``check`` runs them.

Without ``--strict`` they inform: a table of reading levels and a warning per
finding. With it they gate: a document or a section above its limit, or any
finding, is an error naming the file, the section and the sentences to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import ContentError, PressError
from .lint import Finding, lint_practice, lint_procedure, load_plain_words
from .load import FieldLines
from .paths import ProjectPaths
from .plan import Job
from .readability import Measurer, Reading, SectionReading, practice_limits, read_documents


@dataclass
class PlainLanguageReport:
    readings: list[Reading] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    over_limit: list[ContentError] = field(default_factory=list)
    """A document or section above its reading-level limit, with its longest sentences."""
    errors: list[PressError] = field(default_factory=list)
    """A jargon list that cannot be read."""


def assess(paths: ProjectPaths, jobs: list[Job]) -> PlainLanguageReport:
    report = PlainLanguageReport(readings=read_documents(jobs, Measurer()))
    jargon_by_lang: dict[str, dict[str, str]] = {}
    for lang in sorted({job.lang for job in jobs}):
        try:
            jargon_by_lang[lang] = load_plain_words(paths.content / "plain-language", lang)[0]
        except PressError as error:
            report.errors.append(error)
            jargon_by_lang[lang] = {}
    linted = set()
    for job in sorted(jobs, key=lambda job: str(job.output_name)):
        jargon = jargon_by_lang[job.lang]
        for key, lint in ((job.procedure.file, lambda: lint_procedure(job.procedure, jargon)), (job.practice.file, lambda: lint_practice(job.practice, jargon))):
            if (key, job.lang) not in linted:
                linted.add((key, job.lang))
                report.findings.extend(lint())
    stricter = practice_limits(jobs)
    for reading in report.readings:
        lines = FieldLines(reading.file)
        report.over_limit.extend(_over_limit(reading, reading.limit, lines))
        for practice, limit in stricter.get((reading.procedure, reading.lang, reading.kind), []):
            whose = f"{practice.slug}'s limit of {limit:g} (reading_limits in {practice.file.name})"
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
                f"its longest sentences: {_sentences(sorted(section.sentences, key=lambda s: -s.words)[:3], lines)}",
                reading.file,
                lines(section.loc),
            )
        )
    return errors


def _name(section: SectionReading) -> str:
    return section.title or section.role


def _sentences(found, lines: FieldLines) -> str:
    return "; ".join(f"{sentence.text!r} ({lines(sentence.loc).split(':')[0]})" for sentence in found)
