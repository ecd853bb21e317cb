"""The only way a document reaches anything outside its own HTML.

WeasyPrint fetches stylesheets, fonts, images and attachments through a URL
fetcher. This one serves files from the project's readable folders and small
``data:`` URLs, and refuses everything else, so that content can never make a
handout read ``/etc/passwd`` or call out to the network.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

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
    def __init__(self, readable_roots: tuple[Path, ...]):
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=True)
        self.readable_roots = tuple(root.resolve() for root in readable_roots)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            if len(url) > MAX_DATA_URL_BYTES:
                raise RefusedFetch(url[:60] + "...", f"data: URL larger than {MAX_DATA_URL_BYTES} bytes")
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedFetch(url, f"{scheme or 'relative'} URLs are not allowed")
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedFetch(url, "file URLs on other hosts are not allowed")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not any(path.is_relative_to(root) for root in self.readable_roots):
            raise RefusedFetch(url, "files outside the project's content and templates may not be read")
        if not path.is_file():
            raise RefusedFetch(url, "file not found")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})
