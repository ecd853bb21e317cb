"""Shared fixtures: the real project built once, and throwaway copies to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pdfs import page_texts, pdf_text  # noqa: F401  (re-exported for older tests)

from handoutpress import build

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The repository's own content and templates, built once into a temporary folder."""
    out = tmp_path_factory.mktemp("output")
    report = build(ROOT, out_dir=out)
    assert report.ok, [e.describe() for e in report.failures]
    return out


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project's content and templates that a test may change."""
    for folder in ("content", "templates"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path
