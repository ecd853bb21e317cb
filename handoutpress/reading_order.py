"""The tri-fold's tags in the order a patient reads the folded leaflet.

Part of typesetting: WeasyPrint tags in source order, and the tri-fold's
source order is dictated by which side each panel is printed on.
"""

from __future__ import annotations

import pydyf
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder


def tag_back_panel_last(document, pdf: pydyf.PDF) -> None:
    """Move the back panel's tags after the inside panels, where a patient reads it.

    The outside side must come first in the HTML to be printed on the first
    side, so WeasyPrint tags it cover, flap, back, then the inside; no CSS can
    move content to an earlier page. Only the structure tree is changed: the
    back panel's element, with its whole subtree, moves from the outside
    side's /K to just after the inside side's element. MCIDs, the parent tree
    and the page content stay as they were, so the pages print identically.

    WeasyPrint's struct elements carry no class or id, so they are found by
    walking the box tree and the structure tree side by side, the way
    WeasyPrint built one from the other; the panels are named by their
    classes rather than by position or heading text, so a practice may
    override any block. A template without a back panel or an inside side is
    left in source order.
    """
    if len(document.pages) != 2:
        return
    outside, inside = (page._page_box for page in document.pages)
    back_path = next(_paths_to_class(outside, "panel-back"), None)
    inside_path = next(_paths_to_class(inside, "inside"), None)
    if back_path is None or inside_path is None:
        return
    root = pdf.objects[_number(pdf.catalog["StructTreeRoot"])]
    tops = _struct_kids(pdf, pdf.objects[_number(root["K"][0])])
    outside_count = len(list(_tagged_children(outside)))
    back = _struct_element(pdf, outside, tops[:outside_count], back_path)
    inside_element = _struct_element(pdf, inside, tops[outside_count:], inside_path)
    old_parent = pdf.objects[_number(back["P"])]
    new_parent = pdf.objects[_number(inside_element["P"])]
    old_parent["K"].remove(back.reference)
    new_parent["K"].insert(new_parent["K"].index(inside_element.reference) + 1, back.reference)
    back["P"] = new_parent.reference


def _paths_to_class(box, class_name: str, path: tuple = ()):
    """Each div with the class below ``box``, as the boxes leading down to it."""
    for child in _tagged_children(box):
        if is_div_with_class(child, class_name):
            yield (*path, child)
        else:
            yield from _paths_to_class(child, class_name, (*path, child))


def _tagged_children(box):
    """The boxes whose struct elements WeasyPrint's tagging puts in ``box``'s element, in order.

    Mirrors weasyprint.pdf.tags._build_box_tree: line boxes and the html and
    body boxes add no element of their own, margin boxes are left out of the
    tree, and an absolutely placed box is tagged where its placeholder is.
    """
    for child in getattr(box, "children", ()):
        for child in child.children if isinstance(child, boxes.LineBox) else [child]:
            if isinstance(child, AbsolutePlaceholder):
                child = child._box
            if isinstance(child, boxes.MarginBox):
                continue
            if child.element is not None and child.element_tag in ("html", "body"):
                yield from _tagged_children(child)
            else:
                yield child


def _struct_element(pdf: pydyf.PDF, page_box, elements: list[pydyf.Dictionary], path: tuple) -> pydyf.Dictionary:
    """The struct element of the last box of ``path``, the boxes leading down to it from ``page_box``."""
    element = None
    for parent, box in zip((page_box, *path), path):
        siblings = list(_tagged_children(parent))
        if len(siblings) != len(elements):
            break
        element = elements[siblings.index(box)]
        elements = _struct_kids(pdf, element)
    else:
        if element["S"] == "/Div":
            return element
    raise RuntimeError("WeasyPrint's tags no longer follow its boxes; the tri-fold cannot be tagged in fold order")


def _struct_kids(pdf: pydyf.PDF, element: pydyf.Dictionary) -> list[pydyf.Dictionary]:
    """The struct elements made for the box's children (not its link or form annotations)."""
    kids = (pdf.objects[_number(kid)] for kid in element["K"] if isinstance(kid, bytes))
    return [kid for kid in kids if kid.get("Type") == "/StructElem" and kid.get("S") != "/Form"]


def _number(reference: bytes) -> int:
    return int(reference.split()[0])


def is_div_with_class(box, class_name: str) -> bool:
    element = getattr(box, "element", None)
    return element is not None and class_name in element.get("class", "").split() and box.element_tag == "div"
