"""A practice's wording in the language of the document being made.

A practice writes its patient-facing wording (emergency line, texts, questions,
logo description, doctors' roles, its own section headings) as plain text in
its ``language``, or as one text per language. A handout prints one language
only: where the document's language has no wording, the document fails,
naming every field that lacks it, rather than print a line the patient may
not read. ``en-GB`` falls back to ``en``, never the other way.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from .errors import ContentError
from .load import FieldLines
from .models import Offer, Practice
from .plan import Job


def same_language(wanted: str, written: str) -> bool:
    """A text written in *written* serves a document in *wanted*: the same tag, or *wanted* without its region."""
    return wanted.lower() == written.lower() or without_region(wanted).lower() == written.lower()


def without_region(tag: str) -> str:
    """``es-MX`` as ``es``, ``zh-Hant-TW`` as ``zh-Hant``: a script is part of the language, a region is not."""
    parts = tag.split("-")
    return "-".join(parts[:-1]) if len(parts) > 1 and re.fullmatch(r"[A-Z]{2}|\d{3}", parts[-1]) else tag


def _same_base(one: str, other: str) -> bool:
    """The same language and script, whatever the regions: plain text in ``en-GB`` serves ``en``."""
    return without_region(one).lower() == without_region(other).lower()


def in_language(value: str | dict[str, str] | None, lang: str, practice_language: str) -> str | None:
    """*value* as the document in *lang* prints it, or None where it has no such wording.

    Plain text is in the practice's language, regional spelling and all: a
    practice writing ``en-GB`` serves ``en`` handouts, but ``zh-Hans`` never
    serves ``zh-Hant`` (the script differs). A per-language text for ``es``
    serves ``es-MX``, never the reverse.
    """
    if value is None or isinstance(value, str):
        return value if value is None or _same_base(lang, practice_language) else None
    for key, text in value.items():
        if key.lower() == lang.lower():
            return text
    return next((text for key, text in value.items() if same_language(lang, key)), None)


def localized(job: Job) -> Job:
    """The job with its practice's and its offer's wording in the document's language.

    Raises a ``ContentError`` naming each field of the practice file that has
    no wording in that language. The result's practice ``language`` is the
    document's, so localising it again changes nothing.
    """
    practice = job.practice.data
    lang = job.lang
    missing: list[tuple[Any, ...]] = []

    def pick(value, *loc):
        text = in_language(value, lang, practice.language)
        if text is None and value is not None:
            missing.append(loc)
        return text

    missing_bodies: list[tuple[Any, ...]] = []
    identity = practice.identity.model_copy(update={
        "emergency": pick(practice.identity.emergency, "identity", "emergency"),
        "physicians": [
            physician.model_copy(update={"role": pick(physician.role, "identity", "physicians", number, "role")})
            for number, physician in enumerate(practice.identity.physicians)
        ],
    })
    logo = practice.brand.logo.model_copy(update={"alt": pick(practice.brand.logo.alt, "brand", "logo", "alt")})
    number = practice.offers.index(job.offer) if job.offer in practice.offers else None
    offer = _offer(job.offer, pick, ("offers", number), lang, practice.language, missing_bodies)
    data = practice.model_copy(update={
        "language": lang,
        "identity": identity,
        "brand": practice.brand.model_copy(update={"logo": logo}),
        "texts": {slot: pick(text, "texts", slot) for slot, text in practice.texts.items()},
        "questions": [pick(question, "questions", index) for index, question in enumerate(practice.questions)],
        "offers": [offer],  # the others may hold wording in other languages and scripts
    })
    if missing or missing_bodies:
        lines = FieldLines(job.practice.file)
        missing.sort(key=lambda loc: lines.line(loc) or 0)
        offer_line = lines.line(("offers", number)) if number is not None else None
        narrow = f"list the languages you have wording for in the offer ({f'line {offer_line}' if offer_line else 'its offer'}: languages: [...])"
        problems = []
        if missing:
            named = "; ".join(lines.named(loc) for loc in missing)
            problems.append(f"these have no {lang!r} wording: {named}; write each as `{lang}: ...` beside the {practice.language!r} text")
        for loc in missing_bodies:
            problems.append(f"{lines.named(loc)} is a section body in {practice.language!r} only")
        raise ContentError(
            f"a handout in {lang!r} may not print another language: {'; and '.join(problems)}; or {narrow}",
            job.practice.file,
        )
    return replace(job, practice=job.practice.model_copy(update={"data": data}), offer=offer)


def _offer(offer: Offer, pick, loc: tuple[Any, ...], lang: str, practice_language: str, missing: list) -> Offer:
    sections = {}
    for role, wording in offer.sections.items():
        here = (*loc, "sections", role)
        if wording.blocks is not None and not _same_base(lang, practice_language):
            missing.append((*here, "blocks"))
        sections[role] = wording.model_copy(update={"title": pick(wording.title, *here, "title")})
    return offer.model_copy(update={
        "texts": {slot: pick(text, *loc, "texts", slot) for slot, text in offer.texts.items()},
        "sections": sections,
    })


def practice_wording_of(value: str | dict[str, str] | None, loc: tuple[Any, ...], practice_language: str) -> list[tuple[tuple[Any, ...], str, str]]:
    """One text, or its text in each language, with its place and its language."""
    if isinstance(value, str):
        return [(loc, value, practice_language)]
    if isinstance(value, dict):
        return [((*loc, key), text, key) for key, text in value.items()]
    return []


def practice_wording(practice: Practice) -> list[tuple[tuple[Any, ...], str, str]]:
    """Every patient-facing text of a practice in every language it is given in, with its place (for the lint)."""
    own = practice.language
    found = practice_wording_of(practice.identity.emergency, ("identity", "emergency"), own)
    for slot, text in practice.texts.items():
        found += practice_wording_of(text, ("texts", slot), own)
    for number, question in enumerate(practice.questions):
        found += practice_wording_of(question, ("questions", number), own)
    for number, offer in enumerate(practice.offers):
        for slot, text in offer.texts.items():
            found += practice_wording_of(text, ("offers", number, "texts", slot), own)
    return found

