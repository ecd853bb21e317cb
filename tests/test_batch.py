"""Batch builds: reproducible bytes, incremental rebuilds, shards, feedback, the report, the benchmark."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, make_project
from click.testing import CliRunner
from pypdf import PdfReader

from handoutpress import Selection, build
from handoutpress.cli import main
from handoutpress.kinds import KIND_SPECS, KINDS
from handoutpress.load import load_project
from handoutpress.options import BuildOptions
from handoutpress.paths import ProjectPaths
from handoutpress.plan import plan

PRACTICES = ("harbourside-spine", "lakeside-spine-care", "riverbend-spine")
# The fixture's kyphoplasty has the roles every registered kind requires, and each practice offers it.
ALL_DOCUMENTS = len(PRACTICES) * len(KINDS)


def hashes(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*.pdf"))}


def rebuilt(report) -> set[str]:
    return {d.name for d in report.built}


def cli(*args: str, root: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "handoutpress.cli", "build", "--root", str(root), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


# --- reproducible ------------------------------------------------------------------


def test_two_builds_and_jobs_1_vs_2_are_byte_identical(built, test_project, tmp_path):
    # One practice with its own font, one without; a tri-fold and a form.
    two = Selection(practices=("harbourside-spine", "riverbend-spine"), kinds=("brochure", "consent"))
    again = tmp_path / "again"
    assert build(test_project, two, out_dir=again, jobs=1).ok
    parallel = tmp_path / "parallel"
    assert build(test_project, two, out_dir=parallel, jobs=2).ok
    assert len(hashes(built)) == ALL_DOCUMENTS
    first = {
        name: digest for name, digest in hashes(built).items()
        if name.split("/")[0] in two.practices and name.rsplit("-", 1)[1].removesuffix(".pdf") in two.kinds
    }
    assert len(first) == len(two.practices) * len(two.kinds)
    assert hashes(again) == first == hashes(parallel)
    assert (again / "manifest.json").read_bytes() == (parallel / "manifest.json").read_bytes()


def test_pdfs_carry_no_build_time_and_a_stable_identifier(built):
    reader = PdfReader(built / "riverbend-spine/en/kyphoplasty-consent.pdf")
    assert reader.metadata["/CreationDate"].startswith("D:20261101")
    assert reader.metadata["/ModDate"].startswith("D:20261101")
    other = PdfReader(built / "harbourside-spine/en/kyphoplasty-consent.pdf")
    assert reader.trailer["/ID"][0] != other.trailer["/ID"][0]


# --- incremental ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_once(built, tmp_path_factory):
    """A project copy with the shared build's output inside it, for all the incremental tests."""
    project = make_project(tmp_path_factory.mktemp("built-once"))
    shutil.copytree(built, project / "out")
    return project


@pytest.fixture
def fresh(built_once, tmp_path):
    """A copy of the built project; tests change one thing and rebuild.

    The manifest names inputs relative to the project and outputs relative to
    the output folder, so a copy elsewhere is exactly as up to date.
    """
    project = tmp_path / "project"
    shutil.copytree(built_once, project, symlinks=True)
    return project, project / "out"


def test_a_noop_build_rebuilds_nothing(fresh):
    project, out = fresh
    before = hashes(out)
    report = build(project, out_dir=out)
    assert report.ok and rebuilt(report) == set() and len(report.skipped) == ALL_DOCUMENTS
    assert hashes(out) == before


def test_editing_a_partial_rebuilds_exactly_the_documents_that_use_it(fresh):
    project, out = fresh
    partial = project / "templates/partials/contact.html.j2"  # in every kind but the consent summary
    partial.write_text(partial.read_text() + "\n")
    report = build(project, out_dir=out)
    using = set(KINDS) - {"consent"}
    assert using == {"brochure", "preparation", "discharge"}
    assert rebuilt(report) == {f"{s}/en/kyphoplasty-{k}.pdf" for s in PRACTICES for k in using}


def test_an_interrupted_build_records_what_it_made_and_leaves_the_rest_for_the_next(fresh):
    """The live preview cuts a pass short for a newer save: nothing is lost, nothing is called up to date that is not."""
    project, out = fresh
    css = project / "templates/css/discharge.css"  # one document per practice
    css.write_text(css.read_text() + "\nbody { letter-spacing: 0; }\n")
    first = build(project, out_dir=out, jobs=1, interrupt=lambda: True)
    assert len(first.built) == 1 and not first.removed and first.ok
    rest = build(project, out_dir=out)
    assert rebuilt(rest) | rebuilt(first) == {f"{slug}/en/kyphoplasty-discharge.pdf" for slug in PRACTICES}
    assert not rebuilt(rest) & rebuilt(first) and len(rebuilt(rest)) == len(PRACTICES) - 1


