"""Inline markup in content: **bold**, *italic* and line breaks, and nothing else.

Content is untrusted. markdown-it-py parses with every rule off but emphasis
and line breaks, and with HTML off, so ``<script>``, links, images, headings
and lists in a field are printed as the characters they are, escaped.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

_INLINE = MarkdownIt("zero", {"html": False, "breaks": True}).enable(["emphasis", "newline", "escape"])


MAX_CACHED_CHARACTERS = 4000  # a content field's longest text


def inline(text: str) -> Markup:
    """One field's text as safe HTML, without a surrounding paragraph.

    Content fields repeat across documents, so short texts are cached; a
    long string a template made itself is not, so it cannot fill a worker's
    memory for the documents after it.
    """
    text = str(text)
    if len(text) <= MAX_CACHED_CHARACTERS:
        return _cached_inline(text)
    return _render(text)


@lru_cache(maxsize=4096)
def _cached_inline(text: str) -> Markup:
    return _render(text)


def _render(text: str) -> Markup:
    return Markup(_INLINE.renderInline(text).rstrip("\n"))
