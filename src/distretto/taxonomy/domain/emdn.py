"""The official EMDN file: pure parsing, checking and planning of the upsert, no Django.

The European Commission publishes the European Medical Device Nomenclature as a
tab-separated file: a title line (``EMDN V2``), a header line (CATEGORY,
CATEGORY DESCRIPTION, CODE, TERM, LEVEL, TERMINAL LEVEL YES/NO, with stray
spaces), then one term per record. A code is its category letter followed by
two digits per level below the first (``F``, ``F01``, ``F0106``, ``F010601``),
so the parent of a code is the code without its last two digits.

Terms may hold a line break inside double quotes, so records are read with the
CSV rules and every problem names the line the record starts on.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


def N_(message: str) -> str:
    """Mark a message for translation without translating it (the service translates it)."""
    return message


CODE_PATTERN = re.compile(r"^[A-Z](\d{2}){0,12}$")
MAX_TERM_LENGTH = 500  # the length of a code's label in the database

# Header names, compared with spaces collapsed and in upper case.
COLUMN_CODE = "CODE"
COLUMN_TERM = "TERM"
COLUMN_LEVEL = "LEVEL"
COLUMN_CATEGORY = "CATEGORY"
COLUMN_TERMINAL = "TERMINAL LEVEL"
REQUIRED_COLUMNS = (COLUMN_CODE, COLUMN_TERM, COLUMN_LEVEL)
HEADER_SEARCH_LINES = 5


@dataclass(frozen=True)
class LineProblem:
    """One problem: the line of the file (None: the whole file), the column, the message."""

    line: int | None
    column: str
    message: str
    params: tuple[tuple[str, str], ...] = ()

    def params_dict(self) -> dict[str, str]:
        return dict(self.params)


@dataclass(frozen=True)
class EmdnTerm:
    """One term of the nomenclature as the file gives it."""

    code: str
    term: str
    level: int
    parent: str | None
    terminal: bool
    line: int


@dataclass(frozen=True)
class EmdnFile:
    """A parsed EMDN file: its title, its terms in file order, and its problems."""

    title: str
    terms: tuple[EmdnTerm, ...]
    problems: tuple[LineProblem, ...]


def _problem(line: int | None, column: str, message: str, /, **params: object) -> LineProblem:
    return LineProblem(line, column, message, tuple((k, str(v)) for k, v in params.items()))


def clean(text: str) -> str:
    """A cell without stray spaces: trimmed, inner runs of white space (and line breaks) as one."""
    return " ".join((text or "").split())


def parent_code(code: str) -> str | None:
    """The code of the level above (``F010601`` -> ``F0106``), None for a category."""
    return code[:-2] if len(code) > 1 else None


def level_of(code: str) -> int:
    """The level a well-formed code is at: 1 for the category letter, one more per two digits."""
    return (len(code) - 1) // 2 + 1


def _records(text: str) -> list[tuple[int, list[str]]]:
    """The tab-separated records of ``text``, each with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
    records = []
    start = 1
    for cells in reader:
        records.append((start, cells))
        start = reader.line_num + 1
    return records


