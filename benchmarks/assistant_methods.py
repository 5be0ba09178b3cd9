"""The intent classifier's methods compared on the training part of the labelled questions only: the
table behind the chosen method (docs/decisions/0024-assistant-intent-classifier.md). The held-out part
is never used: this script takes ``model.split``'s training part and nothing else.

    flock /tmp/notes/bench.lock .venv/bin/python benchmarks/assistant_methods.py [--repeats 3]

For each method: accuracy and macro-F1 of ``--repeats`` x 5-fold stratified cross-validation over the
training part (mean, and the spread over the repeats), the accuracy on English questions, and the
accuracy on a development fold (one fifth of the training part, seed ``DEV_SEED``) when trained on the
other four fifths, with the development questions added to the set after its first ``EARLIER`` rows
apart (``fresh``: no lexicon entry was ever written while looking at them or their errors). The last
column is the time to fit on the whole training part, its questions already normalised and cut into
words.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from arrears.assistant import model
from arrears.assistant.text import concepts, normalise, split_key, words

DEV_SEED = 7
EARLIER = 674  # rows of the labelled set before the 640 questions added on 2026-12-06

Item = tuple[str, tuple[str, ...], tuple[str, ...]]  # normalised text, concept tags, words
_ENGLISH = re.compile(r"[a-z]+(?:'[a-z]+)?")
_SENTENCES = re.compile(r"[。！？!?；;\n]+|\.(?:\s|$)")


def item(text: str, normaliser: Callable[[str], str]) -> Item:
    found = normaliser(text)
    return found, concepts(found), tuple(words(found))


def _text(one: Item) -> str:
    return one[0]


def _tags(one: Item) -> list[str]:
    return list(one[1])


def _words(one: Item) -> list[str]:
    return list(one[2])


def _word_pairs(one: Item) -> list[str]:
    return list(one[2]) + [f"{a}_{b}" for a, b in zip(one[2], one[2][1:], strict=False)]


def _stem(word: str) -> str:
    word = word.replace("'", "")
    for ending in ("ations", "ation", "ments", "ment", "ings", "ing", "ed", "ies", "es", "ly", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)] + ("y" if ending == "ies" else "")
    return word


def _english(one: Item) -> list[str]:
    return [_stem(word) for word in _ENGLISH.findall(one[0])]


def _last_sentence(one: Item) -> list[str]:
    parts = [part.strip() for part in _SENTENCES.split(one[0]) if part.strip()]
    if len(parts) < 2:
        return []
    return ["L:" + tag for tag in concepts(parts[-1])] + ["W:" + word for word in words(parts[-1])]


class Averaged(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """The mean of its members' probabilities."""

    def __init__(self, members: tuple[str, ...] = ("lr", "nb")) -> None:
        self.members = members

    def fit(self, x: Any, y: Any) -> Averaged:
        self.fitted_ = [classifier(one).fit(x, y) for one in self.members]
        self.classes_ = self.fitted_[0].classes_
        return self

    def predict_proba(self, x: Any) -> Any:
        return np.mean([one.predict_proba(x) for one in self.fitted_], axis=0)

    def predict(self, x: Any) -> Any:
        return self.classes_[self.predict_proba(x).argmax(axis=1)]


def classifier(kind: str) -> Any:
    if kind == "lr":
        return LogisticRegression(C=20.0, solver="saga", tol=1e-3, max_iter=1_000, random_state=model.SEED)
    if kind == "lr5":
        return LogisticRegression(C=5.0, solver="saga", tol=1e-3, max_iter=1_000, random_state=model.SEED)
    if kind == "svm":
        return CalibratedClassifierCV(LinearSVC(C=1.0, random_state=model.SEED), method="sigmoid", cv=3)
    if kind == "nb":
        return ComplementNB(alpha=0.3)
    return Averaged(tuple(kind.split("+")))


