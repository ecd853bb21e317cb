"""Stage 1, load: YAML files on disk to validated models.

A file that cannot be read or does not validate becomes one ``ContentError``
naming the file, the line and the field; it never stops the other files from
loading, so the documents that do not depend on it can still be built.
"""

from __future__ import annotations

import codecs
import difflib
import re
import unicodedata
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from .assets import check_font, check_png, check_svg
from .contrast import BODY_TEXT_MINIMUM, LARGE_TEXT_MINIMUM, contrast_ratio, nearest_passing
from .errors import ContentError, FileProblems, PressError
from .models import (
    BLOCK_TYPES,
    SLUG_PATTERN,
    FigureBlock,
    PracticeTextBlock,
    LoadedPractice,
    LoadedProcedure,
    Practice,
    Procedure,
    ResolvedFont,
)
from .paths import ProjectPaths, inside

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 12
MAX_LOGO_BYTES = 4 * 1024 * 1024
LOGO_SUFFIXES = (".svg", ".png")
_BIDI_ISOLATE_OPENERS = frozenset("\u2066\u2067\u2068")
_BIDI_ISOLATE_CLOSER = "\u2069"
_FORBIDDEN_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")
_C0_NAMES = (
    "NULL,START OF HEADING,START OF TEXT,END OF TEXT,END OF TRANSMISSION,ENQUIRY,ACKNOWLEDGE,BELL,"
    "BACKSPACE,CHARACTER TABULATION,LINE FEED,LINE TABULATION,FORM FEED,CARRIAGE RETURN,SHIFT OUT,SHIFT IN,"
    "DATA LINK ESCAPE,DEVICE CONTROL ONE,DEVICE CONTROL TWO,DEVICE CONTROL THREE,DEVICE CONTROL FOUR,"
    "NEGATIVE ACKNOWLEDGE,SYNCHRONOUS IDLE,END OF TRANSMISSION BLOCK,CANCEL,END OF MEDIUM,SUBSTITUTE,"
    "ESCAPE,INFORMATION SEPARATOR FOUR,INFORMATION SEPARATOR THREE,INFORMATION SEPARATOR TWO,"
    "INFORMATION SEPARATOR ONE"
).split(",")

ModelT = TypeVar("ModelT", Procedure, Practice)
LoadedT = TypeVar("LoadedT", LoadedProcedure, LoadedPractice)


@dataclass
class Project:
    """Everything that loaded, and an error for every file that did not."""

    paths: ProjectPaths
    procedures: dict[tuple[str, str], LoadedProcedure] = field(default_factory=dict)
    practices: dict[str, LoadedPractice] = field(default_factory=dict)
    errors: list[PressError] = field(default_factory=list)
    broken_offers: set[tuple[str, str]] = field(default_factory=set)
    """(practice, procedure) pairs whose offer has an error: not planned; the practice's other offers are."""


def load_project(paths: ProjectPaths) -> Project:
    project = Project(paths)
    for file in sorted(paths.procedures.glob("*/*.yaml")):
        procedure = _load_one(project, file, lambda: load_procedure(file))
        if procedure is not None:
            project.procedures[(procedure.data.id, procedure.data.lang)] = procedure
    link_translations(project)
    for file in sorted(paths.practices.glob("*.yaml")):
        practice = _load_one(project, file, lambda: load_practice(file, paths))
        if practice is not None:
            project.practices[practice.slug] = practice
    check_offers(project)
    return project


def _load_one(project: Project, file: Path, load: Callable[[], LoadedT]) -> LoadedT | None:
    """One file's model, or its error recorded; no file, however broken, stops the others loading."""
    try:
        _check_inside(file, project.paths)
        return load()
    except FileProblems as problems:
        project.errors.extend(problems.problems)
    except ContentError as error:
        project.errors.append(error)
    except (ValueError, OSError, RecursionError, MemoryError) as error:
        project.errors.append(ContentError(f"cannot be loaded ({type(error).__name__}: {error})", file))
    return None


def _check_inside(file: Path, paths: ProjectPaths) -> None:
    if not inside(file, paths.content):
        raise ContentError("is a link to a file outside the project's content; refused", file)


