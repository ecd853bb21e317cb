"""Translations to and from gettext PO files, the format professional translators' tools read.

``export`` writes one PO file per procedure (and one for the interface
wording) for a language: each text of the English is an entry whose
``msgctxt`` is its field path, ``msgid`` the English, ``msgstr`` the
translation (empty where there is none), flagged ``fuzzy`` where the
translation is stale or was never confirmed against this English, with the
English file and line as its reference. ``import`` writes the translation's
YAML back: its shape (sections, blocks, roles, tones) from the English, its
texts from the PO, its own review record kept, and the hash of each entry's
``msgid`` recorded for every entry the translator confirmed (not fuzzy, not
empty). So an entry translated from English that has changed since is stale
the moment it is imported, and a PO exported and imported unchanged gives the
same file data and hashes. Babel reads and writes the PO files.
"""

from __future__ import annotations

import copy
import difflib
import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po, write_po
from pydantic import ValidationError

from .errors import ContentError, FileProblems, PressError, SelectionError, relative_path
from .load import FieldLines, Project, load_procedure, load_project, read_yaml, text_problem
from .models import LANG_PATTERN, SLUG_PATTERN, LoadedProcedure, Procedure
from .paths import ProjectPaths
from .translations import (
    HASHES_KEY,
    SOURCE_LANGUAGE,
    UNSTAMPED_WHY,
    Pairing,
    FieldPath,
    absent_procedure,
    dotted,
    hashes_block,
    interface_data,
    interface_texts,
    pair,
    pair_procedure,
    parse_path,
    procedure_texts,
    text_hash,
)
from .write import write_atomic

PO_FOLDER = "translations"
INTERFACE_PO = "_interface.po"
"""The interface wording's PO file; ``_`` cannot begin a procedure id, so it never clashes with one."""
INTERFACE_VERSION = "interface"
MAX_PO_BYTES = 4 * 1024 * 1024
"""A PO file is read whole: a procedure's is some 40 KB, so this is room enough and keeps a hostile file small."""
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_PROCEDURE_SOURCE = re.compile(rf"content/procedures/({SLUG_PATTERN[1:-1]})/({LANG_PATTERN[1:-1]})\.yaml")
_INTERFACE_SOURCE = re.compile(rf"templates/i18n/({LANG_PATTERN[1:-1]})\.yaml")


class TranslationError(ContentError):
    """A PO file that cannot be imported, or a translation that cannot be exported."""


# --- export -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    file: Path
    subject: str
    entries: int
    untranslated: int
    fuzzy: int
    left_out: int
    """Texts only the translation has (the English no longer does): not in the PO, and gone after an import."""


def export(paths: ProjectPaths, lang: str, procedures: tuple[str, ...] = (), out: Path | None = None) -> tuple[list[Exported], list[PressError]]:
    """Write ``<out>/<lang>/<procedure>.po`` for each procedure (and ``_interface.po`` unless procedures are named).

    Returns what was written, and an error for each procedure that could not be
    exported (a translation that does not load); the others are still written.
    """
    _check_lang(lang)
    project = load_project(paths)
    folder = (out if out is not None else paths.root / PO_FOLDER) / lang
    known = sorted({pid for pid, _ in project.procedures} | {_procedure_of(error, paths)[0] for error in project.errors if _procedure_of(error, paths)})
    for name in procedures:
        if name not in known:
            raise SelectionError(f"there is no procedure {name!r} (known: {', '.join(known) or 'none'})")
    written, errors = [], []
    for procedure_id in procedures or known:
        existing = project.procedures.get((procedure_id, lang))
        english = paths.procedures / procedure_id / f"{SOURCE_LANGUAGE}.yaml"
        if not procedures and existing is None and not english.is_file() and not (english.parent / f"{lang}.yaml").is_file():
            continue  # no English to translate from
        if not procedures and existing is not None and existing.source is None:
            continue  # written in this language to begin with: nothing to translate
        try:
            pairing, version = _procedure_pairing(project, procedure_id, lang)
        except PressError as error:
            errors.append(error)
            continue
        written.append(_write(pairing, version, folder / f"{procedure_id}.po", paths))
    if not procedures:
        english = paths.templates / "i18n" / f"{SOURCE_LANGUAGE}.yaml"
        target = paths.templates / "i18n" / f"{lang}.yaml"
        try:
            source, _ = interface_data(english, TranslationError)
            if target.is_file():
                data, recorded = interface_data(target, TranslationError)
            else:
                data, recorded = {}, {}
        except PressError as error:
            errors.append(error)
        else:
            texts = pair(interface_texts(source), interface_texts(data), recorded, target, english)
            pairing = Pairing("interface wording", lang, target, english, texts, exists=target.is_file())
            written.append(_write(pairing, INTERFACE_VERSION, folder / INTERFACE_PO, paths))
    return written, errors


