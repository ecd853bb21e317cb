"""The template context: what a template may see, as plain read-only data, built in one place.

A practice's template overrides come from an outside contractor. Handing them
the validated pydantic models would also hand them every method those models
inherit (``parse_raw`` unpickles, ``parse_file`` reads any file), so templates
get copies made only of strings, numbers, booleans, ``None``, tuples and
``Record``s. Nothing reachable from the context has a method beyond those of
``str``, the numbers and ``tuple``; a ``Record`` has none.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .kinds import KIND_SPECS
from .languages import language_spec
from .options import BLEED_MM, LARGE_PRINT_SIZE_PT, sheet_for

PLAIN_SCALARS = (str, int, float, bool, type(None))


class Record:
    """Read-only fields that read as attributes or items (``risks.items``, ``t["kinds"]``).

    It has no public methods at all, so a field may be called ``items`` or
    ``get`` and a template reaches nothing but the data.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any], /):
        object.__setattr__(self, "_items", dict(items))

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and other._items == self._items

    __hash__ = None  # type: ignore[assignment]

    def __getattr__(self, name: str) -> Any:
        try:
            return self._items[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("template data is read-only")

    def __repr__(self) -> str:
        return f"Record({self._items!r})"

    def __reduce__(self):
        return (Record, (self._items,))


def plain(value: Any) -> Any:
    """A deep copy of ``value`` made only of plain, immutable data.

    Dates become ISO strings (``2026-11-01``), paths become ``file:`` URLs.
    Anything else that is not plain data is a programming error, so it raises.
    """
    if isinstance(value, Record):
        return value
    if isinstance(value, PLAIN_SCALARS):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return value.as_uri()
    if isinstance(value, BaseModel):
        return Record({name: plain(getattr(value, name)) for name in type(value).model_fields})
    if isinstance(value, dict):
        return Record({str(key): plain(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(plain(item) for item in value)
    raise TypeError(f"{type(value).__name__} is not plain data and may not reach a template")


def get_context(job, strings: Record, options, templates: Path) -> dict[str, Any]:
    """Everything a template for ``job`` may see; the one place the context is made.

    ``strings`` is the interface wording for the job's language, already plain;
    ``templates`` is the shared templates folder, where the script fonts are.
    The kind's recipe (``kinds.KIND_SPECS``) decides which of the procedure's
    sections the template gets, in which order; each block arrives as a record
    with its ``type`` and its fields, practice wording already put in its slots.
    """
    procedure = job.procedure.data
    practice = job.practice.data
    review = job.review
    kind_name = strings["kinds"][job.kind]
    layout = options.layout_for(job.kind, job.offer.layout)
    sheet = sheet_for(practice.page.size, layout, options.imposition)
    base_size = practice.brand.base_size_pt
    texts = {
        slot: job.offer.texts.get(slot) or practice.texts.get(slot) or default
        for slot, default in procedure.practice_defaults.items()
    }
    font = job.practice.font
    faces = None
    if font is not None:
        faces = [("400", "normal", font.regular), ("700", "normal", font.bold)]
        if font.italic is not None:
            faces.append(("400", "italic", font.italic))
    language = language_spec(job.lang)
    families = (font.family,) if font is not None else ()
    context = {
        "kind": job.kind,
        "lang": job.lang,
        "direction": language.direction,
        "fonts": {
            "stack": families + language.families(),
            "faces": [
                (script.family, weight, style, path)
                for script in language.scripts
                for weight, style, path in script.faces(templates)
            ],
        },
        "procedure": {
            "id": procedure.id,
            "title": procedure.title,
            "name_in_sentence": procedure.name_in_sentence,
            "tagline": procedure.tagline,
            "specialty": procedure.specialty,
            "review": procedure.review,
        },
        "sections": _sections(job, strings, texts),
        "practice": practice,
        "texts": texts,
        "questions": practice.questions,
        "t": strings,
        "logo_url": job.practice.logo_path,
        "font": {"family": font.family, "faces": faces} if font is not None else None,
        "document": {
            "title": f"{procedure.title}: {kind_name}",
            "author": practice.identity.name,
            "subject": procedure.tagline,
            "keywords": ", ".join((procedure.title, kind_name, practice.identity.name)),
            "created": procedure.review.reviewed_on,
        },
        "layout": layout,
        "large_print": options.large_print,
        "base_size_pt": max(base_size, LARGE_PRINT_SIZE_PT) if options.large_print else base_size,
        "sheet": {
            "page_size": sheet.page_size,
            "width_mm": sheet.width_mm,
            "height_mm": sheet.height_mm,
            "panel_width_mm": sheet.panel_width_mm,
        },
        "print_marks": {"bleed_mm": BLEED_MM} if options.print_marks else None,
        "governance": {
            "code": review.code,
            "version": review.version,
            "label": review.label,
            "draft": review.draft,
            "overdue_since": review.overdue_since,
            "stale": review.stale_notice,
            "banded": review.banded,
        },
    }
    return {name: plain(value) for name, value in context.items()}


def _sections(job, strings: Record, texts: dict[str, str]) -> list[dict[str, Any]]:
    """The procedure's sections this kind prints, in its recipe's order, each with its heading."""
    procedure = job.procedure.data
    headings = strings["roles"] if "roles" in strings else Record({})
    chosen = []
    for role in KIND_SPECS[job.kind].roles:
        own = job.offer.sections.get(role)
        sections = [
            section for section in procedure.sections
            if section.role == role and (section.kinds is None or job.kind in section.kinds)
        ]
        for number, section in enumerate(sections):
            if own is not None and own.blocks is not None and number > 0:
                break  # the practice's body replaces every section with the role, printed once
            title = own.title if own is not None and own.title and number == 0 else section.title
            heading = title or (headings[role] if role in headings else role)
            body = own.blocks if own is not None and own.blocks is not None else section.blocks
            chosen.append({
                "role": role,
                "heading": str(heading).replace("{procedure}", procedure.name_in_sentence),
                "blocks": [_block(block, job, texts) for block in body],
            })
    return chosen


def _block(block: BaseModel, job, texts: dict[str, str]) -> dict[str, Any]:
    (kind,) = type(block).model_fields
    value = getattr(block, kind)
    if kind == "practice_text":
        return {"type": kind, "text": texts[value]}
    if kind == "figure":
        image = job.procedure.figures[value.image]
        return {"type": kind, "image": image, "alt": value.alt, "caption": value.caption}
    return {"type": kind, "value": value}
