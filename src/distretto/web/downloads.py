"""File downloads of the pages: the content type by extension, and an attachment name."""

from __future__ import annotations

from django.http import HttpResponse

CONTENT_TYPES = {
    "ics": "text/calendar; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def download(content: bytes, filename: str, extension: str) -> HttpResponse:
    """``content`` as an attachment named ``filename.extension``."""
    response = HttpResponse(content, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
    return response
