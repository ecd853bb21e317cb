"""Stage 5, finish: hold the typeset PDF to the promises, then impose it if asked.

Every handout must be tagged and carry its title, language, author and
subject, and a consent summary must carry its form fields. Checking the bytes
that will be written, rather than trusting the options passed to WeasyPrint,
catches a template or a WeasyPrint upgrade that quietly drops one of them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader

from .errors import TemplateError
from .impose import impose_booklet
from .options import BuildOptions
from .typeset import TypesetDocument

REQUIRED_FIELDS = {
    "consent": {"patient_name"}
    | {f"{role}_{part}" for role in ("patient", "physician", "witness", "interpreter") for part in ("signature", "date")},
    "discharge": {"follow_up_date", "follow_up_time", "follow_up_with"},
}


@dataclass(frozen=True)
class FinishedDocument:
    typeset: TypesetDocument
    pdf: bytes
    pages: int
    form_fields: frozenset[str]


def finish(document: TypesetDocument, options: BuildOptions = BuildOptions()) -> FinishedDocument:
    _check_promises(document)
    pdf = document.pdf
    if options.imposition == "booklet":
        pdf = impose_booklet(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    fields = frozenset(reader.get_fields() or {})
    return FinishedDocument(typeset=document, pdf=pdf, pages=len(reader.pages), form_fields=fields)


def _check_promises(document: TypesetDocument) -> None:
    reader = PdfReader(io.BytesIO(document.pdf))
    catalog = reader.trailer["/Root"]
    info = reader.metadata or {}
    job = document.rendered.job
    problems = []
    for key in ("/Title", "/Author", "/Subject"):
        if not info.get(key):
            problems.append(f"no {key} in the document information")
    if catalog.get("/Lang") != job.lang:
        problems.append(f"/Lang is {catalog.get('/Lang')!r}, not {job.lang!r}")
    if "/StructTreeRoot" not in catalog or not catalog.get("/MarkInfo", {}).get("/Marked"):
        problems.append("the PDF is not tagged")
    if not catalog.get("/ViewerPreferences", {}).get("/DisplayDocTitle"):
        problems.append("viewers are not told to show the title")
    fields = frozenset(reader.get_fields() or {})
    missing = REQUIRED_FIELDS.get(job.kind, set()) - fields
    if missing:
        problems.append(f"form fields missing: {', '.join(sorted(missing))}")
    if problems:
        raise TemplateError(
            "the typeset PDF breaks the press's promises: " + "; ".join(problems),
            f"templates/{job.kind}.html.j2",
        )
