"""The corpus of broken and hostile inputs under tests/corpus/.

Each case is a folder: ``files/`` holds project files laid over a copy of the
project (with the valid practice ``hostile`` from ``_base/`` added first), and
``expect.txt`` the message the press must print. Every case must end with exit
status 1 and that message from both ``build`` and ``check``, never a
traceback; the practice that was not broken must still be built; and no PDF
may contain the text of a file outside the project.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURE, make_project
from pdfs import pdf_text

from handoutpress.cli import main

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))
SECRET = "press-corpus-secret-beside-the-project"


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.fixture
def hostile_project(tmp_path):
    project = make_project(tmp_path / "project", practices=("riverbend-spine",))
    shutil.copytree(CORPUS / "_base", project, dirs_exist_ok=True)
    (tmp_path / "secret.txt").write_text(SECRET)
    return project


@pytest.fixture(scope="module")
def good_output(tmp_path_factory) -> Path:
    """The good practice's documents, built once: each case starts from them, so only the broken one is typeset.

    Where a case leaves the good practice's inputs as they were, its documents
    are up to date and must stay so, not fail or vanish; test_limits and
    test_errors show that a failing document does not stop the next one in
    the same worker.
    """
    project = make_project(tmp_path_factory.mktemp("good-project"), practices=("riverbend-spine",))
    out = tmp_path_factory.mktemp("good-output")
    result = run(project, "build", "--root", str(project), "--out", str(out), "--jobs", "1")
    assert result.exit_code == 0, result.output
    return out


def run(project: Path, *args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


def expected_message(case: str) -> tuple[str, tuple[str, ...]]:
    lines = (CORPUS / case / "expect.txt").read_text(encoding="utf-8").splitlines()
    kinds = ("consent",)
    for line in lines[1:]:
        if line.startswith("kinds:"):
            kinds = tuple(line.removeprefix("kinds:").split())
    return lines[0], kinds


@pytest.mark.parametrize("case", CASES)
def test_corpus_case(hostile_project, good_output, tmp_path, case):
    project = hostile_project
    shutil.copytree(CORPUS / case / "files", project, dirs_exist_ok=True)
    message, kinds = expected_message(case)
    selection = ["--practice", "hostile", "--practice", "riverbend-spine", "-p", "kyphoplasty", "-p", "tiny"]
    if (project / "content/procedures/hostile").is_dir():
        selection += ["-p", "hostile"]
        with (project / "content/practices/hostile.yaml").open("a", encoding="utf-8") as practice:
            practice.write("  - procedure: hostile\n")
    for kind in kinds:
        selection += ["-k", kind]
    out = tmp_path / "out"
    shutil.copytree(good_output, out)

    built = run(project, "build", "--root", str(project), "--out", str(out), "--jobs", "1", *selection)
    assert built.exit_code == 1, built.output
    assert built.exception is None or isinstance(built.exception, SystemExit), repr(built.exception)
    assert "Traceback" not in built.output
    assert message in built.output, built.output

    assert (out / "riverbend-spine/en" / f"kyphoplasty-{kinds[0]}.pdf").is_file(), "the good practice's document is gone"
    assert not re.search(r"^FAILED +riverbend-spine/", built.output, re.MULTILINE), built.output
    listed = {entry["path"] for entry in json.loads((out / "manifest.json").read_text())["documents"]}
    assert f"riverbend-spine/en/kyphoplasty-{kinds[0]}.pdf" in listed
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").is_file() else None
    for pdf in out.rglob("*.pdf"):
        before = good_output / pdf.relative_to(out)
        if before.is_file() and before.read_bytes() == pdf.read_bytes():
            continue  # the good practice's document, as it was before the case
        text = pdf_text(pdf)
        assert SECRET not in text
        assert not hostname or hostname not in text.split()
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]

    # The good practice's documents were shown to build above; check only the broken one.
    hostile_only = selection[:2] + selection[4:]
    assert hostile_only[:2] == ["--practice", "hostile"] and "riverbend-spine" not in hostile_only
    # Most cases are found before layout; only those that are not need check to typeset.
    checked = run(project, "check", "--root", str(project), "--jobs", "1", "--no-typeset", *hostile_only)
    if message not in checked.output:
        checked = run(project, "check", "--root", str(project), "--jobs", "1", *hostile_only)
    assert checked.exit_code == 1, checked.output
    assert "Traceback" not in checked.output
    assert message in checked.output, checked.output


def test_content_text_is_escaped_not_interpreted(hostile_project, tmp_path):
    content = hostile_project / "content/procedures/kyphoplasty/en.yaml"
    text = content.read_text().replace(
        "tagline: A treatment for spine fractures caused by osteoporosis",
        'tagline: "<script>alert(1)</script><img src=\'file:///etc/hostname\'> & more"',
    )
    content.write_text(text)
    out = tmp_path / "out"
    result = run(hostile_project, "build", "--root", str(hostile_project), "--out", str(out), "--jobs", "1", "--practice", "riverbend-spine", "-k", "brochure")
    assert result.exit_code == 0, result.output
    text = pdf_text(out / "riverbend-spine/en/kyphoplasty-brochure.pdf").replace(" ", "")
    assert "<script>alert(1)</script><imgsrc='file:///etc/hostname'>&more" in text


def test_a_content_file_linked_from_outside_the_project_is_refused(hostile_project, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text((hostile_project / "content/practices/hostile.yaml").read_text())
    link = hostile_project / "content/practices/linked.yaml"
    link.symlink_to(outside)
    result = run(hostile_project, "check", "--root", str(hostile_project))
    assert result.exit_code == 1
    assert "content/practices/linked.yaml: is a link to a file outside the project's content; refused" in result.output


def test_a_practice_may_allow_a_host_explicitly(hostile_project, tmp_path):
    """The only way a document reaches the network: a host the practice names (here, a local server)."""
    import http.server
    import threading

    image = (FIXTURE / "content/practices/riverbend-spine/logo.svg").read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "image/svg+xml")
            self.end_headers()
            self.wfile.write(image)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host = f"127.0.0.1:{server.server_address[1]}"
        overrides = hostile_project / "templates/practices/hostile"
        overrides.mkdir(parents=True)
        (overrides / "consent.html.j2").write_text(
            '{% extends "default/consent.html.j2" %}\n'
            f'{{% block heading %}}<img src="http://{host}/map.svg" alt="Map">{{{{ super() }}}}{{% endblock %}}\n'
        )
        args = ["build", "--root", str(hostile_project), "--jobs", "1", "--practice", "hostile", "-k", "consent"]
        refused = run(hostile_project, *args, "--out", str(tmp_path / "refused"))
        assert refused.exit_code == 1
        assert (
            f"'http://{host}/map.svg', which was refused (http URLs are not allowed: the practice does not allow the host {host})"
            in refused.output
        )

        practice = hostile_project / "content/practices/hostile.yaml"
        practice.write_text(practice.read_text() + f"network:\n  allowed_hosts: ['{host}']\n")
        allowed = run(hostile_project, *args, "--out", str(tmp_path / "allowed"))
        assert allowed.exit_code == 0, allowed.output
    finally:
        server.shutdown()


def test_no_corpus_case_reaches_the_network(monkeypatch, hostile_project, tmp_path):
    """A refused URL is refused before any connection is tried."""
    def no_network(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    shutil.copytree(CORPUS / "css-http-image" / "files", hostile_project, dirs_exist_ok=True)
    result = run(hostile_project, "build", "--root", str(hostile_project), "--out", str(tmp_path / "out"), "--jobs", "1", "--practice", "hostile", "-k", "consent")
    assert result.exit_code == 1
    assert "https URLs are not allowed" in result.output
