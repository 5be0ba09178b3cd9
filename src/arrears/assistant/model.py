"""The intent classifier: the labelled questions, the split, the methods compared, training and
prediction. Offline, CPU only, deterministic (fixed seeds).

The chosen method (``DEFAULT_METHOD``): a question is normalised (``text.normalise``) and its concepts
tagged (``text.concepts``); the features are TF-IDF over jieba's words, TF-IDF over character 1- to
3-grams (robust to typing errors, same-sound characters and missing spaces) and the concepts' tags
(weighted ``CONCEPT_WEIGHT``); the classifier is a multinomial logistic regression, whose probability
of the predicted intent is the confidence the threshold is compared with.

The shipped classifier (``shipped``) is trained at first use in each process from every labelled
question in the package (``data/questions.tsv``); the benchmark measures the same method trained on the
training part only and tested on the held-out part (``split``: stratified by intent, ``HELD_OUT`` of the
questions, seed ``SEED``, repeats removed by the frozen ``text.split_key``), which no choice looks at.
Choices are made by cross-validation on the training part (``cross_validate``); ``THRESHOLD`` is
``choose_threshold`` over its pooled out-of-fold answers. See
docs/decisions/0024-assistant-intent-classifier.md.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from arrears.assistant.text import LANGS, concepts, normalise, split_key, words
from arrears.kit.errors import ArrearsError

INTENTS = (
    "balance", "due_date", "how_to_pay", "instalment", "deferral", "waiver", "hardship", "dispute",
    "complaint", "contact_preferences", "credit_report", "legal", "fraud", "human", "payment_missing",
    "other",
)  # fmt: skip
STYLES = ("plain", "colloquial", "typo", "homophone", "traditional", "english", "rambling", "mixed")
HEADER = ("intent", "style", "lang", "text")
DATA = Path(__file__).parent / "data" / "questions.tsv"
# Questions no choice has seen: written on 2026-12-06 after every choice of the method, by a writer who
# read only the articles (never the labelled questions, the lexicon or the code), and scored once by
# benchmarks/assistant_bench.py with the shipped classifier. Never trained on, never read to improve.
HELDOUT = DATA.with_name("heldout.tsv")
SEED = 20261206
HELD_OUT = 0.2
FOLDS = 5
DEFAULT_METHOD = "words+chars+concepts+lr"
TARGET = 0.95  # the share of the answers given alone that must be right (the threshold's rule)
THRESHOLD_REPEATS = 3  # fold assignments pooled for the threshold (one alone moves it by up to 0.05)
# The confidence below which the assistant hands over: ``choose_threshold`` over the out-of-fold answers
# of ``THRESHOLD_REPEATS`` x ``FOLDS``-fold cross-validation of ``DEFAULT_METHOD`` on the training part
# (recompute it when the questions or the method change; a test checks it).
THRESHOLD = 0.41
CONCEPT_WEIGHT = 0.5  # the concepts' block against the words' and the characters' (each 1)


class InvalidQuestions(ArrearsError):
    """The labelled questions' file cannot be read as the format says."""


@dataclass(frozen=True, slots=True)
class Question:
    intent: str
    style: str
    lang: str
    text: str


@dataclass(frozen=True, slots=True)
class Prediction:
    intent: str
    confidence: float  # the model's probability of ``intent``
    ranked: tuple[tuple[str, float], ...]  # the three likeliest intents with their probabilities


def _row(number: int, row: list[str]) -> tuple[Question | None, str | None]:
    if len(row) != len(HEADER):
        return None, f"line {number}: {len(row)} fields, expected {len(HEADER)}"
    intent, style, lang, text = (value.strip() for value in row)
    if intent not in INTENTS:
        return None, f"line {number}: unknown intent {intent!r}"
    if style not in STYLES:
        return None, f"line {number}: unknown style {style!r}"
    if lang not in LANGS:
        return None, f"line {number}: unknown language {lang!r}"
    if not text:
        return None, f"line {number}: no text"
    return Question(intent, style, lang, text), None


