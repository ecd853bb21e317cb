"""Typed models for what clinics write: procedure content and practice files.

Validation happens here, at the edge, so every later stage can trust what it is
given. Unknown keys are rejected (a misspelt key would otherwise vanish
silently from a patient's handout), strings are stripped, and names that end up
in paths must match strict patterns.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator

from .kinds import KINDS

Kind = Annotated[str, AfterValidator(lambda kind: _known_kind(kind))]

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
LANG_PATTERN = r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-[A-Z]{2})?$"
"""BCP 47 in its usual form: language, then an optional script and region (``es``, ``en-GB``, ``zh-Hans``, ``zh-Hant-TW``)."""
HEX_COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
CODE_PATTERN = r"^[A-Z0-9]{2,8}$"
VERSION_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,18}[A-Za-z0-9])?$"
FIELD_PATH_PATTERN = r"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+|\[[0-9]{1,4}\])*$"
"""A field of a file as messages write it: ``sections[3].blocks[1].bullets[2]``, ``practice_defaults.arrival``."""
SOURCE_HASH_PATTERN = r"^[0-9a-f]{12}$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Lang = Annotated[str, StringConstraints(pattern=LANG_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+()\-. ]{3,32}$")]
HexColour = Annotated[str, StringConstraints(pattern=HEX_COLOUR_PATTERN)]
TextList = Annotated[list[Text], Field(min_length=1)]


def _known_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"{kind!r} is not a kind (one of: {', '.join(KINDS)})")
    return kind



# A practice's wording: plain text in the practice's own language, or one text per
# language ({en: ..., es: ...}) so a handout in any language prints none of another.
LocalText = Union[Text, Annotated[dict[Lang, Text], Field(min_length=1, max_length=30)]]
LocalShortText = Union[ShortText, Annotated[dict[Lang, ShortText], Field(min_length=1, max_length=30)]]

class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


# --- procedure content -----------------------------------------------------


ReviewStatus = Literal["draft", "reviewed"]
TrifoldOverflow = Literal["fail", "use-pages"]


class Review(Model):
    """Who checked the clinical text and when it must be checked again; a draft or an overdue review prints a band on every page."""

    reviewed_by: ShortText
    reviewed_on: date
    next_review: date
    status: ReviewStatus
    """draft until a clinician has reviewed the text; then reviewed."""
    source: Text
    version: Annotated[str, StringConstraints(pattern=VERSION_PATTERN)] | None = None
    """The content's version printed on every page; by default the date it was reviewed (reviewed_on)."""

    @model_validator(mode="after")
    def _next_after_reviewed(self) -> Review:
        if self.next_review <= self.reviewed_on:
            raise ValueError("next_review must come after reviewed_on")
        return self


# --- blocks: what a section's body is made of ----------------------------------------
# Each block is a mapping with one key, its type (as Pandoc's AST or Portable
# Text name their nodes); text in any of them may use **bold**, *italic* and
# line breaks (see markup.py), nothing else.


class TimedStep(Model):
    when: ShortText
    what: TextList


class ScheduleRow(Model):
    when: ShortText
    what: Text


class Table(Model):
    header: Annotated[list[ShortText], Field(min_length=1, max_length=6)]
    rows: Annotated[list[Annotated[list[Text], Field(min_length=1, max_length=6)]], Field(min_length=1, max_length=60)]
    caption: ShortText | None = None

    @model_validator(mode="after")
    def _rows_match_header(self) -> Table:
        for number, row in enumerate(self.rows, 1):
            if len(row) != len(self.header):
                raise ValueError(f"row {number} has {len(row)} cells; the header has {len(self.header)}")
        return self


class DoDont(Model):
    do: TextList
    dont: TextList


class Callout(Model):
    tone: Literal["important", "warning", "tip"]
    text: Text


class Figure(Model):
    """An image from the procedure's own folder; what it shows must be said in words too."""

    image: ShortText
    alt: ShortText
    caption: Text


class Definition(Model):
    term: ShortText
    meaning: Text


class Paragraph(Model):
    paragraph: Text


class Bullets(Model):
    bullets: TextList


class Steps(Model):
    steps: TextList


class Timeline(Model):
    timeline: Annotated[list[TimedStep], Field(min_length=1)]


class Schedule(Model):
    schedule: Annotated[list[ScheduleRow], Field(min_length=1)]


