"""Nothing read that should not be, nothing lost, nothing half-written."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, make_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from click.testing import CliRunner

from handoutpress import Selection, build
from handoutpress.cli import main
from handoutpress.feedback import Feedback
from handoutpress.pipeline import BuildReport, DocumentResult
from handoutpress.assets import check_svg
from handoutpress.digest import FileHasher
from handoutpress.errors import ContentError, FetchError, OutputError
from handoutpress.fetch import MAX_DATA_URL_BYTES, ConfinedFetcher, RefusedFetch
from handoutpress.kinds import KIND_SPECS, KINDS
from handoutpress.load import MAX_FILE_BYTES, _resolve_asset, load_practice, load_procedure, read_yaml
from handoutpress.paths import ProjectPaths
from handoutpress.write import LOCK_NAME, OutputLock, remove_abandoned_temporary_files, sha256, write_atomic

# --- YAML loading ---------------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30), st.dates()
)
keys = st.sampled_from(["identity", "brand", "page", "name", "phone", "colours", "primary", "size", "texts", "x"])
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5), max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=documents)
def test_random_yaml_gives_a_model_or_the_press_error(tmp_path, data):
    practice = tmp_path / "content/practices/random.yaml"
    practice.parent.mkdir(parents=True, exist_ok=True)
    practice.write_text(yaml.safe_dump(data, allow_unicode=True))
    try:
        load_practice(practice, ProjectPaths.at(tmp_path))
    except ContentError as error:
        assert error.file == practice and error.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(lambda text: text.encode("utf-8")))
def test_random_bytes_give_a_model_or_the_press_error(tmp_path, raw):
    procedure = tmp_path / "content/procedures/random/en.yaml"
    procedure.parent.mkdir(parents=True, exist_ok=True)
    procedure.write_bytes(raw)
    try:
        load_procedure(procedure)
    except ContentError as error:
        assert error.file == procedure and error.message


def test_bom_windows_line_endings_and_tabs_in_values_are_fine(tmp_path):
    file = tmp_path / "file.yaml"
    file.write_bytes(b"\xef\xbb\xbfname: Riverbend\r\nnote: \"a\ttab\"\r\n")
    assert read_yaml(file)[0] == {"name": "Riverbend", "note": "a\ttab"}


def test_an_oversized_file_is_refused_before_it_is_parsed(tmp_path):
    file = tmp_path / "big.yaml"
    file.write_text("x: " + "a" * MAX_FILE_BYTES)
    with pytest.raises(ContentError, match="content files may be at most"):
        read_yaml(file)


def test_an_alias_bomb_fails_fast(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 12)]
    file = tmp_path / "bomb.yaml"
    file.write_text("\n".join(lines) + "\n")
    started = time.perf_counter()
    with pytest.raises(ContentError, match="anchors and aliases"):
        read_yaml(file)
    assert time.perf_counter() - started < 5


# --- the fetcher ----------------------------------------------------------------------------


@pytest.fixture
def fetcher():
    paths = ProjectPaths.at(ROOT)
    return ConfinedFetcher(paths.readable_roots, (paths.templates,))


@pytest.mark.parametrize(
    "url, reason",
    [
        ("file:///etc/hostname", "outside the project"),
        (f"file://{ROOT.parent}/secret.txt", "outside the project"),
        (f"file://{ROOT}/pyproject.toml", "outside the project"),
        (f"file://{ROOT}/templates/../build.py", "outside the project"),
        ("file://evil.example/etc/hostname", "other hosts"),
        ("http://127.0.0.1/", "http URLs are not allowed"),
        ("https://example.org/x.png", "https URLs are not allowed"),
        ("ftp://example.org/x.png", "ftp URLs are not allowed"),
        ("gopher://example.org/", "gopher URLs are not allowed"),
        ("data:text/plain;base64," + "A" * (MAX_DATA_URL_BYTES + 1), "larger than"),
    ],
)
def test_the_fetcher_refuses(fetcher, url, reason):
    with pytest.raises(RefusedFetch) as refused:
        fetcher.fetch(url)
    assert reason in refused.value.reason


def test_the_fetcher_serves_project_files_and_small_data(fetcher):
    css = fetcher.fetch((ROOT / "templates/css/base.css").as_uri())
    assert b"@page" in css.read()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_a_refused_fetch_names_the_url_and_no_pdf_is_written(project, tmp_path):
    overrides = project / "templates/practices/riverbend-spine"
    overrides.mkdir(parents=True)
    (overrides / "practice.css").write_text("@import url(file:///etc/hostname);\n")
    out = tmp_path / "out"
    report = build(project, Selection(practices=("riverbend-spine",), kinds=("consent",)), out)
    (error,) = report.failures
    assert isinstance(error, FetchError)
    assert "'file:///etc/hostname', which was refused" in error.message
    assert not (out / "riverbend-spine/en/kyphoplasty-consent.pdf").exists()


# --- writing ------------------------------------------------------------------------------------


def test_an_unwritable_output_folder_is_a_clear_error(project, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be")
    result = subprocess.run(
        [sys.executable, "-m", "handoutpress.cli", "build", "--root", str(project), "--out", str(blocker / "out"), "--jobs", "1"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "cannot write here (Not a directory)" in result.stderr


def test_a_full_disk_is_a_clear_error_and_leaves_the_old_file(monkeypatch, tmp_path):
    destination = tmp_path / "handout.pdf"
    destination.write_bytes(b"%PDF old complete file")
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, stream):
            self.stream = stream

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: FullDisk(real_fdopen(fd, mode)))

    with pytest.raises(OutputError, match="No space left on device"):
        write_atomic(destination, b"%PDF new")
    assert destination.read_bytes() == b"%PDF old complete file"
    assert [p.name for p in tmp_path.iterdir()] == ["handout.pdf"]


def test_a_build_killed_midway_leaves_only_complete_pdfs(project, tmp_path):
    out = tmp_path / "out"
    # Six documents, enough to be killed among; the two quickest kinds, which any edit to the title changes.
    kinds = sorted(KINDS, key=lambda kind: len(KIND_SPECS[kind].roles))[:2]
    assert build(project, Selection(kinds=kinds), out_dir=out).ok
    old = {e["path"]: e["sha256"] for e in json.loads((out / "manifest.json").read_text())["documents"]}
    assert len(old) == 6

    content = project / "content/procedures/kyphoplasty/en.yaml"
    content.write_text(content.read_text().replace("\ntitle: Kyphoplasty\n", "\ntitle: Kyphoplasty treatment\n"))
    command = [sys.executable, "-m", "handoutpress.cli", "build", "--root", str(project), "--out", str(out), "--jobs", "1", "-v", *(f"--kind={kind}" for kind in kinds)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for _ in range(3):  # let a few documents be replaced, then kill it in the middle of the rest
        process.stdout.readline()
    process.send_signal(signal.SIGKILL)
    process.wait()

    after_kill = {}
    for path in out.rglob("*.pdf"):
        assert len(PdfReader(path).pages) >= 1
        after_kill[str(path.relative_to(out))] = sha256(path.read_bytes())

    report = build(project, Selection(kinds=kinds), out_dir=out)  # the next build repairs the rest
    assert report.ok
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    new = {e["path"]: e["sha256"] for e in json.loads((out / "manifest.json").read_text())["documents"]}
    assert set(after_kill) == set(old) == set(new)
    replaced = [name for name, digest in after_kill.items() if digest == new[name] != old[name]]
    assert replaced, "the build was killed before it replaced anything"
    for name, digest in after_kill.items():
        assert digest in (old[name], new[name]), f"{name} is neither the old nor the new complete file"
    for name, digest in new.items():
        assert sha256((out / name).read_bytes()) == digest


def test_fail_fast_stops_at_the_first_failure(project, tmp_path):
    (project / "templates/brochure.html.j2").write_text("{{ nothing_here }}\n")
    report = build(project, out_dir=tmp_path / "out", jobs=1, fail_fast=True)
    assert len(report.failed) == 1 and len(report.built) == 0


# --- what is printed ----------------------------------------------------------------------------

FORGED = "\n::error::forged\x1b[2J"


def _assert_one_line_each(output: str, errors: int) -> None:
    lines = output.splitlines()
    assert len([line for line in lines if line.startswith(("ERROR", "FAILED"))]) == errors, output
    assert not [line for line in lines if line.startswith("::error::")], output
    assert "\x1b" not in output


def test_a_file_name_or_value_cannot_forge_lines_in_the_log(project):
    practices = project / "content/practices"
    (practices / f"bad{FORGED}.yaml").write_text("identity: {}\n")
    practice = practices / "riverbend-spine.yaml"
    practice.write_text(practice.read_text() + '"extra\\n::error::forged\\e[2J": 1\n')
    result = CliRunner().invoke(main, ["check", "--no-typeset", "--root", str(project)])
    assert result.exit_code == 1
    _assert_one_line_each(result.output, errors=2)
    assert "bad\\n::error::forged\\x1b[2J.yaml" in result.output


def test_the_build_summary_and_failures_are_one_line_each(tmp_path, capsys):
    error = ContentError(f"no such thing{FORGED}", tmp_path / f"file{FORGED}.yaml", f"line 1: key{FORGED}")
    report = BuildReport(
        tmp_path / f"out{FORGED}",
        file_errors=[error],
        documents=[DocumentResult(f"a{FORGED}.pdf", "failed", error=error)],
    )
    feedback = Feedback(tmp_path, verbose=True)
    feedback.result(report.documents[0])
    feedback.finish(report)
    captured = capsys.readouterr()
    _assert_one_line_each(captured.out + captured.err, errors=2)


def test_newlines_tabs_and_balanced_bidi_isolates_are_text(tmp_path):
    file = tmp_path / "file.yaml"
    file.write_text('note: "a\\tb\\nc \\u2067\\u05e9\\u05dc\\u05d5\\u05dd\\u2069 \\u2066\\u2068x\\u2069\\u2069"\n')
    assert read_yaml(file)[0] == {"note": "a\tb\nc \u2067\u05e9\u05dc\u05d5\u05dd\u2069 \u2066\u2068x\u2069\u2069"}


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ('"k\\e": x\n', "line 1: k\\x1b: contains the control character U+001B (ESCAPE)"),
        ('a: [x, "\\x9b"]\n', "line 1: a[1]: contains the control character U+009B"),
        ('a: {b: "\\u202Ax"}\n', "line 1: a.b: contains the control character U+202A (LEFT-TO-RIGHT EMBEDDING)"),
        ('a: "\\u2069\\u2066"\n', "line 1: a: closes a bidi isolate that was never opened"),
        ("a:\n  - !!binary AAE=\n", "line 2: a[0]: is binary data (!!binary)"),
    ],
)
def test_dangerous_characters_are_refused_anywhere(tmp_path, yaml_text, message):
    file = tmp_path / "file.yaml"
    file.write_text(yaml_text)
    with pytest.raises(ContentError) as refused:
        read_yaml(file)
    assert message in refused.value.describe()


def test_an_unusable_asset_path_is_a_content_error(tmp_path):
    practice = tmp_path / "content/practices/p.yaml"
    practice.parent.mkdir(parents=True)
    with pytest.raises(ContentError, match="is not a usable file name"):
        _resolve_asset("logo\0.svg", practice, ProjectPaths.at(tmp_path), "brand.logo.file")


# --- images and fonts ---------------------------------------------------------------------------

SVG_DECLARING_ENTITIES_IN_UTF16 = (
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE svg [<!ENTITY n "x">]>'
    '<svg xmlns="http://www.w3.org/2000/svg">&n;</svg>'
).encode("utf-16")


def png_bomb(side: int) -> bytes:
    """A file of a few kilobytes that decodes to side x side pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = zlib.compress(b"\0" * ((side + 7) // 8 + 1) * side, 9)
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_a_png_bomb_logo_is_refused_before_it_is_decoded(project):
    (project / "content/practices/riverbend-spine/logo.png").write_bytes(png_bomb(13000))
    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text().replace("riverbend-spine/logo.svg", "riverbend-spine/logo.png"))
    started = time.perf_counter()
    with pytest.raises(ContentError, match="is 13000 x 13000 pixels; an image may have at most 25,000,000"):
        load_practice(practice, ProjectPaths.at(project))
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("huge.png", png_bomb(13000), "is 13000 x 13000 pixels; an image may have at most 25,000,000"),
        ("mark.svg", SVG_DECLARING_ENTITIES_IN_UTF16, "declares a DOCTYPE or entities"),
    ],
)
def test_the_fetcher_refuses_huge_images_and_svg_declarations_in_any_encoding(tmp_path, name, data, reason):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(RefusedFetch) as refused:
        ConfinedFetcher((tmp_path,)).fetch((tmp_path / name).as_uri())
    assert reason in refused.value.reason


