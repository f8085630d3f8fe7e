"""The Summary's rules (ranking, minimum sample, quote selection) on hand-made tables with known answers,
and the summary built from a store (dashboard tab and report share it)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import cxaudit.publish.dashboard as dashboard
from cxaudit.publish.dashboard import summary as sm
from cxaudit.publish.dashboard.app import TABS
from cxaudit.publish.dashboard.queries import AuditData, Filters
from cxaudit.publish.report import render_report

from _dashboard_helpers import SUMMARY_PEOPLE, make_summary_store, make_summary_tables, write_tables

LENS = Filters(codebook="carbone-clues")


def _gaps(rows):
    cols = ["dimension", "n", "n_participants", "current", "desired", "ci_low", "ci_high", "importance"]
    d = pd.DataFrame(rows, columns=cols)
    d["gap"] = d["current"] - d["desired"]
    d["lens"], d["level"] = "cb", "code"
    return d


# dimension, n, participants, current, desired, gap interval (low, high), importance
KNOWN = _gaps([
    ("wide", 40, 30, -0.10, 0.5, -1.20, -0.01, 0.40),   # sure shortfall, barely: -0.01 * 0.40 = -0.004
    ("sure", 30, 20, -0.20, 0.5, -0.80, -0.60, 0.20),   # sure shortfall: -0.60 * 0.20 = -0.12  -> 1st
    ("big", 50, 40, 0.00, 0.5, -0.60, -0.40, 0.25),     # -0.40 * 0.25 = -0.10                  -> 2nd
    ("tiny", 4, 3, -0.90, 0.5, -1.60, -1.20, 0.05),     # worst gap but 3 participants: small sample
    ("crosses", 20, 15, 0.40, 0.5, -0.30, 0.10, 0.10),  # interval reaches zero: not a priority
    ("good", 30, 25, 0.60, 0.5, -0.05, 0.25, 0.00),     # current interval 0.45 .. 0.75: a strength
])


def test_dashboard_summary_mark_small_uses_participants_and_intervals():
    marked = sm.mark_small(KNOWN.assign(ci_low=KNOWN["ci_low"].where(KNOWN["dimension"] != "good")), 5)
    assert dict(zip(marked["dimension"], marked["small"])) == {
        "wide": False, "sure": False, "big": False, "tiny": True, "crosses": False, "good": True}


def test_dashboard_summary_priorities_ranked_by_sure_shortfall_times_importance():
    top = sm.rank_priorities(KNOWN, 5)
    assert list(top["dimension"]) == ["sure", "big", "wide"]  # not by point gap (tiny, then sure…)
    assert "tiny" not in set(top["dimension"]) and "crosses" not in set(top["dimension"])


def test_dashboard_summary_small_samples_never_lead_a_ranking():
    ranked = sm.rank_rows(KNOWN, 5)
    assert list(ranked["dimension"])[-1] == "tiny" and list(ranked["rank"]) == list(range(1, 7))
    # with a lower minimum it is ranked by the same rule as the others (its importance is small)
    assert list(sm.rank_priorities(KNOWN, 2)["dimension"]) == ["sure", "big", "tiny", "wide"]


def test_dashboard_summary_strengths_surely_positive_and_not_priorities():
    strong = sm.rank_strengths(KNOWN, 5)
    # current = gap interval + desired: good 0.45 .. 0.75, crosses 0.20 .. 0.60 (surely positive too)
    assert list(strong["dimension"]) == ["good", "crosses"]
    assert list(strong["current_low"]) == pytest.approx([0.45, 0.20])
    assert list(sm.rank_strengths(KNOWN, 5, exclude={"good"})["dimension"]) == ["crosses"]


def test_dashboard_summary_rules_on_empty_tables():
    empty = KNOWN.iloc[0:0]
    assert sm.rank_priorities(empty, 5).empty and sm.rank_strengths(empty, 5).empty and sm.rank_rows(empty, 5).empty


def test_dashboard_summary_quotes_typical_one_per_participant():
    s = pd.DataFrame({
        "sentence_id": [f"s{i}" for i in range(8)],
        "participant": ["A", "A", "B", "C", "D", "E", "F", "G"],
        "polarity": [-0.5, -0.55, -0.95, -0.45, -0.2, 0.6, -0.5, 0.0],
        "n_words": [12, 12, 12, 12, 12, 12, 2, 12],
    })
    # 6 negative sentences (median -0.5), 1 positive, 1 neutral: 3 quotes -> round(3 * 6/7) = 3 negative, 0 positive
    quotes = sm.pick_quotes(s)
    assert list(quotes["sentence_id"]) == ["s0", "s3", "s4"]  # A's typical one, then C (0.05 away), then D;
    # B's -0.95 (the most extreme) is not chosen, F's 2-word sentence comes after every 5-40-word one
    assert quotes["participant"].is_unique and set(quotes["side"]) == {"negative"}
    assert sm.pick_quotes(s.iloc[0:0]).empty
    assert list(sm.pick_quotes(s[s["polarity"] == 0])["sentence_id"]) == ["s7"]  # only neutral: neutral
    # a sentence quoted for a finding above comes after every other (s3 was quoted: the next typical, B's s2)
    assert list(sm.pick_quotes(s, avoid={"s3"})["sentence_id"]) == ["s0", "s4", "s2"]
    # ... but is still taken when the side has nothing else
    assert list(sm.pick_quotes(s[s["polarity"] == 0], avoid={"s7"})["sentence_id"]) == ["s7"]


def test_dashboard_summary_quotes_sure_feelings_first():
    """A sentence whose feeling toward the clue is unsure (confidence < 0.6: e.g. the sentence's mood, not the
    clue's own clause) is quoted only when the side has too few sure ones, however typical it is."""
    s = pd.DataFrame({"sentence_id": [f"s{i}" for i in range(6)], "participant": list("ABCDEF"),
                      "polarity": [-0.5, -0.5, -0.45, -0.9, -0.2, -0.5], "n_words": [12, 12, 12, 12, 12, 2],
                      "confidence": [0.38, 0.78, 0.72, 0.78, 0.78, 0.39]})
    # by typicality alone: s0, s1 (0 from the median -0.5), s5 (0, but 2 words), s2 ...; s0 and s5 are unsure
    assert list(sm.pick_quotes(s.drop(columns="confidence"))["sentence_id"]) == ["s0", "s1", "s2"]
    assert list(sm.pick_quotes(s)["sentence_id"]) == ["s1", "s2", "s4"]
    unsure = s.assign(confidence=[0.38, 0.3, 0.5, 0.45, 0.55, 0.39])  # nothing sure: typical first again
    assert list(sm.pick_quotes(unsure)["sentence_id"]) == ["s0", "s1", "s2"]
    some = s.assign(confidence=[0.38, 0.78, float("nan"), 0.3, 0.5, 0.39])  # one sure; unknown counts as unsure
    assert list(sm.pick_quotes(some)["sentence_id"]) == ["s1", "s0", "s2"]


@pytest.mark.parametrize("prepared", [False, True])
def test_dashboard_summary_store_quotes_sure_feelings_first(tmp_path, prepared):
    """From a store, live or precomputed: the billing priority's typical quotes, made unsure, give way."""
    from cxaudit.publish.dashboard import prepare

    tables = make_summary_tables()
    write_tables(tmp_path / "a", tables)
    with AuditData(tmp_path / "a") as data:
        before = sm.build_summary(data, LENS, min_participants=5).priorities[0]
    assert before.label == "Billing and charges" and len(before.quotes) == 3
    tags = tables["tags"]
    unsure = tags["sentence_id"].isin(before.quotes["sentence_id"]) & (tags["code"] == "functional.billing")
    tables["tags"] = tags.assign(confidence=tags["confidence"].where(~unsure, 0.38))
    write_tables(tmp_path / "b", tables)
    if prepared:
        prepare(tmp_path / "b", state_min_tags=0)
    with AuditData(tmp_path / "b") as data:
        assert bool(data.states) == prepared
        after = sm.build_summary(data, LENS, min_participants=5).priorities[0]
    assert after.label == before.label and len(after.quotes) == 3
    assert not set(after.quotes["sentence_id"]) & set(before.quotes["sentence_id"])
    assert after.quotes["participant"].is_unique and (after.quotes["polarity"] < 0).all()


@pytest.mark.parametrize("neg,pos,expected", [(34, 10, (2, 1)), (13, 60, (1, 2)), (6, 1, (3, 0)), (1, 1, (1, 1)),
                                              (0, 5, (0, 3)), (0, 0, (0, 0)), (1, 0, (1, 0)), (3, 3, (2, 1))])
def test_dashboard_summary_quote_allocation_in_proportion(neg, pos, expected):
    assert sm.quote_allocation(neg, pos) == expected


def test_dashboard_summary_quotes_mostly_positive_finding_shows_mostly_praise():
    s = pd.DataFrame({"sentence_id": [f"s{i}" for i in range(8)], "participant": list("ABCDEFGH"),
                      "polarity": [-0.4, 0.5, 0.6, 0.4, 0.5, 0.7, 0.3, 0.5], "n_words": 10})
    quotes = sm.pick_quotes(s, lead="negative")
    assert list(quotes["side"]) == ["positive", "positive", "positive"]  # 1 of 8 negative: round(3/8) = 0
    quotes = sm.pick_quotes(s.iloc[:4], lead="negative")  # 1 negative of 4: round(0.75) = 1
    assert list(quotes["side"]) == ["negative", "positive", "positive"]


@pytest.mark.parametrize("n,word,expected", [(1, "mention", "1 mention"), (2, "mention", "2 mentions"),
                                             (0, "promoter", "0 promoters"), (1204, "participant", "1,204 participants")])
def test_dashboard_summary_plural(n, word, expected):
    assert sm.plural(n, word) == expected


@pytest.fixture(scope="module")
def summary_store(tmp_path_factory):
    out = tmp_path_factory.mktemp("summary")
    return out, make_summary_store(out)


def test_dashboard_summary_from_store(summary_store):
    out, tables = summary_store
    with AuditData(out) as data:
        s = sm.build_summary(data, LENS, min_participants=5)
    assert [f.label for f in s.priorities] == ["Billing and charges", "Queues and waiting areas"]
    assert [f.label for f in s.strengths] == ["App usability"]
    assert s.n_small == 1  # staff: 3 participants
    for f in s.priorities + s.strengths:
        assert f.quotes["participant"].is_unique and len(f.quotes) == 3
        assert f.quotes["sentence_id"].is_unique
    billing = s.priorities[0]
    assert (billing.quotes["polarity"] < 0).all() and billing.n_negative == 12 and billing.n_positive == 0
    assert (s.strengths[0].quotes["polarity"] > 0).all()
    h = s.headline
    scores = tables["documents"]["score"]
    assert (h["documents"], h["participants"], h["n_scored"]) == (12, 12, 12)
    assert h["nps"] == pytest.approx(100 * ((scores >= 9).sum() - (scores <= 6).sum()) / 12)
    assert h["nps_low"] < h["nps"] < h["nps_high"]


def test_dashboard_summary_lower_minimum_lets_small_samples_in(summary_store):
    out, _ = summary_store
    with AuditData(out) as data:
        s = sm.build_summary(data, LENS, min_participants=2)
        ranked = sm.rank_rows(data.gaps(LENS, level="code"), 2)
    assert s.n_small == 0 and not ranked["small"].any()
    # staff is ranked like the others now, but its interval (3 participants, widened by cxaudit.compare)
    # reaches zero, so it is still not a sure priority
    assert "Staff and service (general)" not in [f.label for f in s.priorities]


def test_dashboard_summary_html_one_row_per_sentence_with_chips(summary_store):
    out, _ = summary_store
    with AuditData(out) as data:
        page = sm.summary_html(sm.build_summary(data, LENS, min_participants=5))
    first = re.search(r'<section class="cx-finding cx-priority" data-rank="1">(.*?)</section>', page, re.S).group(1)
    rows = re.findall(r'<li class="cx-quote-row">(.*?)</li>', first, re.S)
    assert len(rows) == 3
    both = [r for r in rows if "in the app was wrong" in r]
    # P01's sentence carries billing and app: one row, two chips, only the billing clue highlighted
    assert len(both) == 1 and "Billing and charges" in both[0] and "App usability" in both[0]
    assert "<mark>bill</mark>" in both[0] and "<mark>app</mark>" not in both[0]
    assert "functional.billing" not in re.sub(r'title="[^"]*"', "", page)  # labels, never ids, on screen
    assert "1 participants" not in page and "1 mentions" not in page
    assert "small sample" in page


def test_dashboard_summary_same_in_dashboard_and_report(summary_store):
    out, _ = summary_store
    app = dashboard.build_app(out)
    assert app.current_tab == "summary" and list(TABS)[0] == "summary"
    report = render_report(out)
    body = app.summary_box.value.replace('<div class="cx-summary">', "", 1)
    assert body and body in report  # the same function, the same text (the report adds the headline)
    assert report.index('class="cx-summary"') < report.index("<figure")
    assert "click" not in report.lower()


def test_dashboard_summary_min_participants_widget_and_audit_setting(summary_store, tmp_path):
    out, _ = summary_store
    app = dashboard.build_app(out)
    assert app.min_participants == 5
    assert "1 dimension of 4 had fewer than 5 participants" in app.summary_box.value
    app.min_box.value = 2
    assert "0 dimensions of 4 had fewer than 2 participants" in app.summary_box.value
    app.min_box.value = 20  # nobody is "sure" with more participants than the audit has
    assert "No dimension is surely short" in app.summary_box.value


def test_dashboard_summary_filtered_intervals_are_cluster_robust(summary_store):
    """Under a filter the gap interval is computed in DuckDB: per participant sums, ratio-mean variance."""
    from scipy import stats

    out, tables = summary_store
    with AuditData(out) as data:
        gaps = data.gaps(LENS.set(wave="2026-Q3"), level="code")
    row = gaps[gaps["dimension"] == "mechanic.queues"].iloc[0]
    t = tables["tags"]
    x = t[t["code"] == "mechanic.queues"]["polarity"].to_numpy(float)  # one mention per participant
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    assert float(row["current"]) == pytest.approx(x.mean())
    assert float(row["ci_low"]) == pytest.approx(x.mean() - half - float(row["desired"]))
    assert float(row["ci_high"]) == pytest.approx(x.mean() + half - float(row["desired"]))
    staff = gaps[gaps["dimension"] == "humanic.staff"].iloc[0]
    assert "small sample" in staff["warning"] and int(staff["priority"]) == len(gaps)


def test_dashboard_summary_min_participants_from_audit_yml(tmp_path):
    """`min_participants` in audit.yml (the file the last run read, from the runs table) sets the default."""
    import json

    from cxaudit.config import ConfigError, load_audit
    from cxaudit.store import write_tables

    from _dashboard_helpers import make_summary_tables

    audit = tmp_path / "audit.yml"
    audit.write_text("name: Summary audit\nmin_participants: 8\ninputs: []\n", encoding="utf-8")
    assert load_audit(audit).min_participants == 8
    tables = make_summary_tables()
    tables["runs"] = pd.DataFrame({"run_id": ["r1"], "finished_at": ["2026-12-03T10:00:00+00:00"],
                                   "config": [str(audit)],
                                   "settings": [json.dumps({"codebooks": ["carbone-clues", "touchpoints"]})]})
    write_tables(tmp_path / "results", tables)
    with AuditData(tmp_path / "results") as data:
        assert data.min_participants == 8
    app = dashboard.build_app(tmp_path / "results")
    assert app.min_participants == 8 and app.min_box.value == 8
    assert "had fewer than 8 participants" in app.summary_box.value
    for bad in ("0", "two", "true", "2.5"):
        audit.write_text(f"name: x\nmin_participants: {bad}\ninputs: []\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="min_participants"):
            load_audit(audit)
    audit.unlink()  # the audit file moved away: the default applies
    with AuditData(tmp_path / "results") as data:
        assert data.min_participants is None


def test_dashboard_summary_min_participants_stored_by_run(sample_copy, tmp_path):
    """`cxaudit run` stores the run's min_participants in `meta`; the dashboard and the report default to it
    even when the audit file has since moved or changed."""
    from cxaudit.config import load_audit
    from cxaudit.run.pipeline import run_audit
    from cxaudit.publish.report import render_report

    config = load_audit(sample_copy / "audit.yml")
    config.min_participants = 7
    out = tmp_path / "results"
    run_audit(config, out)
    (sample_copy / "audit.yml").write_text("name: moved\nmin_participants: 3\ninputs: []\n", encoding="utf-8")
    with AuditData(out) as data:
        assert data.con.execute("SELECT value FROM meta WHERE key = 'min_participants'").fetchone() == ("7",)
        assert data.min_participants == 7
    app = dashboard.build_app(out)
    assert app.min_participants == 7 and app.min_box.value == 7
    app.data.close()
    assert "had fewer than 7 participants" in render_report(out)


@pytest.mark.parametrize("quadrant,expected", [
    ("low priority", "mentioned less often and felt worse than the average dimension (importance\u2013performance "
                     "quadrant \u201clow priority\u201d)"),
    ("keep up the good work", "mentioned more often but felt better than the average dimension"),
    ("a<b", "quadrant \u201ca&lt;b\u201d"), (None, ""), (pd.NA, ""), (float("nan"), "")])
def test_dashboard_summary_priority_quadrant_in_words(quadrant, expected):
    # under "Fix first" a bare "quadrant: low priority" read as a contradiction: the words say what it means
    text = sm.quadrant_text(quadrant)
    assert (text == "") if expected == "" else (expected in text)
