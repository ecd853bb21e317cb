"""What a template author may use is listed, and a misspelt block is an error, not a silent no-op."""

from __future__ import annotations

from click.testing import CliRunner

from handoutpress import Selection, build, check
from handoutpress.cli import main
from handoutpress.kinds import KIND_SPECS

OVERRIDE = "templates/practices/lakeside-spine-care/brochure.html.j2"


def test_a_misspelt_block_in_an_override_is_an_error_naming_the_line(project):
    override = project / OVERRIDE
    text = override.read_text()
    override.write_text(text.replace("{% block cover %}", "{% block covr %}"))
    line = next(n for n, row in enumerate(override.read_text().splitlines(), 1) if "block covr" in row)
    expected = (
        f"{OVERRIDE}: line {line}: block 'covr' is not a block of default/brochure.html.j2; did you mean 'cover'?"
    )
    assert any(e.describe(project).startswith(expected) for e in check(project, typeset=False).errors)
    report = build(project, Selection(practices=("lakeside-spine-care",), kinds=("brochure", "consent")), project / "out")
    assert [d.name for d in report.failed] == ["lakeside-spine-care/en/kyphoplasty-brochure.pdf"]
    assert report.failed[0].error.describe(project).startswith(expected)


def test_templates_lists_each_kinds_blocks_and_the_variables(project):
    result = CliRunner().invoke(main, ["templates", "--practice", "lakeside-spine-care", "--root", str(project)])
    assert result.exit_code == 0, result.output
    assert "brochure.html.j2: replaces templates/brochure.html.j2" in result.output
    for spec in KIND_SPECS.values():
        assert f"  {spec.template}: " in result.output
    assert "cover" in result.output.split("brochure.html.j2: ", 2)[2].splitlines()[0]
    for variable in ("sections[].blocks[].type", "sections[].heading", "procedure.name_in_sentence", "practice.identity.phone", "texts.arrival"):
        assert f"\n  {variable}\n" in result.output, variable
