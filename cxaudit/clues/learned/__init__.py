"""The learned tagger: a clue tagger learned from the researcher's own coded sentences.

``LearnedTagger(LearnedTaggerConfig(...)).fit(coded)`` learns; ``.predict(sentences)`` tags;
``.save(folder)`` and ``LearnedTagger.load(folder)`` keep it (``docs/clues-learned.md``).

Modules: :mod:`.estimator` (the estimator), :mod:`.config` (its options), :mod:`.coded` (coded files),
:mod:`.features` (tokens, n-grams, TF-IDF), :mod:`.context` (polarity context: cue words, clauses),
:mod:`.wordspace` (word vectors and clusters from uncoded text), :mod:`.classifiers` (SVMs,
cross-validation, calibration), :mod:`.bundle` (featurisers, encoder features, the saved model),
:mod:`.finetune` (fine-tuning a sentence encoder with code and polarity heads).
"""

from cxaudit.clues.learned.coded import POLARITIES, CodedFileError, load_coded
from cxaudit.clues.learned.config import BLENDS, HEADS, LearnedTaggerConfig, TaggerConfigError
from cxaudit.clues.learned.estimator import META_FILE, LearnedTagger, NotFittedError, TrainReport
from cxaudit.clues.learned.finetune import POLARITY_HEADS, FineTuneError
from cxaudit.clues.learned.wordspace import UnlabelledFileError
from cxaudit.nlp.encoder import EncoderError

__all__ = ["LearnedTagger", "LearnedTaggerConfig", "TrainReport", "load_coded", "TaggerConfigError", "NotFittedError",
           "CodedFileError", "UnlabelledFileError", "EncoderError", "FineTuneError", "POLARITIES", "POLARITY_HEADS",
           "BLENDS", "HEADS", "META_FILE"]
