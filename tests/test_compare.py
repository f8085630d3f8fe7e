"""Tests of cxaudit.compare: gaps, quadrants, small samples, groups, waves, motif, scorecards, drivers."""

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxaudit.compare import (
    COMPARE_TABLES,
    clue_map_cells,
    compare,
    gap_table,
    key_drivers,
    motif_alignment,
    scorecard,
    wave_change,
)
from cxaudit.compare.gaps import quadrant
from cxaudit.compare import compare_store
from cxaudit.compare.store import read_compare_frames
from cxaudit.compare.desired import Desired, Target
from cxaudit.store import connect, write_tables
from _compare_helpers import documents, feelings, integer_ids, sentences_for, simulate_audit, store_audit, tags

DESIRED = Desired(lenses=("carbone-clues", "touchpoints"), default_target=0.5,
                  motif_axes={"valued": ("valued/ignored", 1), "effortless": ("effortless/frustrated", 1),
                              "reassured": ("reassured/anxious", 1)})
TRUTH = {"humanic.staff": 0.5, "functional.billing": -0.4, "mechanic.app": 0.1}


def _row(table, **want):
    sel = table
    for col, value in want.items():
        sel = sel[sel[col] == value]
    assert len(sel) == 1, f"expected one row for {want}, found {len(sel)}"
    return sel.iloc[0]


def test_compare_gap_recovers_known_gaps():
    docs, t = simulate_audit(TRUTH, n_participants=80, seed=4)
    g = gap_table(t, docs, DESIRED, n_boot=400)
    for code, mu in TRUTH.items():
        r = _row(g, level="code", dimension=code)
        assert r["current"] == pytest.approx(mu, abs=0.06)
        assert r["gap"] == pytest.approx(mu - 0.5, abs=0.06)
        assert r["ci_low"] < mu - 0.5 < r["ci_high"]
        assert r["n_participants"] == 80 and pd.isna(r["warning"])
    billing = _row(g, level="code", dimension="functional.billing")
    assert billing["priority"] == 1 and billing["gap"] < 0  # the biggest shortfall comes first
    assert _row(g, level="clue_type", dimension="functional")["current"] == pytest.approx(billing["current"])


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:lens")
def test_compare_gap_intervals_cover_the_truth_about_95_percent():
    """200 simulated audits of 30 participants; the 95 % interval of each of 3 gaps should cover the
    true gap in roughly 95 % of them. Cluster-bootstrap intervals undercover slightly with 30
    participants (measured 0.91–0.92 here, 0.95–0.96 for one code with n_boot=1000), and the 600
    trials are correlated within an audit (Monte Carlo error ~1.5 points), so accept 0.90–0.99."""
    hits = []
    for sim in range(200):
        docs, t = simulate_audit(TRUTH, n_participants=30, seed=1000 + sim)
        g = gap_table(t, docs, DESIRED, n_boot=300, seed=sim)
        for code, mu in TRUTH.items():
            r = _row(g, level="code", dimension=code)
            hits.append(r["ci_low"] <= mu - 0.5 <= r["ci_high"])
    coverage = float(np.mean(hits))
    assert 0.90 <= coverage <= 0.99, coverage


def test_compare_quadrant_matches_hand_placed_points():
    names = quadrant([0.9, 0.9, 0.1, 0.1, 0.5, np.nan], [-0.5, 0.5, -0.5, 0.5, 0.0, 0.3],
                     importance_cross=0.5, performance_cross=0.0)
    assert list(names) == ["concentrate here", "keep up the good work", "low priority", "possible overkill",
                           "keep up the good work", None]