def load_questions(path: Path = DATA) -> list[Question]:
    """The labelled questions (a UTF-8 TSV with the header ``intent style lang text``);
    InvalidQuestions listing every bad line."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidQuestions(f"{path}: {error}", f"{path}：无法读取（{error}）") from None
    if not rows or tuple(rows[0]) != HEADER:
        raise InvalidQuestions(f"{path}: the header must be {' '.join(HEADER)}", f"{path}：表头应为 {HEADER}")
    found, problems = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        question, problem = _row(number, row)
        found.append(question) if question else problems.append(problem)
    missing = sorted(set(INTENTS) - {one.intent for one in found})
    if missing:
        problems.append(f"no question for {', '.join(missing)}")
    if problems:
        listed = "; ".join(str(one) for one in problems[:10])
        raise InvalidQuestions(f"{path}: {listed}", f"{path}：{listed}")
    return found


def unique(
    questions: Sequence[Question], key: Callable[[str], str] = normalise, *, besides: Iterable[str] = ()
) -> list[Question]:
    """The questions without repeats of a ``key`` (default: the normalised text; the first kept), and
    without those whose key is in ``besides``."""
    seen = set(besides)
    found = []
    for question in questions:
        found_key = key(question.text)
        if found_key not in seen:
            seen.add(found_key)
            found.append(question)
    return found


def split(
    questions: Sequence[Question], *, seed: int = SEED, held_out: float = HELD_OUT
) -> tuple[list[Question], list[Question]]:
    """(training part, held-out part): repeats of ``text.split_key`` removed, then stratified by intent.
    The key is frozen so that a better normalisation or lexicon never moves a question between the
    parts; the training part then loses the repeats of today's normalised texts, its own and the held-out
    part's, so that no question is in both."""
    from sklearn.model_selection import train_test_split

    kept = unique(questions, split_key)
    train, test = train_test_split(
        kept, test_size=held_out, random_state=seed, stratify=[one.intent for one in kept]
    )
    return unique(train, besides={normalise(one.text) for one in test}), list(test)


ModelInput = tuple[str, tuple[str, ...]]  # the normalised text, the tags of the concepts it names


def model_input(text: str) -> ModelInput:
    """What the features are computed from."""
    normalised = normalise(text)
    return normalised, concepts(normalised)


def _text_of(item: ModelInput) -> str:
    return item[0]


def _words_of(item: ModelInput) -> list[str]:
    return words(item[0])


def _tags_of(item: ModelInput) -> list[str]:
    return list(item[1])


