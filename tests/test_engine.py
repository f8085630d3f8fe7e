"""The batch engine: batching rules, and identical tables from every engine."""

from __future__ import annotations

import pandas as pd
import pytest

from cxaudit.run.engine import PipelineSpec, Tables, batches, process

SPEC = PipelineSpec(model="blank", codebooks=("carbone-clues", "touchpoints"))

TEXTS = [
    "The staff at the branch were lovely but the queue was out the door.",
    "I was on hold for forty minutes and nobody got back to me.",
    "They charged me twice for the same month. I wish billing were simpler!",
    "The app keeps crashing when I log in; the website is fine though.",
    "Great service, quick and easy.",
    "Hidden fees everywhere, and the letter was confusing.",
]


def make_turns(n_docs: int, turns_per_doc: int = 3) -> pd.DataFrame:
    rows = []
    for d in range(n_docs):
        for t in range(turns_per_doc):
            role = "interviewer" if t == 0 else "participant"
            text = "How was it?" if role == "interviewer" else TEXTS[(d + t) % len(TEXTS)]
            rows.append({"doc_id": f"d{d:03d}", "turn_id": t, "role": role, "text": text})
    return pd.DataFrame(rows)


def collect(tables) -> Tables:
    parts = list(tables)
    cat = lambda name: pd.concat([getattr(p, name) for p in parts], ignore_index=True)  # noqa: E731
    return Tables(cat("sentences"), cat("feelings"), cat("tags"))