def load_procedure(file: Path) -> LoadedProcedure:
    data = validate(Procedure, file)
    if data.id != file.parent.name:
        raise ContentError(f"id {data.id!r} does not match its folder {file.parent.name!r}", file, "id")
    if data.lang != file.stem:
        raise ContentError(f"lang {data.lang!r} does not match the file name {file.name!r}", file, "lang")
    figures = {}
    problems = []
    if data.source_hashes and data.translated_from is None:
        problems.append(ContentError(
            "only a translation (a file with translated_from) records what its texts were translated from",
            file, located(file, ("source_hashes",)),
        ))
    for number, section in enumerate(data.sections):
        for index, block in enumerate(section.blocks):
            if isinstance(block, FigureBlock):
                try:
                    figures[block.figure.image] = _procedure_image(block.figure.image, file)
                except ContentError as error:  # only now is the file read again, for the line
                    where = located(file, ("sections", number, "blocks", index, "figure", "image"))
                    problems.append(ContentError(error.message, file, where))
            elif isinstance(block, PracticeTextBlock) and block.practice_text not in data.practice_defaults:
                hint = _did_you_mean(block.practice_text, sorted(data.practice_defaults))
                problems.append(ContentError(
                    f"practice_text {block.practice_text!r} has no default under practice_defaults{hint}",
                    file, located(file, ("sections", number, "blocks", index, "practice_text")),
                ))
    if problems:
        raise FileProblems(problems)
    return LoadedProcedure(file=file, data=data, figures=figures, code=data.code or derived_code(data.id))


def derived_code(procedure_id: str) -> str:
    """A procedure's short code when its file gives none: the first four letters or digits of its id, in capitals."""
    return procedure_id.replace("-", "").upper()[:4]


def link_translations(project: Project) -> None:
    """Give each translation the file it was translated from, and check every procedure's short code.

    A translation is governed by its source's review too (see ``governance``),
    so a translation whose source is missing or broken is not built; it takes
    its source's code unless it names its own. Codes tell printed copies
    apart, so two procedures may not share one, and every language of a
    procedure has the same.
    """
    procedures = project.procedures
    broken = {origin for error in project.errors if (origin := _procedure_of(project, error)) is not None}
    linked: dict[tuple[str, str], LoadedProcedure] = {}

    def fail(procedure: LoadedProcedure, message: str, field_name: str) -> None:
        project.errors.append(ContentError(message, procedure.file, located(procedure.file, (field_name,))))

    def link(key: tuple[str, str], following: tuple[tuple[str, str], ...] = ()) -> LoadedProcedure | None:
        if key in linked or key in broken:
            return linked.get(key)
        procedure = procedures[key]
        lang = procedure.data.translated_from
        if lang is None:
            linked[key] = procedure
            return procedure
        source_key = (key[0], lang)
        source = None
        if lang == key[1]:
            problem = "names this file itself; a translation names the language of the file it was translated from"
        elif source_key in following:
            problem = f"{lang}.yaml is translated from this file in turn; the original must not name translated_from"
        elif source_key not in procedures and source_key not in broken:
            there = sorted(other for pid, other in [*procedures, *broken] if pid == key[0] and other != key[1])
            problem = f"there is no {lang}.yaml beside this file{_did_you_mean(lang, there)} (there is: {', '.join(f'{o}.yaml' for o in there) or 'none'})"
        else:
            source = link(source_key, (*following, key))
            problem = f"{lang}.yaml, the file it was translated from, cannot be used (its error is reported with it)"
        if source is None:
            fail(procedure, problem, "translated_from")
            broken.add(key)
            return None
        linked[key] = procedure.model_copy(update={"source": source, "code": procedure.data.code or source.code})
        return linked[key]

    for key in sorted(procedures):
        link(key)
    first_of: dict[str, LoadedProcedure] = {}
    owners: dict[str, str] = {}
    for key, procedure in sorted(linked.items()):
        code, explicit = procedure.code, procedure.data.code is not None
        named = f"the code {code!r}" if explicit else f"its code, {code!r} (from its id),"
        first = first_of.setdefault(key[0], procedure)
        owner = owners.setdefault(code, key[0])
        if code != first.code:
            problem = f"{named} differs from {first.file.name}'s; every language of a procedure has the same code: write code: {first.code}"
        elif owner != key[0]:
            problem = f"{named} is already the procedure {owner!r}'s; give this one its own with code: (2 to 8 capitals or digits)"
        else:
            continue
        fail(procedure, problem, "code" if explicit else "id")
        del linked[key]
    project.procedures = dict(sorted(linked.items()))


