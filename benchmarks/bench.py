#!/usr/bin/env python3
"""Measure the press on a generated matrix of documents and print the figures.

    python benchmarks/bench.py            # >= 300 documents, and 4x that for memory
    python benchmarks/bench.py --small    # a few documents of one kind: proves the benchmark runs

Everything is measured in one run on one machine and reported as ratios
against WeasyPrint itself, because shared machines are too noisy for
absolute times to mean much from one day to the next.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handoutpress.kinds import KIND_SPECS, KINDS  # noqa: E402
from handoutpress.load import load_project  # noqa: E402
from handoutpress.paths import ProjectPaths  # noqa: E402
from handoutpress.pipeline import default_jobs  # noqa: E402
from handoutpress.plan import Selection, plan  # noqa: E402
from handoutpress.render import Renderer  # noqa: E402

SECOND_LANGUAGE = "en-GB"
COLOURS = ["#1d4e89", "#00665e", "#5b2a86", "#8a2d3b", "#2f4f4f", "#3c4f9a", "#6b4226", "#1f5f3f"]

# Runs one build inside a child process and reports its own and its workers' peak memory.
MEASURE = """
import json, resource, sys, time
from handoutpress.cli import main
started = time.perf_counter()
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
report = json.load(open(sys.argv[sys.argv.index("--report") + 1]))
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "main_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "worker_kb": max([d["peak_memory_kb"] for d in report["documents"] if d["status"] == "built"] or [0]),
}))
"""


def make_matrix(folder: Path, procedures: int, practices: int, languages: int, kinds: tuple[str, ...]) -> int:
    """A project of synthetic procedures shaped like the real one, in one or two languages."""
    shutil.copytree(ROOT / "templates", folder / "templates")
    shutil.copy(ROOT / "templates/i18n/en.yaml", folder / f"templates/i18n/{SECOND_LANGUAGE}.yaml")
    source = (ROOT / "content/procedures/kyphoplasty/en.yaml").read_text()
    for number in range(1, procedures + 1):
        procedure_id = f"synthetic-{number:03d}"
        for lang in ("en", SECOND_LANGUAGE)[:languages]:
            text = source.replace("id: kyphoplasty", f"id: {procedure_id}").replace("lang: en", f"lang: {lang}")
            text = text.replace("title: Kyphoplasty", f"title: Synthetic procedure {number}")
            text = text.replace("\nreview:", f"\ncode: SYN{number:03d}\nreview:", 1)  # codes tell procedures apart
            target = folder / "content/procedures" / procedure_id / f"{lang}.yaml"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    practice_source = (ROOT / "content/practices/riverbend-spine.yaml").read_text()
    # A practice builds only what it offers: each synthetic practice offers every synthetic procedure.
    offers = "offers:\n" + "".join(f"  - procedure: synthetic-{number:03d}\n" for number in range(1, procedures + 1))
    assert "offers:\n  - procedure: kyphoplasty\n" in practice_source
    practice_source = practice_source.replace("offers:\n  - procedure: kyphoplasty\n", offers)
    logo = ROOT / "content/practices/riverbend-spine/logo.svg"
    for number in range(1, practices + 1):
        slug = f"practice-{number:02d}"
        text = practice_source.replace("riverbend-spine/logo.svg", f"{slug}/logo.svg")
        text = text.replace("Riverbend Spine Center", f"Synthetic Practice {number}")
        text = text.replace('primary: "#1d4e89"', f'primary: "{COLOURS[number % len(COLOURS)]}"')
        if number % 2 == 0:
            text = text.replace("size: letter", "size: a4")
        (folder / "content/practices").mkdir(parents=True, exist_ok=True)
        (folder / "content/practices" / f"{slug}.yaml").write_text(text)
        (folder / "content/practices" / slug).mkdir()
        shutil.copy(logo, folder / "content/practices" / slug / "logo.svg")
    return procedures * practices * languages * len(kinds)  # kyphoplasty has every kind's required roles


def measured_build(project: Path, out: Path, kinds: tuple[str, ...], *args: str) -> dict:
    args = (*args, *(f"--kind={kind}" for kind in kinds))
    report = out.parent / f"{out.name}-report.json"
    command = [sys.executable, "-c", MEASURE, "build", "--root", str(project), "--out", str(out), "--quiet", "--report", str(report), *args]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "CI": "true"})
    wall = time.perf_counter() - started
    if result.returncode != 0 or not result.stdout.strip():
        raise SystemExit(f"build failed:\n{result.stdout}\n{result.stderr}")
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    figures["wall"] = wall
    figures["summary"] = lines[-2].split("; output in")[0] if len(lines) > 1 else ""
    return figures


def rendered_html(project: Path, folder: Path, kinds: tuple[str, ...]) -> list[tuple[Path, str, str]]:
    """Every document's HTML as the pipeline renders it, saved for plain WeasyPrint."""
    paths = ProjectPaths.at(project)
    renderer = Renderer(paths)
    documents = []
    for job in plan(load_project(paths), Selection(kinds=kinds)):
        rendered = renderer.render(job)
        # The press hands WeasyPrint its shared stylesheets already parsed; plain
        # WeasyPrint gets the same ones as <link> elements, so both do the same work.
        links = "".join(f'<link rel="stylesheet" href="{url}">' for url in rendered.stylesheets)
        html = rendered.html.replace("</head>", links + "</head>", 1)
        file = folder / (str(job.output_name).replace("/", "__") + ".html")
        file.write_text(html)
        documents.append((file, html, rendered.base_url))
    return documents


