"""Editors validate as people type: the committed JSON Schema is the models' own, and the shipped files pass it."""

from __future__ import annotations

import datetime
import json

import jsonschema
import pytest
import yaml
from conftest import ROOT, FIXTURE

from handoutpress.schema import SCHEMAS, schema_text

FILES = {"procedure": "content/procedures/*/*.yaml", "practice": "content/practices/*.yaml"}


def plain(value):
    """YAML's dates as the strings the schema describes."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value.isoformat() if isinstance(value, datetime.date) else value


@pytest.mark.parametrize("name", SCHEMAS)
def test_the_committed_schema_is_the_models_own(name):
    committed = (ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(name), "run `python build.py schema` and commit schemas/"


@pytest.mark.parametrize("name", SCHEMAS)
def test_shipped_and_test_files_pass_their_schema_and_point_at_it(name):
    validator = jsonschema.Draft202012Validator(json.loads(schema_text(name)))
    files = sorted(ROOT.glob(FILES[name])) + sorted(FIXTURE.glob(FILES[name]))
    assert files
    for file in files:
        text = file.read_text(encoding="utf-8")
        errors = [error.message for error in validator.iter_errors(plain(yaml.safe_load(text)))]
        assert errors == [], f"{file}: {errors}"
        if file.is_relative_to(ROOT / "content"):
            depth = len(file.relative_to(ROOT).parts) - 1
            assert text.startswith(f"# yaml-language-server: $schema={'../' * depth}schemas/{name}.schema.json\n"), file


def test_the_schema_refuses_what_the_loader_refuses():
    validator = jsonschema.Draft202012Validator(json.loads(schema_text("procedure")))
    section = {"role": "about", "blocks": [{"paragraf": "typo"}]}
    assert list(validator.iter_errors({"sections": [section]}))
