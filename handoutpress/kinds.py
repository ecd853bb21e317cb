"""The registry of document kinds: each kind is a recipe over a procedure's sections.

What varies between a brochure and a discharge sheet is declared here once:
its template and stylesheet, which section roles it prints and in what order,
which it cannot do without, the layouts it may take and the form fields its
PDF must carry. The command line, the planner, the context, the scaffold and
the checks all read this table, as Sphinx's builders are read from its
registry; adding a kind is one entry here, one template, one stylesheet and
its interface wording in ``templates/i18n/<lang>.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReadingLevel:
    """The default reading-level limits of a kind, one per formula scale (see readability.py)."""

    grade: float
    """Highest school grade (Flesch-Kincaid), for the document and for each section."""
    ease: float
    """Lowest reading-ease score (Fernández-Huerta)."""


@dataclass(frozen=True)
class KindSpec:
    name: str
    roles: tuple[str, ...]
    """The section roles this kind prints, in this order."""
    required_roles: tuple[str, ...]
    """A procedure without a section for each of these cannot have this kind."""
    code: str
    """Three capitals in the code printed on every page (``KYPH-BRO-en``), so a printed copy names its kind."""
    layouts: tuple[str, ...] = ("pages",)
    """The first is the default; large print and booklets always use pages."""
    form_fields: frozenset[str] = frozenset()
    """Fillable fields the typeset PDF must carry (the finish stage checks)."""
    max_pages: int | None = None
    """The most pages the kind may take at full size (large print and booklets take what they need)."""
    reading: ReadingLevel = ReadingLevel(grade=8, ease=70)
    """Health-literacy guidance: grade 8 at most for what a patient decides on, 6 for instructions to follow."""

    @property
    def template(self) -> str:
        return f"{self.name}.html.j2"

    @property
    def stylesheet(self) -> str:
        return f"css/{self.name}.css"


_SIGNERS = ("patient", "physician", "witness", "interpreter")

KIND_SPECS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec(
            "brochure",
            roles=(
                "about", "why", "benefits", "before", "preparation", "on_the_day", "steps",
                "recovery", "risks", "alternatives", "results", "follow_up", "questions",
            ),
            required_roles=("about", "risks"),
            code="BRO",
            layouts=("trifold", "pages"),
        ),
        KindSpec(
            "preparation",
            roles=("before", "preparation", "on_the_day"),
            required_roles=("preparation",),
            reading=ReadingLevel(grade=6, ease=80),
            code="PRE",
        ),
        KindSpec(
            "consent",
            roles=("about", "why", "benefits", "steps", "risks", "alternatives", "before"),
            required_roles=("about", "steps", "risks"),
            code="CON",
            max_pages=2,
            form_fields=frozenset({"patient_name"} | {f"{who}_{part}" for who in _SIGNERS for part in ("signature", "date")}),
        ),
        KindSpec(
            "discharge",
            roles=("recovery", "warning_signs", "results", "follow_up", "questions"),
            required_roles=("recovery", "warning_signs"),
            reading=ReadingLevel(grade=6, ease=80),
            code="DIS",
            form_fields=frozenset({"follow_up_date", "follow_up_time", "follow_up_with"}),
        ),
    )
}
KINDS: tuple[str, ...] = tuple(KIND_SPECS)
LAYOUTS: tuple[str, ...] = tuple(dict.fromkeys(layout for spec in KIND_SPECS.values() for layout in spec.layouts))