def _check_lang(lang: str) -> None:
    if not re.fullmatch(LANG_PATTERN, lang):
        raise SelectionError(f"{lang!r} is not a language tag such as es, zh-Hans or es-MX")
    if lang == SOURCE_LANGUAGE:
        raise SelectionError(f"{lang} is the language translations are made from; name the language to translate into")


def _procedure_of(error: PressError, paths: ProjectPaths) -> tuple[str, str] | None:
    if error.file is not None and error.file.parent.parent == paths.procedures:
        return (error.file.parent.name, error.file.stem)
    return None


def _procedure_pairing(project: Project, procedure_id: str, lang: str) -> tuple[Pairing, str]:
    """The procedure's translation into *lang* paired with its source (every text missing when there is none yet), and the source's version."""
    paths = project.paths
    target = paths.procedures / procedure_id / f"{lang}.yaml"
    existing = project.procedures.get((procedure_id, lang))
    if existing is None and target.is_file():
        raise TranslationError(f"cannot be exported until it loads ({_first_error(project, target)})", target)
    if existing is not None:
        if existing.source is None:
            raise TranslationError("is not a translation (it names no translated_from), so there is nothing to export", target)
        pairing, source = pair_procedure(existing), existing.source
    else:
        source = project.procedures.get((procedure_id, SOURCE_LANGUAGE))
        if source is None:
            english = paths.procedures / procedure_id / f"{SOURCE_LANGUAGE}.yaml"
            raise TranslationError(f"cannot be exported: {english.name} beside it does not load ({_first_error(project, english)})", english)
        pairing = absent_procedure(source, lang)
    review = source.data.review
    return pairing, review.version or review.reviewed_on.isoformat()


def _first_error(project: Project, file: Path) -> str:
    found = next((error for error in project.errors if error.file == file), None)
    return found.describe(project.paths.root) if found else "it does not exist"


def _write(pairing: Pairing, version: str, file: Path, paths: ProjectPaths) -> Exported:
    source_name = relative_path(pairing.source, paths.root)
    catalog = Catalog(
        locale=pairing.lang.replace("-", "_"),
        project=source_name,
        version=version,
        fuzzy=False,
        creation_date=datetime.now(timezone.utc),
        header_comment=(
            f"# {pairing.subject} in {pairing.lang}: {relative_path(pairing.file, paths.root)}\n"
            f"# translated from {source_name}.\n"
            "# Written by `build.py translations export`; read back by\n"
            "# `build.py translations import`. Translate each msgstr, and remove\n"
            "# the fuzzy flag from each entry you have checked against its\n"
            "# English (msgid). Leave msgctxt (the field the text is in) and the\n"
            "# header's Project-Id-Version and Language as they are."
        ),
    )
    lines = FieldLines(pairing.source)
    untranslated = fuzzy = left_out = 0
    for text in pairing.texts:
        if text.source_text is None:
            left_out += 1
            continue
        flags, notes = set(), []
        if text.text is None:
            untranslated += 1
            if pairing.exists:
                notes.append(f"missing: {text.why}")
        elif text.state != "current":
            fuzzy += 1
            flags.add("fuzzy")
            notes.append("not yet confirmed: no record of the English it was translated from" if text.why == UNSTAMPED_WHY
                         else f"stale: {text.why}")
        message = catalog.add(
            text.source_text,
            text.text or "",
            locations=[(source_name, lines.line(text.path) or 0)],
            flags=flags,
            auto_comments=notes,
            context=dotted(text.path),
        )
        message.flags.discard("python-format")  # "50% of people" is not a format string
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=76, sort_output=False, ignore_obsolete=True)
    write_atomic(file, buffer.getvalue())
    return Exported(file, pairing.subject, len(catalog), untranslated, fuzzy, left_out)


# --- import -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    po: Path
    file: Path
    created: bool
    texts: int
    current: int
    stale: int
    """Confirmed entries translated from English that has changed since the PO was exported."""
    missing: int
    """Texts with no confirmed translation: the existing one kept, or the English put in its place."""


