#!/usr/bin/env python3
"""Measure the live preview: from saving a content file to the refreshed page in the browser.

    python benchmarks/preview.py            # a copy of the shipped project, 5 edits
    python benchmarks/preview.py --samples 1

A copy of the project (content and templates) is built, then served by
``build.py serve``; a document's own page is opened in headless Chromium,
its procedure file is edited on disk, and the clock stops when the page
shows the new picture of its first page, rebuilt and drawn. Beside it, in
the same run, the same document rebuilt by hand with the command line,
which is what an editor did before, and how long the rest of the documents
made from that file take.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser import chromium_page, first_page_image, health, preview_server, wait_for_new_first_page  # noqa: E402

from handoutpress.load import load_project  # noqa: E402
from handoutpress.paths import ProjectPaths  # noqa: E402
from handoutpress.pipeline import default_jobs  # noqa: E402
from handoutpress.plan import Selection, plan  # noqa: E402


def copy_project(folder: Path) -> Path:
    for part in ("content", "templates"):
        shutil.copytree(ROOT / part, folder / part)
    return folder


def command_build(project: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "build", "--root", str(project), "--quiet", *args], check=True, capture_output=True
    )
    return time.perf_counter() - started


def wait_until_idle(url: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = health(url)
        if state and not state["building"] and state["status"].startswith("Built"):
            return
        time.sleep(0.05)
    raise SystemExit("the preview did not finish building")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=5, help="edits to time (default 5)")
    args = parser.parse_args()
    jobs = default_jobs()
    with tempfile.TemporaryDirectory(prefix="handout-preview-bench-") as temporary:
        project = copy_project(Path(temporary) / "project")
        jobs_planned = plan(load_project(ProjectPaths.at(project)), Selection())
        opened = next(job for job in jobs_planned if job.lang == "en" and job.kind == "preparation")
        name = str(opened.output_name)
        content = opened.procedure.file
        print(f"project: {len(jobs_planned)} documents; open: {name}; edited: {content.relative_to(project)}")
        print(f"machine: {jobs} cores; --jobs {jobs}")
        full = command_build(project, "--jobs", str(jobs))
        print(f"first build, every document (seconds, whole command): {full:.1f}")

        refreshed, everything_built, rebuilt, again = [], [], [], []
        original = content.read_text(encoding="utf-8")
        with preview_server(project, jobs=jobs) as served, chromium_page() as page:
            page.goto(served.url + "documents/" + name.removesuffix(".pdf"))
            page.wait_for_function("() => { const i = document.querySelector('.pages img'); return i && i.complete && i.naturalWidth > 0; }")
            for sample in range(1, args.samples + 1):
                before = first_page_image(page)["src"]
                edited, count = re.subn(r"^title: (.*)$", rf"title: \1 ({sample})", original, count=1, flags=re.M)
                assert count == 1, "the procedure file has a title line"
                started = time.perf_counter()
                content.write_text(edited, encoding="utf-8")
                wait_for_new_first_page(page, before)
                refreshed.append(time.perf_counter() - started)
                wait_until_idle(served.url)
                everything_built.append(time.perf_counter() - started)
                rebuilt.append(re.search(r"(\d+) made", health(served.url)["status"])[1])
                time.sleep(0.5)
            # An editor who saves again at once, while the documents the first save touched are still being made.
            for sample in range(1, args.samples + 1):
                first = first_page_image(page)["src"]
                content.write_text(re.sub(r"^title: (.*)$", rf"title: \1 (quick {sample}a)", original, count=1, flags=re.M), encoding="utf-8")
                wait_for_new_first_page(page, first)
                second = first_page_image(page)["src"]
                started = time.perf_counter()
                content.write_text(re.sub(r"^title: (.*)$", rf"title: \1 (quick {sample}b)", original, count=1, flags=re.M), encoding="utf-8")
                wait_for_new_first_page(page, second)
                again.append(time.perf_counter() - started)
                wait_until_idle(served.url)
                time.sleep(0.5)
        content.write_text(original, encoding="utf-8")
        by_hand = [
            command_build(project, "--force", "--jobs", "1", "--practice", opened.practice.slug, "--procedure", opened.procedure.data.id,
                          "--lang", opened.lang, "--kind", opened.kind)
            for _ in range(min(3, args.samples))
        ]

    seconds = statistics.median(refreshed)
    print()
    print(f"{'save to refreshed page picture in the browser (s, median)':<62}{seconds:8.2f}   (target < 1.5 s; each: {', '.join(f'{s:.2f}' for s in refreshed)})")
    label = "a second save while the first one is still rebuilding (s, median)"
    print(f"{label:<62}{statistics.median(again):8.2f}   (each: {', '.join(f'{s:.2f}' for s in again)})")
    print(f"{'save to every document it affects rebuilt (s, median)':<62}{statistics.median(everything_built):8.2f}   ({'/'.join(sorted(set(rebuilt)))} documents rebuilt)")
    print(f"{'the same document rebuilt by hand, build.py build (s, median)':<62}{statistics.median(by_hand):8.2f}   (whole command)")
    print(f"{'preview refresh vs rebuilding by hand':<62}{statistics.median(by_hand) / seconds:8.2f}x faster")


if __name__ == "__main__":
    main()
