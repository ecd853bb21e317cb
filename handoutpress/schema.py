"""JSON Schema for the files people write, so editors check and complete them as they type.

Generated from the same models the loader validates with, so the schema and
the press never disagree. Each shipped file starts with a
``# yaml-language-server: $schema=...`` line pointing at its schema, which
VS Code (with the YAML extension) and other editors read.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .models import Practice, Procedure
from .write import write_atomic

SCHEMAS: dict[str, type[BaseModel]] = {"procedure": Procedure, "practice": Practice}


def schema_text(name: str) -> str:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{name}.schema.json",
        **SCHEMAS[name].model_json_schema(),
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write one ``<name>.schema.json`` per kind of file into ``folder``; return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMAS:
        target = folder / f"{name}.schema.json"
        write_atomic(target, schema_text(name).encode("utf-8"))
        written.append(target)
    return written