def test_compare_gap_table_assigns_quadrants_with_user_crosshairs():
    rows = []
    plan = {"functional.a": (6, -0.5), "humanic.b": (6, 0.5), "mechanic.c": (2, -0.5), "mechanic.d": (2, 0.5)}
    for p in range(10):
        for code, (k, pol) in plan.items():
            rows += [{"doc_id": f"p{p}", "code": code, "polarity": pol}] * k
    t = tags(rows)
    docs = documents([f"p{p}" for p in range(10)])
    desired = Desired(lenses=("carbone-clues",), crosshairs={"importance": 0.25, "performance": 0.0})
    g = gap_table(t, docs, desired, n_boot=50)
    expected = {"functional.a": "concentrate here", "humanic.b": "keep up the good work",
                "mechanic.c": "low priority", "mechanic.d": "possible overkill"}
    for code, name in expected.items():
        r = _row(g, level="code", dimension=code)
        assert r["quadrant"] == name and r["crosshair_importance"] == 0.25
    assert _row(g, level="code", dimension="functional.a")["importance"] == pytest.approx(6 / 16)


def test_compare_small_samples_get_wide_intervals_and_warnings():
    docs, t = simulate_audit(TRUTH, n_participants=30, seed=2)
    extra = tags([{"doc_id": "p0", "code": "humanic.security", "polarity": -0.6},
                  {"doc_id": "p0", "code": "humanic.security", "polarity": -0.5},
                  {"doc_id": "p1", "code": "humanic.security", "polarity": -0.6},
                  {"doc_id": "p2", "code": "mechanic.signage", "polarity": 0.4}])
    g = gap_table(pd.concat([t, extra], ignore_index=True), docs, DESIRED, n_boot=300)
    sec = _row(g, level="code", dimension="humanic.security")
    assert sec["warning"] == "only 3 mentions from 2 participants: interval widened"
    assert sec["ci_high"] - sec["ci_low"] >= 1.5  # never a confident-looking number
    sign = _row(g, level="code", dimension="mechanic.signage")
    assert sign["warning"] == "only 1 mention from 1 participant: no interval"
    assert pd.isna(sign["ci_low"]) and pd.isna(sign["ci_high"])
    codes = g[(g["level"] == "code") & (g["group"] == "all")]
    assert sign["priority"] == codes["priority"].max()  # no interval: ranked last
    assert sec["priority"] > _row(g, level="code", dimension="mechanic.app")["priority"]


def test_compare_modes_current_and_other_count_desired_and_question_do_not():
    t = tags([{"doc_id": "a", "code": "humanic.staff", "polarity": 0.4, "mode": "current"},
              {"doc_id": "b", "code": "humanic.staff", "polarity": 0.2, "mode": "other"},
              {"doc_id": "c", "code": "humanic.staff", "polarity": -0.9, "mode": "desired"},
              {"doc_id": "c", "code": "humanic.staff", "polarity": -0.9, "mode": "question"}])
    g = gap_table(t, documents(["a", "b", "c"]), DESIRED, n_boot=50)
    r = _row(g, level="code", dimension="humanic.staff")
    assert (r["n"], r["n_desired"], r["current"]) == (2, 1, pytest.approx(0.3))


def test_compare_most_specific_target_wins():
    desired = Desired(lenses=("carbone-clues",), default_target=0.2, targets=(
        Target(0.7, clue_type="humanic"), Target(0.6, code="humanic.staff"),
        Target(0.4, clue_type="humanic", touchpoint="branch"), Target(0.3, touchpoint="branch")))
    rows = [{"doc_id": f"p{i}", "code": c, "polarity": 0.1, "touchpoint": "branch"} for i in range(3)
            for c in ("humanic.staff", "humanic.advice", "mechanic.queue")]
    g = gap_table(tags(rows), documents([f"p{i}" for i in range(3)]), desired, n_boot=50)
    got = {(r.level, r.dimension): r.desired for r in g.itertuples()}
    assert got[("code", "humanic.staff")] == 0.6
    assert got[("code", "humanic.advice")] == 0.7
    assert got[("code", "mechanic.queue")] == 0.2
    assert got[("clue_type x touchpoint", "humanic x branch")] == 0.4
    assert got[("clue_type x touchpoint", "mechanic x branch")] == 0.3
    assert got[("touchpoint", "branch")] == 0.3