class TableBlock(Model):
    table: Table


class Checklist(Model):
    checklist: TextList


class DoDontBlock(Model):
    do_dont: DoDont


class CalloutBlock(Model):
    callout: Callout


class FigureBlock(Model):
    figure: Figure


class DefinitionBlock(Model):
    definition: Definition


class PracticeTextBlock(Model):
    """Where a practice's own wording goes (arrival times, eating and drinking); the procedure gives the default."""

    practice_text: Slug


BLOCK_TYPES: dict[str, type[Model]] = {
    "paragraph": Paragraph,
    "bullets": Bullets,
    "steps": Steps,
    "timeline": Timeline,
    "schedule": Schedule,
    "table": TableBlock,
    "checklist": Checklist,
    "do_dont": DoDontBlock,
    "callout": CalloutBlock,
    "figure": FigureBlock,
    "definition": DefinitionBlock,
    "practice_text": PracticeTextBlock,
}
Block = (
    Paragraph | Bullets | Steps | Timeline | Schedule | TableBlock | Checklist
    | DoDontBlock | CalloutBlock | FigureBlock | DefinitionBlock | PracticeTextBlock
)


def _one_block(value: object) -> object:
    """Pick the block's model by its one key, so an error names that block, not every type that did not match."""
    if isinstance(value, dict) and len(value) == 1:
        (kind,) = value
        model = BLOCK_TYPES.get(kind)
        if model is not None:
            return model.model_validate(value)
        close = difflib.get_close_matches(str(kind), BLOCK_TYPES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown block type {kind!r}{hint} (one of: {', '.join(BLOCK_TYPES)})")
    raise ValueError(f"a block is a mapping with one key, its type (one of: {', '.join(BLOCK_TYPES)})")


AnyBlock = Annotated[Block, BeforeValidator(_one_block)]

ROLES: tuple[str, ...] = (
    "about",          # what it is
    "why",            # why it is done
    "benefits",
    "before",         # talking with the care team beforehand, tests, medicines
    "preparation",    # what to do on which day before it
    "on_the_day",
    "steps",          # how it is done
    "recovery",
    "risks",
    "warning_signs",  # when to call
    "alternatives",
    "results",
    "follow_up",
    "questions",
)
Role = Literal[
    "about", "why", "benefits", "before", "preparation", "on_the_day", "steps",
    "recovery", "risks", "warning_signs", "alternatives", "results", "follow_up", "questions",
]


class Section(Model):
    role: Role
    title: ShortText | None = None
    """The heading; without one, the kind's wording for the role is used."""
    kinds: Annotated[list[Kind], Field(min_length=1)] | None = None
    """Only in these kinds; by default every kind whose recipe has the role."""
    blocks: Annotated[list[AnyBlock], Field(min_length=1, max_length=60)]


class SectionWording(Model):
    """A practice's own wording for the sections of one role, in one procedure it offers."""

    title: LocalShortText | None = None
    """A heading for the first section with the role."""
    blocks: Annotated[list[AnyBlock], Field(min_length=1, max_length=60)] | None = None
    """A body that replaces every section with the role (printed once, under the first's heading)."""


class ReadingLimit(Model):
    """A reading-level limit for one kind, on the scale of the language's formula (see readability.py)."""

    grade: Annotated[float, Field(ge=1, le=18)] | None = None
    """The highest school grade allowed (English: Flesch-Kincaid), for the document and each section."""
    ease: Annotated[float, Field(ge=0, le=100)] | None = None
    """The lowest reading-ease score allowed (Spanish: Fernández-Huerta), for the document and each section."""


ReadingLimits = Annotated[dict[Kind, ReadingLimit], Field(max_length=len(KINDS))]


class Procedure(Model):
    """One procedure in one language: ordered sections of typed blocks."""

    id: Slug
    lang: Lang
    title: ShortText
    name_in_sentence: ShortText
    """The name as it reads inside a sentence: "a colonoscopy", "kyphoplasty", "cataract surgery"."""
    tagline: Text
    specialty: ShortText
    code: Annotated[str, StringConstraints(pattern=CODE_PATTERN)] | None = None
    """2 to 8 capitals or digits that begin the code on every page (KYPH-BRO-en); by default the source's, else the id's first four."""
    translated_from: Lang | None = None
    """The language of the file this one was translated from (en); it is a draft, or overdue, when its source is."""
    review: Review
    sections: Annotated[list[Section], Field(min_length=1, max_length=40)]
    trifold_overflow: TrifoldOverflow = "fail"
    """When the brochure does not fit a tri-fold: fail (the default) or print it as pages, with a warning."""
    practice_defaults: Annotated[dict[Slug, Text], Field(max_length=20)] = {}
    """Default wording for each ``practice_text`` slot; it sends the patient to their care team."""
    reading_limits: ReadingLimits = {}
    """This procedure's own reading-level limits per kind, instead of the kind's (consent 8, discharge 6...)."""
    source_hashes: Annotated[
        dict[Annotated[str, StringConstraints(pattern=FIELD_PATH_PATTERN, max_length=200)], Annotated[str, StringConstraints(pattern=SOURCE_HASH_PATTERN)]],
        Field(max_length=5000),
    ] = {}
    """A translation's record of the English each text was made from (field path: hash); written by ``build.py translations stamp``."""


# --- practices ---------------------------------------------------------------


class Physician(Model):
    name: ShortText
    role: LocalShortText | None = None


class Identity(Model):
    name: ShortText
    address: Annotated[list[ShortText], Field(min_length=1, max_length=6)]
    phone: Phone
    after_hours_phone: Phone
    emergency: LocalText
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
    alt: LocalShortText


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

    kinds: Annotated[list[Kind], Field(min_length=1)] | None = None


class Network(Model):
    """Hosts a practice's documents may fetch from; none unless the practice names them."""

    allowed_hosts: Annotated[
        list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$")]],
        Field(max_length=10),
    ] = []


PracticeTexts = Annotated[dict[Slug, LocalText], Field(max_length=20)]
"""A practice's own wording for a procedure's ``practice_text`` slots (arrival, eating_and_drinking, ...)."""


class Offer(Model):
    """A procedure the practice offers, and how its handouts differ from the defaults."""

    procedure: Slug
    languages: Annotated[list[Lang], Field(min_length=1)] | None = None
    """Built in these languages; by default every language the procedure has."""
    layout: Literal["trifold", "pages"] | None = None
    """The brochure's layout for this procedure; ``--layout`` on the command line wins."""
    texts: PracticeTexts = {}
    """Wording for this procedure's slots; it wins over the practice's ``texts``."""
    trifold_overflow: TrifoldOverflow | None = None
    """What to do when the brochure does not fit a tri-fold; wins over the procedure's choice."""
    sections: Annotated[dict[Role, SectionWording], Field(max_length=14)] = {}
    """The practice's own heading or body for a role's sections, in this procedure's handouts."""


class Practice(Model):
    """A practice's identity and look, as its office manager writes it."""

    language: Lang = "en"
    """The language the practice's plain wording is in; for other languages give ``{es: ..., en: ...}``."""
    identity: Identity
    brand: Brand
    page: Page
    offers: Annotated[list[Offer], Field(min_length=1, max_length=200)]
    defaults: BuildDefaults = BuildDefaults()
    texts: PracticeTexts = {}
    questions: Annotated[list[LocalText], Field(max_length=12)] = []
    """Lines the practice adds where patients are told where to ask."""
    network: Network = Network()
    reading_limits: ReadingLimits = {}
    """The practice's own reading-level limits per kind, for the documents it offers; they win over the procedure's."""

    @model_validator(mode="after")
    def _each_procedure_once(self) -> Practice:
        seen = set()
        for offer in self.offers:
            if offer.procedure in seen:
                raise ValueError(f"offers: {offer.procedure!r} is offered twice")
            seen.add(offer.procedure)
        return self


class PlainWords(Model):
    """A language's list of words patients stumble on, each with the plain words to write instead."""

    jargon: Annotated[dict[ShortText, ShortText], Field(max_length=2000)] = {}
    """``ambulate: walk``; a word written in capitals (``NPO``) matches only in capitals."""


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
    figures: dict[str, Path] = {}
    """Each figure's image as written in the file, found and checked."""
    code: str = ""
    """The procedure's short code: ``data.code``, else its source's, else derived from the id (see ``load``)."""
    source: LoadedProcedure | None = None
    """For a translation, the file it was translated from, itself loaded (and linked to its own source)."""
