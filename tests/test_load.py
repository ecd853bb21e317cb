"""Errors an editor can act on: every problem in a file at once, each with its line and what was wanted."""

from __future__ import annotations

import pytest

import yaml
from conftest import FIXTURE, ROOT

from handoutpress import check
from handoutpress import load as load_module
from handoutpress.errors import ContentError, FileProblems
from handoutpress.load import MAX_DEPTH, _compose, _FastStrictLoader, _StrictLoader, read_yaml, validate
from handoutpress.models import Procedure

BROKEN_PROCEDURE = """\
id: sample
lang: en
title: Sample
name_in_sentence: a sample
tagline: A sample.
specialty: testing
revew: {}
review: {reviewed_by: A, reviewed_on: 2026-13-01x, next_review: 2027-01-01, status: drafty, source: S}
sections:
  - role: abut
    titel: x
    blocks:
      - paragraf: hello
      - bullets: just one text
      - table: {header: [a, b], rows: [[x]]}
      - callout: {tone: warn, txt: t}
      - timeline: [{when: 1 day, what: [fine]}]
      - paragraph: [a, list]
"""

EXPECTED = [
    "line 7: revew: unknown field; did you mean 'review'?",
    "line 8: review.reviewed_on: '2026-13-01x' is not a date; write dates as year-month-day, for example 2027-11-01",
    "line 8: review.status: 'drafty' is not one of: draft, reviewed; did you mean 'draft'?",
    "line 10: sections[0].role: 'abut' is not one of: about, why, benefits, before, preparation, on_the_day, steps, "
    "recovery, risks, warning_signs, alternatives, results, follow_up, questions; did you mean 'about'?",
    "line 11: sections[0].titel: unknown field; did you mean 'title'?",
    "line 13: sections[0].blocks[0]: unknown block type 'paragraf'; did you mean 'paragraph'? (one of: paragraph, "
    "bullets, steps, timeline, schedule, table, checklist, do_dont, callout, figure, definition, practice_text)",
    "line 14: sections[0].blocks[1].bullets: should be a list (each item on its own line, starting with '- '), not a single text",
    "line 15: sections[0].blocks[2].table: row 1 has 1 cells; the header has 2",
    "line 16: sections[0].blocks[3].callout.tone: 'warn' is not one of: important, warning, tip; did you mean 'warning'?",
    "line 16: sections[0].blocks[3].callout.text: this field is required but missing",
    "line 16: sections[0].blocks[3].callout.txt: unknown field; did you mean 'text'?",
    "line 18: sections[0].blocks[5].paragraph: should be one text, not a list; join the items into one text or remove the '- '",
]


def test_every_problem_in_a_procedure_file_is_reported_at_once(tmp_path):
    file = tmp_path / "en.yaml"
    file.write_text(BROKEN_PROCEDURE)
    with pytest.raises(FileProblems) as raised:
        validate(Procedure, file)
    got = [f"{problem.where}: {problem.message}" for problem in raised.value.problems]
    assert sorted(got) == sorted(EXPECTED)
    assert [p.where for p in raised.value.problems] == sorted((p.where for p in raised.value.problems), key=lambda w: int(w.split()[1].rstrip(":")))


def errors_after_editing_riverbend(project, *replacements: tuple[str, str]) -> list[str]:
    """``check``'s problems after replacing text in the Riverbend practice file."""
    practice = project / "content/practices/riverbend-spine.yaml"
    text = practice.read_text()
    for old, new in replacements:
        text = text.replace(old, new)
    practice.write_text(text)
    return [e.describe(project) for e in check(project, typeset=False).errors]


def test_check_reports_each_problem_on_its_own_line(project):
    errors = errors_after_editing_riverbend(project, ("size: letter", "size: tabloid"), ("brand:\n", "brand:\n  colour: red\n"))
    mine = [e for e in errors if e.startswith("content/practices/riverbend-spine.yaml: ")]
    assert len(mine) == 2, errors
    assert any("brand.colour: unknown field; did you mean 'colours'?" in e for e in mine), mine
    assert any("page.size: 'tabloid' is not one of: letter, a4" in e for e in mine), mine


