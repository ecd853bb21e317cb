"""The live preview: a local web page of every handout that rebuilds and refreshes as files are saved.

Two processes. The builder is forked first, before the server starts any
thread, and runs ``pipeline.build`` whenever it is asked; it forks the
build's own workers from its single thread, as a command-line build does.
The server (Starlette on uvicorn) watches ``content/`` and ``templates/``
with watchfiles, asks the builder for a rebuild on every change, serves the
page, the PDFs and page images, and tells open pages what changed over
server-sent events; a page then fetches itself again and swaps its content.

A change first rebuilds the documents that are open in a browser and were
made from the changed file (the manifest lists every document's inputs),
then builds whatever else is out of date, which the manifest also decides.
Each build takes the output folder's lock and lets it go when done, so a
``build.py build`` in another terminal waits its turn and does not fail.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import signal
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from .catalogue import Catalogue, DocumentSummary, Outcome, survey
from .errors import PressError
from .gallery import SIZES, Site
from .languages import LANGUAGES, ScriptFonts
from .options import BuildOptions
from .paths import ProjectPaths
from .pipeline import html_beside
from .plan import Selection
from .workers import Limits
from .write import Manifest

KEEPALIVE_SECONDS = 15.0


@dataclass(frozen=True)
class PreviewSettings:
    root: Path
    out: Path
    options: BuildOptions = BuildOptions()
    jobs: int = 1
    limits: Limits = Limits()
    allow_stale: bool = False
    keep_html: bool = False


@dataclass(frozen=True)
class Rebuild:
    """A request to the builder: make ``first`` (open in a browser, made from a changed file), then the rest."""

    first: frozenset[str] = frozenset()
    reason: str = ""


# --- the builder process ------------------------------------------------------------------


def _run_builder(requests, results, settings: PreviewSettings) -> None:
    """The builder's loop: a ``Rebuild`` in; an ``Outcome`` per document made and a catalogue out."""
    from .pipeline import build, warm_up
    from .workers import _die_with_parent

    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    root = settings.root
    try:
        warm_up(ProjectPaths.at(root))
    except PressError:
        pass  # a shared template that does not compile: the first build reports it
    while True:
        try:
            asked = [requests.recv()]
            while asked[-1] is not None and requests.poll():  # saves that came while the last pass ran: one pass for all
                asked.append(requests.recv())
        except (EOFError, OSError):
            return
        if asked[-1] is None:
            return
        request = Rebuild(frozenset().union(*(one.first for one in asked)), asked[-1].reason)
        started = time.perf_counter()
        outcomes: dict[str, Outcome] = {}

        def report(result) -> None:
            if result.status != "skipped":
                outcome = Outcome.of(result, root)
                outcomes[outcome.name] = outcome
                results.send(("document", outcome))

        def build_now(selection: Selection, interrupt=None):
            return build(
                root, selection, settings.out, on_result=report, options=settings.options, jobs=settings.jobs,
                limits=settings.limits, allow_stale=settings.allow_stale, keep_html=settings.keep_html, interrupt=interrupt,
            )

        try:
            if request.first:
                build_now(Selection(documents=request.first))
            # The rest of the pass gives way to a newer save, whose open documents are made first in the next pass.
            everything = build_now(Selection(), interrupt=requests.poll)
            if requests.poll():
                results.send(("passed", len(asked)))
                continue
            catalogue = survey(root, settings.out, everything, outcomes)
            made = sum(1 for outcome in outcomes.values() if outcome.made)
            failed = sum(1 for outcome in outcomes.values() if not outcome.made)
            words = f"{made} made, {failed} failed" if outcomes else "nothing to rebuild"
            if catalogue.problems:
                words += f"; {len(catalogue.problems)} file{'s' if len(catalogue.problems) != 1 else ''} with problems"
            results.send(("catalogue", len(asked), catalogue, f"Built at {time.strftime('%H:%M:%S')}: {words} ({time.perf_counter() - started:.1f} s)."))
        except PressError as error:
            results.send(("problem", len(asked), error.describe(root)))
        except Exception:  # a bug in the press: say so on the page, keep serving
            results.send(("problem", len(asked), "The press failed while building:\n" + traceback.format_exc()))


# --- the server ---------------------------------------------------------------------------


def script_families() -> list[ScriptFonts]:
    """The non-Latin families of the language registry, once each: the page shows titles in them."""
    found: dict[str, ScriptFonts] = {}
    for spec in LANGUAGES.values():
        for family in spec.fonts()[1:]:
            found.setdefault(family.family, family)
    return list(found.values())



