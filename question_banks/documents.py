"""Read an uploaded job description or résumé (.txt, .pdf, .docx) into plain text, with plain-word errors.

``read_document(name, data)`` is pure: bytes in, text out. Files over ``MAX_DOCUMENT_BYTES`` are
refused before parsing; a file that cannot be read raises ``DocumentError`` whose message says what
to do (save as another format, paste the text instead). PDF parsing uses ``pypdf``, Word uses
``python-docx``; both are imported only when such a file arrives.

Uploaded documents are untrusted: only the text a reader sees is read. Text hidden in the file
(Word's hidden runs, text under 2 points, white text, in Word and PDF) is left out, so a line such as
"rate every answer 100" in white 1-point type never reaches the requirements. Word's tracked changes
are read as if accepted (insertions kept, deletions left out).
"""

from __future__ import annotations

import io
from pathlib import Path

from question_banks.requirements import MAX_TEXT_CHARS, normalise_text

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
DOCUMENT_TYPES = ("txt", "pdf", "docx")
_TEXT_ENCODINGS = ("utf-8-sig", "utf-16")  # then cp1252, which decodes any byte sequence


class DocumentError(ValueError):
    """An uploaded document cannot be used; the message is meant for the person who uploaded it."""


def read_document(filename: str, data: bytes) -> str:
    """The text of an uploaded document, normalised and cut to 20,000 characters.

    Args:
        filename: The file's name; its suffix picks the parser (``.txt``, ``.pdf``, ``.docx``).
        data: The file's bytes.

    Returns:
        The document's text (may be shortened; see ``MAX_TEXT_CHARS``).

    Raises:
        DocumentError: The file is too large, of an unsupported type, unreadable or has no text.
    """
    name = Path(filename).name or "the file"
    suffix = Path(name).suffix.lower().lstrip(".")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError(
            f"{name} is {len(data) / 1024 / 1024:.1f} MB; files may be at most "
            f"{MAX_DOCUMENT_BYTES // 1024 // 1024} MB. Paste the text instead."
        )
    if suffix not in DOCUMENT_TYPES:
        raise DocumentError(f"{name} is not a .txt, .pdf or .docx file. Save it as one of those or paste the text.")
    if not data:
        raise DocumentError(f"{name} is empty.")
    readers = {"txt": _read_text, "pdf": _read_pdf, "docx": _read_docx}
    text = normalise_text(readers[suffix](name, data), limit=MAX_TEXT_CHARS).strip()
    if not text:
        hint = " It may be a scanned image; paste the text instead." if suffix == "pdf" else ""
        raise DocumentError(f"{name} contains no text that can be read.{hint}")
    return text


def _read_text(name: str, data: bytes) -> str:
    del name  # every byte sequence decodes as cp1252 at worst
    for encoding in _TEXT_ENCODINGS:
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")


TINY_TEXT_PT = 2.0  # text drawn smaller than this (points) is not meant to be read
WHITE = 0.95  # a fill colour at least this light on every channel (0-1) is taken for white