def canonical(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def test_engine_batches_never_split_a_document_and_drop_interviewers():
    turns = make_turns(10, turns_per_doc=4)
    chunks = list(batches(turns, size=5))
    assert len(chunks) > 1
    seen = [set(c["doc_id"]) for c in chunks]
    assert all(not (a & b) for i, a in enumerate(seen) for b in seen[i + 1:])
    assert sum(len(c) for c in chunks) == int((turns["role"] != "interviewer").sum())
    assert all((c["role"] != "interviewer").all() for c in chunks)


def test_engine_batch_size_does_not_change_results():
    turns = make_turns(12)
    one = collect(process(turns, SPEC, batch_size=1000))
    small = collect(process(turns, SPEC, batch_size=4))
    for name in ("sentences", "feelings", "tags"):
        pd.testing.assert_frame_equal(canonical(getattr(one, name)), canonical(getattr(small, name)))
    assert len(one.tags) > 0 and set(one.tags["clue_type"]) >= {"functional", "mechanic", "humanic"}


@pytest.mark.slow
def test_engine_local_pool_equals_single_process():
    turns = make_turns(30)
    single = collect(process(turns, SPEC, batch_size=10))
    pooled = collect(process(turns, SPEC, batch_size=10, workers=2))
    for name in ("sentences", "feelings", "tags"):
        pd.testing.assert_frame_equal(canonical(getattr(single, name)), canonical(getattr(pooled, name)))


@pytest.mark.slow
def test_engine_dask_local_cluster_equals_local(tmp_path):
    pytest.importorskip("distributed")
    turns = make_turns(30)
    local = collect(process(turns, SPEC, batch_size=10))
    dask = collect(process(turns, SPEC, batch_size=10, engine="dask", workers=2))
    for name in ("sentences", "feelings", "tags"):
        pd.testing.assert_frame_equal(canonical(getattr(local, name)), canonical(getattr(dask, name)))


def test_engine_rejects_unknown_engine():
    with pytest.raises(ValueError, match="unknown engine"):
        list(process(make_turns(1), SPEC, engine="spark"))


@pytest.mark.parametrize("env, built", [
    ('{"model": "blank", "codebooks": ["touchpoints"]}', True),
    ('not json', False),
    ('{"model": "no_such_pipeline_xyz", "codebooks": []}', False),
    ('', False),
])
def test_engine_fork_server_preload_builds_the_named_pipeline_or_stays_quiet(env, built):
    """cxaudit.run.preload (imported by the fork server) builds the announced pipeline; a bad announcement
    is only logged, never raised (an exception would kill the fork server)."""
    import subprocess
    import sys

    code = ("import cxaudit.run.preload\nfrom cxaudit.run.engine import _NLP_CACHE, PipelineSpec\n"
            "print(PipelineSpec(model='blank', codebooks=('touchpoints',)) in _NLP_CACHE)")
    proc = subprocess.run([sys.executable, "-c", code], env={**__import__("os").environ, "CXAUDIT_PRELOAD_PIPELINE": env},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(built)


@pytest.mark.slow
def test_engine_warmed_pool_equals_single_process():
    from cxaudit.run.engine import warm_workers

    turns = make_turns(12)
    warm_workers(SPEC)
    pooled = collect(process(turns, SPEC, batch_size=5, workers=2))
    single = collect(process(turns, SPEC, batch_size=5))
    for name in ("sentences", "feelings", "tags"):
        pd.testing.assert_frame_equal(canonical(getattr(single, name)), canonical(getattr(pooled, name)))


@pytest.mark.slow
def test_engine_learned_tagger_runs_in_the_batch_and_equals_predict(tmp_path):
    """With spec.tagger the batch adds the learned tagger's tags after the rules' ones: the same rows as
    LearnedTagger.predict on the batch's sentences, in one process and in a worker pool."""
    from cxaudit.clues.learned import LearnedTagger, LearnedTaggerConfig

    coded = pd.DataFrame({
        "text": [t for t in TEXTS for _ in range(3)],
        "code": ["fx.staff;fx.queue", "fx.wait", "fx.billing", "fx.app", "fx.staff", "fx.billing"] * 3})
    LearnedTagger(LearnedTaggerConfig(seed=0)).fit(coded).save(tmp_path / "tagger")
    spec = PipelineSpec(model="blank", codebooks=("carbone-clues", "touchpoints"), tagger=str(tmp_path / "tagger"),
                        threshold=0.3)
    turns = make_turns(12)
    single = collect(process(turns, spec, batch_size=5))
    pooled = collect(process(turns, spec, batch_size=5, workers=2))
    for name in ("sentences", "feelings", "tags"):
        pd.testing.assert_frame_equal(canonical(getattr(single, name)), canonical(getattr(pooled, name)))
    model = single.tags[single.tags["method"] == "model"].reset_index(drop=True)
    expected = LearnedTagger.load(tmp_path / "tagger").predict(single.sentences, threshold=0.3)
    assert len(model) > 0 and set(model["code"]) <= {"fx.staff", "fx.queue", "fx.wait", "fx.billing", "fx.app"}
    pd.testing.assert_frame_equal(canonical(model), canonical(expected.astype(model.dtypes.to_dict())))
    rules = collect(process(turns, PipelineSpec(model="blank", codebooks=("carbone-clues", "touchpoints")),
                            batch_size=5))
    pd.testing.assert_frame_equal(canonical(single.tags[single.tags["method"] == "rule"]), canonical(rules.tags))


@pytest.mark.parametrize("text, limit", [
    ("One. Two is here. Three! " * 40, 60),           # cut at sentence ends
    ("word " * 300, 64),                                # no sentence end: cut at a space
    ("x" * 500, 70),                                    # no space at all: cut at the limit
    ("Short enough.", 100),
])
def test_engine_text_pieces_cover_the_text_within_the_limit(text, limit):
    from cxaudit.run.engine import text_pieces

    pieces = text_pieces(text, limit)
    assert "".join(piece for _, piece in pieces) == text
    assert all(len(piece) <= limit for _, piece in pieces)
    assert [offset for offset, _ in pieces] == [sum(len(p) for _, p in pieces[:k]) for k in range(len(pieces))]
    if "!" in text:
        assert all(piece.endswith((". ", "! ")) for _, piece in pieces[:-1])


def test_engine_turn_over_max_length_equals_the_same_text_in_one_piece(monkeypatch):
    """A turn longer than the pipeline's max_length is analysed in pieces; its rows are those of the
    whole text read at once: same sentence ids, offsets into the turn, feelings and tags."""
    from cxaudit.run import engine

    text = " ".join(["The staff were rude and the queue was long.", "The app keeps crashing when I pay a bill!",
                     "I love the new branch, it is clean."] * 12)
    turns = pd.DataFrame({"doc_id": ["d"], "turn_id": [0], "role": ["participant"], "text": [text]})
    spec = PipelineSpec(model="blank", codebooks=("carbone-clues", "touchpoints"))
    whole = engine.process_batch(turns, spec)
    nlp = engine.build(spec)
    monkeypatch.setattr(nlp, "max_length", 300)
    monkeypatch.setattr(engine, "PIECE_CHARS", 300)
    pieces = engine.process_batch(turns, spec)
    assert len(engine.text_pieces(text, 300)) > 4
    for name in ("sentences", "feelings", "tags"):  # tags come per piece: the same rows, in another order
        a, b = getattr(pieces, name), getattr(whole, name)
        # a touchpoint inferred from earlier sentences of the turn is looked for within the piece only
        cols = [c for c in a.columns if c != "touchpoint"]
        a, b = (f.sort_values(cols).reset_index(drop=True) for f in (a, b))
        pd.testing.assert_frame_equal(a[cols], b[cols], obj=name)
        if name == "tags":
            assert (a["touchpoint"].fillna("") == b["touchpoint"].fillna("")).mean() > 0.9
    for row in pieces.sentences.itertuples():
        assert text[row.start_char:row.end_char] == row.text


def test_engine_cached_pipeline_gives_the_same_tables(tmp_path, monkeypatch):
    import cxaudit.run.engine as engine
    from cxaudit.run.engine import process_batch

    turns = make_turns(12)
    # a package file changed after this process imported cxaudit: the pipeline in memory may not be the
    # one those files make, so it is not cached
    monkeypatch.setenv(engine.PIPELINE_CACHE_ENV, str(tmp_path / "edited"))
    monkeypatch.setattr("cxaudit._IMPORTED_AT", 0.0)
    monkeypatch.setattr(engine, "_NLP_CACHE", {})
    process_batch(turns, SPEC)
    assert not list((tmp_path / "edited").glob("*.pkl"))
    # else (other engineers may be editing this tree now: the check is forced to "unchanged")
    monkeypatch.setattr(engine, "_code_unchanged_since_import", lambda: True)
    monkeypatch.setenv(engine.PIPELINE_CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(engine, "_NLP_CACHE", {})
    built = process_batch(turns, SPEC)  # built, and saved to the cache
    saved = list((tmp_path / "cache").glob("*.pkl"))
    assert len(saved) == 1 and (saved[0].stat().st_mode & 0o077) == 0
    loaded_from = []
    monkeypatch.setattr(engine, "_NLP_CACHE", {})
    real_load = engine._load_pipeline
    monkeypatch.setattr(engine, "_load_pipeline", lambda p: loaded_from.append(p) or real_load(p))
    cached = process_batch(turns, SPEC)
    assert loaded_from == saved
    for name in ("sentences", "feelings", "tags"):
        pd.testing.assert_frame_equal(getattr(built, name), getattr(cached, name), obj=name)
    # other codebooks: another cache entry; caching off: nothing loaded
    other = PipelineSpec(model="blank", codebooks=("carbone-clues",))
    from cxaudit.clues.codebook import codebook_file

    assert engine._pipeline_cache_path(other, [codebook_file("carbone-clues")]) not in (None, saved[0])
    # an edited codebook file: another cache entry (the key reads the file, not the parsed codebook)
    edited = tmp_path / "carbone-clues.yml"
    edited.write_bytes(codebook_file("carbone-clues").read_bytes() + b"\n# edited\n")
    assert engine._pipeline_cache_path(other, [edited]) not in (None, saved[0],
                                                                engine._pipeline_cache_path(other, [codebook_file("carbone-clues")]))
    monkeypatch.setenv(engine.PIPELINE_CACHE_ENV, "0")
    monkeypatch.setattr(engine, "_NLP_CACHE", {})
    loaded_from.clear()
    process_batch(turns, SPEC)
    assert loaded_from == []