class LiveLinks:
    home = "/"
    name = "Handout preview"
    fonts = tuple(
        (family.family, f"/fonts/{family.folder}/{quote(family.files['regular'])}") for family in script_families()
    )

    def document(self, document: DocumentSummary) -> str:
        return "/documents/" + quote(document.stem)

    def pdf(self, document: DocumentSummary) -> str:
        return "/pdf/" + quote(document.name)

    def html(self, document: DocumentSummary) -> str:
        return "/html/" + quote(document.stem) + ".html"

    def image(self, document: DocumentSummary, page: int, size: str) -> str:
        return f"/pages/{quote(document.stem)}/{size}-{page}.png?v={document.sha256[:16]}"


@dataclass
class PreviewState:
    catalogue: Catalogue = field(default_factory=lambda: Catalogue(()))
    status: str = "Starting: building what is out of date…"
    asked: int = 0
    """Rebuilds sent to the builder that it has not finished (it merges those that wait, and cuts a pass short for a newer one)."""
    open_documents: Counter = field(default_factory=Counter)
    listeners: set = field(default_factory=set)


class Preview:
    """The running preview: its state, the builder's two pipes, the watcher and the web app."""

    def __init__(self, settings: PreviewSettings, say: Callable[[str], None] | None = None):
        self.settings = settings
        self.say = say
        """Where to print what the page announces (the terminal the preview was started from)."""
        self.paths = ProjectPaths.at(settings.root)
        self.state = PreviewState()
        self.site = Site()
        self.links = LiveLinks()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stopping: asyncio.Event | None = None
        self.builder = None
        self._requests = self._results = None
        self._images: dict[tuple[str, str, str, int], bytes] = {}
        self.closing = False

    # The builder is forked before uvicorn starts a thread.
    def start_builder(self) -> None:
        context = multiprocessing.get_context("fork")
        requests_out, requests_in = context.Pipe(duplex=False)
        results_out, results_in = context.Pipe(duplex=False)
        self.builder = context.Process(
            target=_run_builder, args=(requests_out, results_in, self.settings), name="handoutpress-builder"
        )
        self.builder.start()
        requests_out.close()
        results_in.close()
        self._requests, self._results = requests_in, results_out

    def stop_builder(self) -> None:
        if self.builder is None:
            return
        try:
            self._requests.send(None)
        except OSError:
            pass
        self.builder.join(timeout=5)
        if self.builder.is_alive():
            self.builder.kill()
            self.builder.join()

    async def startup(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        self.state.catalogue = await asyncio.to_thread(self._survey)
        threading.Thread(target=self._read_results, name="handoutpress-results", daemon=True).start()
        self.loop.create_task(self._watch())
        self._ask(Rebuild(reason="start"))

    def end_streams(self) -> None:
        """Let every open page's event stream end, so the server stops at once when asked (it waits for open responses)."""
        self.closing = True
        if self.loop is not None:
            self.loop.call_soon_threadsafe(lambda: [queue.put_nowait(None) for queue in list(self.state.listeners)])

    async def shutdown(self) -> None:
        if self.stopping is not None:
            self.stopping.set()
        for queue in list(self.state.listeners):
            queue.put_nowait(None)
        await asyncio.to_thread(self.stop_builder)

    def _survey(self) -> Catalogue:
        try:
            return survey(self.settings.root, self.settings.out, allow_stale=self.settings.allow_stale)
        except PressError as error:
            return Catalogue((), (error.describe(self.settings.root),))

    # --- changes and rebuilds

    async def _watch(self) -> None:
        from watchfiles import awatch

        watched = [str(folder) for folder in (self.paths.content, self.paths.templates) if folder.is_dir()]
        async for changes in awatch(*watched, stop_event=self.stopping, debounce=400, step=20):
            changed = {Path(path) for _, path in changes}
            affected = await asyncio.to_thread(self.affected_by, changed)
            named = sorted(self._relative(path) for path in changed if path.exists()) or sorted(self._relative(p) for p in changed)
            self._ask(Rebuild(self.first_to_build(affected), reason=", ".join(named)[:200]))

    def first_to_build(self, affected: set[str]) -> frozenset[str]:
        """The open documents made from a changed file, and those open that are not made now.

        A document that failed has no manifest entry, so no file is known to
        make it; the save that fixes it is most likely the one its reader
        waits for. The build skips any of them that is up to date.
        """
        opened = {name for name, count in self.state.open_documents.items() if count > 0}
        unmade = {name for name in opened if (document := self.state.catalogue.document(name)) is None or not document.made}
        return frozenset((opened & affected) | unmade)

    def affected_by(self, changed: set[Path]) -> set[str]:
        """The documents the manifest says were made from any of ``changed`` (or from a folder listing they touch)."""
        keys = {self._relative(path) for path in changed}
        folders = {str(PurePosixPath(key).parent) + "/" for key in keys}
        return {
            name for name, entry in Manifest(self.settings.out).entries.items()
            if any(key in entry.inputs for key in keys) or any(folder in entry.inputs for folder in folders)
        }

    def _relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.paths.root).as_posix()
        except ValueError:
            return str(path)

    def _ask(self, request: Rebuild) -> None:
        try:
            self._requests.send(request)
        except OSError:  # the builder is gone; _builder_gone has said so
            self._announce("changed", "The builder stopped; restart the preview.")
            return
        self.state.asked += 1
        self._announce("status", "Rebuilding" + (f" after a change to {request.reason}" if request.reason and request.reason != "start" else "") + "…")

    def _read_results(self) -> None:
        while True:
            try:
                message = self._results.recv()
            except (EOFError, OSError):
                self.loop.call_soon_threadsafe(self._builder_gone)
                return
            self.loop.call_soon_threadsafe(self._receive, message)

    def _builder_gone(self) -> None:
        if not self.stopping.is_set():
            self._announce("changed", "The builder stopped; restart the preview.")

    def _receive(self, message: tuple) -> None:
        kind = message[0]
        if kind == "document":
            outcome: Outcome = message[1]
            known = self.state.catalogue.document(outcome.name)
            if known is not None:
                self.state.catalogue = self.state.catalogue.with_document(outcome.apply(known))
            words = f"Rebuilt {outcome.name}." if outcome.made else f"Could not make {outcome.name}: {outcome.error}"
            self._announce("changed", words)
            return
        self.state.asked = max(0, self.state.asked - message[1])
        if kind == "catalogue":
            self.state.catalogue = message[2]
            self._announce("changed", message[3])
        elif kind == "problem":
            self.state.catalogue = Catalogue(self.state.catalogue.documents, (message[2],), self.state.catalogue.made_at)
            self._announce("changed", "The last rebuild failed; see the problems listed.")

    def _announce(self, event: str, message: str) -> None:
        self.state.status = message
        if self.say is not None and event == "changed":
            self.say(message)
        for queue in list(self.state.listeners):
            queue.put_nowait((event, {"message": message}))

    # --- the web app

    def app(self, host: str = "127.0.0.1"):
        """The web app; it answers only requests addressed to ``host`` or localhost.

        A web page elsewhere could otherwise point a name it controls at
        127.0.0.1 (DNS rebinding) and read the preview from the editor's browser.
        """
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.middleware.trustedhost import TrustedHostMiddleware
        from starlette.routing import Route

        async def lifespan(app):
            await self.startup()
            yield
            await self.shutdown()

        from contextlib import asynccontextmanager

        return Starlette(
            routes=[
                Route("/", self.index),
                Route("/documents/{stem:path}", self.document),
                Route("/pdf/{name:path}", self.pdf),
                Route("/html/{name:path}", self.html),
                Route("/pages/{stem:path}/{size}-{page:int}.png", self.image),
                Route("/fonts/{folder}/{file}", self.font),
                Route("/events", self.events),
                Route("/health", self.health),
            ],
            lifespan=asynccontextmanager(lifespan),
            middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=_allowed_hosts(host))],
        )

    def _has_html(self) -> set[str]:
        out = self.settings.out
        return {document.name for document in self.state.catalogue.documents if html_beside(out / document.name).is_file()}

    async def index(self, request):
        from starlette.responses import HTMLResponse

        html = self.site.index(self.state.catalogue, self.links, live=True, status=self.state.status, has_html=self._has_html())
        return HTMLResponse(html, headers=_NO_STORE)

    async def document(self, request):
        from starlette.responses import HTMLResponse

        name = request.path_params["stem"] + ".pdf"
        html = self.site.document(self.state.catalogue, name, self.links, live=True, status=self.state.status, has_html=self._has_html())
        if html is None:
            page = self.site.missing(self.state.catalogue, name, self.links, live=True, status=self.state.status)
            return HTMLResponse(page, status_code=404, headers=_NO_STORE)
        return HTMLResponse(html, headers=_NO_STORE)

    def _made(self, name: str) -> DocumentSummary | None:
        document = self.state.catalogue.document(name)
        return document if document is not None and document.made else None

    async def pdf(self, request):
        from starlette.responses import FileResponse, PlainTextResponse

        document = self._made(request.path_params["name"])
        if document is None:
            return PlainTextResponse("No such handout.", status_code=404)
        return FileResponse(self.settings.out / document.name, media_type="application/pdf", headers=_NO_STORE)

    async def html(self, request):
        """A document's HTML (``--keep-html``), as text: it is the contractor's template's output, not our page."""
        from starlette.responses import PlainTextResponse

        name = request.path_params["name"]
        document = self.state.catalogue.document(name.removesuffix(".html") + ".pdf") if name.endswith(".html") else None
        file = html_beside(self.settings.out / document.name) if document is not None else None
        if file is None or not file.is_file():
            return PlainTextResponse("No HTML kept for this handout (build with --keep-html).", status_code=404)
        return PlainTextResponse(file.read_text(encoding="utf-8"), headers=_NO_STORE)

    async def image(self, request):
        from starlette.responses import PlainTextResponse, Response

        document = self._made(request.path_params["stem"] + ".pdf")
        size, page = request.path_params["size"], request.path_params["page"]
        if document is None or size not in SIZES or not 1 <= page <= document.pages:
            return PlainTextResponse("No such page.", status_code=404)
        key = (document.name, document.sha256, size, page)
        data = self._images.get(key)
        if data is None:
            data = await asyncio.to_thread(self._draw, document, size, page)
            if data is None:
                return PlainTextResponse("The page could not be drawn.", status_code=404)
            self._images = {k: v for k, v in self._images.items() if k[0] != document.name or k[1] == document.sha256}
            self._images[key] = data
        return Response(data, media_type="image/png", headers={"Cache-Control": "max-age=31536000, immutable"})

    def _draw(self, document: DocumentSummary, size: str, page: int) -> bytes | None:
        from .pages import png, render_pages

        try:
            images = render_pages(self.settings.out / document.name, SIZES[size], page - 1, page - 1)
        except Exception:  # the PDF is being replaced, or is not one
            return None
        return png(images[0]) if images else None

    async def font(self, request):
        """A script family's regular face from templates/fonts, for titles in that script: only files the registry names."""
        from starlette.responses import FileResponse, PlainTextResponse

        for family in script_families():
            regular = family.files["regular"]
            if request.path_params["folder"] == family.folder and request.path_params["file"] == regular:
                file = self.paths.templates / "fonts" / family.folder / regular
                if file.is_file():
                    return FileResponse(file, headers={"Cache-Control": "max-age=86400"})
        return PlainTextResponse("No such font.", status_code=404)

    async def events(self, request):
        from starlette.responses import StreamingResponse

        opened = request.query_params.get("open", "")
        queue: asyncio.Queue = asyncio.Queue()

        async def stream():
            self.state.listeners.add(queue)
            if opened:
                self.state.open_documents[opened] += 1
            try:
                yield "retry: 1000\n\n"
                if self.closing:
                    return
                while True:
                    try:
                        item = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                    except asyncio.TimeoutError:
                        yield ": still here\n\n"
                        continue
                    if item is None:
                        return
                    event, data = item
                    yield f"event: {event}\ndata: {json.dumps(data)}\n\n"
            finally:
                self.state.listeners.discard(queue)
                if opened:
                    self.state.open_documents[opened] -= 1

        return StreamingResponse(stream(), media_type="text/event-stream", headers=_NO_STORE)

    async def health(self, request):
        from starlette.responses import JSONResponse

        return JSONResponse({
            "building": self.state.asked > 0,
            "documents": len(self.state.catalogue.documents),
            "status": self.state.status,
            "listeners": len(self.state.listeners),
        })