def _features(*, with_words: bool = True, with_concepts: bool = True) -> Any:
    """TF-IDF over jieba's words, over character 1- to 3-grams, and (weighted down) the concepts' tags."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    parts: list[tuple[str, Any]] = [
        (
            "chars",
            TfidfVectorizer(analyzer="char", preprocessor=_text_of, ngram_range=(1, 3), sublinear_tf=True),
        )
    ]
    if with_words:
        parts.append(("words", TfidfVectorizer(analyzer=_words_of, sublinear_tf=True)))
    if with_concepts:
        parts.append(("concepts", TfidfVectorizer(analyzer=_tags_of, use_idf=False)))
    weights = {"concepts": CONCEPT_WEIGHT} if with_concepts else None
    return FeatureUnion(parts, transformer_weights=weights)


def _logistic() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=20.0, solver="saga", tol=1e-3, max_iter=1_000, random_state=SEED)


def _calibrated_svm() -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    return CalibratedClassifierCV(LinearSVC(C=1.0, random_state=SEED), method="sigmoid", cv=3)


METHODS: dict[str, Callable[[], tuple[Any, Any]]] = {
    "words+chars+lr": lambda: (_features(with_concepts=False), _logistic()),
    "words+chars+concepts+lr": lambda: (_features(), _logistic()),
    "words+chars+concepts+svm": lambda: (_features(), _calibrated_svm()),
}


def pipeline(method: str = DEFAULT_METHOD) -> Any:
    """An untrained scikit-learn pipeline of ``method`` over ``model_input``s."""
    from sklearn.pipeline import Pipeline

    features, classifier = METHODS[method]()
    return Pipeline([("features", features), ("classifier", classifier)])


class Classifier:
    """A trained pipeline; ``predict`` takes the question as the cardholder wrote it."""

    def __init__(self, trained: Any, method: str) -> None:
        self._pipeline = trained
        self.method = method
        self.intents: tuple[str, ...] = tuple(str(one) for one in trained.classes_)

    @classmethod
    def train(cls, questions: Sequence[Question], method: str = DEFAULT_METHOD) -> Classifier:
        texts = [model_input(one.text) for one in questions]
        return cls(pipeline(method).fit(texts, [one.intent for one in questions]), method)

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        rows = self._pipeline.predict_proba([model_input(text) for text in texts])
        return [self._prediction([float(p) for p in row]) for row in rows]

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def _prediction(self, probabilities: list[float]) -> Prediction:
        ranked = sorted(zip(self.intents, probabilities, strict=True), key=lambda pair: -pair[1])
        return Prediction(ranked[0][0], ranked[0][1], tuple(ranked[:3]))


_TRAINING = threading.Lock()


@lru_cache(maxsize=4)
def _trained(path: Path, method: str) -> Classifier:
    return Classifier.train(unique(load_questions(path)), method)


def shipped(path: Path = DATA, method: str = DEFAULT_METHOD) -> Classifier:
    """The classifier trained on every labelled question of ``path``, once per process."""
    with _TRAINING:  # two first questions at once train once
        return _trained(path.resolve(), method)


# --- choices made on the training part only -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CrossValidated:
    method: str
    accuracy: float  # the mean over the repeats
    macro_f1: float
    confidences: tuple[float, ...]  # each out-of-fold answer's confidence in its predicted intent
    correct: tuple[bool, ...]  # whether that answer was right (the repeats one after another)


def cross_validate(
    questions: Sequence[Question],
    method: str = DEFAULT_METHOD,
    *,
    folds: int = FOLDS,
    seed: int = SEED,
    repeats: int = 1,
) -> CrossValidated:
    """Out-of-fold predictions of ``method`` over ``questions`` (stratified folds), ``repeats`` times with
    the folds drawn by ``seed``, ``seed + 1``..."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    texts = [model_input(one.text) for one in questions]
    labels = [one.intent for one in questions]
    classes = sorted(set(labels))
    accuracy, macro_f1, confidences, correct = 0.0, 0.0, [], []
    for repeat in range(repeats):
        chosen = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed + repeat)
        found = cross_val_predict(pipeline(method), texts, labels, cv=chosen, method="predict_proba")
        predicted = [classes[int(row.argmax())] for row in found]
        accuracy += float(accuracy_score(labels, predicted)) / repeats
        macro_f1 += float(f1_score(labels, predicted, average="macro")) / repeats
        confidences += [float(row.max()) for row in found]
        correct += [p == label for p, label in zip(predicted, labels, strict=True)]
    return CrossValidated(method, accuracy, macro_f1, tuple(confidences), tuple(correct))


def choose_threshold(
    confidences: Sequence[float], correct: Sequence[bool], *, target: float = TARGET, step: float = 0.01
) -> float:
    """The lowest confidence threshold (a multiple of ``step``) at which the answers given alone (those
    at or above it) are right at least ``target`` of the time; 1.0 when none is."""
    pairs = list(zip(confidences, correct, strict=True))
    for k in range(round(1 / step) + 1):
        threshold = round(k * step, 6)
        answered = [right for confidence, right in pairs if confidence >= threshold]
        if answered and sum(answered) / len(answered) >= target:
            return threshold
    return 1.0