@dataclass(frozen=True)
class _Entry:
    text: str
    english: str
    fuzzy: bool
    line: int


def import_po(paths: ProjectPaths, po: Path, project: Project | None = None) -> Imported:
    """Write the translation *po* was exported for, from its entries; raises a ``FileProblems`` naming each bad entry's line."""
    catalog = _read(po)
    source_name = catalog.project.strip()
    lang = (catalog.locale_identifier or "").replace("_", "-")
    if not re.fullmatch(LANG_PATTERN, lang) or lang == SOURCE_LANGUAGE:
        raise TranslationError(f"its Language header ({lang or 'none'}) must name the language it translates into, such as es or zh-Hans", po)
    project = project or load_project(paths)
    if match := _PROCEDURE_SOURCE.fullmatch(source_name):
        return _import_procedure(project, po, catalog, match[1], match[2], lang)
    if (match := _INTERFACE_SOURCE.fullmatch(source_name)) and match[1] == SOURCE_LANGUAGE:
        return _import_interface(project, po, catalog, lang)
    raise TranslationError(
        f"its Project-Id-Version ({source_name or 'none'}) must name the file it was exported from, "
        f"content/procedures/<id>/{SOURCE_LANGUAGE}.yaml or templates/i18n/{SOURCE_LANGUAGE}.yaml, as `build.py translations export` writes it",
        po,
    )


def _read(po: Path) -> Catalog:
    try:
        if po.stat().st_size > MAX_PO_BYTES:
            raise TranslationError(f"is larger than {MAX_PO_BYTES} bytes, the most a PO file may be", po)
        with po.open("rb") as stream:
            return read_po(stream, abort_invalid=True)
    except PoFileError as error:
        raise TranslationError(f"is not a PO file Babel can read: {error}", po) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise TranslationError(f"cannot be read ({error})", po) from None


def _entries(po: Path, catalog: Catalog, texts: dict[FieldPath, Any], source: Path) -> dict[FieldPath, _Entry]:
    """The PO's entries by field path, each checked against the English; every problem at once."""
    problems: list[ContentError] = []
    entries: dict[FieldPath, _Entry] = {}
    known = [dotted(path) for path in texts]

    def fail(message: Message, problem: str) -> None:
        problems.append(TranslationError(problem, po, f"line {message.lineno}" if message.lineno else None))

    for message in catalog:
        if not message.id:
            continue  # the header
        if message.pluralizable:
            fail(message, "has plural forms; texts of a handout have none")
            continue
        if not message.context:
            fail(message, f"has no msgctxt: each entry names the field of {source.name} it translates")
            continue
        path = parse_path(message.context)
        if path is None or path not in texts:
            close = difflib.get_close_matches(message.context, known, n=1)
            fail(message, f"msgctxt {message.context!r} is not a text of {source.name}{f'; did you mean {close[0]!r}?' if close else ''}"
                          " (the English has changed shape since the export? export again)")
            continue
        if path in entries:
            fail(message, f"msgctxt {message.context!r} is given twice (first on line {entries[path].line})")
            continue
        string = message.string if isinstance(message.string, str) else ""
        if string.strip():
            wanted, given = sorted(_PLACEHOLDER.findall(message.id)), sorted(_PLACEHOLDER.findall(string))
            if wanted != given:
                fail(message, f"{message.context}: the translation must keep {', '.join(wanted) or 'no placeholder'} "
                              f"as the English has it (it has {', '.join(given) or 'none'})")
            elif problem := text_problem(string):
                fail(message, f"{message.context}: the translation {problem}")
        entries[path] = _Entry(string.strip() and string, message.id, message.fuzzy, message.lineno or 0)
    if problems:
        raise FileProblems(problems)
    return entries


