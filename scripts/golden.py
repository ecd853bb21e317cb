#!/usr/bin/env python3
"""`make golden`: draw the visual-regression documents again, approve the pictures, say what changed.

Builds the test project (tests/project) the way the tests do, compares each
document in tests/golden/documents.txt with its approved pictures, writes a
side-by-side picture of every changed page into test-results/visual/ for
review, and replaces the approved pictures. Commit them when the change is
meant; `git diff --stat tests/golden` shows which.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import make_project  # noqa: E402

from handoutpress import build  # noqa: E402
from handoutpress.visual import approve, compare, listed_documents  # noqa: E402

GOLDEN = ROOT / "tests/golden"
REPORT = ROOT / "test-results/visual"



def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        project = make_project(Path(folder) / "project")
        report = build(project)
        if not report.ok:
            for error in report.failures:
                print(f"ERROR  {error.describe(project)}", file=sys.stderr)
            return 1
        changed = 0
        for name in listed_documents(GOLDEN):
            pdf = report.out_dir / name
            comparison = compare(pdf, name, GOLDEN, REPORT)
            if comparison.ok:
                print(f"unchanged  {name}")
                continue
            changed += 1
            print(f"changed    {comparison.describe()}")
            approve(pdf, name, GOLDEN)
    print(f"{changed} document(s) changed; pictures of the changes in {REPORT.relative_to(ROOT)}/" if changed else "no document changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