def test_every_failing_contrast_pair_is_named_with_the_nearest_passing_shade(project):
    errors = errors_after_editing_riverbend(project, ('text: "#1a1a1a"', 'text: "#999999"'), ('primary: "#1d4e89"', 'primary: "#ffff00"'))
    assert "content/practices/riverbend-spine.yaml: brand.colours.text: contrast of body text (#999999 on #ffffff) is 2.85:1; WCAG 2.1 AA needs at least 4.5:1; the nearest shade that passes is #757575" in errors
    primary = [e for e in errors if "brand.colours.primary: contrast of white text on the primary colour (#ffffff on #ffff00)" in e]
    assert primary and primary[0].endswith("the nearest shade that passes is #7a7a00"), errors


def test_an_offer_of_a_procedure_that_does_not_exist_suggests_the_nearest(project):
    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text().replace("  - procedure: kyphoplasty\n", "  - procedure: kyphoplasty\n  - procedure: kyphoplsty\n"))
    errors = [e.describe(project) for e in check(project, typeset=False).errors]
    line = next(n for n, row in enumerate(practice.read_text().splitlines(), 1) if "kyphoplsty" in row)
    assert (
        f"content/practices/riverbend-spine.yaml: line {line}: offers[1].procedure: no procedure 'kyphoplsty'; "
        "did you mean 'kyphoplasty'? (known: kyphoplasty)"
    ) in errors, errors


def test_a_practice_text_without_a_default_is_named_on_its_line_with_the_nearest_slot(project):
    content = project / "content/procedures/kyphoplasty/en.yaml"
    content.write_text(content.read_text().replace("practice_text: arrival", "practice_text: arival", 1))
    line = next(n for n, row in enumerate(content.read_text().splitlines(), 1) if "practice_text: arival" in row)
    errors = [e.describe(project) for e in check(project, typeset=False).errors]
    assert any(
        e.startswith(f"content/procedures/kyphoplasty/en.yaml: line {line}: sections[")
        and e.endswith("practice_text: practice_text 'arival' has no default under practice_defaults; did you mean 'arrival'?")
        for e in errors
    ), errors


def test_check_reads_a_procedure_no_practice_offers_and_build_ignores_it(project):
    from handoutpress import build

    folder = project / "content/procedures/not-offered"
    folder.mkdir()
    (folder / "en.yaml").write_text("id: not-offered\nlang: en\ntitle: [broken\n")
    errors = [e.describe(project) for e in check(project, typeset=False).errors]
    assert any(e.startswith("content/procedures/not-offered/en.yaml: ") for e in errors), errors
    from handoutpress import Selection

    assert build(project, Selection(kinds=("consent",)), project / "out").ok


# --- two YAML parsers, one reading ---------------------------------------------------------------

YAML_FILES = sorted((FIXTURE / "content").rglob("*.yaml")) + sorted((ROOT / "content").rglob("*.yaml"))


def _positions(node) -> list[tuple[str, int, int, int, int]]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        mark, end = current.start_mark, current.end_mark
        found.append((current.tag, mark.line, mark.column, end.line, end.column))
        if isinstance(current, yaml.MappingNode):
            stack.extend(part for pair in current.value for part in pair)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return found


@pytest.mark.parametrize("file", YAML_FILES, ids=lambda file: str(file.relative_to(ROOT)))
def test_libyaml_reads_every_content_file_as_the_python_parser_does(file):
    """libyaml parses (fifteen times quicker); the data and every line and column must be what PyYAML's own gives."""
    text = file.read_text(encoding="utf-8")
    loader, fast_node = _compose(text)
    assert isinstance(loader, _FastStrictLoader)
    reference = _StrictLoader(text)
    reference_node = reference.get_single_node()
    assert _positions(fast_node) == _positions(reference_node)
    assert loader.construct_document(fast_node) == reference.construct_document(reference_node)


@pytest.mark.parametrize(
    "text",
    [
        "a: [1, 2\n",
        'a: "not closed\n',
        "a:\n\t- tab\n",
        "a: &anchor 1\nb: *anchor\n",
        "a: 1\na: 2\n",
        "on: 2026-02-30\n",
        "--- 1\n--- 2\n",
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n",
        "a: {b: [c, {d: e}]}\nf: |\n  text\n",
    ],
)
def test_a_yaml_error_reads_the_same_whichever_parser_is_installed(tmp_path, monkeypatch, text):
    file = tmp_path / "file.yaml"
    file.write_text(text, encoding="utf-8")

    def reading():
        try:
            return read_yaml(file)[0]
        except ContentError as error:
            return error.describe()

    with_libyaml = reading()
    monkeypatch.setattr(load_module, "CParser", None)
    assert reading() == with_libyaml
