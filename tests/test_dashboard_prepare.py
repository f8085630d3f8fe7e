"""cxaudit.publish.dashboard.prepare: the precomputed dashboard tables against pandas, and the fallback."""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxaudit.publish.dashboard import prepare
from cxaudit.publish.dashboard.precompute import prepared_names
from cxaudit.compare.tables import GAP_TABLE
from cxaudit.publish.dashboard.queries import FILTER_LABELS, AuditData, Filters, summary_level
from cxaudit.schemas import conform
from cxaudit.store import store_path

from _dashboard_helpers import PWN_SEGMENT, make_store

CUBE_KEYS = ["wave", "segment", "kind", "touchpoint", "clue_type", "codebook", "code", "mode"]


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """(raw store dir, prepared copy dir, tables)."""
    raw = tmp_path_factory.mktemp("raw")
    tables = make_store(raw)
    prepped = tmp_path_factory.mktemp("prepared")
    shutil.copy(store_path(raw), store_path(prepped))
    prepare(prepped)
    return raw, prepped, tables


def _oracle_cube(tags: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    m = tags.merge(docs[["doc_id", "wave", "segment", "kind"]], on="doc_id")
    m["touchpoint"] = m["touchpoint"].fillna("unspecified")
    m["negative"] = (m["valence"] == "negative").astype(int)
    g = m.groupby(CUBE_KEYS, dropna=False).agg(n=("doc_id", "size"), sum_polarity=("polarity", "sum"),
                                                n_negative=("negative", "sum")).reset_index()
    return g


def _cube(con_or_dir) -> pd.DataFrame:
    if isinstance(con_or_dir, duckdb.DuckDBPyConnection):
        return con_or_dir.execute(f"SELECT {', '.join(c + '::VARCHAR AS ' + c for c in CUBE_KEYS)}, n, sum_polarity, "
                                  "n_negative FROM dash_cube").df()
    with duckdb.connect(str(store_path(con_or_dir)), read_only=True) as con:
        return _cube(con)


def _as_dict(frame: pd.DataFrame) -> dict:
    out = {}
    for r in frame.itertuples(index=False):
        key = tuple(None if pd.isna(getattr(r, k)) else str(getattr(r, k)) for k in CUBE_KEYS)
        out[key] = (int(r.n), round(float(r.sum_polarity), 9), int(r.n_negative))
    return out


def test_dashboard_prepare_cube_matches_pandas(stores):
    _, prepped, tables = stores
    assert _as_dict(_cube(prepped)) == _as_dict(_oracle_cube(tables["tags"], tables["documents"]))


def test_dashboard_prepare_mentions_in_evidence_order_with_integer_keys(stores):
    _, prepped, tables = stores
    with duckdb.connect(str(store_path(prepped)), read_only=True) as con:
        m = con.execute("SELECT * FROM dash_mentions ORDER BY ev_rank").df()
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'dash_mentions'").fetchall())
    assert len(m) == len(tables["tags"]) and list(m["ev_rank"]) == list(range(1, len(m) + 1))
    expected = tables["tags"].sort_values(["polarity", "sentence_id", "code", "start_char"])
    assert list(m["sentence_id"]) == list(expected["sentence_id"])
    assert types["doc_key"] == "INTEGER" and types["segment"].startswith("ENUM")
    assert m["doc_key"].nunique() == m["doc_id"].nunique()
    assert m.groupby("doc_key")["doc_id"].nunique().eq(1).all()  # one document per key
    assert m.groupby("participant")["person_key"].nunique().eq(1).all()  # one key per participant
    assert m.groupby("person_key")["participant"].nunique().eq(1).all()


FILTERS = [Filters(), Filters(wave="2026-Q2"), Filters(segment=PWN_SEGMENT), Filters(kind="comment", clue_type="mechanic"),
           Filters(touchpoint="unspecified"), Filters(segment="x' OR '1'='1")]


@pytest.mark.parametrize("filters", FILTERS)
def test_dashboard_prepare_queries_equal_fallback(stores, filters):
    raw, prepped, _ = stores
    with AuditData(raw) as a, AuditData(prepped) as b:
        assert (a.prepared, b.prepared) == (False, True)
        assert a.headline(filters) == b.headline(filters)
        pd.testing.assert_frame_equal(a.clue_cells(filters), b.clue_cells(filters))
        pd.testing.assert_frame_equal(a.evidence(filters, limit=None), b.evidence(filters, limit=None))
        for level in ("clue_type", "code", "touchpoint"):
            pd.testing.assert_frame_equal(a.gaps(filters.set(wave=filters.wave or "2026-Q2"), level=level),
                                          b.gaps(filters.set(wave=filters.wave or "2026-Q2"), level=level))
        pd.testing.assert_frame_equal(a.drivers(filters), b.drivers(filters))
        pd.testing.assert_frame_equal(a.nps(filters), b.nps(filters))
        assert a.options("segment") == b.options("segment") == sorted(a.options("segment"))


def test_dashboard_prepare_one_level_equals_all_levels(stores):
    _, prepped, _ = stores
    with AuditData(prepped) as data:
        f = Filters(wave="2026-Q2")
        everything = data.gaps(f)
        for level in ("clue_type", "code", "clue_type x touchpoint"):
            one = data.gaps(f, level=level)
            pd.testing.assert_frame_equal(one, everything[everything["level"] == level].reset_index(drop=True))


def test_dashboard_prepare_stale_tables_are_ignored(stores, tmp_path):
    _, prepped, tables = stores
    shutil.copy(store_path(prepped), store_path(tmp_path))
    with duckdb.connect(str(store_path(tmp_path))) as con:
        con.execute("DELETE FROM tags WHERE code = 'functional.billing'")
    with AuditData(tmp_path) as data:
        assert not data.prepared  # the preparation no longer matches the tags: rebuilt as temp tables
        assert data.headline(Filters())["mentions"] == (tables["tags"]["code"] != "functional.billing").sum()


def test_dashboard_prepare_is_idempotent_and_works_on_a_connection(stores):
    _, _, tables = stores
    con = duckdb.connect()
    for name in ("documents", "turns", "sentences", "tags"):
        con.register("_df", tables[name])
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _df")
        con.unregister("_df")
    first = prepare(con)
    second = prepare(con)
    assert first == second and first["dash_mentions"] == len(tables["tags"])
    assert first["dash_sentences"] == tables["tags"]["sentence_id"].nunique()
    assert prepared_names(con) == ("main.dash_mentions", "main.dash_cube", "main.dash_sentences")


def test_dashboard_prepare_rejects_store_without_tags_and_leaves_it_untouched():
    con = duckdb.connect()
    con.execute("CREATE TABLE documents (doc_id VARCHAR)")
    with pytest.raises(ValueError, match="lacks table"):
        prepare(con)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert tables == {"documents"}


def test_dashboard_prepare_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="cxaudit.duckdb"):
        prepare(tmp_path)