def _procedure_of(project: Project, error: PressError) -> tuple[str, str] | None:
    file = error.file
    if file is not None and file.parent.parent == project.paths.procedures:
        return (file.parent.name, file.stem)
    return None


def located(file: Path, loc: tuple[Any, ...]) -> str:
    """``line N: dotted.field`` for a field of a file that has already loaded (so it reads again)."""
    try:
        _, node = read_yaml(file)
    except ContentError:
        node = None
    return _where(node, loc)


class FieldLines:
    """Where fields of one loaded file are, reading the file once, and only if a field is asked for."""

    def __init__(self, file: Path):
        self._file = file
        self._read = False
        self._node: yaml.Node | None = None

    def _tree(self) -> yaml.Node | None:
        if not self._read:
            self._read = True
            try:
                self._node = read_yaml(self._file)[1]
            except ContentError:
                self._node = None
        return self._node

    def __call__(self, loc: tuple[Any, ...]) -> str:
        """``line N: dotted.field``, or the dotted field alone when the file has no line for it."""
        return _where(self._tree(), loc)

    def line(self, loc: tuple[Any, ...]) -> int | None:
        return _line_of(self._tree(), loc)

    def named(self, loc: tuple[Any, ...]) -> str:
        """``dotted.field (line N)``, for a list of fields in one message."""
        line = self.line(loc)
        return f"{_dotted(loc)} (line {line})" if line else _dotted(loc)


def _where(node: yaml.Node | None, loc: tuple[Any, ...]) -> str:
    """``line N: dotted.field``, or the dotted field alone when the file has no line for it."""
    line = _line_of(node, loc)
    field_name = _dotted(loc) or "(top level)"
    return f"line {line}: {field_name}" if line else field_name


def _procedure_image(reference: str, file: Path, where: str = "figure.image") -> Path:
    """A figure's image: an SVG or PNG in the procedure's own folder, checked like a logo."""
    folder = file.parent.resolve()
    try:
        resolved = (file.parent / reference).resolve()
    except (ValueError, OSError) as error:
        raise ContentError(f"{reference!r} is not a usable file name ({error})", file, where) from None
    if Path(reference).is_absolute() or not inside(resolved, folder):
        raise ContentError(f"{reference!r} must be a file in the procedure's folder, {file.parent.name}/", file, where)
    if not resolved.is_file():
        raise ContentError(f"{reference!r} does not exist", file, where)
    _check_image(resolved, file, where, "a figure")
    return resolved


