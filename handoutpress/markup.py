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


@lru_cache(maxsize=4096)
def inline(text: str) -> Markup:
    """One field's text as safe HTML, without a surrounding paragraph."""
    return Markup(_INLINE.renderInline(text).rstrip("\n"))
