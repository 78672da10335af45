"""Agreement PDFs with WeasyPrint: A4, Korean fonts found by name through fontconfig, and a
URL fetcher that serves the portal's own static files and nothing else."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation


class StaticOnlyFetcher:
    """Resolve `static:` URLs (and /static/ paths) to the portal's static files; refuse
    every other URL, so a document can never reach the network or the file system."""

    def __call__(self, url: str, timeout: int = 10, ssl_context=None):
        path = None
        for prefix in ("static:", f"{settings.STATIC_URL}", f"/{settings.STATIC_URL}"):
            if url.startswith(prefix):
                path = url[len(prefix):].lstrip("/")
                break
        found = finders.find(path) if path and ".." not in path else None
        if not found:
            raise ValueError(f"Refused to fetch {url!r}: only the portal's static files are allowed.")
        data = Path(found).read_bytes()
        mime = "text/css" if found.endswith(".css") else "image/png" if found.endswith(".png") else "image/svg+xml" if found.endswith(".svg") else "application/octet-stream"
        return {"string": data, "mime_type": mime, "redirected_url": url}


def render_pdf(template: str, context: dict, *, title: str, attachments: list[dict] | None = None) -> bytes:
    """`attachments`: files embedded as PDF/A-3 associated files ({"data", "name",
    "description"}), related to the document as its source (AFRelationship /Source)."""
    from weasyprint import CSS, HTML, Attachment
    from weasyprint.text.fonts import FontConfiguration

    with translation.override("ko"):
        html = render_to_string(template, context | {"title": title})
    fonts = FontConfiguration()
    fetcher = StaticOnlyFetcher()
    stylesheet = CSS(string=Path(finders.find("agreements/agreement.css")).read_text(), font_config=fonts, url_fetcher=fetcher)
    document = HTML(string=html, base_url="static:", url_fetcher=fetcher)
    files = [Attachment(string=a["data"], name=a["name"], description=a["description"], relationship="Source")
             for a in attachments or []]
    return document.write_pdf(stylesheets=[stylesheet], font_config=fonts, pdf_variant="pdf/a-3b",
                              uncompressed_pdf=False, custom_metadata=True, attachments=files)
