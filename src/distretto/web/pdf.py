"""PDF documents of the pages: an A4 base class with safe text, shared by every document.

The documents themselves (an event's agendas and grids, a consortium's partner table)
live with their app and build on ``DocumentPdf``: A4, portrait or landscape, a running
head from the second page on, a footer with a note and "Page 1 of 2", and text made
printable whatever it holds.

PDFs use DejaVu Sans when its files are present (every character a name may hold,
characters missing from the font shown as "?"), else the core Helvetica font with the
text folded to latin-1 (``to_latin1``), so a document never fails on a name.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF, XPos, YPos
from fpdf.fonts import TTFFont

__all__ = [
    "DEJAVU",
    "GREY",
    "HEADING_FILL",
    "LONGEST_NAME",
    "DocumentPdf",
    "FontFiles",
    "generated",
    "one_line",
    "paragraph",
    "shorten",
    "to_latin1",
    "without_controls",
]


@dataclass(frozen=True)
class FontFiles:
    """The TrueType files of the PDFs' font: regular and bold."""

    regular: Path
    bold: Path


# fontTools logs every font subset at INFO level, one screenful per PDF: keep its warnings.
_FONTTOOLS_LOG = logging.getLogger("fontTools.subset")
if _FONTTOOLS_LOG.level == logging.NOTSET:
    _FONTTOOLS_LOG.setLevel(logging.WARNING)

_DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
DEJAVU = FontFiles(_DEJAVU_DIR / "DejaVuSans.ttf", _DEJAVU_DIR / "DejaVuSans-Bold.ttf")

GREY = (110, 110, 110)
HEADING_FILL = (225, 229, 235)
LONGEST_NAME = 200


# ---------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------

# Characters outside latin-1 with a readable latin-1 stand-in that NFKD does not give.
_LATIN1_STAND_INS = str.maketrans(
    {
        "–": "-",
        "—": "-",
        "‒": "-",
        "−": "-",
        "‐": "-",
        "‑": "-",
        "‘": "'",
        "’": "'",
        "‚": ",",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "…": "...",
        "•": "*",
        "€": "EUR",
        "™": "TM",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ħ": "H",
        "ħ": "h",
        "ı": "i",
        "Œ": "OE",
        "œ": "oe",
        "ẞ": "SS",
        "✓": "v",
        "↔": "<->",
        "✔": "v",
    }
)

_SPACES = re.compile(r"\s+")


def to_latin1(text: str) -> str:
    """Fold ``text`` to latin-1 for the PDF core fonts.

    Typographic punctuation becomes its ASCII look-alike, accented letters outside
    latin-1 lose their accent ("ő" → "o", "Ł" → "L"), anything else becomes "?".
    """
    folded: list[str] = []
    for char in text.translate(_LATIN1_STAND_INS):
        if ord(char) < 256:
            folded.append(char)
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        base = "".join(
            part for part in decomposed if ord(part) < 256 and not unicodedata.combining(part)
        )
        folded.append(base or "?")
    return "".join(folded)


def without_controls(text: str, *, keep_newlines: bool) -> str:
    """Normalise ``text`` (NFC) and drop control and format characters.

    Newlines are kept when asked (as "\\n"), other whitespace controls become spaces.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    kept: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char == "\n" and keep_newlines:
            kept.append(char)
        elif char.isspace():
            kept.append(" ")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            kept.append(char)
    return "".join(kept)


def one_line(text: str, limit: int = LONGEST_NAME) -> str:
    """``text`` on one line: runs of whitespace (newlines included) become one space."""
    return shorten(_SPACES.sub(" ", without_controls(text, keep_newlines=False)).strip(), limit)


def paragraph(text: str, limit: int) -> str:
    """``text`` with its line breaks, blank lines collapsed, at most ``limit`` characters."""
    lines = [
        _SPACES.sub(" ", line).strip()
        for line in without_controls(text, keep_newlines=True).split("\n")
    ]
    return shorten("\n".join(line for line in lines if line), limit)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def generated(moment: datetime) -> str:
    """The line "Generated on …", ``moment`` in the current time zone."""
    return _("Generated on %(moment)s") % {
        "moment": formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    }


# ---------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------


class DocumentPdf(FPDF):
    """An A4 document with a running head, a footer with page numbers and safe text.

    Set ``running_head`` after the first ``add_page`` to print it from the second page
    on, ``footer_note`` for the left of the footer; call ``alias_nb_pages`` for the
    page count in "Page 1 of 2". Text goes through ``clean`` before it is printed.
    """

    def __init__(self, *, landscape: bool, fonts: FontFiles | None, title: str) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.running_head = ""
        self.footer_note = ""
        self.family_name = "Helvetica"
        self._glyphs: frozenset[int] | None = None
        if fonts is not None and fonts.regular.is_file() and fonts.bold.is_file():
            try:
                self.add_font("Body", "", str(fonts.regular))
                self.add_font("Body", "B", str(fonts.bold))
            except Exception:  # A damaged font file: the core font still prints.
                self.fonts.pop("body", None)
                self.fonts.pop("bodyB", None)
            else:
                self.family_name = "Body"
                self._glyphs = frozenset(_cmap(self.fonts["body"])) & frozenset(
                    _cmap(self.fonts["bodyB"])
                )
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=16)
        self.set_creator("Distretto")
        self.set_title(self.clean(one_line(title)))
        self.set_font(self.family_name, size=10)

    def clean(self, text: str) -> str:
        """``text`` made printable with the document's font."""
        if self._glyphs is None:
            return to_latin1(text)
        glyphs = self._glyphs
        return "".join(
            char if char == "\n" or ord(char) in glyphs else "?"
            for char in unicodedata.normalize("NFC", text)
        )

    def header(self) -> None:
        if not self.running_head:
            return
        self.set_font(self.family_name, "", 8)
        self.set_text_color(*GREY)
        self.multi_cell(0, 4, self.clean(self.running_head), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family_name, "", 8)
        self.set_text_color(*GREY)
        width = self.epw / 2
        self.cell(width, 5, self.clean(one_line(self.footer_note)), align="L")
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(width, 5, self.clean(page), align="R")
        self.set_text_color(0)

    def write_lines(
        self, text: str, *, size: float, bold: bool = False, grey: bool = False
    ) -> None:
        """A paragraph across the page width, wrapped."""
        self.set_font(self.family_name, "B" if bold else "", size)
        if grey:
            self.set_text_color(*GREY)
        self.multi_cell(
            0, size * 0.5, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L"
        )
        self.set_text_color(0)

    def to_bytes(self) -> bytes:
        return bytes(self.output())


def _cmap(font: Any) -> Iterable[int]:
    return font.cmap.keys() if isinstance(font, TTFFont) else ()
