"""Tests of cxaudit.plots: every chart renders to a non-empty PNG with a title and labelled axes."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cxaudit.publish.charts import plots  # noqa: E402
from cxaudit.compare import compare  # noqa: E402
from cxaudit.compare.desired import Desired  # noqa: E402
from _compare_helpers import feelings, sentences_for, simulate_audit  # noqa: E402

TRUTH = {"humanic.staff": 0.5, "humanic.advice": 0.3, "functional.billing": -0.4, "mechanic.app": 0.1}
TOUCH = {"humanic.staff": "branch", "humanic.advice": "get-help", "functional.billing": "pay", "mechanic.app": "web"}


@pytest.fixture(scope="module")
def tables():
    d1, t1 = simulate_audit(TRUTH, n_participants=15, seed=1, wave="w1", prefix="a")
    d2, t2 = simulate_audit(dict(TRUTH, **{"functional.billing": 0.1}), n_participants=15, seed=2, wave="w2", prefix="b")
    docs, t = pd.concat([d1, d2], ignore_index=True), pd.concat([t1, t2], ignore_index=True)
    t["touchpoint"] = t["code"].map(TOUCH).astype("string")
    docs["score"] = pd.array(np.where(np.arange(len(docs)) % 3 == 0, 3.0, 9.0), dtype="Float64")
    docs["segment"] = np.where(np.arange(len(docs)) % 2 == 0, "retail", "business")
    f = feelings([{"sentence_id": s, "doc_id": d, "feeling": "valued" if p > 0 else "ignored", "pole": 1 if p > 0 else -1}
                  for s, d, p in zip(t["sentence_id"], t["doc_id"], t["polarity"])])
    desired = Desired(lenses=("carbone-clues",), motif_axes={"valued": ("valued/ignored", 1)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compare(docs, sentences_for(t), t, f, desired, n_boot=100, group_col="segment")


CASES = [
    ("plot_gaps", "gaps", {}),
    ("plot_ipa", "gaps", {}),
    ("plot_clue_map", "clue_map", {"value": "n"}),
    ("plot_clue_map", "clue_map", {"value": "polarity"}),
    ("plot_motif", "motif", {}),
    ("plot_drivers", "drivers", {}),
    ("plot_nps", "nps", {}),
    ("plot_trend", "waves", {}),
    ("plot_scorecard", "scorecards", {}),
]


@pytest.mark.parametrize("name, table, kwargs", CASES)
def test_plots_render_titled_labelled_png(tables, tmp_path, name, table, kwargs):
    ax = getattr(plots, name)(tables[table], **kwargs)
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path, dpi=60)
    plt.close(ax.figure)
    assert path.stat().st_size > 5_000
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert plots.NO_DATA not in [t.get_text() for t in ax.texts]
    assert ax.get_yticklabels(), "the categories are named"


@pytest.mark.parametrize("name, table, kwargs", CASES)
def test_plots_empty_selection_draws_a_message(tables, name, table, kwargs):
    ax = getattr(plots, name)(tables[table].iloc[:0], **kwargs)
    assert plots.NO_DATA in [t.get_text() for t in ax.texts] and ax.get_title()
    plt.close(ax.figure)


def test_plots_draw_on_a_given_axes_and_use_the_clue_palette(tables):
    fig, ax = plt.subplots()
    out = plots.plot_ipa(tables["gaps"], ax=ax, crosshairs={"importance": 0.2, "performance": 0.0})
    assert out is ax
    colours = {tuple(np.round(c[:3], 3)) for c in ax.collections[0].get_facecolors()}
    expected = {tuple(np.round(matplotlib.colors.to_rgb(plots.PALETTE[k]), 3)) for k in ("functional", "mechanic", "humanic")}
    assert colours == expected
    assert {t.get_text() for t in ax.texts} >= {"concentrate here", "keep up the good work", "low priority", "possible overkill"}
    plt.close(fig)


def test_plots_clue_map_rejects_unknown_value(tables):
    with pytest.raises(ValueError, match="value must be"):
        plots.plot_clue_map(tables["clue_map"], value="colour")


def test_plots_ipa_leaves_crowded_labels_out_instead_of_overlapping():
    import matplotlib.pyplot as plt
    import pandas as pd

    from cxaudit.publish.charts.plots import plot_ipa

    n = 40
    gaps = pd.DataFrame({
        "lens": "carbone-clues", "level": "code", "group_by": "all", "group": "all",
        "dimension": [f"code.number-{i}" for i in range(n)], "clue_type": "functional",
        "current": [0.01 * (i % 3) for i in range(n)], "importance": [0.001 * (i % 2) for i in range(n)],
        "priority": range(1, n + 1),
    })
    ax = plot_ipa(gaps)
    ax.figure.canvas.draw()
    labels = [t for t in ax.texts if t.get_text().startswith("code.number")]
    assert 0 < len(labels) < n
    assert labels[0].get_text() == "code.number-0"  # the first priority gets its label first
    boxes = [t.get_window_extent() for t in labels]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert any("unlabelled" in t.get_text() for t in ax.texts)
    plt.close(ax.figure)


def test_plots_interval_bars_never_negative_when_estimate_outside_interval():
    import matplotlib.pyplot as plt
    import pandas as pd

    from cxaudit.publish.charts.plots import plot_nps

    nps = pd.DataFrame({"group_by": ["all"], "group": ["all"], "n": [3], "nps": [-100.0], "ci_low": [-98.5],
                        "ci_high": [48.5], "promoters": [0], "passives": [0], "detractors": [3],
                        "share_promoters": [0.0], "share_detractors": [1.0], "warning": ["small"]})
    ax = plot_nps(nps)
    plt.close(ax.figure)


def test_plots_trend_with_a_dimension_missing_from_one_wave():
    import matplotlib.pyplot as plt
    import pandas as pd

    from cxaudit.compare.tables import WAVES
    from cxaudit.publish.charts.plots import plot_trend
    from cxaudit.schemas import conform

    waves = conform(pd.DataFrame({
        "lens": "carbone-clues", "level": "clue_type", "dimension": ["humanic", "mechanic"],
        "clue_type": ["humanic", "mechanic"], "wave_from": "Q2", "wave_to": "Q3", "n_from": [10, 0], "n_to": [12, 9],
        "participants_from": [5, 0], "participants_to": [6, 4], "current_from": [0.2, None], "current_to": [0.4, -0.1],
        "change": [0.2, None], "ci_low": [0.05, None], "ci_high": [0.35, None], "beyond_noise": [True, None],
    }), WAVES)
    ax = plot_trend(waves)
    labels = {t.get_text() for t in ax.texts}
    assert {"humanic", "mechanic"} <= labels
    plt.close(ax.figure)
