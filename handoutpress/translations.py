"""Translations: which texts of a translation still say what their English says.

A translation is a procedure file with ``translated_from`` (``es.yaml`` beside
``en.yaml``), or the interface wording of a language (``templates/i18n/es.yaml``
beside ``en.yaml``). It records, for each text, a hash of the English it was
made from (``source_hashes``, written by ``build.py translations stamp`` and
``import``). Compared with the English as it is now, each text is:

- **current**: the hash recorded is the English text's now;
- **stale**: the English changed since (or no longer has the text);
- **missing**: no hash is recorded for it, or the translation has no text
  there (a bullet added to the English, a section of another role).

Only the words count: the hash is taken of the text in NFC with its whitespace
collapsed, so refolding, re-indenting, quoting or commenting the English
changes nothing. Texts are paired by field path (``sections[3].blocks[1].bullets[2]``)
and by what the path sits in (a section's role and kinds, a callout's tone, a
figure's image), never by position alone. This module is the one place that
pairs them, so that ``check``, the notice on the page, ``--release``,
``stamp`` and the PO exchange never disagree.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel

from .errors import ContentError, PressError, TemplateError, relative_path
from .kinds import KIND_SPECS
from .load import FieldLines, Project, read_yaml
from .models import FIELD_PATH_PATTERN, SOURCE_HASH_PATTERN, LoadedProcedure, Procedure
from .paths import ProjectPaths

SOURCE_LANGUAGE = "en"
"""The language interface wording is translated from (``templates/i18n/en.yaml``)."""
HASHES_KEY = "source_hashes"
INTERFACE = "interface wording"
HEADER_FIELDS = ("title", "name_in_sentence", "tagline", "specialty")
"""A procedure's texts outside its sections: every kind prints them (title, PDF subject, headings)."""
BLOCK_STRUCTURE = ("tone", "image")
"""Fields of a block that are not text to translate: they must be the English's, and pair the texts beside them."""
SHOWN_IN_A_LINE = 3

FieldPath = tuple[str | int, ...]
State = Literal["current", "stale", "missing"]

_PATH_PART = re.compile(r"\.?([A-Za-z0-9_-]+)|\[(\d+)\]")


def text_hash(text: str) -> str:
    """The first 12 hex digits of the SHA-256 of the text's words: NFC, whitespace runs as one space, no ends."""
    words = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(words.encode("utf-8")).hexdigest()[:12]


