"""Drive the live preview as an editor would: the server as its own process, the page in Debian's Chromium.

Shared by the browser test and the preview benchmark, so both measure the
same thing: a file saved on disk, and the page open in a real browser.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach Google, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def health(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url + "health", timeout=2) as response:
            return json.load(response)
    except OSError:
        return None


@dataclass
class Served:
    url: str
    process: subprocess.Popen


@contextmanager
def preview_server(root: Path, *extra: str, jobs: int = 2, ready_within: float = 120.0):
    """``build.py serve`` on a free port of 127.0.0.1 until the block ends, stopped with Ctrl-C (SIGINT).

    Yields once the first build is done.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = open(root / "serve.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "handoutpress.cli", "serve", "--root", str(root), "--port", str(port), "-j", str(jobs), *extra],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + ready_within
        while True:
            state = health(url)
            if state is not None and not state["building"] and state["status"].startswith("Built"):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the preview did not start: {(root / 'serve.log').read_text()}")
            time.sleep(0.1)
        yield Served(url, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def chromium_page(viewport=(1280, 900)):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            yield page
        finally:
            browser.close()


def first_page_image(page) -> dict:
    """The source of the open document's first page image and whether it has been drawn."""
    return page.evaluate(
        """() => { const img = document.querySelector('.pages img');
                   return img ? {src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0} : null; }"""
    )


def wait_for_new_first_page(page, old_src: str, timeout_ms: float = 60000) -> None:
    page.wait_for_function(
        """(old) => { const img = document.querySelector('.pages img');
                      return img && img.getAttribute('src') !== old && img.complete && img.naturalWidth > 0; }""",
        arg=old_src, timeout=timeout_ms, polling="raf",
    )
