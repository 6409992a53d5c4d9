"""Report files a page made and keeps in the workspace (a check run's, an audit's):
listed newest first, and sent only when the listing shows them."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from .rendering import render

KINDS = {".pdf": "application/pdf",
         ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def report_files(folder: Path) -> list[Path]:
    """The PDF and Excel files of `folder`, newest first (their names start with the time made)."""
    if not folder.is_dir():
        return []
    return sorted((path for path in folder.iterdir() if path.suffix in KINDS and path.is_file()),
                  key=lambda path: path.name, reverse=True)


def send_report_file(request: Request, folder: Path, name: str) -> Response:
    # only a file the listing shows: no path of the client's choosing is opened
    chosen = next((path for path in report_files(folder) if path.name == name), None)
    if chosen is None:
        return render(request, "error.html", status_code=404, message=name)
    return FileResponse(chosen, media_type=KINDS[chosen.suffix], filename=chosen.name)