# --- the manifest -------------------------------------------------------------------------------

QUICKEST_KIND = min(KINDS, key=lambda kind: len(KIND_SPECS[kind].roles))
ONE_DOCUMENT = Selection(practices=("riverbend-spine",), kinds=(QUICKEST_KIND,))
ONE_NAME = f"riverbend-spine/en/kyphoplasty-{QUICKEST_KIND}.pdf"


@pytest.fixture(scope="module")
def one_document_built(tmp_path_factory) -> Path:
    """A project with its one document built into ``out/`` inside it, made once for the module."""
    project = make_project(tmp_path_factory.mktemp("one-document"))
    assert build(project, ONE_DOCUMENT, project / "out", jobs=1).ok
    return project


@pytest.fixture
def built_once(one_document_built, tmp_path):
    """A copy of that project and its output, its one manifest record, and a file outside the project."""
    project = tmp_path / "project"
    shutil.copytree(one_document_built, project, symlinks=True)
    out = project / "out"
    (record,) = json.loads((out / "manifest.json").read_text())["documents"]
    outside = tmp_path / "outside.txt"
    outside.write_text("not the project's")
    return project, out, record, outside


def _documents(*records) -> str:
    return json.dumps({"documents": list(records)})


HOSTILE_MANIFESTS = {
    "nested too deep": lambda record, outside: '{"documents": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "not an object": lambda record, outside: "[1, 2]",
    "documents not a list": lambda record, outside: json.dumps({"documents": {"a": record}}),
    "absolute path": lambda record, outside: _documents({**record, "path": str(outside.parent / "project/out" / record["path"])}),
    "path through ..": lambda record, outside: _documents({**record, "path": f"../out/{record['path']}"}),
    "path with NUL": lambda record, outside: _documents({**record, "path": record["path"] + "\0"}),
    "path not its document": lambda record, outside: _documents({**record, "kind": "brochure"}),
    "pages a string": lambda record, outside: _documents({**record, "pages": str(record["pages"])}),
    "inputs a list": lambda record, outside: _documents({**record, "inputs": list(record["inputs"])}),
    "unknown field": lambda record, outside: _documents({**record, "extra": 1}),
    "input outside by ..": lambda record, outside: _documents(
        {**record, "inputs": {**record["inputs"], "../outside.txt": sha256(outside.read_bytes())}}
    ),
    "input outside by absolute name": lambda record, outside: _documents(
        {**record, "inputs": {**record["inputs"], str(outside): sha256(outside.read_bytes())}}
    ),
}


