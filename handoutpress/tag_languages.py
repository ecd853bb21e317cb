"""A change of language inside a page, carried into the PDF's structure tree.

A screen reader takes a PDF's language from ``/Lang``: the document's in the
catalog, and an element's own where it differs. WeasyPrint writes the
catalog's only, so "Tylenol" inside an Arabic paragraph would be read with
Arabic rules, whatever ``lang`` the HTML gives it (``bidi`` gives the Latin
runs of a translation the language it was translated from).

WeasyPrint builds the structure tree in ``weasyprint.pdf.tags._build_box_tree``,
one element per box; the press wraps that function so the element made for a
``<span lang="...">`` carries its ``/Lang``. Nothing else of the tree changes,
and the wrapper is installed once, when the typesetter is imported.
tests/test_languages.py reads the ``/Lang`` back from a built PDF, so a
WeasyPrint upgrade that renames the function fails there, not silently.
"""

from __future__ import annotations

import re

import pydyf
from weasyprint.pdf import tags as _weasyprint_tags

from .models import LANG_PATTERN

_LANG = re.compile(LANG_PATTERN)


def _own_language(box) -> str | None:
    element = getattr(box, "element", None)
    if element is None or getattr(box, "element_tag", None) != "span":
        return None
    lang = element.get("lang")
    return lang if lang is not None and _LANG.match(lang) else None


def install() -> None:
    original = _weasyprint_tags._build_box_tree
    if getattr(original, "carries_span_languages", False):
        return

    def build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
        lang = _own_language(box)
        for element in original(box, parent, pdf, page_number, nums, annotations, tags):
            if lang is not None and element.get("S") == "/Span":
                element["Lang"] = pydyf.String(lang)
            yield element

    build_box_tree.carries_span_languages = True
    _weasyprint_tags._build_box_tree = build_box_tree
