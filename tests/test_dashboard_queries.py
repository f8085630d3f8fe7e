"""DuckDB queries of the dashboard against a pandas oracle over a small hand-made store."""

from __future__ import annotations

import pandas as pd
import pytest

from cxaudit.publish.dashboard.queries import AuditData, Filters, where_clause

from _dashboard_helpers import PWN_SEGMENT, expected_mentions, make_store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    tables = make_store(out)
    with AuditData(out) as data:
        yield data, tables


FILTER_CASES = [
    {},
    {"wave": "2026-Q2"},
    {"segment": "retail"},
    {"kind": "comment"},
    {"clue_type": "mechanic"},
    {"touchpoint": "pay"},
    {"segment": PWN_SEGMENT},
    {"wave": "2026-Q1", "clue_type": "functional"},
]


@pytest.mark.parametrize("filters", FILTER_CASES)
def test_dashboard_queries_headline_matches_pandas(store, filters):
    data, tables = store
    h = data.headline(Filters(**filters))
    m = expected_mentions(tables, **filters)
    assert h["mentions"] == len(m)
    assert h["documents"] == m["doc_id"].nunique()
    assert h["participants"] == m["participant"].fillna(m["doc_id"]).nunique()
    if len(m):
        assert h["share_negative"] == pytest.approx((m["valence"] == "negative").mean())
    if {"touchpoint", "clue_type", "codebook"} & set(filters):
        scored = m.drop_duplicates("doc_id")["score"].dropna()  # scored documents with such a mention
    else:  # every scored document in scope, as the NPS chart counts them
        docs = tables["documents"]
        for col in ("wave", "segment", "kind"):
            if col in filters:
                docs = docs[docs[col] == filters[col]]
        scored = docs["score"].dropna()
    assert h["n_scored"] == len(scored)
    if len(scored):
        expected = 100 * ((scored >= 9).sum() - (scored <= 6).sum()) / len(scored)
        assert h["nps"] == pytest.approx(expected)
    else:
        assert h["nps"] is None


def test_dashboard_queries_known_headline(store):
    data, _ = store
    h = data.headline(Filters())
    assert (h["documents"], h["mentions"], h["n_scored"]) == (6, 8, 5)
    assert h["share_negative"] == pytest.approx(0.5)
    assert h["nps"] == pytest.approx(0.0)  # 2 promoters (9, 10), 2 detractors (3, 6), 1 passive (8)


@pytest.mark.parametrize("filters", FILTER_CASES)
def test_dashboard_queries_clue_cells_match_pandas(store, filters):
    data, tables = store
    cells = data.clue_cells(Filters(**filters))
    m = expected_mentions(tables, **filters)
    expected = m.groupby(["clue_type", "touchpoint"]).size()
    got = cells.set_index(["clue_type", "touchpoint"])["n"]
    assert {k: int(v) for k, v in got.items()} == {k: int(v) for k, v in expected.items()}


def test_dashboard_queries_evidence_order_and_paging(store):
    data, tables = store
    rows = data.evidence(Filters(), limit=None, sort="negative")
    assert list(rows["polarity"]) == sorted(rows["polarity"])
    assert len(rows) == data.evidence_count(Filters()) == 8
    page1 = data.evidence(Filters(), limit=3, sort="negative")
    page2 = data.evidence(Filters(), offset=3, limit=3, sort="negative")
    assert list(page1["sentence_id"]) + list(page2["sentence_id"]) == list(rows["sentence_id"][:6])
    for r in rows.itertuples():
        tag = tables["tags"][(tables["tags"]["sentence_id"] == r.sentence_id)].iloc[0]
        assert [r.sentence[a:b] for a, b in r.spans] == [tag["evidence"]]
    typical = data.evidence(Filters(), limit=None)
    assert sorted(typical["sentence_id"]) == sorted(rows["sentence_id"])
    for side in (-1, 1):  # within each side: closest to the side's median first
        pol = [p for p in typical["polarity"] if (p > 0) - (p < 0) == side]
        med = float(pd.Series(pol).median())
        assert [abs(p - med) for p in pol] == sorted(abs(p - med) for p in pol)
    for size in (1, 3, 5):  # pages (a top-n per side) cut the whole ordering (a sort of every sentence)
        pages = [data.evidence(Filters(), offset=o, limit=size)["sentence_id"].tolist() for o in range(0, 8, size)]
        assert sum(pages, []) == typical["sentence_id"].tolist()
    recent = data.evidence(Filters(), limit=None, sort="recent")
    assert set(recent["sentence_id"]) == set(rows["sentence_id"])
    with pytest.raises(ValueError, match="unknown sort"):
        data.evidence(Filters(), sort="loudest")


