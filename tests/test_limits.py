"""Trust: templates see only plain data, practices share nothing, and no document can hang or sink a build.

Every document is made in a worker process with a time and a memory limit,
also with ``--jobs 1`` and in ``check``; whatever goes wrong in one document
fails that document only, and the others are built and recorded.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from handoutpress import Selection, build
from handoutpress.cli import main
from handoutpress.kinds import KINDS
from handoutpress.context import PLAIN_SCALARS, Record, get_context
from handoutpress.load import load_project
from handoutpress.options import BuildOptions
from handoutpress.paths import ProjectPaths
from handoutpress.plan import plan
from handoutpress.render import Renderer

CONSENT = "riverbend-spine/en/kyphoplasty-consent.pdf"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def override(project: Path, slug: str, name: str, text: str) -> None:
    path = project / "templates/practices" / slug / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# --- templates see plain data ----------------------------------------------------------


def reachable(value, seen=None):
    """Every object a template can reach from ``value`` through data (fields, items, elements)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    yield value
    children = ()
    if isinstance(value, Record):
        children = [value[key] for key in value]
    elif isinstance(value, tuple):
        children = value
    for child in children:
        yield from reachable(child, seen)


def test_nothing_callable_in_the_context_leads_out(project):
    """Templates get strings, numbers, tuples and Records; the only methods are those of str, int, float and tuple."""
    paths = ProjectPaths.at(project)
    loaded = load_project(paths)
    renderer = Renderer(paths)
    jobs = plan(loaded, Selection())
    assert jobs
    kinds_seen = set()
    for job in jobs:
        strings, _ = renderer.strings_and_file(job.practice.slug, job.lang)
        context = get_context(job, strings, BuildOptions(print_marks=True), project / "templates")
        kinds_seen.add(job.kind)
        for value in reachable(tuple(context.values())):
            assert isinstance(value, (*PLAIN_SCALARS, tuple, Record)), type(value)
            for name in dir(value):
                if name.startswith("_"):
                    continue
                attribute = getattr(value, name)
                if isinstance(value, Record):
                    assert not callable(attribute) or isinstance(attribute, Record), (name, attribute)
                elif callable(attribute):
                    assert type(value) in (str, int, float, bool, tuple), (type(value), name)
                    assert hasattr(type(value), name), name  # a method of the builtin type itself
    assert kinds_seen == set(KINDS)


def test_template_data_is_read_only():
    record = Record({"name": "Riverbend"})
    with pytest.raises(AttributeError):
        record.name = "other"
    with pytest.raises(TypeError):
        record["name"] = "other"
    assert not [name for name in dir(record) if not name.startswith("_")]


# --- practices share nothing ------------------------------------------------------------


def test_one_practices_fonts_never_change_anothers_pdfs(project, tmp_path):
    """A practice built first in the same worker declares a family another practice uses, with other files."""
    alone = tmp_path / "alone"
    report = build(project, Selection(practices=("harbourside-spine",), kinds=("consent",)), out_dir=alone, jobs=1)
    assert report.ok, [e.describe() for e in report.failures]

    impostor = project / "content/practices/aardvark-clinic"
    impostor.mkdir()
    for name in ("atkinson-hyperlegible-next-700-normal.woff2", "OFL.txt"):
        shutil.copy(project / "templates/fonts/atkinson-hyperlegible-next" / name, impostor / name)
    text = (project / "content/practices/harbourside-spine.yaml").read_text()
    text = text.replace("harbourside-spine/fonts/lexend-latin-400-normal.woff2", "aardvark-clinic/atkinson-hyperlegible-next-700-normal.woff2")
    text = text.replace("harbourside-spine/fonts/lexend-latin-700-normal.woff2", "aardvark-clinic/atkinson-hyperlegible-next-700-normal.woff2")
    text = text.replace("harbourside-spine/fonts/OFL.txt", "aardvark-clinic/OFL.txt")
    (project / "content/practices/aardvark-clinic.yaml").write_text(text)
    shutil.copy(project / "content/practices/harbourside-spine/logo.svg", impostor / "logo.svg")
    (project / "content/practices/aardvark-clinic.yaml").write_text(text.replace("harbourside-spine/logo.svg", "aardvark-clinic/logo.svg"))

    together = tmp_path / "together"
    selection = Selection(practices=("aardvark-clinic", "harbourside-spine"), kinds=("consent",))
    report = build(project, selection, out_dir=together, jobs=1)
    assert report.ok, [e.describe() for e in report.failures]
    assert [d.name.split("/")[0] for d in report.built] == ["aardvark-clinic", "harbourside-spine"]
    name = "harbourside-spine/en/kyphoplasty-consent.pdf"
    assert (together / name).read_bytes() == (alone / name).read_bytes()