def _texts(source: dict[FieldPath, Any], entries: dict[FieldPath, _Entry], existing: dict[FieldPath, Any], recorded: dict[str, str]) -> tuple[dict[FieldPath, str], dict[str, str], int]:
    """Each text of the translation and the hashes to record, and how many entries were translated from other English than now."""
    texts, hashes, stale = {}, {}, 0
    for path, english in source.items():
        entry, key = entries.get(path), dotted(path)
        own = existing.get(path)
        own = own if own is not None and own.context == english.context else None
        if entry is not None and entry.text and not entry.fuzzy:
            texts[path], hashes[key] = entry.text, text_hash(entry.english)
            stale += hashes[key] != text_hash(english.text)
        elif entry is not None and entry.text:
            texts[path] = entry.text  # not confirmed: only an unchanged text keeps the hash it had
            if own is not None and own.text == entry.text and key in recorded:
                hashes[key] = recorded[key]
        elif own is not None:
            texts[path] = own.text
            if key in recorded:
                hashes[key] = recorded[key]
        else:
            texts[path] = english.text  # untranslated: the English holds the place, and check lists it as missing
    return texts, hashes, stale


def _import_procedure(project: Project, po: Path, catalog: Catalog, procedure_id: str, source_lang: str, lang: str) -> Imported:
    paths = project.paths
    source = project.procedures.get((procedure_id, source_lang))
    source_file = paths.procedures / procedure_id / f"{source_lang}.yaml"
    if source is None:
        raise TranslationError(f"names {relative_path(source_file, paths.root)}, which does not load ({_first_error(project, source_file)})", po)
    target = source_file.parent / f"{lang}.yaml"
    existing = project.procedures.get((procedure_id, lang))
    if existing is None and target.is_file():
        raise TranslationError(f"cannot be imported into {target.name} until it loads ({_first_error(project, target)})", po)
    if existing is not None and existing.data.translated_from != source_lang:
        raise TranslationError(f"translates {source_file.name}, but {target.name} is not translated from it (translated_from: {existing.data.translated_from})", po)
    english = procedure_texts(source.data)
    entries = _entries(po, catalog, english, source_file)
    texts, hashes, stale = _texts(
        english, entries, procedure_texts(existing.data) if existing else {}, existing.data.source_hashes if existing else {}
    )
    english_raw, _ = read_yaml(source_file)
    own_raw = read_yaml(target)[0] if existing is not None else {}
    document = _procedure_document(english_raw, own_raw, texts, source, lang, po)
    try:
        Procedure.model_validate({**document, HASHES_KEY: hashes})
    except ValidationError as error:
        raise FileProblems([_validation_problem(problem, po, entries) for problem in error.errors()]) from None
    header = _leading_comments(target) if existing is not None else (
        "# yaml-language-server: $schema=../../../schemas/procedure.schema.json\n"
        f"# {source.data.title} in {lang}: translated from {source_file.name}, imported from {po.name} by `build.py translations import`.\n"
        "# Not yet reviewed: see the review record.\n"
    )
    _write_translation(target, header + _dump(document) + "\n" + hashes_block(hashes), lambda: load_procedure(target))
    return _imported(po, target, existing is None, english, hashes, stale)


def _procedure_document(english: dict, own: dict, texts: dict[FieldPath, str], source: LoadedProcedure, lang: str, po: Path) -> dict[str, Any]:
    """The translation's data: the English's keys in its order, the translation's own record where it has one."""
    body = copy.deepcopy(english)
    for path, text in texts.items():
        _put(body, path, text)
    review = source.data.review
    document: dict[str, Any] = {}
    for key, value in body.items():
        if key in ("translated_from", "code", HASHES_KEY, "reading_limits"):
            continue
        if key == "lang":
            document["lang"] = lang
            document["translated_from"] = source.data.lang
            if "code" in own:
                document["code"] = own["code"]
        elif key == "review":
            document["review"] = own.get("review") or {
                "reviewed_by": f"Not yet reviewed (translation imported from {po.name})"[:200],
                "reviewed_on": review.reviewed_on,
                "next_review": review.next_review,
                "status": "draft",
                "source": f"Translated from {source.file.name} ({review.version or review.reviewed_on.isoformat()})",
            }
        elif key == "trifold_overflow" and "trifold_overflow" in own:
            document[key] = own[key]
        else:
            document[key] = value
    for key in ("trifold_overflow", "reading_limits"):  # the translation's own choices, where the English has none
        if key in own and key not in document:
            document[key] = own[key]
    return document