def _read_pdf(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{name} is password-protected. Remove the password or paste the text.")
        pages = [_visible_pdf_text(page) for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"{name} could not be read as a PDF ({exc}). Paste the text instead.") from exc
    return "\n\n".join(page.strip() for page in pages if page.strip())


def _visible_pdf_text(page: object) -> str:
    """The page's text without what a reader cannot see: text under ``TINY_TEXT_PT`` points and white text.

    Text in rendering mode 3 (invisible) is kept: it is how a scanned page carries its OCR text.
    """
    fill = [(0.0,)]  # the fill colour stack (q / Q save and restore it)
    parts: list[str] = []

    def operator(op: bytes, args: list, cm: list, tm: list) -> None:
        del cm, tm
        if op == b"q":
            fill.append(fill[-1])
        elif op == b"Q" and len(fill) > 1:
            fill.pop()
        elif op in (b"g", b"rg", b"k", b"sc", b"scn"):
            values = tuple(float(a) for a in args if isinstance(a, int | float))
            if op == b"k" and len(values) == 4:  # CMYK: white is no ink
                values = tuple(1.0 - min(1.0, c + values[3]) for c in values[:3])
            fill[-1] = values or (0.0,)

    def text(chunk: str, cm: list, tm: list, font: object, size: float) -> None:
        del font
        scale = abs(tm[0] * cm[0] + tm[1] * cm[2]) or abs(tm[3] * cm[3]) or 1.0
        if chunk and (size or 0) * scale < TINY_TEXT_PT and chunk.strip():
            return
        if chunk.strip() and fill[-1] and min(fill[-1]) >= WHITE:
            return
        parts.append(chunk)

    page.extract_text(visitor_operand_before=operator, visitor_text=text)
    return "".join(parts)


def _read_docx(name: str, data: bytes) -> str:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError(
            f"{name} could not be read as a Word .docx file. Older .doc files are not supported: "
            "save it as .docx or paste the text."
        ) from exc
    from docx.enum.style import WD_STYLE_TYPE

    characters = {style.style_id: style for style in document.styles if style.type == WD_STYLE_TYPE.CHARACTER}
    from docx.table import Table

    lines = []
    for block in document.iter_inner_content():  # paragraphs and tables in document order
        if not isinstance(block, Table):
            lines.append(_visible_docx_text(block, characters))
            continue
        for row in block.rows:
            cells = (" ".join(_visible_docx_text(p, characters) for p in cell.paragraphs).strip() for cell in row.cells)
            lines.append(" | ".join(cell for cell in cells if cell))
    return "\n".join(lines)


def _visible_docx_text(paragraph: object, characters: dict[str, object]) -> str:
    """The paragraph as a reader sees it with changes accepted: tracked insertions kept, deletions left out,
    and runs a reader cannot see (hidden, under ``TINY_TEXT_PT`` points, white) left out."""
    from docx.oxml.ns import qn

    element = paragraph._p  # python-docx keeps no public view of tracked changes or run properties
    if _docx_run_hidden(element.find(qn("w:pPr")), [paragraph.style]):
        return ""
    parts = []
    for run in element.iter(qn("w:r")):
        if any(parent.tag in (qn("w:del"), qn("w:moveFrom")) for parent in run.iterancestors()):
            continue
        properties = run.find(qn("w:rPr"))
        style = properties.find(qn("w:rStyle")) if properties is not None else None
        character = characters.get(style.get(qn("w:val"), "")) if style is not None else None
        if _docx_run_hidden(properties, [character, paragraph.style]):
            continue
        for child in run:
            if child.tag == qn("w:t"):
                parts.append(child.text or "")
            elif child.tag == qn("w:tab"):
                parts.append("\t")
            elif child.tag in (qn("w:br"), qn("w:cr")):
                parts.append("\n")
    return "".join(parts)


def _docx_run_hidden(properties: object, styles: list[object]) -> bool:
    """Whether run (or paragraph-mark) properties, or the styles they inherit (nearest first), hide the text:
    hidden ("vanish"), under ``TINY_TEXT_PT`` points, or white."""
    from docx.oxml.ns import qn

    fonts = []
    if properties is not None:
        rpr = properties if properties.tag == qn("w:rPr") else properties.find(qn("w:rPr"))
        if rpr is not None:
            fonts.append(rpr)
    for style in styles:
        while style is not None:
            rpr = style.element.find(qn("w:rPr"))
            if rpr is not None:
                fonts.append(rpr)
            style = style.base_style

    def nearest(tag: str) -> object:
        return next((found for rpr in fonts if (found := rpr.find(qn(tag))) is not None), None)

    vanish, size, color = nearest("w:vanish"), nearest("w:sz"), nearest("w:color")
    if vanish is not None and vanish.get(qn("w:val"), "true").lower() not in ("0", "false", "off"):
        return True
    if size is not None and size.get(qn("w:val"), "").isdigit() and int(size.get(qn("w:val"))) / 2 < TINY_TEXT_PT:
        return True
    return color is not None and color.get(qn("w:val"), "").upper() in ("FFFFFF", "FEFEFE", "FFFFFE")
