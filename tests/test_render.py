"""A practice template Python cannot compile fails that practice's documents, never the build."""

from __future__ import annotations

from handoutpress import Selection, build, check

LOOPS = 25  # CPython refuses more than 20 statically nested blocks


def test_a_template_nested_past_pythons_limit_fails_only_its_practice(project):
    folder = project / "templates/practices/riverbend-spine"
    folder.mkdir(parents=True)
    body = "{% for a in [1] %}" * LOOPS + "x" + "{% endfor %}" * LOOPS
    override = folder / "consent.html.j2"
    override.write_text('{% extends "default/consent.html.j2" %}{% block signatures %}' + body + "{% endblock %}\n")
    report = build(project, Selection(kinds=("consent",)), project / "out")
    failed = {d.name: d.error.describe(project) for d in report.failed}
    assert list(failed) == ["riverbend-spine/en/kyphoplasty-consent.pdf"], failed
    assert failed["riverbend-spine/en/kyphoplasty-consent.pdf"].startswith(
        "templates/practices/riverbend-spine/consent.html.j2: is nested too deeply to compile"
    )
    assert {d.name for d in report.built} == {"harbourside-spine/en/kyphoplasty-consent.pdf", "lakeside-spine-care/en/kyphoplasty-consent.pdf"}
    errors = [e.describe(project) for e in check(project, typeset=False).errors]
    assert any(e.startswith("templates/practices/riverbend-spine/consent.html.j2: is nested too deeply") for e in errors), errors