def test_compare_touchpoint_lens_scores_touchpoint_codes():
    rows = [{"doc_id": f"p{i}", "code": "get-help", "codebook": "touchpoints", "clue_type": "none", "polarity": -0.3}
            for i in range(6)]
    g = gap_table(tags(rows), documents([f"p{i}" for i in range(6)]), DESIRED, n_boot=50)
    assert g[["lens", "level", "dimension"]].values.tolist() == [["touchpoints", "touchpoint", "get-help"]]
    assert g.iloc[0]["current"] == pytest.approx(-0.3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["humanic.a", "functional.b"]),
                          st.floats(-1, 1, allow_nan=False)), min_size=1, max_size=30),
       st.floats(-1, 1, allow_nan=False))
def test_compare_gap_is_current_minus_desired_property(mentions, target):
    t = tags([{"doc_id": f"p{p}", "code": c, "polarity": v} for p, c, v in mentions])
    g = gap_table(t, documents([f"p{p}" for p in range(6)]), Desired(lenses=("carbone-clues",), default_target=target), n_boot=30)
    assert np.allclose(g["gap"].astype(float), g["current"].astype(float) - target)
    assert (g["desired"] == target).all()
    ok = g["ci_low"].notna()
    assert (g.loc[ok, "ci_low"] <= g.loc[ok, "ci_high"]).all()
    codes = g[g["level"] == "code"]
    assert codes["n"].sum() == len(mentions)


def test_compare_group_col_rows_equal_subset_analysis():
    docs, t = simulate_audit(TRUTH, n_participants=20, seed=5)
    docs["segment"] = ["retail" if i % 2 else "business" for i in range(len(docs))]
    g = gap_table(t, docs, DESIRED, group_col="segment", n_boot=100)
    assert set(zip(g["group_by"], g["group"])) == {("all", "all"), ("segment", "retail"), ("segment", "business")}
    sub_docs = docs[docs["segment"] == "retail"]
    sub = gap_table(t[t["doc_id"].isin(sub_docs["doc_id"])], sub_docs, DESIRED, n_boot=100)
    for code in TRUTH:
        a = _row(g, level="code", dimension=code, group="retail")
        b = _row(sub, level="code", dimension=code)
        assert (a["n"], a["current"]) == (b["n"], pytest.approx(b["current"]))


def test_compare_wave_change_flags_real_changes_only():
    d1, t1 = simulate_audit(TRUTH, n_participants=40, seed=6, wave="2026-Q1", prefix="a")
    later = dict(TRUTH, **{"functional.billing": 0.2})
    d2, t2 = simulate_audit(later, n_participants=40, seed=7, wave="2026-Q2", prefix="b")
    w = wave_change(pd.concat([t1, t2]), pd.concat([d1, d2]), n_boot=400)
    bill = _row(w, level="code", dimension="functional.billing")
    assert bill["change"] == pytest.approx(0.6, abs=0.08) and bill["beyond_noise"]
    assert bill["ci_low"] < 0.6 < bill["ci_high"]
    staff = _row(w, level="code", dimension="humanic.staff")
    assert not staff["beyond_noise"] and staff["ci_low"] < 0 < staff["ci_high"]
    assert (bill["wave_from"], bill["wave_to"]) == ("2026-Q1", "2026-Q2")


def test_compare_wave_change_dimension_missing_in_one_wave():
    d1, t1 = simulate_audit({"humanic.staff": 0.2}, n_participants=5, seed=8, wave="w1", prefix="a")
    d2, t2 = simulate_audit({"humanic.staff": 0.2, "mechanic.app": 0.1}, n_participants=5, seed=9, wave="w2", prefix="b")
    w = wave_change(pd.concat([t1, t2]), pd.concat([d1, d2]), n_boot=100)
    app = _row(w, level="code", dimension="mechanic.app")
    assert pd.isna(app["change"]) and not app["beyond_noise"] and app["warning"] == "not mentioned in wave w1"