def _import_interface(project: Project, po: Path, catalog: Catalog, lang: str) -> Imported:
    paths = project.paths
    source_file = paths.templates / "i18n" / f"{SOURCE_LANGUAGE}.yaml"
    target = paths.templates / "i18n" / f"{lang}.yaml"
    english_raw, _ = interface_data(source_file, TranslationError)
    own_raw, recorded = interface_data(target, TranslationError) if target.is_file() else ({}, {})
    english = interface_texts(english_raw)
    entries = _entries(po, catalog, english, source_file)
    texts, hashes, stale = _texts(english, entries, interface_texts(own_raw), recorded)
    document = copy.deepcopy({key: value for key, value in english_raw.items() if key != HASHES_KEY})
    for path, text in texts.items():
        _put(document, path, text)
    header = _leading_comments(target) if target.is_file() else (
        f"# Interface wording for {lang} handouts: headings, labels and the page frame.\n"
        f"# Translated from {source_file.name}, imported from {po.name} by `build.py translations import`.\n"
    )

    def check() -> None:
        data, _ = interface_data(target, TranslationError)
        if {key: value for key, value in data.items() if key != HASHES_KEY} != document:
            raise TranslationError("was not written as intended", target)

    _write_translation(target, header + _dump(document) + "\n" + hashes_block(hashes), check)
    return _imported(po, target, not own_raw, english, hashes, stale)


def _imported(po: Path, target: Path, created: bool, english: dict[FieldPath, Any], hashes: dict[str, str], stale: int) -> Imported:
    return Imported(po, target, created, len(english), len(hashes) - stale, stale, len(english) - len(hashes))


def _put(data: Any, path: FieldPath, value: str) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _validation_problem(problem: dict[str, Any], po: Path, entries: dict[FieldPath, _Entry]) -> ContentError:
    """A text the model refuses (too long, empty), at its PO entry's line."""
    loc = tuple(problem["loc"])
    entry = entries.get(loc) or next((entry for path, entry in entries.items() if path[:len(loc)] == loc), None)
    message = problem["msg"].removeprefix("Value error, ")
    return TranslationError(f"{dotted(loc)}: {message[0].lower() + message[1:]}", po, f"line {entry.line}" if entry else None)


def _leading_comments(file: Path) -> str:
    """The comment lines a file starts with (what it is, who made it): kept when an import rewrites it."""
    kept = []
    for line in file.read_text(encoding="utf-8-sig").splitlines():
        if line.startswith("#") or not line.strip():
            kept.append(line)
        else:
            break
    while kept and not kept[-1].strip():
        kept.pop()
    return "".join(f"{line}\n" for line in kept)


def _write_translation(target: Path, text: str, verify) -> None:
    """Write *text* over *target*, and put the old file back if what was written does not load as intended."""
    old = target.read_bytes() if target.is_file() else None
    write_atomic(target, text.encode("utf-8"))
    try:
        verify()
    except PressError as error:
        if old is None:
            target.unlink()
        else:
            write_atomic(target, old)
        raise TranslationError(f"the imported file would not load, so it was not written: {error.describe()}", target) from None


# --- YAML as people write it --------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, no anchors: YAML as the shipped files are written."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _text_style(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else ">" if len(text) > 76 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def _list_style(dumper: yaml.SafeDumper, items: list) -> yaml.SequenceNode:
    """A short list of single words on one line (``kinds: [brochure]``), as people write it; any other list a line an item."""
    words = items and all(isinstance(item, str) and re.fullmatch(r"[A-Za-z0-9_-]+", item) for item in items)
    flow = bool(words) and sum(len(item) + 2 for item in items) <= 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


class _BlockDumper(_Dumper):
    """Long texts folded (``>-``) and texts with line breaks literal (``|-``), where YAML allows it."""


_BlockDumper.add_representer(str, _text_style)
_BlockDumper.add_representer(list, _list_style)
_TOP_LEVEL_BLOCK = re.compile(r"^[A-Za-z_]+:$")


def _dump(document: dict[str, Any]) -> str:
    """*document* as readable YAML that loads back to exactly the same data (else in YAML's plainest form)."""
    for dumper in (_BlockDumper, _Dumper):
        text = yaml.dump(document, Dumper=dumper, allow_unicode=True, sort_keys=False, width=88, default_flow_style=False)
        spaced = []
        for line in text.splitlines():
            after_key = spaced and _TOP_LEVEL_BLOCK.match(spaced[-1])
            if spaced and (_TOP_LEVEL_BLOCK.match(line) or (line.startswith("  - role:") and not after_key)):
                spaced.append("")
            spaced.append(line)
        for candidate in ("\n".join(spaced) + "\n", text):
            if yaml.safe_load(candidate) == document:
                return candidate
    raise TranslationError("could not be written as YAML that reads back the same")