@pytest.mark.parametrize("case", HOSTILE_MANIFESTS)
def test_a_hostile_manifest_entry_is_dropped_and_its_document_rebuilt(built_once, monkeypatch, case):
    project, out, record, outside = built_once
    (out / "manifest.json").write_text(HOSTILE_MANIFESTS[case](record, outside))
    read = []
    real_hasher = FileHasher.__call__
    monkeypatch.setattr(FileHasher, "__call__", lambda self, path: read.append(path) or real_hasher(self, path))

    report = build(project, ONE_DOCUMENT, out, jobs=1)

    assert [document.status for document in report.documents] == ["built"]
    assert json.loads((out / "manifest.json").read_text())["documents"] == [record]
    assert all(path.resolve().is_relative_to(project) or path.resolve().is_relative_to(out) for path in read)


def test_a_good_entry_beside_a_bad_one_is_kept(built_once):
    project, out, record, outside = built_once
    (out / "manifest.json").write_text(_documents({**record, "path": "/etc/hostname"}, record))
    report = build(project, ONE_DOCUMENT, out, jobs=1)
    assert [document.status for document in report.documents] == ["skipped"]


def test_an_oversized_or_linked_manifest_is_not_read(built_once, monkeypatch):
    project, out, record, outside = built_once
    manifest = out / "manifest.json"
    monkeypatch.setattr("handoutpress.write.MAX_MANIFEST_BYTES", 100)
    assert [d.status for d in build(project, ONE_DOCUMENT, out, jobs=1).documents] == ["built"]
    monkeypatch.undo()

    outside.write_text(manifest.read_text())
    manifest.unlink()
    manifest.symlink_to(outside)
    assert [d.status for d in build(project, ONE_DOCUMENT, out, jobs=1).documents] == ["built"]
    assert not manifest.is_symlink()