_NO_STORE = {"Cache-Control": "no-store"}


def _allowed_hosts(host: str) -> list[str]:
    if host in ("0.0.0.0", "::", ""):  # listening everywhere, as asked: any name may reach it
        return ["*"]
    hosts = {"127.0.0.1", "localhost", "[::1]", host}
    if ":" in host and not host.startswith("["):  # an IPv6 address: the Host header brackets it
        hosts.add(f"[{host}]")
    return sorted(hosts)


def serve(
    settings: PreviewSettings,
    host: str = "127.0.0.1",
    port: int = 8000,
    on_ready: Callable[[str], None] | None = None,
    say: Callable[[str], None] | None = None,
) -> None:
    """Run the preview until interrupted; ``say`` is given each rebuild's outcome as the page shows it."""
    import uvicorn

    preview = Preview(settings, say)
    preview.start_builder()
    try:
        class Server(uvicorn.Server):
            def handle_exit(self, sig, frame) -> None:
                preview.end_streams()
                super().handle_exit(sig, frame)

        config = uvicorn.Config(preview.app(host), host=host, port=port, log_level="warning", timeout_graceful_shutdown=1)
        server = Server(config)
        if on_ready is not None:
            on_ready(f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/")
        server.run()
    except KeyboardInterrupt:  # uvicorn stops on Ctrl-C, then raises it again for whoever ran it: a normal end here
        pass
    finally:
        preview.stop_builder()