def _motif_fixture():
    t = tags([{"doc_id": f"p{i}", "code": "humanic.staff", "polarity": 0.5, "sentence_id": f"p{i}#0.0"} for i in range(6)]
             + [{"doc_id": f"p{i}", "code": "functional.billing", "polarity": -0.5, "sentence_id": f"p{i}#0.1"} for i in range(6)]
             + [{"doc_id": "p0", "code": "humanic.staff", "polarity": 0.5, "sentence_id": "p0#0.2", "mode": "desired"}])
    f = feelings([{"sentence_id": f"p{i}#0.0", "doc_id": f"p{i}", "feeling": "valued", "pole": 1} for i in range(5)]
                 + [{"sentence_id": "p5#0.0", "doc_id": "p5", "feeling": "valued", "pole": -1, "negated": True}]
                 + [{"sentence_id": f"p{i}#0.1", "doc_id": f"p{i}", "feeling": "frustrated", "pole": -1} for i in range(4)]
                 + [{"sentence_id": "p0#0.2", "doc_id": "p0", "feeling": "valued", "pole": 1}])  # desired mode: ignored
    return t, f


def test_compare_motif_alignment_counts_and_net():
    t, f = _motif_fixture()
    m = motif_alignment(f, sentences_for(t), t, documents([f"p{i}" for i in range(6)]), DESIRED, n_boot=200)
    overall = _row(m, level="overall", motif="all")
    assert (overall["n_sentences"], overall["n_motif"], overall["n_opposite"]) == (12, 5, 5)
    assert overall["net_alignment"] == pytest.approx(0.0)
    staff = _row(m, level="code", dimension="humanic.staff", motif="valued")
    assert (staff["n_motif"], staff["n_opposite"]) == (5, 1)
    assert staff["net_alignment"] == pytest.approx(4 / 6) and staff["share_motif"] == pytest.approx(5 / 6)
    bill = _row(m, level="code", dimension="functional.billing", motif="effortless")
    assert bill["net_alignment"] == -1.0
    reassured = _row(m, level="overall", motif="reassured")
    assert reassured["n_motif"] == 0 and pd.isna(reassured["net_alignment"]) and reassured["warning"] == "no motif-axis feelings"


def test_compare_scorecard_maps_polarity_to_1_to_5():
    rows = [{"doc_id": f"p{i}", "code": "poc.honesty", "clue_type": "humanic", "codebook": "points-of-connection",
             "polarity": v} for i, v in enumerate([0.5, 0.1, -0.3, 0.5, 0.2, 0.4])]
    book = SimpleNamespace(name="points-of-connection", codes=[SimpleNamespace(id="poc.honesty", label="Honesty")])
    sc = scorecard(tags(rows), documents([f"p{i}" for i in range(6)]), "points-of-connection", codebooks=[book], n_boot=200)
    r = sc.iloc[0]
    assert r["score"] == pytest.approx(3 + 2 * np.mean([0.5, 0.1, -0.3, 0.5, 0.2, 0.4]))
    assert r["label"] == "Honesty" and r["n"] == 6
    assert 1 <= r["ci_low"] <= r["score"] <= r["ci_high"] <= 5


def test_compare_key_drivers_rank_detractor_codes_first():
    ids = [f"d{i}" for i in range(20)]
    score = [2] * 10 + [10] * 10
    rows = [{"doc_id": ids[i], "code": "functional.billing", "polarity": -0.5} for i in range(8)]  # 8/10 detractors
    rows += [{"doc_id": ids[10], "code": "functional.billing", "polarity": -0.5}]  # 1/10 promoters
    rows += [{"doc_id": ids[i], "code": "humanic.staff", "polarity": 0.5} for i in range(3, 20)]
    dr = key_drivers(tags(rows), documents(ids, score=score))
    top = dr.iloc[0]
    assert top["code"] == "functional.billing" and (top["k_detractors"], top["k_promoters"]) == (8, 1)
    assert top["log_odds"] == pytest.approx(np.log((8.5 / 2.5) / (1.5 / 9.5)))
    assert bool(top["significant"])
    assert _row(dr, code="humanic.staff")["log_odds"] < 0