def dotted(path: FieldPath) -> str:
    """``sections[3].blocks[1].bullets[2]``: a field path as files, messages and PO contexts write it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def parse_path(text: str) -> FieldPath | None:
    """The field path ``dotted`` wrote, or None when *text* is not one."""
    if not re.fullmatch(FIELD_PATH_PATTERN, text):
        return None
    return tuple(name if name else int(index) for name, index in _PATH_PART.findall(text))


# --- the texts of a file ------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """One text to translate, where it is, and which kinds of document print it."""

    path: FieldPath
    text: str
    kinds: frozenset[str]
    context: tuple[Any, ...] = ()
    """What the text sits in (a section's role and kinds, a callout's tone): a text pairs only with one in the same."""


def _printable_kinds(procedure: Procedure) -> frozenset[str]:
    roles = {section.role for section in procedure.sections}
    return frozenset(kind for kind, spec in KIND_SPECS.items() if set(spec.required_roles) <= roles)


def procedure_texts(procedure: Procedure) -> dict[FieldPath, Text]:
    """Every text of a procedure a translator translates, in file order, with the kinds that print it.

    The header is printed by every kind; a section's texts by the kinds whose
    recipe has its role (and that its ``kinds`` allow); a practice_text
    default by the kinds that print a section using its slot. The id,
    language, review record, roles, kinds, tones, slots and images are not
    texts: they stay as the English has them (the review is the translation's own).
    """
    printable = _printable_kinds(procedure)
    texts: dict[FieldPath, Text] = {}

    def walk(value: Any, path: FieldPath, kinds: frozenset[str], context: tuple[Any, ...]) -> None:
        if isinstance(value, str):
            texts[path] = Text(path, value, kinds, context)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index), kinds, context)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                item = getattr(value, name)
                if name not in BLOCK_STRUCTURE and item is not None:
                    walk(item, (*path, name), kinds, context)

    for name in HEADER_FIELDS:
        walk(getattr(procedure, name), (name,), printable, ())
    slot_kinds: dict[str, set[str]] = {}
    for number, section in enumerate(procedure.sections):
        kinds = printable & {
            kind for kind, spec in KIND_SPECS.items()
            if section.role in spec.roles and (section.kinds is None or kind in section.kinds)
        }
        context = (section.role, tuple(section.kinds or ()))
        if section.title is not None:
            walk(section.title, ("sections", number, "title"), kinds, context)
        for index, block in enumerate(section.blocks):
            (block_type,) = type(block).model_fields
            value = getattr(block, block_type)
            if block_type == "practice_text":
                slot_kinds.setdefault(value, set()).update(kinds)
                continue
            shape = tuple(getattr(value, name, None) for name in BLOCK_STRUCTURE)
            walk(value, ("sections", number, "blocks", index, block_type), kinds, (*context, block_type, shape))
    for slot, text in procedure.practice_defaults.items():
        walk(text, ("practice_defaults", slot), frozenset(slot_kinds.get(slot, ())), ())
    return texts


def interface_kinds(path: FieldPath) -> frozenset[str]:
    """The kinds that print a text of the interface wording, from the kind registry.

    ``consent.statement`` only the consent summary, ``kinds.brochure`` only the
    brochure, ``roles.risks`` the kinds whose recipe has the role; anything
    else (footer, months, labels) every kind.
    """
    head, rest = path[0], path[1:]
    if head in KIND_SPECS:
        return frozenset({head})
    if head == "kinds" and rest and rest[0] in KIND_SPECS:
        return frozenset({rest[0]})
    if head == "roles" and rest:
        return frozenset(kind for kind, spec in KIND_SPECS.items() if rest[0] in spec.roles)
    return frozenset(KIND_SPECS)


def interface_texts(data: dict[str, Any]) -> dict[FieldPath, Text]:
    """Every text of an interface wording file (its ``source_hashes`` apart), in file order."""
    texts: dict[FieldPath, Text] = {}

    def walk(value: Any, path: FieldPath) -> None:
        if isinstance(value, str):
            if value.strip():
                texts[path] = Text(path, value, interface_kinds(path))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, str(key)))

    for key, value in data.items():
        if key != HASHES_KEY:
            walk(value, (str(key),))
    return texts


def read_wording(file: Path, error_class: type[PressError] = TemplateError) -> dict[str, Any]:
    """An interface wording file as read, hashes and all; the renderer and the translation checks both read it so."""
    try:
        data, _ = read_yaml(file)
    except ContentError as error:
        raise error_class(error.message, error.file, error.where) from None
    return _as_wording(data, file, error_class)


def _as_wording(data: Any, file: Path, error_class: type[PressError]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise error_class("must be a YAML mapping of wording", file)
    return data


def interface_data(file: Path, error_class: type[PressError] = TemplateError) -> tuple[dict[str, Any], dict[str, str]]:
    """An interface wording file's wording and the source hashes it records, checked as a procedure's are."""
    data = read_wording(file, error_class)
    return data, recorded_hashes(data, file, error_class)


def recorded_hashes(data: dict[str, Any], file: Path, error_class: type[PressError] = TemplateError) -> dict[str, str]:
    """The source hashes a wording file records, each path and hash checked."""
    recorded = data.get(HASHES_KEY, {})
    lines = FieldLines(file)
    if not isinstance(recorded, dict):
        raise error_class("should be a mapping of field paths to hashes (written by build.py translations stamp)", file, lines((HASHES_KEY,)))
    for key, value in recorded.items():
        if not isinstance(key, str) or not re.fullmatch(FIELD_PATH_PATTERN, key):
            raise error_class(f"{key!r} is not a field path such as consent.heading or months[0]", file, lines((HASHES_KEY, key)))
        if not isinstance(value, str) or not re.fullmatch(SOURCE_HASH_PATTERN, value):
            raise error_class(f"{value!r} is not a hash of 12 hex digits (write it in quotes)", file, lines((HASHES_KEY, key)))
    return recorded


# --- pairing a translation with its source ---------------------------------------------------


@dataclass(frozen=True)
class TextState:
    """One text of a translation (or of its source, where the translation lacks it) and whether it is current."""

    path: FieldPath
    state: State
    why: str
    kinds: frozenset[str]
    file: Path
    """Where to look: the translation, or the source for a text the translation does not have."""
    text: str | None
    """The translation's text, or None where it has none."""
    source_text: str | None
    """The source's text now, or None where the source no longer has it."""

    @property
    def source_hash(self) -> str | None:
        return text_hash(self.source_text) if self.source_text is not None else None

    def place(self, lines: FieldLines, beside: Path) -> str:
        """``line 23: sections[0].title (stale)``, naming the file when it is not ``beside``."""
        line = lines.line(self.path)
        where = f"line {line}: {dotted(self.path)}" if line else dotted(self.path)
        return (where if self.file == beside else f"{self.file.name} {where}") + f" ({_SHORT.get(self.why, self.state)})"


STALE_WHY = "the English changed since it was translated"
GONE_WHY = "the English no longer has this text"
UNSTAMPED_WHY = "no hash of the English it was made from is recorded (build.py translations stamp)"
ABSENT_WHY = "the English has this text; the translation has none here"
CONTEXT_WHY = "the translation has a text here, but in another section role, kinds, block type, tone or image than the English"
_SHORT = {
    STALE_WHY: "stale",
    GONE_WHY: "stale: gone from the English",
    UNSTAMPED_WHY: "missing: not stamped",
    ABSENT_WHY: "missing",
    CONTEXT_WHY: "missing: another section or block here",
}


def pair(source: dict[FieldPath, Text], translation: dict[FieldPath, Text], recorded: dict[str, str], file: Path, source_file: Path) -> tuple[TextState, ...]:
    """The state of every text: the source's in its order, then those only the translation has."""
    states = []
    for path, english in source.items():
        own = translation.get(path)
        if own is None or own.context != english.context:
            why = ABSENT_WHY if own is None else CONTEXT_WHY
            states.append(TextState(path, "missing", why, english.kinds, source_file, None, english.text))
            continue
        hash_now, hash_then = text_hash(english.text), recorded.get(dotted(path))
        state: State = "current" if hash_then == hash_now else "missing" if hash_then is None else "stale"
        why = "" if state == "current" else UNSTAMPED_WHY if hash_then is None else STALE_WHY
        states.append(TextState(path, state, why, own.kinds, file, own.text, english.text))
    for path, own in translation.items():
        if path not in source:
            states.append(TextState(path, "stale", GONE_WHY, own.kinds, file, own.text, None))
    return tuple(states)


@dataclass(frozen=True)
class Pairing:
    """A translation file (or one that should exist) beside the file it is made from, text by text."""

    subject: str
    """The procedure's id, or ``interface wording``."""
    lang: str
    file: Path
    source: Path
    texts: tuple[TextState, ...]
    exists: bool = True

    @property
    def outdated(self) -> list[TextState]:
        return [text for text in self.texts if text.state != "current"]

    def outdated_for(self, kind: str) -> tuple[TextState, ...]:
        return tuple(text for text in self.texts if text.state != "current" and kind in text.kinds)

    def hashes(self) -> dict[str, str]:
        """What ``stamp`` records: the source's hash now of every text the translation has a counterpart for."""
        return {
            dotted(text.path): text.source_hash
            for text in self.texts
            if text.text is not None and text.source_hash is not None
        }


def pair_procedure(translation: LoadedProcedure) -> Pairing:
    """A procedure translation against the file it names in ``translated_from`` (loaded with it)."""
    source = translation.source
    if source is None:
        raise ValueError(f"{translation.file} is not a translation")
    texts = pair(procedure_texts(source.data), procedure_texts(translation.data), translation.data.source_hashes,
                 translation.file, source.file)
    return Pairing(translation.data.id, translation.data.lang, translation.file, source.file, texts)


def absent_procedure(source: LoadedProcedure, lang: str) -> Pairing:
    """A translation that does not exist yet: every text of its source missing."""
    file = source.file.parent / f"{lang}.yaml"
    texts = pair(procedure_texts(source.data), {}, {}, file, source.file)
    return Pairing(source.data.id, lang, file, source.file, texts, exists=False)


def interface_source(file: Path, templates: Path) -> Path:
    """The wording a translation of the interface is made from: ``en.yaml`` in its folder, else the shared one."""
    beside = file.parent / f"{SOURCE_LANGUAGE}.yaml"
    return beside if beside.is_file() else templates / "i18n" / f"{SOURCE_LANGUAGE}.yaml"


def pair_interface(file: Path, source: Path) -> Pairing:
    """Interface wording against the English wording; raises a ``TemplateError`` for a file that cannot be read."""
    data, recorded = interface_data(file)
    english, _ = interface_data(source)
    texts = pair(interface_texts(english), interface_texts(data), recorded, file, source)
    return Pairing(INTERFACE, file.stem, file, source, texts)


def is_interface_translation(file: Path, paths: ProjectPaths) -> bool:
    """A wording file in ``templates/i18n/`` or a practice's ``i18n/`` override, other than the English."""
    if file.suffix != ".yaml" or file.stem == SOURCE_LANGUAGE or file.parent.name != "i18n":
        return False
    folder = file.parent.parent
    return folder == paths.templates or folder.parent == paths.templates / "practices"


def interface_files(paths: ProjectPaths) -> list[Path]:
    """Every translation of the interface wording: shared, then each practice's overrides."""
    found = sorted((paths.templates / "i18n").glob("*.yaml")) + sorted((paths.templates / "practices").glob("*/i18n/*.yaml"))
    return [file for file in found if is_interface_translation(file, paths)]


# --- what a document prints, and what check lists --------------------------------------------


@dataclass(frozen=True)
class DocumentTranslation:
    """What one document prints that is out of date with its English, and the files that was read from.

    The files are inputs of the document: when any changes, the document is
    made again, so its notice comes and goes with the English.
    """

    outdated: tuple[TextState, ...] = ()
    files: tuple[Path, ...] = ()
    translated: bool = False
    """Its procedure or its interface wording is a translation at all."""


@dataclass(frozen=True)
class OutOfDate:
    """One line of ``check``: a translation's stale and missing texts that one kind prints."""

    subject: str
    kind: str
    lang: str
    file: Path
    source: Path
    texts: tuple[TextState, ...]
    exists: bool = True
    others: tuple[str, ...] = ()
    """For a translation that does not exist: the procedures that have the language."""

    @property
    def label(self) -> str:
        return "STALE" if any(text.state == "stale" for text in self.texts) else "MISSING"

    def counts(self) -> str:
        stale = sum(text.state == "stale" for text in self.texts)
        missing = len(self.texts) - stale
        return ", ".join(part for part in (f"{stale} stale" if stale else "", f"{missing} missing" if missing else "") if part)

    def describe(self, root: Path | None = None) -> str:
        """``kyphoplasty consent es: content/procedures/kyphoplasty/es.yaml: 1 stale, 2 missing: line 23: title (stale); ...``"""
        head = f"{self.subject} {self.kind} {self.lang}: {relative_path(self.file, root)}"
        if not self.exists:
            having = f"; {self.lang} is written for {', '.join(self.others)}" if self.others else f"; {self.lang} is offered"
            return f"{head}: no translation of {self.source.name} ({len(self.texts)} texts){having}"
        if all(text.why == UNSTAMPED_WHY for text in self.texts):
            return (f"{head}: {len(self.texts)} missing: no text records the English it was made from yet "
                    f"(have it checked against {self.source.name}, then: build.py translations stamp {relative_path(self.file, root)})")
        lines = {self.file: FieldLines(self.file), self.source: FieldLines(self.source)}
        shown = [text.place(lines[text.file], self.file) for text in self.texts[:SHOWN_IN_A_LINE]]
        more = len(self.texts) - len(shown)
        return f"{head}: {self.counts()}: {'; '.join(shown)}{f'; and {more} more' if more else ''}"

    def record(self, root: Path | None = None) -> dict[str, Any]:
        """What ``check --report`` keeps of it."""
        lines = {self.file: FieldLines(self.file), self.source: FieldLines(self.source)}
        return {
            "subject": self.subject,
            "kind": self.kind,
            "lang": self.lang,
            "file": relative_path(self.file, root),
            "source": relative_path(self.source, root),
            "exists": self.exists,
            "stale": sum(text.state == "stale" for text in self.texts),
            "missing": sum(text.state == "missing" for text in self.texts),
            "texts": [
                {
                    "field": dotted(text.path),
                    "state": text.state,
                    "why": text.why,
                    "file": relative_path(text.file, root),
                    "line": lines[text.file].line(text.path) if self.exists or text.file == self.source else None,
                }
                for text in self.texts
            ] if self.exists else [],
        }


@dataclass
class Translations:
    """Every translation of a project paired with its source, made once per build or check."""

    paths: ProjectPaths
    procedures: dict[tuple[str, str], Pairing] = field(default_factory=dict)
    interface: dict[Path, Pairing] = field(default_factory=dict)
    absent: list[Pairing] = field(default_factory=list)
    """Translations that do not exist: a language some procedure has, or some practice offers, that this one lacks."""
    errors: list[PressError] = field(default_factory=list)
    """Interface wording whose source hashes cannot be read."""
    languages: dict[str, list[str]] = field(default_factory=dict)
    """Each language, with the procedures that have it."""
    _sources: dict[Path, Any] = field(default_factory=dict, repr=False)
    """English interface wording as read, by file: every language's wording is paired with it."""

    @classmethod
    def of(cls, project: Project) -> Translations:
        found = cls(project.paths)
        for key, procedure in project.procedures.items():
            if procedure.source is not None:
                found.procedures[key] = pair_procedure(procedure)
        # Only the wording of languages some procedure is written in can reach a document;
        # reading every other language's on each build and check cost a fifth of a second.
        written = {lang.lower() for _, lang in project.procedures}
        for file in interface_files(project.paths):
            if file.stem.lower() in written:
                found._interface(file)
        found.absent = _absent(project)
        for procedure_id, lang in sorted(project.procedures):
            found.languages.setdefault(lang, []).append(procedure_id)
        return found

    def _interface(self, file: Path) -> Pairing | None:
        """The pairing of one interface wording file; None for one that cannot be read (the renderer reports it)."""
        if file not in self.interface:
            source = interface_source(file, self.paths.templates)
            try:  # each file read once (the English once for every language), checked as pair_interface checks it
                data, english = read_yaml(file)[0], self._read_source(source)
            except PressError:
                return None
            try:
                recorded = recorded_hashes(_as_wording(data, file, TemplateError), file)
                texts = pair(interface_texts(_as_wording(english, source, TemplateError)), interface_texts(data), recorded, file, source)
            except PressError as error:  # its source hashes are not what stamp writes: every text counts as missing
                self.errors.append(error)
                texts = pair(*(interface_texts(d if isinstance(d, dict) else {}) for d in (english, data)), {}, file, source)
            self.interface[file] = Pairing(INTERFACE, file.stem, file, source, texts)
        return self.interface[file]

    def _read_source(self, source: Path) -> Any:
        if source not in self._sources:
            self._sources[source] = read_yaml(source)[0]
        return self._sources[source]

    def errors_for(self, practices: tuple[str, ...]) -> list[PressError]:
        """The errors a build of these practices (all, when none is named) must report: another practice's wording is not its failure."""
        others = self.paths.templates / "practices"
        return [
            error for error in self.errors
            if not practices or error.file is None or error.file.parent.parent.parent != others
            or error.file.parent.parent.name in practices
        ]

    def interface_file(self, slug: str, lang: str) -> Path | None:
        """The wording a practice's documents in *lang* print (its own override first), as the renderer finds it."""
        for folder in (self.paths.templates / "practices" / slug / "i18n", self.paths.templates / "i18n"):
            if (folder / f"{lang}.yaml").is_file():
                return folder / f"{lang}.yaml"
        return None

    def document(self, procedure: LoadedProcedure, kind: str, slug: str) -> DocumentTranslation:
        """What a document prints that is out of date: its procedure's (and each source's in turn) and its interface wording's."""
        outdated: list[TextState] = []
        files: list[Path] = []
        item = procedure
        while item.source is not None:
            pairing = self.procedures.get((item.data.id, item.data.lang))
            if pairing is not None:
                outdated += pairing.outdated_for(kind)
            files += [item.file, item.source.file]
            item = item.source
        wording = self.interface_file(slug, procedure.data.lang)
        if wording is not None and is_interface_translation(wording, self.paths):
            pairing = self._interface(wording)
            if pairing is not None:
                outdated += pairing.outdated_for(kind)
                files += [pairing.file, pairing.source]
        return DocumentTranslation(tuple(outdated), tuple(dict.fromkeys(files)), translated=bool(files))

    def out_of_date(self, checked: set[tuple[str, str]], kinds: tuple[str, ...] = ()) -> list[OutOfDate]:
        """One line per translation x kind with stale or missing texts, for the procedures and languages checked.

        ``checked`` is the (procedure, language) pairs the check reads, those
        without a file among them; interface wording is listed for their languages.
        """
        langs = {lang for _, lang in checked}
        pairings = [pairing for key, pairing in sorted(self.procedures.items()) if key in checked]
        pairings += [pairing for pairing in self.absent if (pairing.subject, pairing.lang) in checked]
        pairings += [pairing for file, pairing in sorted(self.interface.items()) if pairing.lang in langs]
        lines = []
        for pairing in pairings:
            subject = pairing.subject
            if pairing.subject == INTERFACE and pairing.file.parent.parent != self.paths.templates:
                subject = f"{INTERFACE} ({pairing.file.parent.parent.name})"
            for kind in KIND_SPECS:
                if kinds and kind not in kinds:
                    continue
                texts = pairing.outdated_for(kind)
                if texts:
                    others = tuple(self.languages.get(pairing.lang, ())) if not pairing.exists else ()
                    lines.append(OutOfDate(subject, kind, pairing.lang, pairing.file, pairing.source, texts, pairing.exists, others))
        return lines


def _absent(project: Project) -> list[Pairing]:
    """For each procedure, the languages some other procedure has or some practice offers that it lacks.

    A broken file is not absent: its error is reported with it.
    """
    broken = {(error.file.parent.name, error.file.stem) for error in project.errors
              if error.file is not None and error.file.parent.parent == project.paths.procedures}
    wanted = {lang for _, lang in project.procedures} | {lang for _, lang in broken}
    wanted |= {lang for practice in project.practices.values() for offer in practice.data.offers for lang in offer.languages or ()}
    found = []
    for procedure_id in sorted({pid for pid, _ in project.procedures}):
        source = project.procedures.get((procedure_id, SOURCE_LANGUAGE))
        if source is None or source.source is not None:
            continue
        for lang in sorted(wanted):
            if (procedure_id, lang) not in project.procedures and (procedure_id, lang) not in broken:
                found.append(absent_procedure(source, lang))
    return found


# --- stamping: recording the English a translation was made from ---------------------------


@dataclass(frozen=True)
class Stamped:
    """What ``stamp`` did to one file."""

    file: Path
    recorded: int
    """Texts whose English hash is now recorded."""
    renewed: int
    """Of those, texts that were stale or unstamped before."""
    unpaired: tuple[TextState, ...]
    """Texts the English has and the translation does not, or the reverse: stamping cannot make them current."""
    same: tuple[FieldPath, ...] = ()
    """Texts stamped that read exactly as their English: a name kept as it is, or a text nobody has translated yet."""


def stamp_targets(project: Project) -> list[Path]:
    """Every translation of the project: procedure files with ``translated_from``, then interface wording."""
    return [p.file for _, p in sorted(project.procedures.items()) if p.source is not None] + interface_files(project.paths)


def stamp(file: Path, project: Project) -> Stamped:
    """Record in *file* the hash of the English each of its texts now translates; the rest of the file is left byte for byte."""
    file = file.resolve()
    paths = project.paths
    if is_interface_translation(file, paths):
        pairing = pair_interface(file, interface_source(file, paths.templates))
    elif file.parent.parent == paths.procedures:
        loaded = next((p for p in project.procedures.values() if p.file.resolve() == file), None)
        if loaded is None:
            problem = next((error for error in project.errors if error.file is not None and error.file.resolve() == file), None)
            reason = f": {problem.describe(paths.root)}" if problem is not None else ""
            raise ContentError(f"cannot be stamped until it loads{reason}", file)
        if loaded.source is None:
            raise ContentError("is not a translation (it names no translated_from), so it records no source hashes", file)
        pairing = pair_procedure(loaded)
    elif file.parent.name == "i18n" and file.stem == SOURCE_LANGUAGE:
        raise ContentError("is the wording translations are made from; stamp its translations (templates/i18n/<lang>.yaml)", file)
    else:
        raise ContentError(
            "is neither a procedure translation (content/procedures/<id>/<lang>.yaml) nor interface wording (templates/i18n/<lang>.yaml)",
            file,
        )
    hashes = pairing.hashes()
    write_source_hashes(file, hashes)
    before = {dotted(text.path) for text in pairing.texts if text.state == "current"}
    unpaired = tuple(text for text in pairing.texts if text.text is None or text.source_text is None)
    same = tuple(text.path for text in pairing.texts
                 if text.text is not None and text.source_text is not None and text_hash(text.text) == text.source_hash)
    return Stamped(file, len(hashes), len(set(hashes) - before), unpaired, same)


HASHES_COMMENT = "# written by `build.py translations stamp`: what each text was translated from"
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def hashes_block(hashes: dict[str, str], newline: str = "\n") -> str:
    """The ``source_hashes`` mapping as it ends a file: one path a line, each hash quoted (``"012345678901"`` is not a number)."""
    if not hashes:
        return f"{HASHES_KEY}: {{}}  {HASHES_COMMENT}{newline}"
    lines = [f"{HASHES_KEY}:  {HASHES_COMMENT}"]
    for path, digest in hashes.items():
        key = path if yaml.safe_load(f"{path}: x") == {path: "x"} else f'"{path}"'
        lines.append(f'  {key}: "{digest}"')
    return newline.join(lines) + newline


def write_source_hashes(file: Path, hashes: dict[str, str]) -> None:
    """Put *hashes* in the file's ``source_hashes`` mapping, or add it at the end; every other byte stays.

    Only the lines from the ``source_hashes:`` key to its last entry are
    replaced, so comments, folding and quoting elsewhere are untouched.
    """
    from .write import write_atomic

    raw = file.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    text = raw[len(bom):].decode("utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    data, node = read_yaml(file)
    if not isinstance(node, yaml.MappingNode):
        raise ContentError("must be a YAML mapping of fields (key: value)", file)
    starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]
    block = hashes_block(hashes, newline)
    for key_node, value_node in node.value:
        if key_node.value == HASHES_KEY:
            first, last = key_node.start_mark.line, _last_line(value_node)
            end = starts[last + 1] if last + 1 < len(starts) else len(text)
            if end == len(text) and not _LINE_BREAK.search(text[starts[last]:]):
                block = block.removesuffix(newline)  # the file ended without a line break; so does it now
            text = text[:starts[first]] + block + text[end:]
            break
    else:
        if text and not text.endswith(("\n", "\r")):
            text += newline
        text += newline + block
    write_atomic(file, bom + text.encode("utf-8"))
    written, _ = read_yaml(file)
    expected = {**data, HASHES_KEY: hashes} if isinstance(data, dict) else None
    if written != expected or list(written) != list(expected):
        write_atomic(file, raw)
        raise ContentError(f"the {HASHES_KEY} mapping could not be rewritten in place; the file is as it was", file)


def _last_line(node: yaml.Node) -> int:
    """The line (0-based) a node's text ends on: its last entry's, for a block mapping or list."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.value and node.flow_style is not True:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    mark = node.end_mark
    return mark.line if mark.column > 0 or mark.line == node.start_mark.line else mark.line - 1
