#!/usr/bin/env python3
"""Build every handout: ``python build.py`` (see ``python build.py --help``)."""

from pathlib import Path

from handoutpress.cli import main

if __name__ == "__main__":
    here = str(Path(__file__).resolve().parent)
    defaults = {command: {"root": here} for command in ("build", "check", "new-practice", "templates", "gallery", "serve")}
    defaults["translations"] = {command: {"root": here} for command in ("stamp", "export", "import")}
    main(default_map=defaults)