def check_offers(project: Project) -> None:
    """Each practice offers procedures that exist, in languages they have, with wording for slots they have.

    A bad offer is an error in the practice file; the practice's other offers still build.
    """
    languages: dict[str, set[str]] = {}
    slots: dict[str, set[str]] = {}
    roles: dict[str, set[str]] = {}
    for (procedure_id, lang), procedure in project.procedures.items():
        languages.setdefault(procedure_id, set()).add(lang)
        slots.setdefault(procedure_id, set()).update(procedure.data.practice_defaults)
        roles.setdefault(procedure_id, set()).update(section.role for section in procedure.data.sections)
    broken = {error.file.parent.name for error in project.errors if error.file.parent.parent == project.paths.procedures}
    known = sorted(set(languages) | broken)
    for practice in project.practices.values():
        offered_slots: set[str] = set()
        for number, offer in enumerate(practice.data.offers):
            before = len(project.errors)
            if offer.procedure not in languages:
                if offer.procedure not in broken:
                    project.errors.append(ContentError(
                        f"no procedure {offer.procedure!r}{_did_you_mean(offer.procedure, known)} (known: {', '.join(known) or 'none'})",
                        practice.file, located(practice.file, ("offers", number, "procedure")),
                    ))
                continue
            offered_slots |= slots[offer.procedure]
            for lang in offer.languages or ():
                if lang not in languages[offer.procedure]:
                    project.errors.append(ContentError(
                        f"{offer.procedure} has no {lang!r} content (it has: {', '.join(sorted(languages[offer.procedure]))})",
                        practice.file, located(practice.file, ("offers", number, "languages")),
                    ))
            for role, wording in offer.sections.items():
                if role not in roles[offer.procedure]:
                    project.errors.append(ContentError(
                        f"{offer.procedure} has no section with the role {role!r}, so this wording would print nowhere"
                        f"{_did_you_mean(role, sorted(roles[offer.procedure]))}",
                        practice.file, located(practice.file, ("offers", number, "sections", role)),
                    ))
                for index, block in enumerate(wording.blocks or ()):
                    if isinstance(block, FigureBlock):
                        project.errors.append(ContentError(
                            "a practice's own section wording may not show a figure; figures come from the procedure's folder",
                            practice.file, located(practice.file, ("offers", number, "sections", role, "blocks", index)),
                        ))
                    elif isinstance(block, PracticeTextBlock) and block.practice_text not in slots[offer.procedure]:
                        project.errors.append(ContentError(
                            f"{offer.procedure} has no practice_text {block.practice_text!r}"
                            f"{_did_you_mean(block.practice_text, sorted(slots[offer.procedure]))}",
                            practice.file, located(practice.file, ("offers", number, "sections", role, "blocks", index)),
                        ))
            for slot in offer.texts:
                if slot not in slots[offer.procedure]:
                    project.errors.append(ContentError(
                        f"{offer.procedure} has no practice_text {slot!r}{_did_you_mean(slot, sorted(slots[offer.procedure]))}",
                        practice.file, located(practice.file, ("offers", number, "texts", slot)),
                    ))
            if len(project.errors) > before:
                project.broken_offers.add((practice.slug, offer.procedure))
        for slot in practice.data.texts:
            if offered_slots and slot not in offered_slots:
                project.errors.append(ContentError(
                    f"no procedure this practice offers has a practice_text {slot!r}{_did_you_mean(slot, sorted(offered_slots))}",
                    practice.file, located(practice.file, ("texts", slot)),
                ))


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def load_practice(file: Path, paths: ProjectPaths) -> LoadedPractice:
    slug = file.stem
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise ContentError(
            "a practice file name must be a slug of lower-case letters, digits and hyphens", file
        )
    data = validate(Practice, file)
    _check_contrast(data, file)
    logo_path = _resolve_asset(data.brand.logo.file, file, paths, "brand.logo.file")
    _check_logo(logo_path, file)
    return LoadedPractice(slug=slug, file=file, logo_path=logo_path, font=_resolve_font(data, file, paths), data=data)


# --- YAML ---------------------------------------------------------------------


class _StrictComposition:
    """Safe loading that refuses what makes content ambiguous or dangerous (shared by both loaders below)."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                problem="anchors and aliases (&name, *name) are not allowed in content files",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_yaml_timestamp(self, node):  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:
            raise yaml.MarkedYAMLError(
                problem=f"{node.value!r} is not a real date ({error})", problem_mark=node.start_mark
            ) from None

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise yaml.MarkedYAMLError(problem="a key must be a plain value, not a list or mapping", problem_mark=key_node.start_mark)
            if key in seen:
                raise yaml.MarkedYAMLError(
                    problem=f"duplicate key {key!r} (first given on line {seen[key] + 1})",
                    problem_mark=key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


class _StrictLoader(_StrictComposition, yaml.SafeLoader):
    """PyYAML's own reader, scanner and parser, in Python: the reference, and the one whose errors are reported."""


try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml
    CParser = None

if CParser is not None:

    class _FastStrictLoader(_StrictComposition, Composer, CParser, SafeConstructor, Resolver):  # type: ignore[misc]
        """libyaml's parser (fifteen times quicker) under the same composer and constructor as ``_StrictLoader``.

        Composition stays in Python, so the nesting limit and the refusal
        of aliases hold as they do there; any error is reported by reading
        the file again with ``_StrictLoader``, so messages do not depend on
        which parser found the problem.
        """

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)


