"""Left-to-right runs inside right-to-left handouts, isolated by the press, not by whoever writes content.

WeasyPrint lays out Arabic right to left, but it ignores ``<bdi>``,
``unicode-bidi`` and ``dir="auto"``, and it orders a phone number's digit
groups and adjacent left-to-right inline boxes right to left:
``<b>Tylenol</b> <i>500 mg</i>`` prints as "mg 500 Tylenol" and
"(555) 010-2000" as "2000-010 (555)". A dose printed backwards is a safety
risk, so every run of Latin letters and digits in the body of a
right-to-left document is put in one ``<span dir="ltr">``, which WeasyPrint
does keep in order, across the bold and italic tags of one run.

The rendered HTML is rewritten, not the content, so practice wording,
interface wording and a contractor's template are covered alike. Only text
between tags changes; tags and attributes are left as they are. A run that
has Latin letters also gets the ``lang`` of the language it was written in,
so a screen reader speaks "Tylenol" as a name, not as Arabic.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_left, bisect_right
from functools import lru_cache

# A tag ends at the first ">" outside a quoted attribute value: title="a > b" is
# one tag, not a tag and the text 'b">' (which would get a span inside the attribute).
# Possessive, and no "<" outside quotes, so a stray "<" costs one step, not a scan to the end.
_TOKENS = re.compile(r"""(<!--.*?-->|<(?:[^<>"']++|"[^"]*+"|'[^']*+')*+>)""", re.DOTALL)
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)")
# Elements whose content the HTML parser takes as text, not markup: a span put in one prints as "<span dir=...>".
_RAW_TEXT = frozenset({"style", "script", "title", "textarea", "xmp", "iframe", "noembed", "noframes", "plaintext"})
# Phrasing elements a run may go on through; any other tag ends the line of text
# (a link's number and the " ext. 12" after it would otherwise be two runs, printed swapped).
_INLINE = frozenset({
    "b", "strong", "i", "em", "span", "small", "sub", "sup", "u", "mark", "abbr", "cite", "q", "s",
    "a", "code", "kbd", "samp", "var", "time", "data", "dfn", "bdi", "bdo", "ins", "del", "label",
})

# A run starts with a Latin letter or a digit (or a bracket or sign before
# one: "(555)", "+44"), may go on through spaces and the punctuation of
# numbers, names and email addresses, and ends on a letter, digit, closing
# bracket or percent sign, so the sentence's own full stop stays outside. Chinese characters are
# left to right too, but they are the document's own text, not a run in it.
_STRONG = "L"
_NUMBER = "EN"
_INSIDE = frozenset({"L", "EN", "ES", "ET", "CS", "WS", "NSM", "BN"})
# @ and _: an email address is one run, not "example.org@name"; the Arabic decimal and
# thousands separators (U+066B, U+066C) join Western digits too: "1٫5 mL", never "5 mL٫1".
# En and em dashes, number signs and middle dots too: "5–10 mg" printed as "10 mg – 5".
_INSIDE_OTHER = frozenset("()[]'’&/\"@_\u066b\u066c–—#·")
_OPENERS = frozenset("(+[#")
_CLOSERS = frozenset(")]%")


@lru_cache(maxsize=4096)
def _class(character: str) -> str:
    return unicodedata.bidirectional(character)


@lru_cache(maxsize=4096)
def _is_latin(character: str) -> bool:
    return unicodedata.name(character, "").startswith("LATIN ")


def _is_start(character: str) -> bool:
    return _class(character) == _NUMBER or (_class(character) == _STRONG and _is_latin(character))


def _may_continue(character: str) -> bool:
    if character in "\n\r\t":
        return False
    kind = _class(character)
    if kind == _STRONG:
        return _is_latin(character)
    return kind in _INSIDE or character in _INSIDE_OTHER


def _may_end(character: str) -> bool:
    return _is_start(character) or character in _CLOSERS


def ltr_runs(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each left-to-right run in plain text."""
    runs = []
    index, length = 0, len(text)
    while index < length:
        start = index
        if text[index] in _OPENERS and index + 1 < length and _is_start(text[index + 1]):
            index += 1
        if not _is_start(text[index]):
            index = start + 1
            continue
        end = index + 1
        last_good = end
        while end < length and _may_continue(text[end]):
            end += 1
            if _may_end(text[end - 1]):
                last_good = end
        runs.append((start, last_good))
        index = last_good
    return runs


def _has_letters(text: str) -> bool:
    return any(_is_latin(c) and c.isalpha() for c in text)


def isolate_ltr_runs(document: str, lang: str | None = None) -> str:
    """The HTML with each left-to-right run of its body in a ``<span dir="ltr">``.

    ``lang`` is given to runs with letters in them (``None``: no ``lang``).
    A run that goes on through inline tags (``**Tylenol** *500 mg*``) is
    wrapped whole, tags and all, where they open and close inside it;
    otherwise each of its pieces is wrapped alone.
    """
    # HTML may spell <BODY> or leave the tag out (a practice's own template): the
    # body then starts where the parser starts it, and the head's only text is raw.
    body = re.search(r"<body[\s>/]", document, re.IGNORECASE)
    start = body.start() if body is not None else 0
    tokens = _TOKENS.split(document[start:])
    out: list[str] = [document[:start]]
    line: list[tuple[str, str]] = []  # ("text", plain) and ("tag", html) items between block boundaries
    raw_until: str | None = None
    for number, token in enumerate(tokens):
        if not token:
            continue
        if number % 2 == 0:
            if raw_until is None:
                line.append(("text", html.unescape(token)))
            else:
                out.append(token)
            continue
        match = _TAG_NAME.match(token)
        name, closing = (match[2].lower(), bool(match[1])) if match else ("", False)
        if raw_until is not None:
            raw_until = None if closing and name == raw_until else raw_until
            out.append(token)
        elif match and name in _INLINE:
            line.append(("tag", token))
        else:
            out.append(_isolated_line(line, lang))
            line = []
            out.append(token)
            if name in _RAW_TEXT and not closing:
                raw_until = name
    out.append(_isolated_line(line, lang))
    return "".join(out)


def _isolated_line(items: list[tuple[str, str]], lang: str | None) -> str:
    """Text and inline tags as HTML, with the runs of their joined text wrapped."""
    if not items:
        return ""
    text = "".join(value for kind, value in items if kind == "text")
    offsets, position = [], 0  # each item's offset in the joined text
    for kind, value in items:
        offsets.append(position)
        if kind == "text":
            position += len(value)
    inserts: list[tuple[int, int, str]] = []  # (item index, offset within a text item, marker)
    for start, end in ltr_runs(text):
        placed = _place(items, offsets, start, end)
        marker = _open(text[start:end], lang)
        if placed is not None:
            (first, first_at), (last, last_at) = placed
            inserts.append((first, first_at, marker))
            inserts.append((last, last_at, "</span>"))
            continue
        for index in range(_text_at(items, offsets, start), bisect_left(offsets, end)):  # tags do not pair up: each piece alone
            kind, value = items[index]
            if kind != "text":
                continue
            lo, hi = max(start, offsets[index]), min(end, offsets[index] + len(value))
            while lo < hi and text[lo].isspace():  # a space at a piece's edge stays between the pieces:
                lo += 1  # inside, it moves to the piece's far side ("500 mgTylenol")
            while lo < hi and text[hi - 1].isspace():
                hi -= 1
            if lo < hi:
                inserts.append((index, lo - offsets[index], _open(text[lo:hi], lang)))
                inserts.append((index, hi - offsets[index], "</span>"))
    by_item: dict[int, list[tuple[int, str]]] = {}
    for index, at, marker in inserts:
        by_item.setdefault(index, []).append((at, marker))
    out = []
    for index, (kind, value) in enumerate(items):
        markers = by_item.get(index, [])
        if kind == "tag":
            # a span taking the tag in opens before it, or closes after it
            out.extend(marker for _, marker in markers if marker != "</span>")
            out.append(value)
            out.extend(marker for _, marker in markers if marker == "</span>")
            continue
        position = 0
        for at, marker in markers:  # in the order they were made: by offset, closing before opening
            out.append(_escape(value[position:at]))
            out.append(marker)
            position = at
        out.append(_escape(value[position:]))
    return "".join(out)


def _place(items, offsets, start: int, end: int):
    """Where a run's span opens and closes so that the tags inside it pair up, or None.

    Returns ``((item, offset), (item, offset))``: a text item and the offset in
    it, or a tag item (offset unused) the span opens before or closes after.
    """
    # offsets never decrease, so the items at or inside the run are one slice of them:
    # a paragraph of many runs costs each run its own items, not the paragraph's
    near = range(bisect_left(offsets, start), bisect_right(offsets, end))
    inside = [i for i in near if items[i][0] == "tag" and start < offsets[i] < end]
    before = [i for i in near if items[i][0] == "tag" and offsets[i] == start]
    after = [i for i in near if items[i][0] == "tag" and offsets[i] == end]
    for take_before in range(len(before) + 1):
        for take_after in range(len(after) + 1):
            chosen = before[len(before) - take_before:] + inside + after[:take_after]
            if _balanced([items[i][1] for i in chosen]):
                return _first(items, offsets, start, before, take_before), _last(items, offsets, end, after, take_after)
    return None


def _first(items, offsets, start, before, take):
    if take:
        return before[len(before) - take], -1
    index = _text_at(items, offsets, start)
    return index, start - offsets[index]


def _last(items, offsets, end, after, take):
    if take:
        return after[take - 1], -2
    index = bisect_left(offsets, end) - 1  # the text item the run's last character is in
    while items[index][0] != "text":
        index -= 1
    return index, end - offsets[index]


def _text_at(items, offsets, position: int) -> int:
    """The text item the character at ``position`` of the joined text is in (text items are never empty)."""
    index = bisect_right(offsets, position) - 1
    while items[index][0] != "text":
        index -= 1
    return index


def _balanced(tags: list[str]) -> bool:
    depth = 0
    for tag in tags:
        match = _TAG_NAME.match(tag)
        if match is None or tag.rstrip().endswith("/>"):
            continue
        depth += -1 if match[1] else 1
        if depth < 0:
            return False
    return depth == 0


def _open(text: str, lang: str | None) -> str:
    language = f' lang="{html.escape(lang)}"' if lang and _has_letters(text) else ""
    return f'<span dir="ltr"{language}>'


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
