"""A new practice from nothing: a practice file that builds as it is, and a place for overrides.

The scaffold writes every field, each with a comment saying what it does, so
an office manager edits values instead of looking up a schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError
from .kinds import KINDS
from .models import SLUG_PATTERN
from .paths import ProjectPaths
from .write import write_atomic

PRACTICE_TEMPLATE = """\
# yaml-language-server: $schema=../../schemas/practice.schema.json
# {name}: the practice file. Every value below is a placeholder that builds
# as it is; replace each one with your own, then run `make check` and `make`.

language: en                            # the language your wording below is written in
                                        # (for handouts in others, give each text per language,
                                        #  e.g. emergency: {{en: Call 911., es: Llame al 911.}})
identity:
  name: {name}                          # shown on every page
  address:                              # one line each, up to six
    - 1 Example Street
    - Example Town, ST 00000
  phone: (555) 010-0000                 # daytime number, on every page
  after_hours_phone: (555) 010-0001     # shown with the warning signs
  emergency: If you think it is an emergency, call your local emergency number now.
  website: {slug}.example
  email: hello@{slug}.example           # optional; delete the line to leave it out
  physicians: []                        # optional, e.g. [{{name: Dr A. Example, role: surgeon}}]

brand:
  colours:                              # #rrggbb; contrast is checked against WCAG 2.1 AA
    primary: "#1d4e89"                  # masthead band and headings (white text sits on it)
    accent: "#f6c85f"                   # highlight boxes and rules (body text sits on it)
    text: "#1a1a1a"                     # body text
    background: "#ffffff"               # page
  logo:
    file: {slug}/logo.svg               # SVG or PNG, relative to this file's folder
    alt: {name} logo                    # read aloud by screen readers: describe the logo
  # font:                               # optional: your own typeface, with its licence
  #   family: Lexend
  #   files:
  #     regular: {slug}/fonts/lexend-400.woff2
  #     bold: {slug}/fonts/lexend-700.woff2
  #   licence: {slug}/fonts/OFL.txt
  base_size_pt: 12.5                    # body text size, 11 to 24 points

page:
  size: letter                          # letter or a4
  margins_mm: 16                        # 10 to 30

offers:                                 # the procedures you offer; only these are built
{offers}

defaults:                               # what a plain `make` builds for this practice
  kinds: [{kinds}]

texts: {{}}                               # your own wording for a procedure's practice_text slots,
                                        # e.g. arrival: Please arrive at ...
questions: []                           # your own "Have a question?" lines
"""

OFFER_TEMPLATE = """\
  - procedure: {procedure}
    languages: [en]                     # the languages your wording is in; add es once it has es text
    # layout: pages                     # optional: the brochure as plain pages, not a tri-fold
    # texts: {{}}                         # optional: wording for this procedure only
    # sections: {{}}                      # optional: a role's heading or body in your words,
    #                                   #   e.g. alternatives: {{title: Your choices here}}
"""

LOGO_TEMPLATE = """\
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" width="120" height="120">
  <title>{name}</title>
  <rect width="120" height="120" rx="16" fill="#1d4e89"/>
  <text x="60" y="76" font-family="Atkinson Hyperlegible Next" font-size="44" font-weight="700"
        text-anchor="middle" fill="#ffffff">{initials}</text>
</svg>
"""

OVERRIDES_README = """\
# Template overrides for {name}

Any file placed here replaces the file of the same name under `templates/`, for
this practice only: a template, a partial, a stylesheet, an image or the
wording in `i18n/`. `practice.css`, if present, is added after the shared
stylesheets.

To change one block of one template and keep the rest, extend the shared file
through the `default/` prefix, which always names the shared version. Rename
`brochure.html.j2.example` to `brochure.html.j2` to try it.

List what this practice overrides with `python build.py templates --practice {slug}`.
"""

BLOCK_EXAMPLE = """\
{{#- Example: replace only the brochure's cover, keep everything else.
    Rename this file to brochure.html.j2 to use it. -#}}
{{% extends "default/brochure.html.j2" %}}
{{% block cover %}}
<section class="cover">
  <h1>{{{{ procedure.title }}}}</h1>
  <p class="lead">{{{{ procedure.tagline }}}}</p>
  <p>{{{{ practice.identity.name }}}} · {{{{ practice.identity.phone }}}}</p>
</section>
{{% endblock %}}
"""

PRACTICE_CSS = """\
/* {name}: added after the shared stylesheets, for this practice only.
   Examples (remove the comment marks to use them):

h2 {{ border-bottom: none; border-left: 6pt solid var(--accent); padding-left: 8pt; }}
.masthead {{ border-radius: 0; }}
*/
"""


@dataclass(frozen=True)
class Scaffold:
    practice_file: Path
    created: list[Path]


def check_slug(slug: str, paths: ProjectPaths) -> None:
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise ContentError(
            f"{slug!r} is not a valid practice slug: use lower-case letters, digits and hyphens, "
            "starting and ending with a letter or digit (for example lakeside-spine)",
            paths.practices,
        )


def new_practice(paths: ProjectPaths, slug: str) -> Scaffold:
    check_slug(slug, paths)
    practice_file = paths.practices / f"{slug}.yaml"
    assets = paths.practices / slug
    overrides = paths.templates / "practices" / slug
    for existing in (practice_file, assets, overrides):
        if existing.exists() or existing.is_symlink():
            raise ContentError(f"practice {slug!r} already exists; choose another slug", existing)
    name = " ".join(word.capitalize() for word in slug.split("-"))
    initials = "".join(word[0] for word in slug.split("-"))[:3].upper()
    files = {
        practice_file: PRACTICE_TEMPLATE.format(name=name, slug=slug, offers=_offers(paths), kinds=", ".join(KINDS)),
        assets / "logo.svg": LOGO_TEMPLATE.format(name=name, initials=initials),
        overrides / "README.md": OVERRIDES_README.format(name=name, slug=slug),
        overrides / "brochure.html.j2.example": BLOCK_EXAMPLE.format(),
        overrides / "practice.css": PRACTICE_CSS.format(name=name),
    }
    for path, text in files.items():
        write_atomic(path, text.encode("utf-8"))
    return Scaffold(practice_file=practice_file, created=list(files))


def _offers(paths: ProjectPaths) -> str:
    """Every procedure the project has, offered: the scaffold builds as it is, and deleting a line is easy."""
    procedures = sorted(
        folder.name for folder in paths.procedures.iterdir() if folder.is_dir() and re.fullmatch(SLUG_PATTERN, folder.name)
    )
    if not procedures:
        raise ContentError("there is no procedure to offer yet; add one under content/procedures/ first", paths.procedures)
    english = [procedure for procedure in procedures if (paths.procedures / procedure / "en.yaml").is_file()]
    if not english:
        raise ContentError("there is no procedure in English to offer yet; the new practice's wording is English", paths.procedures)
    offers = "".join(OFFER_TEMPLATE.format(procedure=procedure) for procedure in english)
    others = [procedure for procedure in procedures if procedure not in english]
    if others:  # offered once the practice's wording is in one of their languages
        offers += "".join(f"  # - procedure: {procedure}    (no English text yet)\n" for procedure in others)
    return offers.rstrip("\n")