_values = st.sampled_from
_tag = st.tuples(st.integers(0, 4), _values(["functional", "mechanic", "humanic", "none"]),
                 _values(["pay", "web", None]), _values(["negative", "neutral", "positive"]),
                 _values(["current", "desired", "other"]), st.floats(-1, 1, allow_nan=False), _values(["a.x", "a.y"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tags=st.lists(_tag, min_size=1, max_size=40), segments=st.lists(_values(["s1", "s2", None]), min_size=5,
                                                                           max_size=5))
def test_dashboard_prepare_cube_property(tags, segments):
    docs = pd.DataFrame({"doc_id": [f"d{i}" for i in range(5)], "participant": [None, "P1", "P1", None, "P2"],
                         "segment": segments, "wave": ["w1", "w2", "w1", "w2", "w1"], "kind": "comment", "source": "s.csv",
                         "score": [9.0, 3.0, None, 7.0, 10.0]})
    tag_df = pd.DataFrame([{"sentence_id": f"d{d}#0.{i}", "doc_id": f"d{d}", "codebook": "cb", "code": code,
                            "clue_type": ct, "touchpoint": tp, "start_char": 0, "end_char": 1, "polarity": pol,
                            "valence": val, "mode": mode} for i, (d, ct, tp, val, mode, pol, code) in enumerate(tags)])
    con = duckdb.connect()
    con.execute("CREATE TABLE documents AS SELECT * FROM docs")
    con.execute("CREATE TABLE tags AS SELECT * FROM tag_df")
    sents = tag_df[["sentence_id", "doc_id"]].drop_duplicates().assign(turn_id=0, text="t", n_words=1)
    con.execute("CREATE TABLE sentences AS SELECT * FROM sents")
    con.execute("CREATE TABLE turns AS SELECT doc_id, 0 AS turn_id, 'c' AS speaker, NULL::DOUBLE AS start_s FROM docs")
    prepare(con)
    assert con.execute("SELECT count(*) FROM dash_sentences").fetchone()[0] == len(sents)
    assert _as_dict(_cube(con)) == _as_dict(_oracle_cube(tag_df, docs))
    n = con.execute("SELECT count(*), count(DISTINCT doc_key), count(DISTINCT person_key) FROM dash_mentions").fetchone()
    m = tag_df.merge(docs, on="doc_id")
    assert n == (len(tag_df), m["doc_id"].nunique(), m["participant"].fillna(m["doc_id"]).nunique())


def test_dashboard_prepare_app_imports_no_plotting_or_spacy(stores):
    raw, _, _ = stores
    code = ("import sys, cxaudit.publish.dashboard as d; app = d.build_app(sys.argv[1]); "
            "print(sorted(m for m in ('matplotlib', 'seaborn', 'spacy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(raw)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def _two_lens_store(prepped, out) -> None:
    """A copy of the prepared store with a second lens: a ``touchpoints`` tag (clue type ``none``, code = the
    touchpoint) for every clue tag that names a touchpoint."""
    shutil.copy(store_path(prepped), store_path(out))
    with duckdb.connect(str(store_path(out))) as con:
        con.execute("INSERT INTO tags BY NAME SELECT * REPLACE ('touchpoints' AS codebook, touchpoint AS code, "
                    "'none' AS clue_type) FROM tags WHERE touchpoint IS NOT NULL")


def test_dashboard_prepare_states_equal_the_live_queries(stores, tmp_path):
    """Every precomputed filter state (every lens without a filter; the first lens with one filter) gives what
    the live queries give; the other states (another lens with a filter, two filters) are live."""
    _, prepped, _ = stores
    _two_lens_store(prepped, tmp_path)
    counts = prepare(tmp_path, state_min_tags=0)
    with AuditData(tmp_path) as data:
        assert data.states and not {"dash_state_drivers", "dash_state_nps", "dash_state_waves"} & data.tables
        states = [Filters()] + [Filters(**{n: v}) for n in FILTER_LABELS for v in data.options(n)]
        lenses = data.lenses()
        assert len(lenses) >= 2 and len(states) > 10
        assert counts["dash_state_headline"] == len(states) + len(lenses) - 1
        n_stored = 0
        for lens in lenses:
            codes = sorted(data.precomputed("gaps")["dimension"].astype(str).unique())[:6] + ["functional.billing"]
            level = summary_level(lens)
            for state in states:
                f = state.set(codebook=lens)
                data.states = True
                assert (data.state("dash_state_gaps", f) is not None) == (lens == lenses[0] or not f.narrowed)
                n_stored += data.state("dash_state_gaps", f) is not None
                stored = (data.headline(f), data.audit_headline(f), data.gaps(f, level=level),
                          data.code_sentences(f, lens, codes), data.code_sentences(f, lens, codes, per_side=2))
                data.states = False
                live = (data.headline(f), data.audit_headline(f), data.gaps(f, level=level),
                        data.code_sentences(f, lens, codes), data.code_sentences(f, lens, codes, per_side=2))
                assert stored[:2] == live[:2]
                pd.testing.assert_frame_equal(stored[2], conform(live[2], GAP_TABLE))
                for a, b in zip(stored[3:], live[3:]):
                    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                                  check_dtype=False)
        assert n_stored == counts["dash_state_headline"]
        data.states = True
        lens = lenses[0]
        two = Filters(codebook=lens, wave=data.options("wave")[0], kind=data.options("kind")[0])
        assert data.state("dash_state_gaps", two) is None  # two filters: computed live
        assert data.state("dash_state_gaps", Filters(codebook=lens)) is not None


def test_dashboard_prepare_states_are_the_same_row_for_row(stores, tmp_path):
    """Two preparations of the same store write the same state tables, row for row, in their documented order
    (lens, state, then code, side, distance, sentence id for the quotes), whatever DuckDB's thread count."""
    _, prepped, _ = stores
    tables = []
    for i, threads in enumerate((1, 4)):
        out = tmp_path / f"s{i}"
        out.mkdir()
        _two_lens_store(prepped, out)
        with duckdb.connect(str(store_path(out))) as con:
            con.execute(f"SET threads = {threads}")
            prepare(con, state_min_tags=0)
            tables.append({name: con.execute(f"SELECT * FROM {name}").df()
                           for name in ("dash_state_headline", "dash_state_gaps", "dash_state_quotes")})
    for name, frame in tables[0].items():
        assert len(frame), name
        pd.testing.assert_frame_equal(frame, tables[1][name], check_exact=True, obj=name)
    quotes = tables[0]["dash_state_quotes"]
    keys = ["state_lens", "state", "code", "side", "dist", "sentence_id"]
    assert quotes[keys].equals(quotes.sort_values(keys).reset_index(drop=True)[keys])


def test_dashboard_prepare_small_store_has_no_states(stores):
    _, prepped, _ = stores
    with AuditData(prepped) as data:  # fewer tags than STATE_MIN_TAGS: every query is live
        assert not data.states and data.state("dash_state_gaps", Filters(codebook="carbone-clues")) is None


@pytest.mark.parametrize("prepared", [False, True])
def test_dashboard_quote_shows_the_next_sentence_its_feeling_came_from(tmp_path, prepared):
    """A clue whose feeling was read in the next sentence of its turn ("Promised a call back within 48 hours."
    / "Never came.") is quoted with that sentence (context_after); a clue judged in its own sentence, and the last
    sentence of a turn (never the next turn's), show none. Same from the prepared tables and the live ones."""
    from _dashboard_helpers import make_follow_store

    make_follow_store(tmp_path)
    if prepared:
        prepare(tmp_path)
    with AuditData(tmp_path) as data:
        assert data.prepared == prepared
        rows = data.evidence(Filters(), limit=None)
        context = dict(zip(rows["sentence_id"], rows["context_after"]))
    assert context["c/f1#0.0"] == "Never came."
    assert pd.isna(context["c/f2#0.0"]) and pd.isna(context["c/f3#0.0"])
    assert len(context) == 3


def test_dashboard_store_written_before_feeling_from_still_opens(tmp_path):
    from _dashboard_helpers import make_follow_store

    make_follow_store(tmp_path, feeling_from=False)
    for step in ("live", "prepared"):
        if step == "prepared":
            prepare(tmp_path)
        with AuditData(tmp_path) as data:
            assert data.prepared == (step == "prepared")
            rows = data.evidence(Filters(), limit=None)
            assert len(rows) == 3 and rows["context_after"].isna().all()
