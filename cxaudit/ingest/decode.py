"""Bytes to text: encoding detection and the checks that a file is text at all.

Order tried: a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE), UTF-16
without a BOM when every other byte is NUL, then strict UTF-8, then cp1252.
cp1252 decodes nearly any byte sequence, so text is also checked afterwards:
NUL characters or more than 2 % control characters mean "not text".
"""

from __future__ import annotations

import codecs
import logging
import re
from pathlib import Path

from .base import UNREADABLE, IngestError

__all__ = ["read_text", "decode_bytes", "sniff_binary"]

log = logging.getLogger("cxaudit.ingest")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (docx/xlsx/zip)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (.doc/.xls)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"ID3", "an MP3 audio file"),
    (b"\x7fELF", "an executable"),
)

_CONTROLS = re.compile("[\x01-\x08\x0e-\x1f\x7f-\x9f]")  # C0 and C1 controls except TAB LF VT FF CR
MAX_CONTROL_SHARE = 0.02


def sniff_binary(data: bytes) -> str | None:
    """Name the binary format ``data`` starts with (e.g. "a PNG image"), or None."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[4:8] == b"ftyp":
        return "an MP4/M4A media file"
    if data[:4] == b"RIFF":
        return "a RIFF (WAV/AVI) media file"
    return None


def _guess_utf16(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when ``data`` looks like BOM-less UTF-16 text, else None."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    half = len(sample) // 2
    odd_nuls = sample[1::2].count(0)
    even_nuls = sample[0::2].count(0)
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _check_text(text: str, path: str | Path, encoding: str) -> None:
    """Raise IngestError when decoded ``text`` has NUL bytes or too many control characters."""
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise IngestError(path, line, f"not a text file: contains NUL bytes (decoded as {encoding})")
    sample = text[:65536]
    controls = len(_CONTROLS.findall(sample))
    if sample and controls / len(sample) > MAX_CONTROL_SHARE:
        raise IngestError(
            path,
            None,
            f"not a text file: {controls / len(sample):.0%} of the characters are control characters "
            f"(decoded as {encoding}; expected text in UTF-8, UTF-16 or cp1252)",
        )


def decode_bytes(data: bytes, path: str | Path, *, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data`` read from ``path``; return (text, encoding used).

    Raises IngestError when the bytes are a known binary format, are invalid
    in every encoding tried (or in the forced ``encoding``), or decode to
    something that is not text.
    """
    binary = sniff_binary(data)
    if binary:
        raise IngestError(path, None, f"not a text file: the bytes are {binary}")
    if encoding:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise IngestError(path, None, f"unknown encoding {encoding!r} given in the input options") from None
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise IngestError(path, line, f"cannot decode as {encoding} (byte {e.start}: {e.reason})") from None
        used = encoding
    else:
        text, used = _decode_auto(data, path)
    text = text.lstrip("\ufeff")
    _check_text(text, path, used)
    log.debug("%s: decoded as %s", path, used)
    return text, used


def _decode_auto(data: bytes, path: str | Path) -> tuple[str, str]:
    """Try BOMs, BOM-less UTF-16, UTF-8 and cp1252 in that order."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(name), name
            except UnicodeDecodeError as e:
                raise IngestError(path, None, f"starts with a {name} byte-order mark but is not valid {name} ({e.reason})") from None
    guess = _guess_utf16(data)
    if guess:
        try:
            return data.decode(guess), guess
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        first_error = e
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, first_error.start) + 1
        raise IngestError(
            path,
            line,
            f"undecodable bytes: not valid UTF-8 (byte {first_error.start}) nor cp1252 (byte {e.start}); "
            "set `encoding` in the input options if you know it",
        ) from None


def read_text(path: str | Path, *, encoding: str | None = None) -> str:
    """Read ``path`` as text (see :func:`decode_bytes`).

    Raises IngestError for empty or whitespace-only files as well.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise IngestError(path, None, f"cannot read file: {e.strerror or e}", kind=UNREADABLE) from None
    if not data:
        raise IngestError(path, None, "file is empty (0 bytes)")
    text, _ = decode_bytes(data, path, encoding=encoding)
    if not text.strip():
        raise IngestError(path, None, "file contains only whitespace")
    return text