def _header_positions(cells: Sequence[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = clean(cell).upper()
        if name.startswith(COLUMN_TERMINAL):
            name = COLUMN_TERMINAL
        positions.setdefault(name, index)
    return positions


def parse_emdn(text: str) -> EmdnFile:
    """Read and check an EMDN file's text. Any problem means the file must not be loaded.

    Checked: the header names the CODE, TERM and LEVEL columns; every code is
    well formed, appears once, agrees with its level and its category, has a
    term, and its parent (the code of the level above) is in the file.
    """
    try:
        records = _records(text)
    except csv.Error as exc:
        return EmdnFile(
            "", (), (_problem(None, "", N_("The file is malformed: %(reason)s."), reason=exc),)
        )
    header_index = next(
        (
            i
            for i, (_line, cells) in enumerate(records[:HEADER_SEARCH_LINES])
            if COLUMN_CODE in _header_positions(cells) and COLUMN_TERM in _header_positions(cells)
        ),
        None,
    )
    if header_index is None:
        message = N_(
            "No header line with the columns CODE, TERM and LEVEL in the first %(count)s lines: "
            "is this the official EMDN file?"
        )
        return EmdnFile("", (), (_problem(None, "", message, count=HEADER_SEARCH_LINES),))
    header_line, header_cells = records[header_index]
    positions = _header_positions(header_cells)
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        return EmdnFile(
            "",
            (),
            tuple(
                _problem(
                    header_line, name, N_('The header has no "%(column)s" column.'), column=name
                )
                for name in missing
            ),
        )
    title = clean(" ".join(records[0][1])) if header_index > 0 else ""

    problems: list[LineProblem] = []
    terms: list[EmdnTerm] = []
    lines_of: dict[str, int] = {}

    def cell(cells: Sequence[str], column: str) -> str:
        index = positions.get(column)
        return clean(cells[index]) if index is not None and index < len(cells) else ""

    for line, cells in records[header_index + 1 :]:
        if not any(c.strip() for c in cells):
            continue
        code = cell(cells, COLUMN_CODE).upper()
        term = cell(cells, COLUMN_TERM)
        level_text = cell(cells, COLUMN_LEVEL)
        row_problems: list[LineProblem] = []
        if not CODE_PATTERN.match(code):
            row_problems.append(
                _problem(
                    line,
                    COLUMN_CODE,
                    N_('"%(code)s" is not an EMDN code (a letter followed by pairs of digits).'),
                    code=code,
                )
            )
        elif code in lines_of:
            row_problems.append(
                _problem(
                    line,
                    COLUMN_CODE,
                    N_('The code "%(code)s" is already on line %(line)s.'),
                    code=code,
                    line=lines_of[code],
                )
            )
        if not term:
            row_problems.append(_problem(line, COLUMN_TERM, N_("The term is empty.")))
        elif len(term) > MAX_TERM_LENGTH:
            row_problems.append(
                _problem(
                    line,
                    COLUMN_TERM,
                    N_("The term is too long: %(length)s characters, at most %(max)s."),
                    length=len(term),
                    max=MAX_TERM_LENGTH,
                )
            )
        level = int(level_text) if level_text.isdigit() else 0
        if not level:
            row_problems.append(
                _problem(
                    line,
                    COLUMN_LEVEL,
                    N_('"%(value)s" is not a level (a whole number from 1).'),
                    value=level_text,
                )
            )
        elif CODE_PATTERN.match(code) and level != level_of(code):
            row_problems.append(
                _problem(
                    line,
                    COLUMN_LEVEL,
                    N_("Level %(level)s does not fit the code %(code)s (level %(expected)s)."),
                    level=level,
                    code=code,
                    expected=level_of(code),
                )
            )
        category = cell(cells, COLUMN_CATEGORY).upper()
        if category and code and CODE_PATTERN.match(code) and category != code[0]:
            row_problems.append(
                _problem(
                    line,
                    COLUMN_CATEGORY,
                    N_('The category "%(category)s" does not match the code %(code)s.'),
                    category=category,
                    code=code,
                )
            )
        if row_problems:
            problems.extend(row_problems)
            continue
        lines_of[code] = line
        terms.append(
            EmdnTerm(
                code=code,
                term=term,
                level=level,
                parent=parent_code(code),
                terminal=cell(cells, COLUMN_TERMINAL).upper() == "YES",
                line=line,
            )
        )

    for entry in terms:
        if entry.parent is not None and entry.parent not in lines_of:
            problems.append(
                _problem(
                    entry.line,
                    COLUMN_CODE,
                    N_('The parent code "%(parent)s" of %(code)s is not in the file.'),
                    parent=entry.parent,
                    code=entry.code,
                )
            )
    if not terms and not problems:
        problems.append(_problem(None, "", N_("The file has no terms below its header.")))
    problems.sort(key=lambda p: (p.line or 0, p.column))
    return EmdnFile(title=title, terms=tuple(terms), problems=tuple(problems))


@dataclass(frozen=True)
class StoredCode:
    """A code as the database holds it (labels, parent code, level, order)."""

    code: str
    label_it: str
    label_en: str
    parent: str | None
    level: int
    sort_order: int


@dataclass(frozen=True)
class EmdnPlan:
    """What loading a file changes: codes to create, to update, and how many stay as they are."""

    create: tuple[StoredCode, ...]
    update: tuple[StoredCode, ...]
    unchanged: int


def plan_upsert(terms: Sequence[EmdnTerm], existing: Mapping[str, StoredCode]) -> EmdnPlan:
    """Decide what to write so the database holds ``terms``, keeping what users added.

    The English label is the term. An Italian label someone wrote stays; where
    there is none, or it only repeated the old English term, it falls back to
    the English term. Codes in the database but not in the file are left alone
    (organisations may carry them). Creations come parents first.
    """
    create: list[StoredCode] = []
    update: list[StoredCode] = []
    unchanged = 0
    for order, term in enumerate(terms, start=1):
        before = existing.get(term.code)
        if before is None:
            create.append(
                StoredCode(term.code, term.term, term.term, term.parent, term.level, order)
            )
            continue
        keeps_italian = bool(before.label_it) and before.label_it != before.label_en
        after = StoredCode(
            code=term.code,
            label_it=before.label_it if keeps_italian else term.term,
            label_en=term.term,
            parent=term.parent,
            level=term.level,
            sort_order=order,
        )
        if after == before:
            unchanged += 1
        else:
            update.append(after)
    create.sort(key=lambda c: (c.level, c.sort_order))
    return EmdnPlan(create=tuple(create), update=tuple(update), unchanged=unchanged)