# --- one build at a time ------------------------------------------------------------------------


def test_a_build_waits_for_the_one_writing_and_then_gives_up(project, tmp_path):
    out = tmp_path / "out"
    with OutputLock(out):
        started = time.perf_counter()
        with pytest.raises(OutputError, match="another build is writing to this folder; waited 0.5 s"):
            build(project, ONE_DOCUMENT, out, jobs=1, lock_wait=0.5)
        assert time.perf_counter() - started >= 0.5
    report = build(project, ONE_DOCUMENT, out, jobs=1)
    assert report.ok
    assert remove_abandoned_temporary_files(out) == []
    assert (out / LOCK_NAME).is_file()
    assert [entry["path"] for entry in json.loads((out / "manifest.json").read_text())["documents"]] == [ONE_NAME]


def test_two_builds_into_one_folder_keep_both_practices(project, tmp_path):
    out = tmp_path / "out"
    builds = [
        subprocess.Popen(
            [sys.executable, "-m", "handoutpress.cli", "build", "--root", str(project), "--out", str(out), "--jobs", "1", "-k", QUICKEST_KIND, "--practice", slug],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for slug in ("riverbend-spine", "lakeside-spine-care")
    ]
    for process in builds:
        assert process.wait(timeout=120) == 0, process.stderr.read()
    recorded = {entry["path"] for entry in json.loads((out / "manifest.json").read_text())["documents"]}
    assert recorded == {f"{slug}/en/kyphoplasty-{QUICKEST_KIND}.pdf" for slug in ("riverbend-spine", "lakeside-spine-care")}


@pytest.mark.parametrize(
    "data, reason",
    [
        (SVG_DECLARING_ENTITIES_IN_UTF16, "declares a DOCTYPE or entities"),
        (b'<?xml version="1.0" encoding="cp1252"?><!DOCTYPE svg SYSTEM "file:///etc/passwd"><svg/>', "declares a DOCTYPE"),
        (b'<?xml version="1.0" encoding="no-such-encoding"?><svg/>', "is not a valid SVG image (unknown encoding"),
        (b'<html xmlns="http://www.w3.org/2000/svg"/>', "is not an SVG image (its root is <html>)"),
    ],
)
def test_an_svg_is_parsed_not_searched(data, reason):
    assert reason in check_svg(data)