def test_dashboard_queries_evidence_one_row_per_sentence(tmp_path):
    from _dashboard_helpers import make_summary_store

    tables = make_summary_store(tmp_path)
    with AuditData(tmp_path) as data:
        lens = Filters(codebook="carbone-clues")
        every = data.evidence(lens, limit=None)
        assert every["sentence_id"].is_unique and len(every) == tables["sentences"].shape[0]
        both = every[every["sentence_id"] == "int/P01#0.0"].iloc[0]
        assert [c[2] for c in both["chips"]] == ["functional.billing", "mechanic.app"]
        # drilled to one code: each sentence once, still with all its codes
        app_rows = data.evidence(lens, {"codebook": "carbone-clues", "code": "mechanic.app"}, limit=None)
        assert len(app_rows) == data.evidence_count(lens, {"code": "mechanic.app"}) == 13  # 12 + P01's billing one
        row = app_rows[app_rows["sentence_id"] == "int/P01#0.0"].iloc[0]
        assert len(row["chips"]) == 2 and [row["sentence"][a:b] for a, b in row["spans"]] == ["app"]
        # most typical: negative, neutral and positive sentences interleaved in proportion
        typical = data.evidence(lens, limit=None)
        signs = [(p > 0) - (p < 0) for p in typical["polarity"]]
        first = signs[:6]
        share = {s_: signs.count(s_) / len(signs) for s_ in set(signs)}
        for s_, frac in share.items():  # the first rows already hold each side in about its share
            assert abs(first.count(s_) / 6 - frac) <= 1 / 6 + 1e-9
        recent = data.evidence(lens, limit=3, sort="recent")
        assert set(recent["doc_id"]) == {"int/P12"}  # 2026-07-12, the latest date


@pytest.mark.parametrize("prepared", [False, True], ids=["live", "prepared"])
def test_dashboard_queries_evidence_typical_puts_sure_feelings_first(tmp_path, prepared):
    """Most typical (every page and the whole list): on each side, sentences whose feeling toward the clue is
    sure come before unsure ones, then closest to the side's median; made unsure, the most typical sentences of
    a side move behind every sure one of that side, and the sides keep their shares."""
    from _dashboard_helpers import make_summary_tables, write_tables
    from cxaudit.publish.dashboard import prepare

    tables = make_summary_tables()
    lens = Filters(codebook="carbone-clues")
    write_tables(tmp_path / "a", tables)
    with AuditData(tmp_path / "a") as data:
        before = data.evidence(lens, limit=None)
    negative = before[before["polarity"] < 0]["sentence_id"].tolist()
    doubted = negative[:2]  # the two most typical complaints
    tags = tables["tags"]
    tables["tags"] = tags.assign(confidence=tags["confidence"].where(~tags["sentence_id"].isin(doubted), 0.38))
    write_tables(tmp_path / "b", tables)
    if prepared:
        prepare(tmp_path / "b", state_min_tags=0)
    with AuditData(tmp_path / "b") as data:
        after = data.evidence(lens, limit=None)
        n = len(after)
        for size in (1, 4, 7):  # pages cut the same order
            pages = [data.evidence(lens, offset=o, limit=size)["sentence_id"].tolist() for o in range(0, n, size)]
            assert sum(pages, []) == after["sentence_id"].tolist()
    assert sorted(after["sentence_id"]) == sorted(before["sentence_id"])
    after_negative = after[after["polarity"] < 0]["sentence_id"].tolist()
    assert after_negative == [s for s in negative if s not in doubted] + doubted
    signs = lambda frame: [(p > 0) - (p < 0) for p in frame["polarity"]]  # noqa: E731
    assert signs(after) == signs(before)  # the interleaving of the sides is unchanged


def test_dashboard_queries_drill_narrows_evidence(store):
    data, _ = store
    rows = data.evidence(Filters(), {"clue_type": "functional", "touchpoint": "pay"}, limit=None)
    assert set(rows["doc_id"]) == {"int/p2", "c/2"}
    assert data.evidence_count(Filters(wave="2026-Q1"), {"clue_type": "functional"}) == 0


