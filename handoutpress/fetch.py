"""The only way a document reaches anything outside its own HTML.

WeasyPrint fetches stylesheets, fonts, images and attachments through a URL
fetcher. This one serves files from the project's readable folders and small
``data:`` URLs, and refuses everything else, so that content can never make a
handout read ``/etc/passwd`` or call out to the network. The one exception is
a host a practice names in ``network.allowed_hosts``.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .assets import check_served, unpacked_font

MAX_DATA_URL_BYTES = 512 * 1024

mimetypes.add_type("font/woff2", ".woff2")
mimetypes.add_type("font/woff", ".woff")
mimetypes.add_type("image/svg+xml", ".svg")


class RefusedFetch(FatalURLFetchingError):
    """Raised inside WeasyPrint to stop rendering; ``typeset`` turns it into a ``FetchError``."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason


class ConfinedFetcher(URLFetcher):
    """Serves project files; template files go through the practice's overlay.

    ``layers`` are the template folders searched for one document, the
    practice's own first and the default ``templates/`` last: a file a
    stylesheet asks for (a font, an image, an ``@import``) is taken from the
    first layer that has it, so a practice can shadow any of them and a
    shadowed stylesheet still finds the default files it does not replace.
    """

    def __init__(
        self,
        readable_roots: tuple[Path, ...],
        layers: tuple[Path, ...] = (),
        allowed_hosts: tuple[str, ...] = (),
        project_roots: tuple[Path, ...] = (),
    ):
        super().__init__(
            timeout=10,
            allowed_protocols=("file", "data", "http", "https") if allowed_hosts else ("file", "data"),
            allow_redirects=False,
            fail_on_errors=True,
        )
        self.readable_roots = tuple(root.resolve() for root in readable_roots)
        self.project_roots = tuple(root.resolve() for root in project_roots)
        self.allowed_hosts = frozenset(allowed_hosts)
        self.layers = tuple(layer.resolve() for layer in layers)
        self.served: set[Path] = set()
        self.refused: list[RefusedFetch] = []

    def check_attachment(self, url: str, folders: tuple[Path, ...]) -> None:
        """A file to be embedded in the PDF must be one of the practice's own (``folders``).

        Other schemes are left to ``fetch``, which refuses them unless the
        practice allows the host.
        """
        if urlsplit(url).scheme.lower() != "file":
            return
        path = self.allowed_path(url)
        if not any(path.is_relative_to(folder.resolve()) for folder in folders):
            refusal = RefusedFetch(url, "a file attached to a PDF must be in the practice's own folder")
            self._remember(refusal)
            raise refusal

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        try:
            return self._fetch(url, headers)
        except RefusedFetch as refusal:
            self._remember(refusal)
            raise
        except Exception as error:  # an unreadable file, a malformed URL, an allowed host that failed
            refusal = RefusedFetch(url, f"it could not be read: {error}")
            self._remember(refusal)
            raise refusal from None

    def _remember(self, refusal: RefusedFetch) -> None:
        """WeasyPrint swallows some failures (inside SVG images, in @font-face) and
        would quietly leave the picture or font out; the typesetter reports them."""
        if refusal not in self.refused:
            self.refused.append(refusal)

    def _fetch(self, url: str, headers: dict | None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            if len(url) > MAX_DATA_URL_BYTES:
                raise RefusedFetch(url[:60] + "...", f"data: URL larger than {MAX_DATA_URL_BYTES} bytes")
            return super().fetch(url, headers)
        if scheme in ("http", "https"):
            host = urlsplit(url).netloc.lower()
            if host not in self.allowed_hosts:
                raise RefusedFetch(url, f"{scheme} URLs are not allowed: the practice does not allow the host {host}")
            return super().fetch(url, headers)
        path = self._allowed_path(url)
        body = path.read_bytes()
        if problem := check_served(path.name, body):
            raise RefusedFetch(url, f"the file {problem}")
        body = unpacked_font(body)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body, {"Content-Type": content_type})

    def allowed_path(self, url: str) -> Path:
        """The project file a URL may be served from, recorded as used; anything else is refused.

        Also called for fonts WeasyPrint already holds from an earlier document,
        so that each document is checked, and records, every file it uses.
        """
        try:
            return self._allowed_path(url)
        except RefusedFetch as refusal:
            self._remember(refusal)
            raise

    def _allowed_path(self, url: str) -> Path:
        scheme = urlsplit(url).scheme.lower()
        if scheme != "file":
            raise RefusedFetch(url, f"{scheme or 'relative'} URLs are not allowed")
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedFetch(url, "file URLs on other hosts are not allowed")
        try:
            path = Path(url2pathname(parts.path)).resolve()
        except (ValueError, OSError):
            raise RefusedFetch(url, "not a valid file URL") from None
        if not any(path.is_relative_to(root) for root in self.readable_roots):
            if self.project_roots and any(path.is_relative_to(root) for root in self.project_roots):
                raise RefusedFetch(url, "a practice may read only its own files, the procedures and the shared templates")
            raise RefusedFetch(url, "files outside the project's content and templates may not be read")
        path = self._through_layers(path, url)
        if not path.is_file():
            raise RefusedFetch(url, "file not found")
        self.served.add(path)
        return path

    def _through_layers(self, path: Path, url: str) -> Path:
        if not self.layers:
            return path
        default = self.layers[-1]
        if not path.is_relative_to(default):
            return path
        name = next(path.relative_to(layer) for layer in self.layers if path.is_relative_to(layer))
        if name.parts and name.parts[0] == "practices" and path.is_relative_to(default / "practices"):
            raise RefusedFetch(url, "a practice may not read another practice's templates")
        for layer in self.layers:
            candidate = (layer / name).resolve()
            if candidate.is_file() and candidate.is_relative_to(layer):
                return candidate
        return path