def _compose(text: str) -> tuple[_StrictComposition, yaml.Node | None]:
    """The document's node tree and the loader that made it, to construct the data with."""
    if CParser is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        loader = _FastStrictLoader(text)
        try:
            return loader, loader.get_single_node()
        except (yaml.YAMLError, RecursionError):
            loader.dispose()
    loader = _StrictLoader(text)
    try:
        return loader, loader.get_single_node()
    except BaseException:
        loader.dispose()
        raise


def read_yaml(file: Path) -> tuple[Any, yaml.Node | None]:
    """Read one YAML file into plain data, keeping its node tree for line numbers."""
    try:
        if not file.is_file():
            raise ContentError("is not a regular file", file)
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ContentError(f"is {size} bytes; content files may be at most {MAX_FILE_BYTES}", file)
        with file.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ContentError(f"cannot be read ({error.strerror})", file) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ContentError(f"is larger than {MAX_FILE_BYTES} bytes, the most a content file may be", file)
    text = decode_utf8(raw, file, ContentError)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    loader = None
    try:
        loader, node = _compose(text)
        if node is not None:
            _check_depth(node)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = error.problem or str(error)
        if error.context:
            problem = f"{problem} ({error.context})"
        raise ContentError(f"invalid YAML: {problem}", file, where) from None
    except yaml.reader.ReaderError as error:
        raise ContentError(
            f"contains a character YAML does not allow (U+{_code_point(error.character):04X}, at character {error.position})",
            file,
        ) from None
    except yaml.YAMLError as error:
        raise ContentError(f"invalid YAML: {error}", file) from None
    except RecursionError:
        raise ContentError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep", file) from None
    except (TypeError, ValueError) as error:  # an unhashable key, an integer too long to convert
        raise ContentError(f"invalid YAML: {error}", file) from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is not None:
        _check_text(node, file)
    return data, node