def test_touching_a_template_without_changing_it_rebuilds_nothing(fresh):
    project, out = fresh
    os.utime(project / "templates/consent.html.j2")
    assert rebuilt(build(project, out_dir=out)) == set()


def test_editing_a_stylesheet_rebuilds_its_kind_only(fresh):
    project, out = fresh
    css = project / "templates/css/discharge.css"
    css.write_text(css.read_text() + "\n.follow-up-table th { font-weight: 700; }\n")
    report = build(project, out_dir=out)
    assert rebuilt(report) == {f"{s}/en/kyphoplasty-discharge.pdf" for s in PRACTICES}


def test_editing_a_practice_font_rebuilds_only_that_practice(fresh):
    project, out = fresh
    font = project / "content/practices/harbourside-spine/fonts/lexend-latin-700-normal.woff2"
    font.write_bytes(font.read_bytes())  # the same bytes: nothing to do
    assert rebuilt(build(project, out_dir=out)) == set()
    font.write_bytes((project / "content/practices/harbourside-spine/fonts/lexend-latin-400-normal.woff2").read_bytes())
    report = build(project, out_dir=out)
    assert rebuilt(report) == {f"harbourside-spine/en/kyphoplasty-{k}.pdf" for k in KINDS}


def test_changing_one_practice_rebuilds_only_its_documents(fresh):
    project, out = fresh
    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text().replace("(555) 010-2000", "(555) 010-2001"))
    report = build(project, out_dir=out)
    assert rebuilt(report) == {f"riverbend-spine/en/kyphoplasty-{k}.pdf" for k in KINDS}


def test_a_new_override_file_rebuilds_that_practice(fresh):
    project, out = fresh
    folder = project / "templates/practices/riverbend-spine"
    folder.mkdir(parents=True)
    (folder / "practice.css").write_text("h2 { color: #000000; }\n")
    assert {name.split("/")[0] for name in rebuilt(build(project, out_dir=out))} == {"riverbend-spine"}


def test_a_file_saved_while_a_build_runs_is_not_recorded_as_made_into_it(fresh):
    """The live preview's editor saves while a build works: the documents made from the earlier text are made again.

    The build reads the procedure when it starts and hashes it for the
    manifest as each document is finished; saved in between, the new hash was
    recorded beside PDFs of the old text, and every later build called them
    up to date.
    """
    project, out = fresh
    procedure = project / "content/procedures/kyphoplasty/en.yaml"
    original = procedure.read_text(encoding="utf-8")
    procedure.write_text(original.replace("title: Kyphoplasty", "title: Kyphoplasty first", 1), encoding="utf-8")

    def save_again(result) -> None:
        if "saved later" not in procedure.read_text(encoding="utf-8"):
            procedure.write_text(original.replace("title: Kyphoplasty", "title: Kyphoplasty saved later", 1), encoding="utf-8")

    two = Selection(practices=("riverbend-spine",), kinds=("preparation", "discharge"))
    first = build(project, two, out_dir=out, jobs=1, on_result=save_again)
    assert len(first.built) == 2
    build(project, two, out_dir=out, jobs=1)
    titles = {name: PdfReader(out / name).metadata.title for name in rebuilt(first)}
    assert all("saved later" in title for title in titles.values()), titles
    assert rebuilt(build(project, two, out_dir=out)) == set()


def test_a_deleted_or_hand_edited_output_is_rebuilt(fresh):
    project, out = fresh
    deleted = out / "riverbend-spine/en/kyphoplasty-consent.pdf"
    deleted.unlink()
    edited = out / "harbourside-spine/en/kyphoplasty-discharge.pdf"
    edited.write_bytes(edited.read_bytes() + b"% edited by hand\n")
    report = build(project, out_dir=out)
    assert rebuilt(report) == {"riverbend-spine/en/kyphoplasty-consent.pdf", "harbourside-spine/en/kyphoplasty-discharge.pdf"}
    assert deleted.exists()


def test_other_options_or_force_rebuild_everything(fresh):
    project, out = fresh
    one = Selection(practices=("riverbend-spine",))
    large = BuildOptions(large_print=True)
    assert len(build(project, one, out_dir=out, options=large).built) == len(KINDS)
    assert len(build(project, one, out_dir=out, options=large).built) == 0
    assert len(build(project, one, out_dir=out, options=large, force=True).built) == len(KINDS)


def test_the_manifest_records_every_input(fresh):
    _, out = fresh
    manifest = json.loads((out / "manifest.json").read_text())
    entry = next(e for e in manifest["documents"] if e["path"] == "harbourside-spine/en/kyphoplasty-consent.pdf")
    for expected in (
        "content/procedures/kyphoplasty/en.yaml",
        "content/practices/harbourside-spine.yaml",
        "content/practices/harbourside-spine/logo.svg",
        "content/practices/harbourside-spine/fonts/lexend-latin-400-normal.woff2",
        "templates/consent.html.j2",
        "templates/base.html.j2",
        "templates/partials/blocks.html.j2",
        "templates/css/base.css",
        "templates/css/fonts.css",
        "templates/css/consent.css",
        "templates/i18n/en.yaml",
        "templates/practices/harbourside-spine/",
    ):
        assert expected in entry["inputs"], expected
    assert "templates/partials/contact.html.j2" not in entry["inputs"]  # only the other kinds include it
    assert "templates/css/discharge.css" not in entry["inputs"]


