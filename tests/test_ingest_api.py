"""ingest(), iter_files() and read_path(): folders, ids, metadata, rejections, schemas."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxaudit import schemas
from cxaudit.ingest import IngestError, InputSpec, Parsed, RoleConfig, Turn, ingest, iter_files, read_path

from _ingest_helpers import PNG_BYTES, make_docx, reasons, write

DIALOGUE = "Interviewer: How was it?\n{name}: {answer}\nInterviewer: Why?\n{name}: Because.\n"


def _interview(folder, name, who="Maria", answer="Slow."):
    return write(folder, name, DIALOGUE.format(name=who, answer=answer))


def test_api_iter_files_sorted_recursive_skipping_hidden_and_metadata(tmp_path):
    root = tmp_path / "interviews"
    for name in ["b.txt", "a.vtt", "sub/c.srt", ".hidden.txt", ".git/x.txt", "~$lock.docx", "meta.csv", "Thumbs.db"]:
        write(root, name, "x")
    spec = InputSpec(path="interviews", base_dir=str(tmp_path), metadata="interviews/meta.csv")
    assert [p.relative_to(root).as_posix() for p in iter_files(spec)] == ["a.vtt", "b.txt", "sub/c.srt"]


def test_api_iter_files_glob_and_single_file(tmp_path):
    for name in ["x/a.txt", "x/b.vtt", "x/deep/c.txt"]:
        write(tmp_path, name, "x")
    glob_spec = InputSpec(path="x/**/*.txt", base_dir=str(tmp_path))
    assert [p.name for p in iter_files(glob_spec)] == ["a.txt", "c.txt"]
    assert iter_files(InputSpec(path="x/b.vtt", base_dir=str(tmp_path))) == [tmp_path / "x" / "b.vtt"]


def test_api_iter_files_missing_path_raises(tmp_path):
    with pytest.raises(IngestError, match="no such file or folder"):
        iter_files(InputSpec(path="nope", base_dir=str(tmp_path)))
    with pytest.raises(IngestError, match="glob matched no files"):
        iter_files(InputSpec(path="nope/*.txt", base_dir=str(tmp_path)))


def test_api_doc_ids_are_relative_paths_without_suffix(tmp_path):
    _interview(tmp_path / "interviews", "p01.txt")
    _interview(tmp_path / "interviews", "wave 2/p01.final.txt")
    result = ingest([InputSpec(path="interviews", base_dir=str(tmp_path))])
    assert result.documents["doc_id"].tolist() == ["interviews/p01", "interviews/wave 2/p01.final"]
    assert result.documents["source"].tolist() == [str(tmp_path / "interviews/p01.txt"), str(tmp_path / "interviews/wave 2/p01.final.txt")]


def test_api_doc_ids_outside_base_dir_are_relative_to_input_folder(tmp_path):
    _interview(tmp_path / "elsewhere", "deep/p07.txt")
    result = ingest([InputSpec(path=str(tmp_path / "elsewhere"), base_dir=str(tmp_path / "project"))])
    assert result.documents["doc_id"].tolist() == ["deep/p07"]


def test_api_metadata_csv_and_spec_fields(tmp_path):
    _interview(tmp_path / "int", "p01.txt", who="Maria Lopez")
    _interview(tmp_path / "int", "sub/p02.txt", who="Tom")
    _interview(tmp_path / "int", "p03.txt", who="Ann")
    write(tmp_path / "int", "participants.csv",
          "file;participant;segment;date;wave;score;persona\n"
          "p01.txt;M. L.;Everyday;2026-07-08;2026-Q2;8;saver\n"
          "sub/p02.txt;;Business;08 July 2026;;eleven;\n")
    spec = InputSpec(path="int", base_dir=str(tmp_path), metadata="int/participants.csv", segment="Default", channel="video", wave="W-spec")
    result = ingest([spec], wave="W-default")
    docs = result.documents.set_index("doc_id")
    assert docs.loc["int/p01", ["participant", "segment", "channel", "wave", "date", "score", "meta"]].tolist() == [
        "M. L.", "Everyday", "video", "2026-Q2", "2026-07-08", 8.0, '{"persona": "saver"}']
    assert docs.loc["int/sub/p02", ["participant", "segment", "wave", "date"]].tolist() == ["Tom", "Business", "W-spec", "2026-07-08"]
    assert docs.loc["int/p03", ["participant", "segment", "wave"]].tolist() == ["Ann", "Default", "W-spec"]
    assert "int/participants" not in docs.index
    [(line, reason)] = result.rejected[["line", "reason"]].values.tolist()
    assert line == 3 and "score 'eleven' is not a number" in reason


def test_api_metadata_csv_without_file_column_is_rejected_but_transcripts_kept(tmp_path):
    _interview(tmp_path / "int", "p01.txt")
    write(tmp_path, "meta.csv", "name,segment\np01.txt,x\n")
    result = ingest([InputSpec(path="int", base_dir=str(tmp_path), metadata="meta.csv")])
    assert result.documents["doc_id"].tolist() == ["int/p01"]
    assert "no 'file' column" in reasons(result)[0]


def test_api_default_wave_applies_when_input_has_none(tmp_path):
    _interview(tmp_path, "a.txt")
    result = ingest([InputSpec(path="a.txt", base_dir=str(tmp_path))], wave="2026-Q3")
    assert result.documents["wave"].tolist() == ["2026-Q3"]


def test_api_bad_inputs_never_raise_and_good_files_are_kept(tmp_path, caplog):
    folder = tmp_path / "mixed"
    _interview(folder, "good.txt")
    write(folder, "good.srt", "1\n00:00:01,000 --> 00:00:02,000\nInterviewer: Hi?\n")
    write(folder, "empty.txt", b"")
    write(folder, "blank.txt", "   \n\n ")
    write(folder, "photo.txt", PNG_BYTES)
    write(folder, "corrupt.docx", b"PK\x03\x04 truncated")
    write(folder, "notes.pdf", b"%PDF-1.4")
    write(folder, "old.doc", b"\xd0\xcf\x11\xe0")
    write(folder, "comments.csv", "id,comment\n1,hi\n")  # a table in an interview folder, no text_column
    make_docx(folder / "ok.docx", ["Interviewer: Hello?", "Ann: Hi."])
    specs = [
        InputSpec(path="mixed", base_dir=str(tmp_path)),
        InputSpec(path="missing-folder", base_dir=str(tmp_path)),
        InputSpec(path="nothing/*.vtt", base_dir=str(tmp_path)),
    ]
    with caplog.at_level(logging.WARNING, logger="cxaudit.ingest"):
        result = ingest(specs)
    # files are read in sorted order: good.srt claims doc_id mixed/good first, good.txt is then a duplicate
    assert result.documents[["doc_id", "source"]].values.tolist() == [["mixed/good", str(folder / "good.srt")], ["mixed/ok", str(folder / "ok.docx")]]
    rejected = dict(zip(result.rejected["path"].map(lambda p: p.rsplit("/", 1)[-1]), result.rejected["reason"]))
    assert set(rejected) == {"good.txt", "empty.txt", "blank.txt", "photo.txt", "corrupt.docx", "notes.pdf", "old.doc",
                             "comments.csv", "missing-folder", "*.vtt"}
    assert "duplicate doc_id 'mixed/good' (already read from" in rejected["good.txt"]
    assert "save it as .docx" in rejected["old.doc"]
    assert "unsupported file extension '.pdf'" in rejected["notes.pdf"]
    assert "no such file or folder" in rejected["missing-folder"]
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == len(result.rejected)
    assert all(msg.startswith(path) for msg, path in zip(warned, result.rejected["path"]))
    for table, schema in [(result.documents, schemas.DOCUMENTS), (result.turns, schemas.TURNS), (result.rejected, schemas.REJECTED)]:
        schemas.validate(table, schema)


def test_api_folder_without_readable_files(tmp_path):
    write(tmp_path / "audio", "a.m4a", b"\x00\x00\x00\x18ftypM4A ")
    write(tmp_path / "empty", ".keep", "hidden files do not count")
    result = ingest([InputSpec(path="audio", base_dir=str(tmp_path)), InputSpec(path="empty", base_dir=str(tmp_path))])
    assert result.documents.empty and result.turns.empty
    by_path = result.rejected.groupby("path")["reason"].apply(list).to_dict()
    assert by_path[str(tmp_path / "audio")] == ["no readable files (1 file(s) found, none could be read)"]
    assert "unsupported file extension '.m4a'" in by_path[str(tmp_path / "audio/a.m4a")][0]
    assert by_path[str(tmp_path / "empty")] == ["no readable files (the folder is empty once hidden files are skipped)"]


def test_api_empty_result_has_schema_columns():
    result = ingest([])
    assert list(result.documents.columns) == schemas.DOCUMENTS.names
    assert list(result.turns.columns) == schemas.TURNS.names
    assert list(result.rejected.columns) == schemas.REJECTED.names


def test_api_read_path_raises_for_missing_and_folder(tmp_path):
    spec = InputSpec(path=".", base_dir=str(tmp_path))
    with pytest.raises(IngestError, match="no such file") as info:
        read_path(tmp_path / "x.txt", spec)
    assert info.value.path == str(tmp_path / "x.txt") and info.value.line is None
    with pytest.raises(IngestError, match="is a folder"):
        read_path(tmp_path, spec)


def test_api_roles_option_is_used(tmp_path):
    write(tmp_path, "r.txt", "Anna: Why?\nBob: Fine.\nAnna: When?\nBob: Now.\n")
    result = ingest([InputSpec(path="r.txt", base_dir=str(tmp_path))], roles=RoleConfig(interviewer=["anna"]))
    assert result.turns["role"].tolist() == ["interviewer", "participant"] * 2
    assert result.documents["participant"].tolist() == ["Bob"]


def test_api_content_hash_ignores_whitespace_and_encoding_but_not_text(tmp_path):
    a = _interview(tmp_path / "a", "x.txt", answer="Café was slow.")
    b = write(tmp_path / "b", "x.txt", DIALOGUE.format(name="Maria", answer="Café   was\tslow. ").replace("\n", "\r\n"), encoding="utf-16")
    c = _interview(tmp_path / "c", "x.txt", answer="Café was fast.")
    hashes = [ingest([InputSpec(path=str(p))]).documents["content_hash"][0] for p in (a, b, c)]
    assert hashes[0] == hashes[1] != hashes[2]


_TEXTS = st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=_TEXTS, index=st.integers(min_value=0, max_value=4), extra=st.text(alphabet="abcxyz", min_size=1, max_size=3))
def test_api_content_hash_changes_when_any_text_changes(texts, index, extra):
    index %= len(texts)
    doc = Parsed("d", "s", "interview", [Turn("S", t) for t in texts])
    changed = list(texts)
    changed[index] = f"{changed[index]} {extra}"
    other = Parsed("d", "s", "interview", [Turn("S", t) for t in changed])
    assert doc.content_hash != other.content_hash
    spaced = Parsed("d", "s", "interview", [Turn("S", f"  {t}\n") for t in texts])
    assert doc.content_hash == spaced.content_hash


def test_api_tables_and_transcripts_keep_reading_order_and_reject_repeated_ids(tmp_path):
    """A comment table's documents sit between the transcripts read before and after it; a doc_id
    read before (a transcript's, or another table's) is rejected at its row; the run wave fills gaps."""
    _interview(tmp_path / "in", "a.txt")
    write(tmp_path / "in", "b.csv", "id,comment,wave\nin/a,clashes with a.txt,\nc1,kept,W-row\nc2,kept too,\n")
    _interview(tmp_path / "in", "c.txt")
    write(tmp_path, "more.csv", "id,comment\nc2,already read\nc3,new\n")
    specs = [InputSpec(path="in", base_dir=str(tmp_path), kind="comment", text_column="comment", id_column="id", meta_columns=["wave"]),
             InputSpec(path="more.csv", base_dir=str(tmp_path), kind="comment", text_column="comment", id_column="id")]
    result = ingest(specs, wave="W-run")
    assert result.documents[["doc_id", "wave"]].values.tolist() == [
        ["in/a", "W-run"], ["c1", "W-row"], ["c2", "W-run"], ["in/c", "W-run"], ["c3", "W-run"]]
    assert result.turns["doc_id"].tolist() == ["in/a"] * 4 + ["c1", "c2"] + ["in/c"] * 4 + ["c3"]
    assert result.rejected[["line", "reason"]].values.tolist() == [
        [2, f"duplicate doc_id 'in/a' (already read from {tmp_path / 'in' / 'a.txt'}); skipped"],
        [2, f"duplicate doc_id 'c2' (already read from {tmp_path / 'in' / 'b.csv'}); skipped"],
    ]
    for table, schema in [(result.documents, schemas.DOCUMENTS), (result.turns, schemas.TURNS)]:
        assert table.dtypes.astype(str).tolist() == [c.dtype for c in schema.columns]
        assert table.index.tolist() == list(range(len(table)))
