"""The learned tagger: reading coded files, multi-label and polarity learning, thresholds, save/load."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from _interop_helpers import CODEBOOK
from cxaudit.clues.learned import META_FILE, CodedFileError, LearnedTagger, LearnedTaggerConfig, load_coded
from cxaudit.schemas import TAGS, validate

STAFF, PRICE, CLEAN, WAIT = "humanic.courtesy", "functional.price", "mechanic.clean", "waiting"


def fit_and_save(coded, out, *, unlabelled=None, **options):
    """Fit a tagger with these options (a LearnedTaggerConfig), save it to ``out``, return its report."""
    tagger = LearnedTagger(LearnedTaggerConfig(**options)).fit(coded, unlabelled=unlabelled)
    tagger.save(out)
    return tagger.report_


# (text, codes, polarity) — a hand-made training set: 3 codebook codes + 1 learned-only code
CODED = [
    ("The waiter was friendly and polite.", STAFF, "positive"),
    ("Our server was very attentive and kind.", STAFF, "positive"),
    ("The staff were helpful and smiled at us.", STAFF, "positive"),
    ("The receptionist was lovely and welcoming.", STAFF, "positive"),
    ("A courteous, warm and friendly team.", STAFF, "positive"),
    ("The waiter was rude to us.", STAFF, "negative"),
    ("Our server ignored us and was impolite.", STAFF, "negative"),
    ("The staff were unfriendly and arrogant.", STAFF, "negative"),
    ("The receptionist was rude and dismissive.", STAFF, "negative"),
    ("The manager shouted at the waiter, so rude.", STAFF, "negative"),
    ("The prices were fair and reasonable.", PRICE, "positive"),
    ("Great value for money, very cheap.", PRICE, "positive"),
    ("Cheap prices and a fair bill.", PRICE, "positive"),
    ("The bill was affordable for a family.", PRICE, "positive"),
    ("Reasonable prices, good value.", PRICE, "positive"),
    ("The bill was far too expensive.", PRICE, "negative"),
    ("Overpriced for what you get.", PRICE, "negative"),
    ("The prices are outrageous and expensive.", PRICE, "negative"),
    ("They charged a fortune, a very expensive bill.", PRICE, "negative"),
    ("Expensive prices and poor value for money.", PRICE, "negative"),
    ("The tables were spotless and clean.", CLEAN, "positive"),
    ("The bathroom was very clean.", CLEAN, "positive"),
    ("Everything was tidy and spotless.", CLEAN, "positive"),
    ("Clean floors and clean tables.", CLEAN, "positive"),
    ("The room was neat and clean.", CLEAN, "positive"),
    ("The tables were dirty and sticky.", CLEAN, "negative"),
    ("The bathroom was filthy.", CLEAN, "negative"),
    ("Dirty floors and dirty glasses.", CLEAN, "negative"),
    ("The room was grimy and dirty.", CLEAN, "negative"),
    ("Filthy, sticky tables everywhere.", CLEAN, "negative"),
    ("We waited an hour in the queue.", WAIT, "negative"),
    ("The queue was long and we waited forever.", WAIT, "negative"),
    ("No queue at all, we were seated at once.", WAIT, "positive"),
    ("A short wait, the queue moved quickly.", WAIT, "positive"),
    ("We waited too long for a table.", WAIT, "negative"),
    ("The waiter was friendly but the bill was expensive.", f"{STAFF};{PRICE}", "positive;negative"),
    ("The prices were cheap but the tables were dirty.", f"{PRICE};{CLEAN}", "positive;negative"),
    ("Rude staff and a filthy bathroom.", f"{STAFF};{CLEAN}", "negative"),
    ("Kind waiter, clean room, fair prices.", f"{STAFF};{CLEAN};{PRICE}", "positive"),
    ("The staff were rude and the queue was long.", f"{STAFF};{WAIT}", "negative"),
]

HELD_OUT = {
    "The waitress was rude and unfriendly.": {STAFF},
    "Way too expensive, the bill was outrageous.": {PRICE},
    "The glasses were dirty and the floor filthy.": {CLEAN},
    "We waited in a long queue.": {WAIT},
}


def _coded_frame() -> pd.DataFrame:
    return pd.DataFrame(CODED, columns=["text", "code", "polarity"])


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("learn") / "coded.csv"
    _coded_frame().to_csv(path, index=False)
    out = path.parent / "model"
    report = fit_and_save(load_coded(path), out, codebooks=[CODEBOOK], seed=0)
    assert report.codes == sorted([STAFF, PRICE, CLEAN, WAIT]) and report.polarity_model
    return out


@pytest.fixture(scope="module")
def tagger(model_dir):
    return LearnedTagger.load(model_dir)


def _sentences(texts) -> pd.DataFrame:
    texts = list(texts)
    return pd.DataFrame({"sentence_id": [f"d{i}#0.0" for i in range(len(texts))], "doc_id": [f"d{i}" for i in range(len(texts))],
                         "text": texts, "sentiment": 0.0, "valence": "neutral", "mode": "current"})


def test_learn_load_coded_splits_codes_and_aligns_polarity():
    long = load_coded(_coded_frame())
    assert list(long.columns) == ["text", "code", "polarity"]
    assert len(long) == 30 + 5 + 2 * 3 + 2 + 3 - 1 + 1  # 35 single + 2+2+2+3+2 pairs
    rows = long[long["text"] == "The waiter was friendly but the bill was expensive."]
    assert rows[["code", "polarity"]].values.tolist() == [[STAFF, "positive"], [PRICE, "negative"]]
    rows = long[long["text"] == "Kind waiter, clean room, fair prices."]
    assert rows["polarity"].tolist() == ["positive"] * 3  # one value applies to every code


def test_learn_multilabel_learns_the_codes(tagger):
    tags = tagger.predict(_sentences(HELD_OUT))
    got = {e: set(g) for e, g in tags.groupby("evidence")["code"]}
    assert got == HELD_OUT
    proba = tagger.predict_proba(list(HELD_OUT))
    for i, expected in enumerate(HELD_OUT.values()):
        (code,) = expected
        assert proba.columns[int(np.argmax(proba.iloc[i]))] == code


def test_learn_predict_returns_tags_rows(tagger):
    tags = tagger.predict(_sentences(HELD_OUT))
    pd.testing.assert_frame_equal(tags, validate(tags, TAGS))
    assert (tags["method"] == "model").all() and tags["start_char"].isna().all()
    by_code = tags.set_index("code")
    assert by_code.loc[STAFF, "clue_type"] == "humanic" and by_code.loc[STAFF, "codebook"] == "mini"
    assert by_code.loc[WAIT, "clue_type"] == "none" and by_code.loc[WAIT, "codebook"] == "learned"
    assert ((tags["confidence"] > 0) & (tags["confidence"] <= 1)).all()


def test_learn_polarity_of_each_code(tagger):
    texts = ["The waiter was rude.", "The waiter was friendly and kind.", "The bill was expensive.",
             "Fair prices and cheap.", "The waiter was kind but the bill was expensive."]
    codes = [STAFF, STAFF, PRICE, PRICE, PRICE]
    best = tagger.polarity_proba(texts, codes).idxmax(axis=1).tolist()
    assert best == ["negative", "positive", "negative", "positive", "negative"]
    tags = tagger.predict(_sentences(texts[:2])).set_index("evidence")
    assert tags.loc["The waiter was rude.", "polarity"] < 0 and tags.loc["The waiter was rude.", "valence"] == "negative"
    assert tags.loc[texts[1], "polarity"] > 0 and tags.loc[texts[1], "valence"] == "positive"


def test_learn_threshold_trades_recall_for_precision(tagger):
    sents = _sentences(list(HELD_OUT) + ["The food was nice.", "Friendly staff, cheap bill, clean tables."])
    counts = [len(tagger.predict(sents, threshold=t, at_least_one=False)) for t in (0.05, 0.3, 0.5, 0.8, 0.99)]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] > counts[2] > counts[-1]
    assert len(tagger.predict(sents, threshold=0.99, at_least_one=True)) >= len(sents)


def test_learn_save_load_round_trip_is_identical(model_dir, tagger, tmp_path):
    meta = json.loads((model_dir / META_FILE).read_text())
    assert meta["codes"] == tagger.codes_ and set(meta["thresholds"]) == set(tagger.codes_)
    assert meta["format_version"] == 3 and meta["training"]["n_sentences"] == len(CODED)
    assert sorted(p.name for p in model_dir.iterdir()) == [META_FILE, "features.json", "linear.npz"]  # no pickles
    moved = tmp_path / "copy"
    shutil.copytree(model_dir, moved)
    sents = _sentences(list(HELD_OUT))
    pd.testing.assert_frame_equal(LearnedTagger.load(moved).predict(sents), tagger.predict(sents))


def test_learn_training_is_deterministic(model_dir, tagger, tmp_path):
    fit_and_save(_coded_frame().pipe(load_coded), tmp_path / "again", codebooks=[CODEBOOK], seed=0)
    again = LearnedTagger.load(tmp_path / "again")
    texts = list(HELD_OUT) + ["Nothing to say."]
    np.testing.assert_array_equal(again.predict_proba(texts).to_numpy(), tagger.predict_proba(texts).to_numpy())


def test_learn_without_polarity_uses_sentence_sentiment(tmp_path):
    coded = _coded_frame().assign(polarity=None)
    report = fit_and_save(coded, tmp_path / "m")
    assert not report.polarity_model
    sents = _sentences(["The waiter was rude."]).assign(sentiment=-0.7, valence="negative")
    tags = LearnedTagger.load(tmp_path / "m").predict(sents)
    assert tags["polarity"].tolist() == [-0.7] and tags["valence"].tolist() == ["negative"]


def test_learn_tunes_thresholds_on_inner_dev(tmp_path):
    many = pd.DataFrame([(f"{t} ({i})", c, p) for i in range(3) for t, c, p in CODED], columns=["text", "code", "polarity"])
    report = fit_and_save(many, tmp_path / "m")
    assert report.n_sentences == 120 and "micro_f1" in report.dev and "polarity_accuracy" in report.dev
    assert any(t != 0.5 for t in report.thresholds.values())


def test_learn_replaces_an_existing_model_dir(tmp_path):
    out = tmp_path / "m"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    fit_and_save(_coded_frame(), out)
    assert not (out / "stale.txt").exists() and (out / META_FILE).exists()
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary folders left behind


def test_learn_empty_sentences_give_empty_tags(tagger):
    tags = tagger.predict(_sentences([]))
    assert tags.empty and list(tags.columns) == TAGS.names


@pytest.mark.parametrize("content, suffix, message", [
    ("txt,code\nhello,a\n", ".csv", r"missing column 'text'"),
    ("text,code,polarity\nfine,a,positive\nbad,a,angry\n", ".csv", r"row 3: unknown polarity 'angry'"),
    ("text,code,polarity\nx,a;b,positive;negative;neutral\n", ".csv", r"row 2: 2 code\(s\) but 3 polarities"),
    ("text,code\n,a\n", ".csv", r"row 2: empty text"),
    ('{"text": "ok", "code": "a"}\n{"text": "bad"\n', ".jsonl", r"row 2: not valid JSON"),
    ('{"text": "ok", "code": ["a", "b"], "polarity": "Neutral"}\n{"code": "a"}\n', ".jsonl", r"row 2: expected an object"),
    ("text\tcode\n", ".tsv", r"expected a .csv, .jsonl or .xlsx"),
])
def test_learn_bad_coded_files_name_file_and_row(tmp_path, content, suffix, message):
    path = tmp_path / f"coded{suffix}"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CodedFileError, match=message) as err:
        load_coded(path)
    assert str(path) in str(err.value)


def test_learn_jsonl_lists_and_case(tmp_path):
    path = tmp_path / "coded.jsonl"
    path.write_text('{"text": "ok", "code": ["a", "b"], "polarity": "Neutral"}\n\n{"text": "none", "code": ""}\n')
    long = load_coded(path)
    assert long.fillna("").values.tolist() == [["ok", "a", "neutral"], ["ok", "b", "neutral"], ["none", "", ""]]


def test_learn_train_rejects_data_without_codes(tmp_path):
    with pytest.raises(ValueError, match="no coded sentences"):
        fit_and_save(pd.DataFrame({"text": ["a", "b"], "code": [None, None], "polarity": [None, None]}), tmp_path / "m")


# --------------------------------------------------------------------------- features and model internals

from hypothesis import given, settings, strategies as st  # noqa: E402
from scipy import sparse  # noqa: E402

from cxaudit.clues.learned.context import N_CONTEXT_FEATURES, clauses, context_features, cue_words  # noqa: E402
from cxaudit.clues.learned.features import Vectorizer, conjoin, negation_marked, tokens  # noqa: E402
from cxaudit.clues.learned.classifiers import best_f1_threshold  # noqa: E402


def test_learn_negation_marks_until_punctuation():
    marked = negation_marked(tokens("The food was not good or fresh, but the staff didn't smile. Fine."))
    assert marked == ["the", "food", "was", "not", "good_NEG", "or_NEG", "fresh_NEG", ",", "but", "the", "staff",
                      "didn't", "smile_NEG", ".", "fine", "."]


def test_learn_clauses_split_at_punctuation_and_contrast():
    assert clauses(tokens("Kind waiter, but the bill was expensive.")) == [["kind", "waiter"], ["the", "bill", "was", "expensive"]]
    assert clauses([]) == [[]]


def test_learn_cue_words_are_the_code_words_not_stop_words():
    texts = [t for t, _, _ in CODED]
    codes = [c.split(";")[0] for _, c, _ in CODED]
    cues = cue_words(texts, codes, k=5)
    assert {"expensive", "prices"} <= set(cues[PRICE]) and "rude" in cues[STAFF]
    assert not {"the", "was", "and"} & {w for ws in cues.values() for w in ws}
    assert all(len(ws) <= 5 for ws in cues.values())


def test_learn_context_features_follow_the_code_clause():
    text = "The waiter was kind but the bill was expensive and outrageous."
    cues = {PRICE: ["bill", "expensive"], STAFF: ["waiter"]}
    rows = context_features([text, text, text], [PRICE, STAFF, WAIT], cues)
    assert rows.shape == (3, N_CONTEXT_FEATURES)
    context_sum = rows[:, 9]  # squashed lexicon sum over the code's context
    assert context_sum[0] < 0 < context_sum[1]
    assert rows[2, 14] == 0 and rows[0, 14] == 1  # cue found or not
    np.testing.assert_allclose(rows[:, :4], rows[[0], :4].repeat(3, axis=0))  # sentence-level VADER is shared


def test_learn_best_f1_threshold_hand_computed():
    scores, y = np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])
    assert best_f1_threshold(scores, y, grid=None) == (0.35, pytest.approx(0.8))
    assert best_f1_threshold(scores, y, grid=np.array([0.5, 0.9])) == (0.5, pytest.approx(2 / 3))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcdef"), max_size=6), min_size=1, max_size=8),
       st.integers(min_value=1, max_value=4))
def test_learn_vectorizer_and_conjoin_properties(docs, n_blocks):
    vec = Vectorizer().fit(docs)
    X = vec.transform(docs)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1))).ravel()
    np.testing.assert_allclose(norms, [1.0 if d else 0.0 for d in docs], atol=1e-9)
    assert Vectorizer(**vec.state()).transform(docs).toarray().tolist() == X.toarray().tolist()
    block = np.arange(len(docs)) % (n_blocks + 1) - 1  # -1 = no block
    C = conjoin(X, block, n_blocks).toarray()
    for i, j in enumerate(block):
        expected = np.zeros(X.shape[1] * n_blocks)
        if j >= 0:
            expected[j * X.shape[1]:(j + 1) * X.shape[1]] = X[i].toarray().ravel()
        np.testing.assert_array_equal(C[i], expected)


def test_learn_probabilities_are_well_formed(tagger):
    texts = list(HELD_OUT) + ["", "Nothing to say."]
    proba = tagger.predict_proba(texts).to_numpy()
    assert ((proba > 0) & (proba < 1)).all()
    pol = tagger.polarity_proba(texts, [STAFF] * len(texts)).to_numpy()
    np.testing.assert_allclose(pol.sum(axis=1), 1.0)
    assert (pol[:, 3] == 0).all()  # "conflict" was never coded, so it is never predicted


def test_learn_cross_validation_records_choices(model_dir):
    training = json.loads((model_dir / META_FILE).read_text())["training"]
    assert training["code_cv"]["C"] in training["c_grid"] and training["code_cv"]["folds"] == 5
    assert training["polarity_cv"]["C"] in training["polarity_c_grid"] and training["polarity_cv"]["temperature"] > 0
    assert 0.5 < training["dev"]["micro_f1"] <= 1 and 0.5 < training["dev"]["polarity_accuracy"] <= 1


def test_learn_rejects_an_old_model_folder(model_dir, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(model_dir, old)
    meta = json.loads((old / META_FILE).read_text())
    (old / META_FILE).write_text(json.dumps({**meta, "format_version": 1}))
    with pytest.raises(ValueError, match="format_version 1, expected 3; retrain"):
        LearnedTagger.load(old)
    with pytest.raises(FileNotFoundError, match="not a cxaudit tagger folder"):
        LearnedTagger.load(tmp_path)


def test_learn_tiny_training_set_without_cross_validation(tmp_path):
    report = fit_and_save(_coded_frame().head(12), tmp_path / "m")  # 12 sentences: no CV, fixed calibration
    tagger = LearnedTagger.load(tmp_path / "m")
    assert report.dev == {} and set(report.thresholds.values()) == {0.5}
    assert tagger.predict_proba(["The waiter was rude."]).idxmax(axis=1).tolist() == [STAFF]


def _synthetic_coded(n: int, seed: int = 0) -> pd.DataFrame:
    """n generated review sentences with 1–2 of 5 codes and a polarity each."""
    rng = np.random.default_rng(seed)
    parts = {"food": ("the {} pasta", "our {} soup", "a {} steak"), "service": ("the {} waiter", "our {} server", "the {} staff"),
             "price": ("the {} bill", "{} prices", "a {} deal"), "ambience": ("the {} room", "{} music", "a {} terrace"),
             "misc": ("a {} evening", "the {} visit", "{} birthday dinner")}
    words = {"positive": ("great", "lovely", "superb", "friendly", "cheap"), "negative": ("awful", "rude", "bland", "overpriced", "noisy"),
             "neutral": ("usual", "ordinary", "plain", "standard", "regular")}
    rows = []
    for i in range(n):
        codes = rng.choice(list(parts), size=int(rng.integers(1, 3)), replace=False)
        pols = rng.choice(list(words), size=len(codes))
        text = " and ".join(rng.choice(parts[c]).format(rng.choice(words[p])) for c, p in zip(codes, pols))
        rows.append((f"{text} ({i}).", ";".join(codes), ";".join(pols)))
    return pd.DataFrame(rows, columns=["text", "code", "polarity"])


@pytest.mark.slow
def test_learn_trains_3000_sentences_within_two_minutes(tmp_path):
    uncoded = _synthetic_coded(3000, seed=1)["text"].str.replace(r" \(\d+\)\.$", ".", regex=True).tolist()
    report = fit_and_save(_synthetic_coded(3000), tmp_path / "m", unlabelled=uncoded)
    assert report.n_sentences == 3000 and report.polarity_model and report.n_unlabelled == 3000
    assert report.seconds < 120, f"training took {report.seconds} s, expected < 120 s"
    assert report.dev["micro_f1"] > 0.95 and report.dev["polarity_accuracy"] > 0.8


# --------------------------------------------------------------------------- unlabelled text and clause features

from cxaudit.clues.learned.context import ClauseScorer  # noqa: E402
from cxaudit.clues.learned.wordspace import UnlabelledFileError, WordSpace, read_unlabelled  # noqa: E402

# uncoded sentences: "pizza"/"pasta"/"soup" and "waiter"/"waitress"/"host" share their contexts
UNCODED = [f"the {w} was {a} {tail}" for w, tails in
           (("pizza", ("and hot", "tonight", "again")), ("pasta", ("and hot", "tonight", "again")),
            ("soup", ("and hot", "tonight", "again")), ("waiter", ("to us", "at the door", "with a smile")),
            ("waitress", ("to us", "at the door", "with a smile")), ("host", ("to us", "at the door", "with a smile")))
           for a in ("really", "quite", "so", "very") for tail in tails]


def test_learn_word_space_groups_words_with_shared_contexts():
    space = WordSpace.fit(UNCODED, dim=8, ks=(4, 8))
    sims = space.vectors @ space.vectors[space.index["pizza"]]
    ranked = [space.words[i] for i in np.argsort(-sims)]
    assert set(ranked[:3]) == {"pizza", "pasta", "soup"}  # identical contexts, identical vectors
    for k, ids in space.clusters.items():
        food = {ids[space.index[w]] for w in ("pizza", "pasta", "soup")}
        staff = {ids[space.index[w]] for w in ("waiter", "waitress", "host")}
        assert len(food) == 1 and len(staff) == 1 and food != staff, k
    feats = space.cluster_features(["pizza", "pasta_NEG", "unknownword"])
    assert feats[:2] == [f"k4:{space.clusters['4'][space.index['pizza']]}", f"k8:{space.clusters['8'][space.index['pizza']]}"]
    assert feats[2].endswith("_NEG") and len(feats) == 4
    mean = space.mean_vectors([["pizza"], [], ["zzz"]])
    np.testing.assert_allclose(mean[0], space.vectors[space.index["pizza"]], atol=1e-6)
    assert not mean[1].any() and not mean[2].any()


def test_learn_word_space_is_deterministic_and_rejects_too_little_text():
    a, b = WordSpace.fit(UNCODED, dim=8, seed=3), WordSpace.fit(UNCODED, dim=8, seed=3)
    np.testing.assert_array_equal(a.vectors, b.vectors)
    assert a.clusters == b.clusters
    with pytest.raises(ValueError, match="only 3 distinct words"):
        WordSpace.fit(["a b c", "a b c"])


def test_learn_unlabelled_changes_features_and_is_deterministic(tagger, tmp_path):
    coded = _coded_frame()
    report = fit_and_save(coded, tmp_path / "u1", codebooks=[CODEBOOK], unlabelled=UNCODED)
    fit_and_save(coded, tmp_path / "u2", codebooks=[CODEBOOK], unlabelled=UNCODED)
    assert report.n_unlabelled == len(UNCODED)
    one, two = LearnedTagger.load(tmp_path / "u1"), LearnedTagger.load(tmp_path / "u2")
    assert one.meta_["training"]["word_space"] and one.bundle_.code_features.space is not None
    texts = list(HELD_OUT) + ["The pizza was hot."]
    p1 = one.predict_proba(texts).to_numpy()
    np.testing.assert_array_equal(p1, two.predict_proba(texts).to_numpy())
    assert not np.allclose(p1, tagger.predict_proba(texts).to_numpy())  # the word space adds features
    width = one.bundle_.code_features.transform(texts).shape[1]
    assert width > tagger.bundle_.code_features.transform(texts).shape[1]
    assert sorted(p.name for p in (tmp_path / "u1").iterdir()) == [META_FILE, "features.json", "linear.npz"]


def test_learn_unlabelled_from_files_and_results_folder(tmp_path):
    txt = tmp_path / "uncoded.txt"
    txt.write_text("First sentence.\n\nSecond one.\n", encoding="utf-8")
    assert read_unlabelled(txt) == ["First sentence.", "Second one."]
    csv = tmp_path / "uncoded.csv"
    pd.DataFrame({"text": ["A", "B"], "other": [1, 2]}).to_csv(csv, index=False)
    assert read_unlabelled(str(csv)) == ["A", "B"]
    from cxaudit.schemas import SENTENCES
    from cxaudit.store import write_tables

    sents = validate(pd.DataFrame([{"sentence_id": "d#0.0", "doc_id": "d", "turn_id": 0, "text": "From the audit.",
                                    "start_char": 0, "end_char": 15, "sentiment": 0.0, "valence": "neutral",
                                    "mode": "current", "effort": False, "effort_phrase": None, "n_words": 3}]), SENTENCES)
    write_tables(tmp_path / "results", {"sentences": sents})
    assert read_unlabelled(tmp_path / "results") == ["From the audit."]


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.txt", r"missing.txt: unlabelled text not found"),
    (lambda d: (d / "no_text.csv").write_text("body\nhello\n") and d / "no_text.csv", r"no_text.csv: missing column 'text'"),
    (lambda d: (d / "empty.txt").write_text("\n \n") and d / "empty.txt", r"empty.txt: no unlabelled text found"),
    (lambda d: (d / "bad.tsv").write_text("x") and d / "bad.tsv", r"bad.tsv: expected a .txt, .csv"),
    (lambda d: d, r"cannot read unlabelled text .*not found"),  # a folder without results
])
def test_learn_bad_unlabelled_input_names_the_file(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(UnlabelledFileError, match=message):
        fit_and_save(_coded_frame(), tmp_path / "m", unlabelled=path)
    assert not (tmp_path / "m").exists()


def test_learn_clause_scorer_picks_the_code_clause():
    vec = Vectorizer().fit([["w:food", "w:cold", "w:waiter", "w:rude", "w:the"]])
    W = np.zeros((2, len(vec.vocab) + 3))  # extra columns (char n-grams …) are ignored
    W[0, vec.vocab["w:food"]], W[1, vec.vocab["w:waiter"]], W[1, vec.vocab["w:rude"]] = 1.0, 1.0, 0.5
    scorer = ClauseScorer(["food", "service"], vec, W)
    text = "The food was cold, but the waiter was rude."
    assert scorer.best_clause(text, "food") == ["the", "food", "was", "cold"]
    assert scorer.best_clause(text, "service") == ["the", "waiter", "was", "rude"]
    assert scorer.best_clause(text, "price") == tokens(text.replace(",", "").replace(".", "").replace("but ", ""))
    assert scorer.score(["waiter", "rude"], "service") == pytest.approx(1.5 * vec.idf[0])


def test_learn_polarity_uses_clause_features_only_when_weighted(tagger, tmp_path):
    assert tagger.bundle_.polarity_features.vec_x is not None and tagger.meta_["training"]["clause_weight"] == 0.5
    fit_and_save(_coded_frame(), tmp_path / "m0", codebooks=[CODEBOOK], clause_weight=0.0)
    plain = LearnedTagger.load(tmp_path / "m0")
    assert plain.bundle_.polarity_features.vec_x is None
    texts, codes = ["The waiter was kind but the bill was expensive."] * 2, [STAFF, PRICE]
    assert tagger.polarity_proba(texts, codes).idxmax(axis=1).tolist() == ["positive", "negative"]
    assert not np.allclose(plain.polarity_proba(texts, codes), tagger.polarity_proba(texts, codes))
