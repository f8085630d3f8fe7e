import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cxaudit.nlp.explore import distinctive_terms, kwic, kwic_code, plot_distinctive_terms, term_frequencies  # noqa: E402

SENTS = pd.DataFrame({
    "sentence_id": [f"s{i}" for i in range(8)],
    "text": ["The queue was long.", "Long queue again, queues everywhere.", "The staff were kind.", "Kind staff.",
             "The app crashed.", "The app crashed twice.", "Staff were kind and quick.", "Queue, queue, queue."],
    "segment": ["branch", "branch", "branch", "branch", "app", "app", "branch", "branch"],
})


def test_explore_kwic_whole_words_and_window():
    out = kwic(SENTS, "queue", window=5)
    assert list(out.columns) == ["sentence_id", "left", "match", "right"]
    assert list(out["sentence_id"]) == ["s0", "s1", "s7", "s7", "s7"]  # not "queues"
    assert out.iloc[0].tolist() == ["s0", "The ", "queue", " was "]
    assert len(kwic(SENTS, r"crash\w*", regex=True)) == 2


def test_explore_kwic_code():
    tags = pd.DataFrame({"sentence_id": ["s4", "s2"], "code": ["digital", "humanic"], "start_char": [4, pd.NA], "end_char": [7, pd.NA]})
    out = kwic_code(SENTS, tags, "digital")
    assert out.iloc[0].tolist() == ["s4", "digital", "The ", "app", " crashed."]
    assert kwic_code(SENTS, tags, "humanic")["match"].iloc[0] == "The staff were kind."


def test_explore_term_frequencies_by_group():
    out = term_frequencies(SENTS, by="segment")
    app = out[out["group"] == "app"].set_index("term")
    assert app.loc["app", "count"] == 2 and app.loc["crash", "count"] == 2
    assert np.isclose(out.groupby("group")["share"].sum(), 1.0).all()
    assert "the" not in set(out["term"])
    assert set(term_frequencies(SENTS, min_count=3)["term"]) >= {"queue", "staff"}


def test_explore_distinctive_terms_log_odds():
    out = distinctive_terms(SENTS, "segment", min_count=2)
    assert list(out.columns) == ["term", "group", "count", "log_odds", "z"]
    app = out[out["group"] == "app"].set_index("term")
    branch = out[out["group"] == "branch"].set_index("term")
    assert app.loc["crash", "z"] > 0 > branch.loc["crash", "z"]
    assert branch.loc["queue", "z"] > 0
    assert np.isclose(app.loc["app", "log_odds"], -branch.loc["app", "log_odds"])  # two groups: symmetric


def test_explore_distinctive_terms_needs_two_groups():
    with pytest.raises(ValueError, match="two groups"):
        distinctive_terms(SENTS, "segment", groups=["app"])
    with pytest.raises(ValueError, match="prior"):
        distinctive_terms(SENTS, "segment", prior="flat")


def test_explore_plot_returns_axes():
    ax = plot_distinctive_terms(distinctive_terms(SENTS, "segment", min_count=2), top=3)
    assert ax.get_xlabel().startswith("z")
    assert len(ax.patches) >= 2