# --- shards -----------------------------------------------------------------------------


@pytest.mark.parametrize("shards", [2, 3, 5])
def test_shards_partition_the_documents(test_project, shards):
    project = load_project(ProjectPaths.at(test_project))
    everything = [str(job.output_name) for job in plan(project, Selection())]
    parts = [[str(job.output_name) for job in plan(project, Selection(shard=(k, shards)))] for k in range(1, shards + 1)]
    assert sorted(name for part in parts for name in part) == sorted(everything)
    assert sum(len(part) for part in parts) == len(everything)


def test_shard_builds_add_up_to_the_full_build(built, test_project, tmp_path):
    # The quickest kind in every practice: which documents a shard gets is shown for all of them above.
    quickest = min(KINDS, key=lambda kind: len(KIND_SPECS[kind].roles))
    union = {}
    for k in (1, 2):
        out = tmp_path / f"shard-{k}"
        report = build(test_project, Selection(shard=(k, 2), kinds=(quickest,)), out, jobs=1)
        assert report.ok and report.built
        union.update(hashes(out))
    assert union == {name: digest for name, digest in hashes(built).items() if name.endswith(f"-{quickest}.pdf")}
    assert len(union) == len(PRACTICES)


def test_a_bad_shard_is_a_usage_error(test_project):
    for value in ("0/2", "3/2", "one/two"):
        result = CliRunner().invoke(main, ["build", "--root", str(test_project), "--shard", value, "--out", "/tmp/never-written"])
        assert result.exit_code == 2
        assert "--shard" in result.output


# --- feedback and report ------------------------------------------------------------------


def test_ci_output_is_one_line_per_failure_and_one_summary(project, tmp_path):
    (project / "templates/discharge.html.j2").write_text("{% if %}\n")
    report_file = tmp_path / "report.json"
    two_kinds = ("-k", "consent", "-k", "discharge")  # one broken, one not: the count is the point, not every kind
    result = cli("--out", str(tmp_path / "out"), "--report", str(report_file), *two_kinds, root=project, env={"CI": "true"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 4, lines
    assert all(line.startswith("FAILED ") and "kyphoplasty-discharge.pdf" in line for line in lines[:3])
    others = len(PRACTICES)  # the consent summaries
    assert lines[3].startswith(f"{others} built, 0 up to date, 3 failed, 0 file errors in ")
    assert result.stdout == ""

    report = json.loads(report_file.read_text())
    assert (report["built"], report["skipped"], report["failed"]) == (others, 0, 3)
    assert report["removed"] == report["set_aside"] == []
    for record in report["documents"]:
        assert set(record) == {
            "path", "status", "pages", "bytes", "sha256", "milliseconds", "peak_memory_kb", "error", "warning",
            "code", "version", "review_status", "overdue_since", "translation", "stale_notice",
        }
        assert record["code"].startswith("KYPH-") and record["code"].endswith("-en")
        assert (record["version"], record["review_status"], record["overdue_since"]) == ("2026-11-01", "reviewed", None)
        assert (record["translation"], record["stale_notice"]) == (None, False)  # English: no translation to be out of date
        pdf = tmp_path / "out" / record["path"]
        if record["status"] == "built":
            data = pdf.read_bytes()
            assert record["sha256"] == hashlib.sha256(data).hexdigest()
            assert record["bytes"] == len(data)
            assert record["pages"] == len(PdfReader(pdf).pages)
            assert record["error"] is None and record["milliseconds"] > 0
        else:
            assert record["status"] == "failed" and not pdf.exists()
            assert record["error"].startswith("templates/discharge.html.j2: line 1:")


def test_the_benchmark_runs_in_small_mode():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/bench.py"), "--small"], capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr
    for figure in (
        "documents per second, --jobs 1",
        "press (default jobs) vs weasyprint command loop",
        "pipeline overhead: time per document, --jobs 1 / raw",
        "no-op rebuild of the whole matrix",
        "rebuild after one practice file changes",
        "worker memory growth for 2x the documents",
    ):
        assert figure in result.stdout
    # The small matrix: one procedure, one practice, one language, one kind.
    assert "matrix: 1 procedures x 1 kinds x 1 practices x 1 languages = 1 documents" in result.stdout
    assert "(0 built, 1 up to date, 0 failed" in result.stdout
    assert "(1 built, 0 up to date, 0 failed" in result.stdout
