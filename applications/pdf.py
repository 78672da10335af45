"""Agreement PDFs with WeasyPrint: A4, Korean fonts found by name through fontconfig, and a
URL fetcher that serves the portal's own static files and nothing else."""

from __future__ import annotations

import functools
import mimetypes
import threading
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation


@functools.cache
def _static_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """WeasyPrint 70's fetcher API: resolve `static:` URLs (and /static/ paths) to the
        portal's static files and refuse every other URL — a refused resource is left out
        with a warning, so a document can never reach the network or the file system."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url: str, headers=None) -> URLFetcherResponse:
            path = None
            for prefix in ("static:", f"{settings.STATIC_URL}", f"/{settings.STATIC_URL}"):
                if url.startswith(prefix):
                    path = url[len(prefix):].lstrip("/")
                    break
            found = finders.find(path) if path and ".." not in path else None
            if not found:
                raise ValueError(f"Refused to fetch {url!r}: only the portal's static files are allowed.")
            mime = mimetypes.guess_type(found)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=Path(found).read_bytes(), headers={"Content-Type": mime})

    return StaticOnlyFetcher


def static_only_fetcher():
    """A new fetcher for one document (weasyprint imported only when a PDF is made)."""
    return _static_fetcher_class()()


_kept = threading.local()


def _fonts_and_stylesheet():
    """One font configuration and one parsed stylesheet per worker thread (building
    them for every document was a fifth of the render). A Celery worker renders one document
    at a time; a thread of its own keeps WeasyPrint's font map unshared."""
    if getattr(_kept, "stylesheet", None) is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        _kept.fonts = FontConfiguration()
        _kept.stylesheet = CSS(string=Path(finders.find("agreements/agreement.css")).read_text(), font_config=_kept.fonts,
                               url_fetcher=static_only_fetcher())
    return _kept.fonts, _kept.stylesheet


def _pdfa_finisher(*, to_be_signed: bool):
    """Two corrections to WeasyPrint 70's PDF/A-3 output, made on its PDF before it is written.

    - Its catalog's /AF lists each attachment twice (once from /EmbeddedFiles, once as a
      file specification); PDF/A-3 lists each associated file once.
    - pyHanko, signing, names itself the producer in the XMP metadata but appends its name
      to the Info dictionary's (`WeasyPrint …; pyHanko …`), so the two would disagree. A
      document to be signed leaves the Info producer out; pyHanko then writes the same
      producer in both."""

    def finish(_document, pdf) -> None:
        if "AF" in pdf.catalog:
            pdf.catalog["AF"][:] = list(dict.fromkeys(pdf.catalog["AF"]))
        if to_be_signed:
            pdf.info.pop("Producer", None)

    return finish


def render_pdf(template: str, context: dict, *, title: str, attachments: list[dict] | None = None, to_be_signed: bool = False) -> bytes:
    """`attachments`: files embedded as PDF/A-3 associated files ({"data", "name",
    "description"}), related to the document as its source (AFRelationship /Source).
    `to_be_signed`: the document goes to signing.sign_pdf next (see _pdfa_finisher)."""
    from weasyprint import HTML, Attachment

    with translation.override("ko"):
        html = render_to_string(template, context | {"title": title})
    fonts, stylesheet = _fonts_and_stylesheet()
    document = HTML(string=html, base_url="static:", url_fetcher=static_only_fetcher())
    files = [Attachment(string=a["data"], name=a["name"], description=a["description"], relationship="Source")
             for a in attachments or []]
    return document.write_pdf(stylesheets=[stylesheet], font_config=fonts, pdf_variant="pdf/a-3b",
                              uncompressed_pdf=False, custom_metadata=True, attachments=files,
                              finisher=_pdfa_finisher(to_be_signed=to_be_signed))
