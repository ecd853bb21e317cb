"""Shared fixtures: the test project built once, and throwaway copies to break.

Tests build ``tests/project/`` (its own procedure and three practices) over the
shared templates, never the shipped ``content/``: the shipped content is free to
grow without changing what any test expects. Only ``test_shipped_content.py``
reads the shipped content, for what it must say.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest
import yaml
from pdfs import page_texts, pdf_text  # noqa: F401  (re-exported for older tests)

from handoutpress import build

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "project"


def make_project(dest: Path, practices: tuple[str, ...] | None = None, cjk_fonts: bool = False) -> Path:
    """Lay the test project over the shared templates at *dest*.

    *practices* keeps only those of the fixture's practices (and their
    overrides): loading fewer practices keeps the many small tests fast.
    The Chinese faces (66 MB) are copied only where *cjk_fonts* asks.
    """
    skipped = ("practices",) if cjk_fonts else ("practices", "noto-sans-cjk")
    shutil.copytree(ROOT / "templates", dest / "templates", ignore=shutil.ignore_patterns(*skipped))
    shutil.copytree(FIXTURE, dest, dirs_exist_ok=True)
    if practices is not None:
        for folder in (dest / "content/practices", dest / "templates/practices"):
            for entry in folder.iterdir():
                if entry.name.removesuffix(".yaml") not in practices:
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return dest


def add_language(practice_file: Path, lang: str, marker: str | None = None) -> None:
    """Give a practice's patient-facing wording in *lang* too (its own words after *marker*), so it may build handouts in *lang*."""
    data = yaml.safe_load(practice_file.read_text(encoding="utf-8"))
    own = data.get("language", "en")
    marker = f"[{lang}]" if marker is None else marker

    def both(value):
        return {own: value, lang: f"{marker} {value}"} if isinstance(value, str) else {**value, lang: f"{marker} {next(iter(value.values()))}"}

    identity = data["identity"]
    identity["emergency"] = both(identity["emergency"])
    for physician in identity.get("physicians", []):
        if physician.get("role"):
            physician["role"] = both(physician["role"])
    data["brand"]["logo"]["alt"] = both(data["brand"]["logo"]["alt"])
    data["texts"] = {slot: both(text) for slot, text in data.get("texts", {}).items()}
    data["questions"] = [both(question) for question in data.get("questions", [])]
    for offer in data.get("offers", []):
        offer["texts"] = {slot: both(text) for slot, text in offer.get("texts", {}).items()}
    practice_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="session")
def test_project(tmp_path_factory) -> Path:
    """The test project, laid out once, for tests that only read or build it."""
    return make_project(tmp_path_factory.mktemp("test-project"))


@pytest.fixture(scope="session")
def built(test_project, tmp_path_factory) -> Path:
    """The test project built once into a temporary folder, shared by every test worker.

    Its PDFs and manifest do not depend on where the project lies (the
    manifest names inputs relative to it), so the first worker to need them
    builds them and the others wait for it and read the same folder.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # unset without xdist: nothing to share with
    shared = tmp_path_factory.getbasetemp().parent if worker else tmp_path_factory.getbasetemp()
    out, done = shared / "built-output", shared / "built-output.done"
    with open(shared / "built-output.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(out, ignore_errors=True)
            report = build(test_project, out_dir=out)
            assert report.ok, [e.describe() for e in report.failures]
            done.touch()
    return out


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the test project that a test may change."""
    return make_project(tmp_path)
