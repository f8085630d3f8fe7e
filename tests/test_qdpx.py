"""REFI-QDA export: schema validity, positions, nesting, reproducibility."""

from __future__ import annotations

import hashlib
import logging
import zipfile

import pandas as pd
from lxml import etree

from _interop_helpers import CODEBOOK, documents, sentences, tag, tags, turns
from cxaudit.publish.qdpx import NAMESPACE, SCHEMA_PATH, guid, source_text, write_qdpx

NS = {"q": NAMESPACE}


def _write(path, **overrides):
    args = dict(documents=documents(), turns=turns(), sentences=sentences(), tags=tags(), codebooks=[CODEBOOK])
    args.update(overrides)
    return write_qdpx(path, **args)


def _open(path):
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        root = etree.fromstring(zf.read("project.qde"))
        files = {n: zf.read(n).decode("utf-8") for n in names if n.startswith("sources/")}
    return names, root, files


def test_qdpx_schema_is_the_published_refi_xsd():
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    assert 'targetNamespace="urn:QDA-XML:project:1.0"' in text and "MIT license" in text
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == (
        "7841112e27897debf996f76209b9c5a5d074d66c1297a2f19f5ef250d29303bd")
    assert (SCHEMA_PATH.parent / "NOTICE.md").exists()


def test_qdpx_project_validates_against_xsd(tmp_path):
    names, root, _ = _open(_write(tmp_path / "audit.qdpx"))
    assert "project.qde" in names
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    assert schema.validate(etree.ElementTree(root)), schema.error_log


def test_qdpx_validator_rejects_a_broken_project(tmp_path):
    # guards the validity test itself: a selection without endPosition must fail
    _, root, _ = _open(_write(tmp_path / "audit.qdpx"))
    sel = root.find(".//q:PlainTextSelection", NS)
    del sel.attrib["endPosition"]
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    assert not schema.validate(etree.ElementTree(root))


def test_qdpx_every_segment_points_at_its_evidence(tmp_path):
    _, root, files = _open(_write(tmp_path / "audit.qdpx"))
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{{{NAMESPACE}}}Code")}
    found = []
    for source in root.iter(f"{{{NAMESPACE}}}TextSource"):
        text = files["sources/" + source.get("plainTextPath").removeprefix("internal://")]
        for sel in source.iter(f"{{{NAMESPACE}}}PlainTextSelection"):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            assert text[start:end] == sel.get("name")
            for ref in sel.iter(f"{{{NAMESPACE}}}CodeRef"):
                found.append((source.get("name"), text[start:end], codes[ref.get("targetGUID")]))
    assert sorted(found) == sorted([
        ("int/alice", "rude", "Courtesy"),
        ("int/alice", "fee", "Price"),
        ("int/alice", "prices", "Price"),
        ("int/alice", "café prices 😬", "Price"),  # code points, not UTF-16 units or bytes
        ("int/alice", "queue", "Queues"),
        ("int/alice", "queue", "waiting"),         # two codes share one selection
        ("int/alice", "kind", "Courtesy"),
        ("survey/17", "Cheap and clean.", "Cleanliness"),  # sentence-level tag = whole sentence
    ])
    assert len(list(root.iter(f"{{{NAMESPACE}}}PlainTextSelection"))) == 7


def test_qdpx_source_text_is_speaker_lines():
    text, offsets = source_text(turns()[turns()["doc_id"] == "int/alice"])
    lines = text.split("\n")
    assert lines[0] == "Interviewer: How was the branch visit?"
    assert lines[3] == "Alice: =The queue was long but staff were kind."
    # the offset of turn 3's text: three earlier lines plus their newlines, plus "Alice: "
    assert offsets[3] == sum(len(x) + 1 for x in lines[:3]) + len("Alice: ")
    comment, off = source_text(turns()[turns()["doc_id"] == "survey/17"])
    assert comment == "Cheap and clean." and off == {0: 0}


def test_qdpx_codes_are_nested_by_parent(tmp_path):
    _, root, _ = _open(_write(tmp_path / "audit.qdpx"))
    book = root.find("q:CodeBook/q:Codes", NS)
    group = book.find("q:Code[@name='mini']", NS)
    assert group.get("isCodable") == "false"
    parent = group.find("q:Code[@name='Mechanic']", NS)
    assert [c.get("name") for c in parent.findall("q:Code", NS)] == ["Queues", "Cleanliness"]
    assert parent.find("q:Code[@name='Queues']", NS).get("guid") == guid("code", "mini:mechanic.queue")
    assert "clue type: mechanic" in parent.find("q:Code[@name='Queues']/q:Description", NS).text
    learned = book.find("q:Code[@name='learned']", NS)
    assert [c.get("name") for c in learned.findall("q:Code", NS)] == ["waiting"]
    users = root.findall("q:Users/q:User", NS)
    assert [u.get("name") for u in users] == ["cxaudit"]


def test_qdpx_export_is_reproducible(tmp_path):
    first = _write(tmp_path / "a.qdpx").read_bytes()
    second = _write(tmp_path / "b.qdpx").read_bytes()
    assert first == second


def test_qdpx_skips_evidence_that_is_not_in_the_sentence(tmp_path, caplog):
    bad = tag("int/alice#1.0", "humanic.courtesy", "rude")
    bad.update(evidence="polite")
    with caplog.at_level(logging.WARNING, logger="cxaudit.publish.qdpx"):
        _, root, _ = _open(_write(tmp_path / "x.qdpx", tags=pd.DataFrame([bad])))
    assert "not found" in caplog.text
    assert not list(root.iter(f"{{{NAMESPACE}}}PlainTextSelection"))
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    assert schema.validate(etree.ElementTree(root)), schema.error_log


def test_qdpx_with_bundled_codebooks_and_no_tags_is_valid(tmp_path):
    empty = tags().iloc[0:0]
    _, root, files = _open(_write(tmp_path / "e.qdpx", tags=empty, codebooks=["carbone-clues", "touchpoints"]))
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    assert schema.validate(etree.ElementTree(root)), schema.error_log
    assert len(files) == 2
    assert len(list(root.iter(f"{{{NAMESPACE}}}Code"))) > 30
