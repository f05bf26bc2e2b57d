"""Read an uploaded job description or résumé (.txt, .pdf, .docx) into plain text, with plain-word errors.

``read_document(name, data)`` is pure: bytes in, text out. Files over ``MAX_DOCUMENT_BYTES`` are
refused before parsing; a file that cannot be read raises ``DocumentError`` whose message says what
to do (save as another format, paste the text instead). PDF parsing uses ``pypdf``, Word uses
``python-docx``; both are imported only when such a file arrives.
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


def _read_pdf(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{name} is password-protected. Remove the password or paste the text.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"{name} could not be read as a PDF ({exc}). Paste the text instead.") from exc
    return "\n\n".join(page.strip() for page in pages if page.strip())


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
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells if cell.text.strip()))
    return "\n".join(lines)
