"""Encodings and not-text files."""

from __future__ import annotations

import logging

import pytest

from cxaudit.ingest import IngestError
from cxaudit.ingest.decode import decode_bytes, read_text

from _ingest_helpers import PNG_BYTES, ingest_one, write

TEXT = "Interviewer: Était-ce “rapide”?\nMaria: Ça va — 5 €."


@pytest.mark.parametrize(
    "data, encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-16"), "utf-16-le"),
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM
        (TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_decode_detects_encoding(data, encoding):
    text, used = decode_bytes(data, "x.txt")
    assert (text, used) == (TEXT, encoding)


def test_decode_logs_the_encoding_used(tmp_path, caplog):
    path = write(tmp_path, "w.txt", TEXT, encoding="cp1252")
    with caplog.at_level(logging.DEBUG, logger="cxaudit.ingest"):
        assert read_text(path) == TEXT
    assert any("decoded as cp1252" in r.getMessage() for r in caplog.records)


def test_decode_forced_encoding(tmp_path):
    path = write(tmp_path, "l.txt", "Maria: señor", encoding="latin-1")
    assert read_text(path, encoding="latin-1") == "Maria: señor"
    with pytest.raises(IngestError, match="cannot decode as utf-8"):
        read_text(path, encoding="utf-8")
    with pytest.raises(IngestError, match="unknown encoding"):
        read_text(path, encoding="klingon-8")


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"", "file is empty"),
        ("blank.txt", b" \n\t\r\n  ", "only whitespace"),
        ("image.txt", PNG_BYTES, "PNG image"),
        ("nul.txt", b"Interviewer: hi\x00\x00there\n", "NUL bytes"),
        ("controls.txt", bytes(range(1, 9)) * 20 + b"abc", "control characters"),
        ("undecodable.txt", b"Maria: \x81\x8d\x8f\x90\x9d caf\xe9 \xff\xfe\x81", "undecodable bytes"),
        ("bad-bom.txt", b"\xef\xbb\xbfcaf\xe9", "not valid utf-8"),
    ],
)
def test_decode_bad_files_are_rejected_with_reason(tmp_path, name, data, reason):
    result = ingest_one(write(tmp_path, name, data))
    assert result.documents.empty and result.turns.empty
    [(path, msg)] = result.rejected[["path", "reason"]].values.tolist()
    assert path.endswith(name)
    assert reason in msg