def decode_utf8(raw: bytes, file: Path, error_class: type[PressError]) -> str:
    """UTF-8 text without its byte-order mark; otherwise an error giving the first bad byte's offset."""
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        return raw[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start + bom
        raise error_class(f"is not UTF-8 text (byte {offset} is 0x{raw[offset]:02x}); save it as UTF-8", file) from None


def _code_point(character: int | str | bytes) -> int:
    if isinstance(character, int):
        return character
    return ord(character[:1]) if character else 0


def _check_depth(node: yaml.Node) -> None:
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise yaml.MarkedYAMLError(
                problem=f"nested more than {MAX_DEPTH} levels deep", problem_mark=current.start_mark
            )
        if isinstance(current, yaml.MappingNode):
            stack.extend((value, depth + 1) for _, value in current.value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in current.value)


def _check_text(node: yaml.Node, file: Path, loc: tuple[Any, ...] = ()) -> None:
    """Refuse what YAML escapes and ``!!binary`` can smuggle into printed text and PDF metadata.

    Control characters and bidi overrides are invisible in an editor and a
    review, yet can reorder or hide what a patient reads; an unclosed bidi
    isolate reorders everything after it. Keys count too: they reach messages.
    """
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            _check_text(key_node, file, (*loc, key_node.value))
            _check_text(value_node, file, (*loc, key_node.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _check_text(item, file, (*loc, index))
    elif problem := _text_problem(node):
        raise ContentError(problem, file, f"line {node.start_mark.line + 1}: {_dotted(loc) or '(top level)'}")


def _text_problem(node: yaml.Node) -> str | None:
    if node.tag == "tag:yaml.org,2002:binary":
        return "is binary data (!!binary); content must be text"
    return text_problem(node.value)


def text_problem(text: str) -> str | None:
    """What makes *text* unfit to print (a control character, a bidi override, an unclosed isolate), or None."""
    if match := _FORBIDDEN_CHARACTER.search(text):
        return f"contains the control character {_character_name(match[0])}; remove it"
    open_isolates = 0
    for character in text:
        if character in _BIDI_ISOLATE_OPENERS:
            open_isolates += 1
        elif character == _BIDI_ISOLATE_CLOSER:
            if not open_isolates:
                return f"closes a bidi isolate that was never opened ({_character_name(character)}); remove it"
            open_isolates -= 1
    if open_isolates:
        return f"opens a bidi isolate (U+2066 to U+2068) that it does not close with {_character_name(_BIDI_ISOLATE_CLOSER)}"
    return None


def _character_name(character: str) -> str:
    code = ord(character)
    if code < len(_C0_NAMES):
        name = _C0_NAMES[code]
    elif code == 0x7F:
        name = "DELETE"
    else:
        name = unicodedata.name(character, "a C1 control character")
    return f"U+{code:04X} ({name})"


def validate(model: type[ModelT], file: Path) -> ModelT:
    """The file's data as ``model``, or every problem in it at once, each with its line and field."""
    data, node = read_yaml(file)
    if not isinstance(data, dict):
        raise ContentError("must be a YAML mapping of fields (key: value)", file)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            where = _where(node, tuple(problem["loc"]))
            problems.append(ContentError(_friendly(problem, model, data), file, where))
        problems.sort(key=lambda problem: _line_number(problem.where))
        raise FileProblems(problems) from None


def _line_number(where: str | None) -> int:
    match = re.match(r"line (\d+)", where or "")
    return int(match[1]) if match else 0


_QUOTED = re.compile(r"'([^']*)'")


def _friendly(error: dict[str, Any], model: type[BaseModel], data: Any) -> str:
    """Pydantic's message in words an editor can act on: what was wanted, and the nearest right spelling."""
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        return "this field is required but missing"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, tuple(error["loc"])[:-1], data)
        name = str(error["loc"][-1])
        hint = _did_you_mean(name, sorted(allowed)) if allowed else ""
        return f"unknown field{hint or ' (check the spelling; unknown fields are not allowed)'}"
    if kind == "string_pattern_mismatch":
        return f"{value!r} does not have the expected form"
    if kind == "literal_error":
        choices = _QUOTED.findall(error.get("ctx", {}).get("expected", ""))
        return f"{value!r} is not one of: {', '.join(choices)}{_did_you_mean(str(value), choices)}"
    if kind.startswith(("date_", "datetime_")):
        return f"{value!r} is not a date; write dates as year-month-day, for example 2027-11-01"
    if kind == "list_type":
        found = "a single text" if isinstance(value, str) else "a mapping" if isinstance(value, dict) else repr(value)
        return f"should be a list (each item on its own line, starting with '- '), not {found}"
    if kind == "string_type":
        if isinstance(value, (list, tuple)):
            return "should be one text, not a list; join the items into one text or remove the '- '"
        if isinstance(value, dict):
            return "should be one text, not a mapping of fields (key: value)"
        if isinstance(value, (int, float, bool)):
            return f"should be text; put the value in quotes, for example \"{value}\""
        return "should be text"
    if kind == "dict_type" or kind == "model_type":
        return "should be a mapping of fields (key: value), not " + ("a list" if isinstance(value, list) else repr(value))
    if kind == "too_short":
        return "must not be empty"
    if kind == "too_long":
        return f"is too long ({error.get('ctx', {}).get('max_length', 'the most allowed')} at most)"
    message = error["msg"].removeprefix("Value error, ")
    return message[0].lower() + message[1:]


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...], data: Any) -> set[str]:
    """The field names the model allows at ``loc``, following the data through lists, dicts and blocks."""
    current: Any = model
    for part in loc:
        current = _step(_concrete(current, data), part)
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            data = None
        if current is None:
            return set()
    current = _concrete(current, data)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return set(current.model_fields)
    return set()


