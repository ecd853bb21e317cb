"""Stage 5, finish: hold the typeset PDF to the promises, then impose it with pypdf if asked.

Every handout must be tagged and carry its title, language, author and
subject, and a consent summary must carry its form fields. Checking what
WeasyPrint actually wrote (its PDF objects, collected as they were written),
rather than trusting the options passed to it, catches a template or a
WeasyPrint upgrade that quietly drops one of them, at no parsing cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import LayoutError, TemplateError
from .impose import impose_booklet
from .kinds import KIND_SPECS
from .languages import language_spec
from .options import BuildOptions
from .typeset import TypesetDocument



@dataclass(frozen=True)
class FinishedDocument:
    typeset: TypesetDocument
    pdf: bytes
    pages: int
    form_fields: frozenset[str]


def finish(document: TypesetDocument, options: BuildOptions = BuildOptions()) -> FinishedDocument:
    _check_promises(document)
    _check_length(document, options)
    pdf, pages, fields = document.pdf, document.pages, document.facts.field_names
    if options.imposition == "booklet":
        pdf = impose_booklet(pdf, right_to_left=language_spec(document.rendered.job.lang).rtl)
        pages, fields = -(-pages // 4) * 2, frozenset()
    return FinishedDocument(typeset=document, pdf=pdf, pages=pages, form_fields=fields)


def _check_promises(document: TypesetDocument) -> None:
    facts = document.facts
    job = document.rendered.job
    problems = []
    for key in ("Title", "Author", "Subject"):
        if not facts.info.get(key):
            problems.append(f"no /{key} in the document information")
    if facts.lang != job.lang:
        problems.append(f"/Lang is {facts.lang!r}, not {job.lang!r}")
    if not facts.tagged:
        problems.append("the PDF is not tagged")
    if not facts.displays_title:
        problems.append("viewers are not told to show the title")
    missing = KIND_SPECS[job.kind].form_fields - facts.field_names
    if missing:
        problems.append(f"form fields missing: {', '.join(sorted(missing))}")
    if problems:
        raise TemplateError(
            "the typeset PDF breaks the press's promises: " + "; ".join(problems),
            document.rendered.template_file,
        )


def _check_length(document: TypesetDocument, options: BuildOptions) -> None:
    """A kind with a page limit (the consent summary's two) is refused past it, naming the content to shorten.

    The limit is for full-size pages: large print and a booklet's half-sheet pages take what they need.
    """
    job = document.rendered.job
    most = KIND_SPECS[job.kind].max_pages
    if most is None or options.large_print or options.imposition == "booklet" or document.pages <= most:
        return
    raise LayoutError(
        f"the {job.kind} for {job.practice.slug} is {document.pages} pages; it may have at most {most}: "
        f"keep detail out of it with `kinds:` on the sections it does not need",
        job.procedure.file,
    )