def test_compare_clue_map_cells_counts():
    t = tags([{"doc_id": "a", "code": "humanic.staff", "polarity": 0.5, "touchpoint": "branch"},
              {"doc_id": "b", "code": "humanic.staff", "polarity": -0.5, "touchpoint": "branch"},
              {"doc_id": "b", "code": "functional.billing", "polarity": -0.5},
              {"doc_id": "b", "code": "functional.billing", "polarity": -0.5, "mode": "desired"},
              {"doc_id": "b", "code": "pay", "codebook": "touchpoints", "clue_type": "none", "polarity": 0.0}])
    cells = clue_map_cells(t)
    assert cells[["clue_type", "touchpoint", "n"]].values.tolist() == [["functional", "unspecified", 1], ["humanic", "branch", 2]]
    assert _row(cells, clue_type="humanic")["share_negative"] == 0.5


def test_compare_returns_every_table_with_its_schema():
    t, f = _motif_fixture()
    docs = documents([f"p{i}" for i in range(6)], score=[0, 3, 9, 10, 7, 10], segment=list("aabbab"), wave=["w1"] * 3 + ["w2"] * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = compare(docs, sentences_for(t), t, f, DESIRED, n_boot=50, group_col="segment")
    assert set(out) == {"gaps", "motif", "scorecards", "nps", "drivers", "waves", "clue_map"}
    for name, table in out.items():
        assert list(table.columns) == COMPARE_TABLES[name].names, name
        assert len(table) > 0, name


def test_compare_empty_inputs_give_empty_tables():
    t = tags([])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = compare(documents([]), sentences_for(t), t, feelings([]), Desired.default(), n_boot=20)
    for name, table in out.items():
        assert list(table.columns) == COMPARE_TABLES[name].names, name
    assert out["gaps"].empty and out["nps"].empty


def test_compare_unknown_group_col_is_an_error():
    docs, t = simulate_audit(TRUTH, n_participants=3, seed=1)
    with pytest.raises(KeyError, match="persona"):
        gap_table(t, docs, DESIRED, group_col="persona", n_boot=10)


def test_compare_warns_about_desired_lenses_without_tags():
    docs, t = simulate_audit(TRUTH, n_participants=3, seed=1)
    with pytest.warns(UserWarning, match=r"lens\(es\) \['touchpoints'\] of desired.yml have no tags"):
        gap_table(t, docs, DESIRED, n_boot=10)


# -- at scale: integer ids and compare_store ---------------------------------------------------

#: The row order the pipeline has always read the store in (the bootstrap depends on it).
PIPELINE_ORDER = {"documents": "doc_id", "sentences": "sentence_id",
                  "tags": "sentence_id, codebook, code, method, start_char, end_char",
                  "feelings": "sentence_id, start_char, feeling"}


def _assert_same_tables(got, want):
    assert list(got) == list(want)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=True, obj=name)


@pytest.mark.parametrize("group_col", [None, "segment", "wave"])
@pytest.mark.parametrize("importance", ["share_of_mentions", "driver"])
def test_compare_store_equals_compare_table_by_table(tmp_path, group_col, importance):
    docs, sents, t, f = store_audit(seed=3)
    write_tables(tmp_path, {"documents": docs, "sentences": sents, "tags": t, "feelings": f})
    desired = Desired(lenses=DESIRED.lenses, default_target=0.5, motif_axes=DESIRED.motif_axes, importance=importance)
    with connect(tmp_path) as con, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frames = [con.execute(f"SELECT * FROM {name} ORDER BY {order}").df() for name, order in PIPELINE_ORDER.items()]
        want = compare(*frames, desired, n_boot=200, seed=7, group_col=group_col)
        got = compare_store(con, desired, n_boot=200, seed=7, group_col=group_col)
    assert len(want["waves"]) and len(want["motif"]) and want["gaps"]["ci_low"].notna().any()
    _assert_same_tables(got, want)


