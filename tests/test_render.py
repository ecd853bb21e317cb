"""A practice template Python cannot compile fails that practice's documents, never the build; errors name the file."""

from __future__ import annotations

import pytest
from conftest import make_project

from handoutpress import Selection, build, check
from handoutpress.errors import TemplateError
from handoutpress.load import load_project
from handoutpress.paths import ProjectPaths
from handoutpress.plan import Job
from handoutpress.render import Renderer, compile_shared_templates

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


def test_a_template_compiled_for_one_project_names_the_other_projects_file_in_its_errors(tmp_path):
    """Compiled templates are shared between projects with the same source; each error still names its own file."""
    broken = '{% extends "default/consent.html.j2" %}\n{% block signatures %}\n{{ no_such_variable }}\n{% endblock %}\n'
    failures = []
    for name in ("first", "second"):
        project = make_project(tmp_path / name, practices=("riverbend-spine",))
        folder = project / "templates/practices/riverbend-spine"
        folder.mkdir(parents=True)
        (folder / "consent.html.j2").write_text(broken)
        paths = ProjectPaths.at(project)
        compile_shared_templates(paths)
        loaded = load_project(paths)
        practice = loaded.practices["riverbend-spine"]
        job = Job(loaded.procedures[("kyphoplasty", "en")], practice, "consent", practice.data.offers[0])
        with pytest.raises(TemplateError) as raised:
            Renderer(paths).render(job)
        failures.append(raised.value)
    for name, failure in zip(("first", "second"), failures):
        assert failure.file == tmp_path / name / "templates/practices/riverbend-spine/consent.html.j2"
        assert failure.where == "line 3"
