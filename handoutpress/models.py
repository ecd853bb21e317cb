"""Typed models for what clinics write: procedure content and practice files.

Validation happens here, at the edge, so every later stage can trust what it is
given. Unknown keys are rejected (a misspelt key would otherwise vanish
silently from a patient's handout), strings are stripped, and names that end up
in paths must match strict patterns.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

KINDS: tuple[str, ...] = ("brochure", "consent", "discharge")
Kind = Literal["brochure", "consent", "discharge"]

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
LANG_PATTERN = r"^[a-z]{2,3}(?:-[A-Z]{2})?$"
HEX_COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Lang = Annotated[str, StringConstraints(pattern=LANG_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+()\-. ]{3,32}$")]
HexColour = Annotated[str, StringConstraints(pattern=HEX_COLOUR_PATTERN)]
TextList = Annotated[list[Text], Field(min_length=1)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- procedure content -----------------------------------------------------


class Review(Model):
    """Who checked the clinical text and when it must be checked again."""

    reviewed_by: ShortText
    reviewed_on: date
    next_review: date
    source: Text

    @model_validator(mode="after")
    def _next_after_reviewed(self) -> Review:
        if self.next_review <= self.reviewed_on:
            raise ValueError("next_review must come after reviewed_on")
        return self


class About(Model):
    summary: Text
    details: TextList
    benefits: TextList
    best_time: Text


class Before(Model):
    checks_intro: Text
    checks: TextList
    checks_purpose: Text
    tell_your_doctor_intro: Text
    tell_your_doctor: TextList
    instructions: Text


class DayOf(Model):
    setting: Text
    anesthesia: Text
    driver: Text
    position: Text
    steps_intro: Text
    steps: TextList


class TimelineEntry(Model):
    when: ShortText
    what: TextList


class Recovery(Model):
    intro: Text
    timeline: Annotated[list[TimelineEntry], Field(min_length=1)]


class Risks(Model):
    intro: Text
    items: TextList
    rarity: Text


class WarningSigns(Model):
    intro: Text
    items: TextList


class Questions(Model):
    intro: Text
    organisations: TextList


class PracticeDefaults(Model):
    """Text the source does not give, which each practice may fill in.

    The defaults send the patient to their own care team rather than making a
    clinical claim the source does not support.
    """

    alternatives: Text
    arrival: Text
    eating_and_drinking: Text


class Procedure(Model):
    """One procedure in one language: everything its handouts may say."""

    id: Slug
    lang: Lang
    title: ShortText
    tagline: Text
    review: Review
    about: About
    before: Before
    day_of: DayOf
    recovery: Recovery
    risks: Risks
    warning_signs: WarningSigns
    questions: Questions
    practice_defaults: PracticeDefaults


# --- practices ---------------------------------------------------------------


class Physician(Model):
    name: ShortText
    role: ShortText | None = None


class Identity(Model):
    name: ShortText
    address: Annotated[list[ShortText], Field(min_length=1, max_length=6)]
    phone: Phone
    after_hours_phone: Phone
    emergency: Text
    website: ShortText
    email: ShortText | None = None
    physicians: Annotated[list[Physician], Field(max_length=20)] = []

    @field_validator("website")
    @classmethod
    def _website_has_no_scheme_tricks(cls, value: str) -> str:
        if not re.fullmatch(r"(https?://)?[A-Za-z0-9.-]+(/[A-Za-z0-9._~/-]*)?", value):
            raise ValueError("must be a plain web address such as clinic.example/spine")
        return value


class Logo(Model):
    file: ShortText
    alt: ShortText


class Colours(Model):
    primary: HexColour
    accent: HexColour
    text: HexColour
    background: HexColour = "#ffffff"


class FontFiles(Model):
    regular: ShortText
    bold: ShortText
    italic: ShortText | None = None


class Font(Model):
    """A practice's own typeface, shipped in its folder with its licence."""

    family: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9 -]{0,40}$")]
    files: FontFiles
    licence: ShortText


class Brand(Model):
    colours: Colours
    logo: Logo
    font: Font | None = None
    base_size_pt: Annotated[float, Field(ge=11, le=24)] = 12.5


class Page(Model):
    size: Literal["letter", "a4"]
    margins_mm: Annotated[float, Field(ge=10, le=30)] = 16


class BuildDefaults(Model):
    """What a plain ``build`` makes for this practice; options on the command line win."""

    languages: Annotated[list[Lang], Field(min_length=1)] | None = None
    kinds: Annotated[list[Kind], Field(min_length=1)] | None = None


class Network(Model):
    """Hosts a practice's documents may fetch from; none unless the practice names them."""

    allowed_hosts: Annotated[
        list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$")]],
        Field(max_length=10),
    ] = []


class PracticeTexts(Model):
    """Wording a practice writes for itself; each replaces a content default."""

    alternatives: Text | None = None
    arrival: Text | None = None
    eating_and_drinking: Text | None = None
    questions: Annotated[list[Text], Field(max_length=12)] = []


class Practice(Model):
    """A practice's identity and look, as its office manager writes it."""

    identity: Identity
    brand: Brand
    page: Page
    defaults: BuildDefaults = BuildDefaults()
    texts: PracticeTexts = PracticeTexts()
    network: Network = Network()


# --- resolved objects the later stages use ------------------------------------


class ResolvedFont(Model):
    family: str
    regular: Path
    bold: Path
    italic: Path | None

    @property
    def files(self) -> frozenset[Path]:
        return frozenset(p for p in (self.regular, self.bold, self.italic) if p is not None)


class LoadedPractice(Model):
    """A validated practice with the files it names found and checked."""

    slug: Slug
    file: Path
    logo_path: Path
    font: ResolvedFont | None
    data: Practice


class LoadedProcedure(Model):
    file: Path
    data: Procedure