def build(
    *,
    chars: tuple[int, int] = (1, 3),
    char_kind: str = "char",
    pairs: bool = False,
    tags: float = 0.5,
    tag_norm: str | None = "l2",
    english: float = 0.0,
    last: float = 0.0,
    kind: str = "lr",
) -> Pipeline:
    parts: list[tuple[str, Any]] = [
        (
            "chars",
            TfidfVectorizer(analyzer=char_kind, preprocessor=_text, ngram_range=chars, sublinear_tf=True),
        ),
        ("words", TfidfVectorizer(analyzer=_word_pairs if pairs else _words, sublinear_tf=True)),
    ]
    weights = {}
    if tags:
        parts.append(("tags", TfidfVectorizer(analyzer=_tags, use_idf=False, norm=tag_norm)))
        weights["tags"] = tags
    if english:
        parts.append(("english", TfidfVectorizer(analyzer=_english, sublinear_tf=True)))
        weights["english"] = english
    if last:
        parts.append(("last", TfidfVectorizer(analyzer=_last_sentence, sublinear_tf=True)))
        weights["last"] = last
    union = FeatureUnion(parts, transformer_weights=weights or None)
    return Pipeline([("features", union), ("classifier", classifier(kind))])


# (name, normalisation, options)
METHODS: tuple[tuple[str, Callable[[str], str], dict[str, Any]], ...] = (
    ("before: words + chars 1-3, LR", split_key, {"tags": 0.0}),
    ("before: + concepts, LR (0.867)", split_key, {}),
    ("normalised: words + chars 1-3, LR", normalise, {"tags": 0.0}),
    ("normalised: + concepts, LR (chosen)", normalise, {}),
    ("  chars 1-4", normalise, {"chars": (1, 4)}),
    ("  chars 1-4 within words", normalise, {"chars": (1, 4), "char_kind": "char_wb"}),
    ("  word bigrams", normalise, {"pairs": True}),
    ("  English stemmed words block", normalise, {"english": 1.0}),
    ("  last sentence block 0.3", normalise, {"last": 0.3}),
    ("  concepts unnormalised 0.3", normalise, {"tags": 0.3, "tag_norm": None}),
    ("  LR C=5", normalise, {"kind": "lr5"}),
    ("  calibrated linear SVM", normalise, {"kind": "svm"}),
    ("  LR + ComplementNB averaged", normalise, {"kind": "lr+nb"}),
    ("  LR + SVM + ComplementNB averaged", normalise, {"kind": "lr+svm+nb"}),
)


def cross_validated(items: list[Item], labels: Any, options: dict[str, Any], repeats: int) -> Any:
    scores, right = [], np.zeros(len(labels))
    for repeat in range(repeats):
        folds = StratifiedKFold(model.FOLDS, shuffle=True, random_state=model.SEED + repeat)
        guessed = np.empty(len(labels), dtype=object)
        for fit, held in folds.split(np.zeros(len(labels)), labels):
            trained = build(**options).fit([items[k] for k in fit], labels[fit])
            guessed[held] = trained.predict([items[k] for k in held])
        scores.append((accuracy_score(labels, guessed), f1_score(labels, guessed, average="macro")))
        right += (guessed == labels) / repeats
    return np.array(scores), right


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    questions = model.load_questions()
    train, _ = model.split(questions)  # the held-out part is not used
    earlier = {one.text for one in questions[:EARLIER]}
    labels = np.array([one.intent for one in train])
    english = np.array([one.lang == "en" for one in train])
    fit, dev = next(
        StratifiedKFold(5, shuffle=True, random_state=DEV_SEED).split(np.zeros(len(train)), labels)
    )
    fresh = np.array([train[k].text not in earlier for k in dev])
    print(
        f"training part {len(train)} questions ({english.sum()} English); development fold {len(dev)} "
        f"({fresh.sum()} added after row {EARLIER}); {args.repeats} x {model.FOLDS}-fold cross-validation"
    )
    print(
        f"{'method':38} {'accuracy':>15} {'macro-F1':>8} {'English':>7} {'dev':>6} {'fresh':>6} {'train':>6}"
    )
    for name, normaliser, options in METHODS:
        items = [item(one.text, normaliser) for one in train]
        scores, right = cross_validated(items, labels, options, args.repeats)
        trained = build(**options).fit([items[k] for k in fit], labels[fit])
        on_dev = trained.predict([items[k] for k in dev]) == labels[dev]
        started = time.perf_counter()
        build(**options).fit(items, labels)
        seconds = time.perf_counter() - started
        accuracy = f"{scores[:, 0].mean():.3f} ± {scores[:, 0].std():.3f}"
        print(
            f"{name:38} {accuracy:>15} {scores[:, 1].mean():8.3f} {right[english].mean():7.3f} "
            f"{on_dev.mean():6.3f} {on_dev[fresh].mean():6.3f} {seconds:5.2f}s",
            flush=True,
        )


if __name__ == "__main__":
    main()