def time_raw_weasyprint(documents: list[tuple[Path, str, str]]) -> float:
    import weasyprint

    started = time.perf_counter()
    for _, html, base_url in documents:
        weasyprint.HTML(string=html, base_url=base_url).write_pdf(pdf_variant="pdf/ua-1", pdf_forms=True)
    return time.perf_counter() - started


def time_weasyprint_command(documents: list[tuple[Path, str, str]], out: Path) -> float:
    command = shutil.which("weasyprint", path=str(Path(sys.executable).parent)) or "weasyprint"
    started = time.perf_counter()
    for file, _, base_url in documents:
        subprocess.run(
            [command, "--pdf-variant", "pdf/ua-1", "--pdf-forms", "--base-url", base_url, str(file), str(out / (file.stem + ".pdf"))],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="a tiny matrix of one kind, to show the benchmark works")
    args = parser.parse_args()
    # The small mode's kind is the one with the fewest roles: the test suite runs it, and only its lines matter there.
    kinds = (min(KINDS, key=lambda kind: len(KIND_SPECS[kind].roles)),) if args.small else KINDS
    procedures, practices, languages, command_sample, raw_sample = (1, 1, 1, 1, 1) if args.small else (10, 5, 2, 12, 60)
    scale = 2 if args.small else 4  # how much larger the matrix for the memory figures is
    jobs = default_jobs()

    with tempfile.TemporaryDirectory(prefix="handout-bench-") as temporary:
        work = Path(temporary)
        project, large = work / "matrix", work / f"matrix-{scale}x"
        count = make_matrix(project, procedures, practices, languages, kinds)
        large_count = make_matrix(large, procedures * scale, practices, languages, kinds)
        print(f"matrix: {procedures} procedures x {len(kinds)} kinds x {practices} practices x {languages} languages = {count} documents")
        print(f"machine: {os.cpu_count()} cores; default --jobs {jobs}")

        serial = measured_build(project, work / "out-1", kinds, "--jobs", "1", "--force")
        parallel = measured_build(project, work / "out-n", kinds, "--jobs", str(jobs), "--force")
        noop = measured_build(project, work / "out-n", kinds, "--jobs", str(jobs))
        practice_file = project / "content/practices/practice-01.yaml"
        practice_file.write_text(practice_file.read_text().replace("(555) 010-2000", "(555) 010-2001"))
        one_practice = measured_build(project, work / "out-n", kinds, "--jobs", str(jobs))
        bigger = measured_build(large, work / f"out-{scale}x", kinds, "--jobs", str(jobs), "--force")

        html_folder = work / "html"
        html_folder.mkdir()
        documents = rendered_html(project, html_folder, kinds)
        raw_documents = documents[:raw_sample]
        raw_seconds = time_raw_weasyprint(raw_documents)
        command_out = work / "command-out"
        command_out.mkdir()
        command_documents = documents[:command_sample]
        command_seconds = time_weasyprint_command(command_documents, command_out)

    serial_rate = count / serial["seconds"]
    parallel_rate = count / parallel["seconds"]
    raw_rate = len(raw_documents) / raw_seconds
    command_rate = len(command_documents) / command_seconds
    print()
    print(f"{'documents per second, --jobs 1':<58}{serial_rate:8.2f}")
    print(f"{f'documents per second, --jobs {jobs} (default)':<58}{parallel_rate:8.2f}")
    print(f"{f'speed-up of --jobs {jobs} over --jobs 1':<58}{parallel_rate / serial_rate:8.2f}x   (target >= 1.7x on 2 cores)")
    print(f"{'weasyprint command, once per document (docs/s)':<58}{command_rate:8.2f}   ({len(command_documents)} documents)")
    print(f"{'press (default jobs) vs weasyprint command loop':<58}{parallel_rate / command_rate:8.1f}x   (target >= 10x)")
    print(f"{'raw weasyprint.HTML().write_pdf() in one process (docs/s)':<58}{raw_rate:8.2f}   ({len(raw_documents)} documents)")
    print(f"{'pipeline overhead: time per document, --jobs 1 / raw':<58}{raw_rate / serial_rate:8.2f}x   (target <= 1.2x)")
    print(f"{'no-op rebuild of the whole matrix (seconds, whole command)':<58}{noop['wall']:8.2f}   ({noop['summary']})")
    print(f"{'rebuild after one practice file changes (seconds)':<58}{one_practice['wall']:8.2f}   ({one_practice['summary']})")
    print(f"{f'peak memory, main process, {count} documents (MiB)':<58}{parallel['main_kb'] / 1024:8.1f}")
    print(f"{f'peak memory, main process, {large_count} documents (MiB)':<58}{bigger['main_kb'] / 1024:8.1f}")
    print(f"{f'peak memory, largest worker, {count} documents (MiB)':<58}{parallel['worker_kb'] / 1024:8.1f}")
    print(f"{f'peak memory, largest worker, {large_count} documents (MiB)':<58}{bigger['worker_kb'] / 1024:8.1f}")
    print(f"{f'worker memory growth for {scale}x the documents':<58}{bigger['worker_kb'] / parallel['worker_kb']:8.2f}x   (target <= 1.2x)")
    print(f"{f'main process memory growth for {scale}x the documents':<58}{bigger['main_kb'] / parallel['main_kb']:8.2f}x")


if __name__ == "__main__":
    main()