def test_an_image_inside_a_shared_svg_is_not_taken_for_an_attachment(project, tmp_path):
    """SVG images fetch their own images while the PDF is written; only real attachments are confined."""
    from PIL import Image

    Image.new("RGB", (20, 20), (200, 30, 30)).save(project / "templates/dot.png")
    (project / "templates/badge.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="40">'
        '<image xlink:href="dot.png" width="40" height="40"/></svg>'
    )
    override(
        project,
        "riverbend-spine",
        "consent.html.j2",
        '{% extends "default/consent.html.j2" %}\n{% block heading %}<img src="badge.svg" alt="">{{ super() }}{% endblock %}\n',
    )
    out = tmp_path / "out"
    report = build(project, Selection(practices=("riverbend-spine",), kinds=("consent",)), out_dir=out, jobs=1)
    assert report.ok, [e.describe() for e in report.failures]
    inputs = json.loads((out / "manifest.json").read_text())["documents"][0]["inputs"]
    assert "templates/dot.png" in inputs


# --- limits -------------------------------------------------------------------------------


def nested_use_svg(levels: int = 30, fan_out: int = 10) -> str:
    """A few kilobytes of SVG that expand to fan_out ** levels rectangles."""
    groups = "".join(
        f'<g id="l{i}">' + f'<use xlink:href="#l{i - 1}"/>' * fan_out + "</g>" for i in range(1, levels)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="50" height="50">'
        f'<defs><rect id="l0" width="1" height="1"/>{groups}</defs><use xlink:href="#l{levels - 1}"/></svg>'
    )


@pytest.fixture
def svg_bomb(project):
    svg = nested_use_svg()
    assert len(svg) < 8000
    override(project, "riverbend-spine", "bomb.svg", svg)
    override(
        project,
        "riverbend-spine",
        "consent.html.j2",
        '{% extends "default/consent.html.j2" %}\n{% block heading %}<img src="bomb.svg" alt="">{{ super() }}{% endblock %}\n',
    )
    return project


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_document_past_its_time_is_stopped_and_the_others_are_built(svg_bomb, tmp_path, jobs):
    out = tmp_path / "out"
    selection = ["-k", "consent", "-k", "discharge", "--practice", "riverbend-spine", "--practice", "harbourside-spine"]
    result = run("build", "--root", str(svg_bomb), "--out", str(out), "--jobs", jobs, "--timeout", "4", *selection)
    assert result.exit_code == 1, result.output
    assert f"FAILED {CONSENT}: stopped after 4 s, the time limit for one document (--timeout)" in result.output
    assert "3 built, 0 up to date, 1 failed" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["documents"]) == 3
    assert not (out / CONSENT).exists()


def test_check_stops_a_document_past_its_time(svg_bomb):
    result = run("check", "--root", str(svg_bomb), "--jobs", "1", "--timeout", "3", "--practice", "riverbend-spine", "-k", "consent")
    assert result.exit_code == 1
    assert "stopped after 3 s, the time limit for one document (--timeout)" in result.output


def test_a_document_past_its_memory_is_stopped(project, tmp_path, monkeypatch):
    from handoutpress import typeset

    real = typeset.Typesetter.typeset

    def greedy(self, rendered):
        if rendered.job.kind == "consent":
            hoard = bytearray(3 * 1024**3)  # noqa: F841  (3 GiB, past the 256 MiB allowed)
        return real(self, rendered)

    monkeypatch.setattr(typeset.Typesetter, "typeset", greedy)
    out = tmp_path / "out"
    result = run("build", "--root", str(project), "--out", str(out), "--jobs", "1", "--memory-limit", "256", "--practice", "riverbend-spine")
    assert result.exit_code == 1
    assert f"FAILED {CONSENT}: needed more than 256 MiB, the memory limit for one document (--memory-limit)" in result.output
    assert f"{len(KINDS) - 1} built, 0 up to date, 1 failed" in result.output  # every other kind is built


def test_a_worker_that_dies_fails_only_its_document(project, tmp_path, monkeypatch):
    from handoutpress import typeset

    real = typeset.Typesetter.typeset

    def dies(self, rendered):
        if rendered.job.kind == "consent":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, rendered)

    monkeypatch.setattr(typeset.Typesetter, "typeset", dies)
    out = tmp_path / "out"
    result = run("build", "--root", str(project), "--out", str(out), "--jobs", "1", "--practice", "riverbend-spine")
    assert result.exit_code == 1
    assert f"FAILED {CONSENT}: the process making it ended by signal SIGKILL" in result.output
    assert f"{len(KINDS) - 1} built, 0 up to date, 1 failed" in result.output  # every other kind is built


def test_any_exception_fails_only_its_document_and_debug_shows_the_traceback(project, tmp_path, monkeypatch):
    from handoutpress import finish

    real = finish.finish

    def broken(document, options):
        if document.rendered.job.kind == "discharge":
            raise KeyError("something no check foresaw")
        return real(document, options)

    monkeypatch.setattr(finish, "finish", broken)
    out = tmp_path / "out"
    args = ["build", "--root", str(project), "--out", str(out), "--jobs", "1", "--practice", "riverbend-spine"]
    result = run(*args)
    assert result.exit_code == 1
    assert "FAILED riverbend-spine/en/kyphoplasty-discharge.pdf: templates: could not be made (KeyError: 'something no check foresaw')" in result.output
    assert "Traceback" not in result.output
    assert len(json.loads((out / "manifest.json").read_text())["documents"]) == len(KINDS) - 1  # all but the discharge

    debug = run("--debug", *args[:4], str(tmp_path / "debug"), *args[5:])
    assert "Traceback (most recent call last)" in debug.output
    assert "KeyError: 'something no check foresaw'" in debug.output