def test_compare_store_reads_integer_ids_and_categorical_labels(tmp_path):
    docs, sents, t, f = store_audit(seed=1)
    write_tables(tmp_path, {"documents": docs, "sentences": sents, "tags": t, "feelings": f})
    with connect(tmp_path) as con:
        d, s, tg, fl = read_compare_frames(con, group_col="channel")
        left = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0]
    assert left == 0  # its temporary code tables are dropped
    for frame in (d, s, tg, fl):
        assert all(pd.api.types.is_integer_dtype(frame[c]) for c in ("doc_id", "sentence_id", "participant") if c in frame)
    assert isinstance(tg["codebook"].dtype, pd.CategoricalDtype) and "channel" in d
    assert set(s["mode"].dropna()) <= {"current", "other"} and len(tg) == len(t)
    # codes sort as the ids do, and a document without participant is its own participant
    assert d["doc_id"].is_monotonic_increasing and tg["sentence_id"].is_monotonic_increasing
    alone = docs["participant"].isna().to_numpy()
    assert (d["participant"].to_numpy()[alone] == d["doc_id"].to_numpy()[alone]).all()
    assert d.loc[0, "participant"] == d.loc[3, "participant"] != d.loc[0, "doc_id"]  # d00 and d03 are p0


def test_compare_store_unknown_group_col_is_an_error(tmp_path):
    docs, sents, t, f = store_audit(seed=1, n_docs=6)
    write_tables(tmp_path, {"documents": docs, "sentences": sents, "tags": t, "feelings": f})
    with connect(tmp_path) as con, pytest.raises(KeyError, match="persona"):
        compare_store(con, DESIRED, n_boot=10, group_col="persona")


@pytest.mark.parametrize("group_col", [None, "wave"])
def test_compare_accepts_integer_ids(group_col):
    frames = store_audit(seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = compare(*frames, DESIRED, n_boot=100, group_col=group_col)
        got = compare(*integer_ids(*frames), DESIRED, n_boot=100, group_col=group_col)
    _assert_same_tables(got, want)


@pytest.mark.filterwarnings("ignore:lens")
def test_compare_mixed_integer_and_string_ids_compare_as_strings():
    docs, t = simulate_audit(TRUTH, n_participants=12, seed=2)
    number = {d: str(i) for i, d in enumerate(docs["doc_id"])}
    docs = docs.assign(doc_id=docs["doc_id"].map(number), participant=None)
    t = t.assign(doc_id=t["doc_id"].map(number))
    want = gap_table(t, docs, DESIRED, n_boot=100)
    got = gap_table(t.assign(doc_id=t["doc_id"].astype(int)), docs, DESIRED, n_boot=100)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert (want["n_participants"] == 12).all()


@pytest.mark.parametrize("parts", [("scorecards", "waves"), ("gaps", "motif", "nps", "drivers", "clue_map"),
                                   ("waves",)])
def test_compare_tables_computed_apart_equal_the_whole(tmp_path, parts):
    """A run's compare helper computes some tables in another process (cxaudit/run/compare_helper.py): each
    table alone, from the same frames, is the table of the whole comparison, to the bit."""
    docs, sents, t, f = store_audit(seed=5)
    write_tables(tmp_path, {"documents": docs, "sentences": sents, "tags": t, "feelings": f})
    with connect(tmp_path) as con, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frames = read_compare_frames(con)
        whole = compare(*frames, DESIRED, n_boot=200, seed=3)
        apart = compare(*frames, DESIRED, n_boot=200, seed=3, tables=parts)
    assert list(apart) == [name for name in whole if name in parts]
    _assert_same_tables(apart, {name: whole[name] for name in apart})


def test_compare_unknown_table_is_an_error():
    docs, t = simulate_audit(TRUTH, n_participants=3, seed=1)
    with pytest.raises(ValueError, match="unknown table"):
        compare(docs, sentences_for(t), t, feelings([]), DESIRED, n_boot=10, tables=["gaps", "gap"])