def test_dashboard_queries_values_are_bound_not_formatted(store):
    data, _ = store
    hostile = "x' OR '1'='1"
    assert data.headline(Filters(segment=hostile))["mentions"] == 0
    sql, params = where_clause(Filters(segment=hostile))
    assert hostile not in sql and params == [hostile]


def test_dashboard_queries_rejects_unknown_drill_column(store):
    data, _ = store
    with pytest.raises(ValueError, match="unknown filter"):
        data.evidence_count(Filters(), {"text; DROP TABLE tags": "x"})
    with pytest.raises(ValueError, match="unknown filter"):
        data.options("sentence_id")


def test_dashboard_queries_options_and_title(store):
    data, _ = store
    assert data.options("wave") == ["2026-Q1", "2026-Q2"]
    assert PWN_SEGMENT in data.options("segment")
    assert data.options("touchpoint") == sorted(["branch", "get-help", "pay", "unspecified", "web"])
    assert data.title == "Harbour <b>Bank</b> audit"


def test_dashboard_queries_filtered_gaps(store):
    data, tables = store
    gaps = data.gaps(Filters(wave="2026-Q2"))
    row = gaps[(gaps["level"] == "clue_type") & (gaps["dimension"] == "functional")].iloc[0]
    m = expected_mentions(tables, wave="2026-Q2", clue_type="functional")
    m = m[m["mode"].isin(["current", "other"])]
    assert int(row["n"]) == len(m)
    assert float(row["current"]) == pytest.approx(m["polarity"].mean())
    stored = tables["gaps"]
    target = stored[(stored["level"] == "clue_type") & (stored["dimension"] == "functional")]["desired"].iloc[0]
    assert float(row["desired"]) == pytest.approx(float(target))
    assert float(row["gap"]) == pytest.approx(m["polarity"].mean() - float(target))
    assert float(row["ci_low"]) < float(row["gap"]) < float(row["ci_high"])  # two participants: an interval
    assert set(gaps["level"]) <= {"clue_type", "code", "touchpoint", "clue_type x touchpoint"}
    assert not (gaps["dimension"] == "unspecified").any()


def test_dashboard_queries_filtered_nps_and_drivers(store):
    data, _ = store
    nps = data.nps(Filters(segment="business"))
    overall = nps[nps["group_by"] == "all"].iloc[0]
    assert (int(overall["n"]), int(overall["n_promoters"]), int(overall["n_detractors"])) == (3, 1, 1)
    assert float(overall["nps"]) == pytest.approx(0.0)
    drivers = data.drivers(Filters(kind="interview"))
    billing = drivers[drivers["code"] == "functional.billing"].iloc[0]
    assert (int(billing["k_detractors"]), int(billing["k_promoters"])) == (1, 0)
    assert drivers["log_odds"].is_monotonic_decreasing


def test_dashboard_queries_missing_store_and_tables(tmp_path):
    with pytest.raises(FileNotFoundError, match="cxaudit.duckdb"):
        AuditData(tmp_path)
    from cxaudit.store import write_tables

    write_tables(tmp_path, {"documents": make_store.__globals__["make_tables"]()["documents"]})
    with pytest.raises(ValueError, match="missing table"):
        AuditData(tmp_path)


def test_dashboard_queries_headline_nps_counts_scored_documents_without_clues(tmp_path):
    """The headline NPS agrees with the NPS chart: a scored comment with no clue still counts,
    unless a clue-level filter is set."""
    import pandas as pd

    from _dashboard_helpers import make_tables
    from cxaudit.store import write_tables

    tables = make_tables()
    extra = tables["documents"].iloc[[0]].assign(doc_id="no-clue", score=0.0)
    tables["documents"] = pd.concat([tables["documents"], extra], ignore_index=True)
    write_tables(tmp_path, tables)
    with AuditData(tmp_path) as data:
        everyone = data.headline(Filters())
        mechanic = data.headline(Filters(clue_type="mechanic"))
    scored = tables["documents"]["score"].dropna()
    assert everyone["n_scored"] == len(scored)
    assert everyone["nps"] == pytest.approx(100 * ((scored >= 9).sum() - (scored <= 6).sum()) / len(scored))
    assert mechanic["n_scored"] < everyone["n_scored"]
