"""Export an audit as a REFI-QDA project (``.qdpx``) for NVivo, ATLAS.ti, MAXQDA, QualCoder.

A ``.qdpx`` file is a zip holding ``project.qde`` (XML in the namespace
``urn:QDA-XML:project:1.0``, valid against the Project.xsd 1.0 shipped in
``cxaudit/qdaschema/``) and a ``sources/`` folder with one UTF-8 plain-text
file per document.

**Source text.** A document's plain text is its turns, in ``turn_id`` order,
one per line (joined with ``\\n``), each written ``"Speaker: text"`` (just
``text`` when the turn has no speaker). :func:`source_text` defines it, once.

**Positions.** A coded segment is a ``PlainTextSelection`` whose
``startPosition``/``endPosition`` count Unicode code points (Python ``str``
indices) from 0 at the start of the source file, ``endPosition`` exclusive —
the convention of QualCoder's REFI-QDA exporter (positions are the ``pos0``
and ``pos1`` of its coded text, ``text[pos0:pos1]``). For a tag::

    start = turn offset in the source + len("Speaker: ")
            + sentence.start_char (in the turn) + tag.start_char (in the sentence)
    end   = start + len(evidence)

Sentence-level tags (``start_char`` null, e.g. from the learned tagger) cover
the whole sentence. Several codes on the same span share one selection.

**GUIDs** are UUID 5 of stable ids (document id, ``codebook:code``, sentence
id + span + code), so exporting the same results twice gives identical files;
no timestamps are written.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

from cxaudit import __version__ as cxaudit_version
from cxaudit.clues.codebook import load_codebook

__all__ = ["write_qdpx", "source_text", "NAMESPACE", "SCHEMA_PATH", "guid"]

log = logging.getLogger(__name__)

NAMESPACE = "urn:QDA-XML:project:1.0"
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "qdaschema" / "Project.xsd"
_GUID_NS = uuid.UUID("6f1b7a52-3c1e-5d7a-9a0e-c0a7d17c1a5e")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def guid(kind: str, key: str) -> str:
    """Deterministic GUID of an object of ``kind`` with stable ``key``."""
    return str(uuid.uuid5(_GUID_NS, f"{kind}:{key}"))


def source_text(turns: pd.DataFrame) -> tuple[str, dict[int, int]]:
    """The plain text of one document's turns and where each turn's text starts in it.

    ``turns``: rows of the turns table for one document (turn_id, speaker,
    text). Returns (text, {turn_id: offset of the turn's ``text`` in it}).
    """
    parts, offsets, pos = [], {}, 0
    for turn in turns.sort_values("turn_id").itertuples(index=False):
        speaker = getattr(turn, "speaker", None)
        prefix = f"{speaker}: " if isinstance(speaker, str) and speaker else ""
        offsets[int(turn.turn_id)] = pos + len(prefix)
        line = prefix + str(turn.text)
        parts.append(line)
        pos += len(line) + 1
    return "\n".join(parts), offsets


def write_qdpx(path: str | Path, *, documents: pd.DataFrame, turns: pd.DataFrame, sentences: pd.DataFrame,
               tags: pd.DataFrame, codebooks=(), project_name: str = "cxaudit audit",
               user: str = "cxaudit") -> Path:
    """Write a REFI-QDA project with the documents, the codebooks and the coded segments.

    Tables as in ``cxaudit.schemas`` (documents: doc_id; turns: doc_id,
    turn_id, speaker, text; sentences: sentence_id, doc_id, turn_id,
    start_char, end_char, text; tags: sentence_id, codebook, code, start_char,
    evidence, method, confidence, polarity). ``codebooks``: Codebook objects
    or names; codes found in ``tags`` but in none of them are added under a
    group named after their codebook. Returns the path (written atomically).
    """
    cbs = _load(codebooks)
    user_guid = guid("user", user)
    ET.register_namespace("", NAMESPACE)
    root = _el("Project", name=project_name, origin=f"cxaudit {cxaudit_version}", creatingUserGUID=user_guid)
    users = _sub(root, "Users")
    _sub(users, "User", guid=user_guid, name=user, id=user)
    code_guids = _codebook(_sub(_sub(root, "CodeBook"), "Codes"), cbs, tags)
    sources_el = _sub(root, "Sources")
    files = {}
    segments = _segments(turns, sentences, tags)
    doc_ids = list(dict.fromkeys(documents["doc_id"].astype(str))) if documents is not None else []
    doc_ids += [d for d in dict.fromkeys(turns["doc_id"].astype(str)) if d not in doc_ids]
    for doc_id in doc_ids:
        text, _ = source_text(turns[turns["doc_id"].astype(str) == doc_id])
        sguid = guid("source", doc_id)
        files[f"sources/{sguid}.txt"] = text
        source = _sub(sources_el, "TextSource", guid=sguid, name=doc_id, plainTextPath=f"internal://{sguid}.txt",
                      creatingUser=user_guid)
        _add_selections(source, segments.get(doc_id, {}), code_guids, user_guid)
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return _write_zip(Path(path), xml, files)


def _segments(turns: pd.DataFrame, sentences: pd.DataFrame, tags: pd.DataFrame) -> dict[str, dict]:
    """doc_id → {(start, end): {"text": evidence, "tags": [tag rows]}} with positions in the source text."""
    offsets = {}
    for doc_id, group in turns.groupby(turns["doc_id"].astype(str), sort=False):
        text, turn_offsets = source_text(group)
        offsets.update({(doc_id, t): (text, off) for t, off in turn_offsets.items()})
    sent = sentences.set_index("sentence_id")
    out: dict[str, dict] = {}
    for tag in tags.to_dict("records"):
        sid = tag["sentence_id"]
        if sid not in sent.index:
            log.warning("qdpx: tag on unknown sentence %r skipped", sid)
            continue
        s = sent.loc[sid]
        doc_id = str(s["doc_id"])
        text, turn_off = offsets.get((doc_id, int(s["turn_id"])), (None, None))
        if text is None:
            log.warning("qdpx: sentence %r has no turn %s in document %r; skipped", sid, s["turn_id"], doc_id)
            continue
        inner = 0 if pd.isna(tag.get("start_char")) else int(tag["start_char"])
        evidence = str(s["text"]) if pd.isna(tag.get("start_char")) else str(tag["evidence"])
        start = turn_off + int(s["start_char"]) + inner
        end = start + len(evidence)
        if text[start:end] != evidence:
            log.warning("qdpx: evidence %r of %r not found at %d:%d in the source text; skipped", evidence, sid, start, end)
            continue
        seg = out.setdefault(doc_id, {}).setdefault((start, end), {"text": evidence, "tags": []})
        seg["tags"].append(tag)
    return out


def _add_selections(source: ET.Element, segments: dict, code_guids: dict, user_guid: str) -> None:
    """One PlainTextSelection per span, one Coding per (codebook, code) on it."""
    for (start, end), seg in sorted(segments.items()):
        first = seg["tags"][0]
        sel = _sub(source, "PlainTextSelection", guid=guid("selection", f"{first['sentence_id']}:{start}:{end}"),
                   name=seg["text"][:200], startPosition=str(start), endPosition=str(end), creatingUser=user_guid)
        notes = "; ".join(f"{t['codebook']}:{t['code']} method={t.get('method')} confidence={_fmt(t.get('confidence'))} "
                          f"polarity={_fmt(t.get('polarity'))}" for t in seg["tags"])
        _sub(sel, "Description").text = notes
        seen = set()
        for t in seg["tags"]:
            key = (str(t["codebook"]), str(t["code"]))
            if key in seen:
                continue
            seen.add(key)
            coding = _sub(sel, "Coding", guid=guid("coding", f"{first['sentence_id']}:{start}:{end}:{key}"),
                          creatingUser=user_guid)
            _sub(coding, "CodeRef", targetGUID=code_guids[key])


def _codebook(codes_el: ET.Element, cbs: list, tags: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Codes nested by parent under one non-codable group per codebook; returns (codebook, code) → guid."""
    guids: dict[tuple[str, str], str] = {}
    for cb in cbs:
        group = _sub(codes_el, "Code", guid=guid("codebook", cb.name), name=cb.name, isCodable="false")
        _sub(group, "Description").text = f"{cb.description} (cxaudit codebook {cb.name} {cb.version})".strip()
        elements = {None: group}
        for code in _parents_first(cb.codes):
            key = (cb.name, code.id)
            guids[key] = guid("code", f"{cb.name}:{code.id}")
            el = _sub(elements.get(code.parent, group), "Code", guid=guids[key], name=code.label or code.id,
                      isCodable="true")
            _sub(el, "Description").text = f"{code.description} [id: {code.id}; clue type: {code.clue_type}]".strip()
            elements[code.id] = el
    extra = tags[["codebook", "code"]].astype(str).drop_duplicates().itertuples(index=False) if len(tags) else []
    groups = {}
    for cb_name, code in extra:
        if (cb_name, code) in guids:
            continue
        if cb_name not in groups:
            groups[cb_name] = _sub(codes_el, "Code", guid=guid("codebook", cb_name), name=cb_name, isCodable="false")
        guids[(cb_name, code)] = guid("code", f"{cb_name}:{code}")
        _sub(groups[cb_name], "Code", guid=guids[(cb_name, code)], name=code, isCodable="true")
    if not len(codes_el):
        _sub(codes_el, "Code", guid=guid("codebook", "(none)"), name="(no codes)", isCodable="false")
    return guids


def _parents_first(codes) -> list:
    """Codes ordered so that every parent comes before its children (file order otherwise)."""
    by_id, done, out = {c.id: c for c in codes}, set(), []

    def visit(c):
        if c.id in done:
            return
        if c.parent in by_id:
            visit(by_id[c.parent])
        done.add(c.id)
        out.append(c)

    for c in codes:
        visit(c)
    return out


def _write_zip(path: Path, xml: bytes, files: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in [("project.qde", xml), *((n, t.encode("utf-8")) for n, t in files.items())]:
                info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _el(tag: str, **attrs) -> ET.Element:
    return ET.Element(f"{{{NAMESPACE}}}{tag}", {k: v for k, v in attrs.items() if v is not None})


def _sub(parent: ET.Element, tag: str, **attrs) -> ET.Element:
    return ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}", {k: v for k, v in attrs.items() if v is not None})


def _fmt(value) -> str:
    try:
        return f"{float(value):.3f}"
    except (TypeError, ValueError):
        return "NA"


def _load(codebooks) -> list:
    if not codebooks:
        return []
    return [load_codebook(cb) for cb in codebooks]