def _step(annotation: Any, part: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return field.annotation if field is not None else None
    origin = get_origin(annotation)
    if origin in (list, tuple) and isinstance(part, int):
        return get_args(annotation)[0]
    if origin is dict:
        return get_args(annotation)[1]
    return None


def _concrete(annotation: Any, data: Any) -> Any:
    """Through Annotated, Optional and the block union (picked by the block's one key) to one type."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            members = [member for member in get_args(annotation) if member is not type(None)]
            if isinstance(data, dict) and len(data) == 1 and next(iter(data)) in BLOCK_TYPES:
                return BLOCK_TYPES[next(iter(data))]
            if len(members) != 1:
                return None
            annotation = members[0]
        else:
            return annotation


def _dotted(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Find the line of the deepest node on ``loc`` that exists in the file."""
    line = None
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        child = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == part:
                    child = value_node
                    line = key_node.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        node = child
    if node is not None:
        line = node.start_mark.line + 1
    return line


# --- practice checks ------------------------------------------------------------


def _check_contrast(practice: Practice, file: Path) -> None:
    colours = practice.brand.colours
    pairs = [
        ("brand.colours.text", colours.text, colours.background, BODY_TEXT_MINIMUM, "body text"),
        ("brand.colours.primary", "#ffffff", colours.primary, BODY_TEXT_MINIMUM, "white text on the primary colour"),
        ("brand.colours.primary", colours.primary, colours.background, LARGE_TEXT_MINIMUM, "headings in the primary colour"),
        ("brand.colours.accent", colours.text, colours.accent, BODY_TEXT_MINIMUM, "text on the accent colour"),
    ]
    problems = []
    for where, foreground, background, minimum, role in pairs:
        ratio = contrast_ratio(foreground, background)
        if ratio < minimum:
            own = getattr(colours, where.rpartition(".")[2])
            other = background if own == foreground else foreground
            shade = nearest_passing(own, other, minimum)
            hint = f"; the nearest shade that passes is {shade}" if shade else ""
            problems.append(ContentError(
                f"contrast of {role} ({foreground} on {background}) is {ratio:.2f}:1; "
                f"WCAG 2.1 AA needs at least {minimum}:1{hint}",
                file,
                where,
            ))
    if problems:
        raise FileProblems(problems)


def _resolve_asset(reference: str, file: Path, paths: ProjectPaths, where: str) -> Path:
    if Path(reference).is_absolute() or reference.startswith(("/", "\\")) or ":" in reference:
        raise ContentError(f"{reference!r} must be a path relative to the practice file", file, where)
    try:
        resolved = (file.parent / reference).resolve()
        if not any(inside(resolved, allowed) for allowed in paths.readable_roots):
            raise ContentError(f"{reference!r} points outside the project's content and templates", file, where)
        if not any(inside(resolved, allowed) for allowed in paths.readable_roots_for(file.stem)):
            raise ContentError(
                f"{reference!r} is another practice's file; put it in content/practices/{file.stem}/ "
                "(or, to share it, under templates/)",
                file,
                where,
            )
        if not resolved.is_file():
            raise ContentError(f"{reference!r} does not exist", file, where)
    except (ValueError, OSError) as error:  # a NUL byte, a name too long for the file system
        reason = getattr(error, "strerror", None) or error
        raise ContentError(f"{reference!r} is not a usable file name ({reason})", file, where) from None
    return resolved


def _check_logo(path: Path, file: Path) -> None:
    _check_image(path, file, "brand.logo.file", "the logo")


def _check_image(path: Path, file: Path, where: str, what: str) -> None:
    suffix = path.suffix.lower()
    if suffix not in LOGO_SUFFIXES:
        raise ContentError(f"{what} must be an SVG or PNG file, not {path.name!r}", file, where)
    data = _read_asset(path, file, where, MAX_LOGO_BYTES + 1)
    if len(data) > MAX_LOGO_BYTES:
        raise ContentError(f"{path.name!r} is larger than {MAX_LOGO_BYTES} bytes, the most {what} may be", file, where)
    problem = check_png(data) if suffix == ".png" else check_svg(data)
    if problem:
        raise ContentError(f"{path.name!r} {problem}", file, where)


def _read_asset(path: Path, file: Path, where: str, limit: int) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read(limit)
    except OSError as error:
        raise ContentError(f"{path.name!r} cannot be read ({error.strerror})", file, where) from None


def _resolve_font(practice: Practice, file: Path, paths: ProjectPaths) -> ResolvedFont | None:
    font = practice.brand.font
    if font is None:
        return None
    resolved = {}
    for style in ("regular", "bold", "italic"):
        reference = getattr(font.files, style)
        if reference is None:
            resolved[style] = None
            continue
        where = f"brand.font.files.{style}"
        path = _resolve_asset(reference, file, paths, where)
        if problem := check_font(path):
            raise ContentError(f"{path.name!r} {problem}", file, where)
        resolved[style] = path
    _resolve_asset(font.licence, file, paths, "brand.font.licence")
    return ResolvedFont(family=font.family, **resolved)


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)
if CParser is not None:
    _FastStrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _FastStrictLoader.construct_yaml_timestamp)
