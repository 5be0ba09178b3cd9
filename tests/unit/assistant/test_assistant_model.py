"""The labelled questions, the split, the classifier and the threshold's rule. The shipped classifier is
trained once per test process (the module's cache)."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from arrears.assistant import model
from arrears.assistant.model import Classifier, InvalidQuestions, Question, choose_threshold

FIXTURES = Path(__file__).parent / "fixtures"
SHIPPED_TEXTS = {one.text for one in model.load_questions()}


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return model.shipped()


def test_the_shipped_questions_cover_every_intent_and_style() -> None:
    questions = model.load_questions()
    per_intent = Counter(one.intent for one in questions)
    assert set(per_intent) == set(model.INTENTS) and min(per_intent.values()) >= 25
    assert len(questions) >= 400
    assert set(model.STYLES) <= {one.style for one in questions}


def test_a_bad_questions_file_is_refused_naming_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "q.tsv"
    rows = [
        "intent\tstyle\tlang\ttext",
        "balance\tplain\tzh\t我欠多少",
        "refund\tplain\tzh\t退款",
        "balance\tpoetic\tzh\t欠",
        "balance\tplain\tfr\tcombien",
        "balance\tplain\tzh",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InvalidQuestions) as refused:
        model.load_questions(path)
    message = refused.value.message_en
    for expected in (
        "line 3: unknown intent 'refund'",
        "line 4: unknown style 'poetic'",
        "line 5: unknown language 'fr'",
        "line 6: 3 fields",
        "no question for complaint",
    ):
        assert expected in message
    path.write_text("text\tintent\n", encoding="utf-8")
    with pytest.raises(InvalidQuestions, match="the header must be"):
        model.load_questions(path)


def _fingerprint(questions: list[Question]) -> str:
    return hashlib.sha256("\n".join(f"{q.intent}\t{q.text}" for q in questions).encode()).hexdigest()[:16]


def test_the_held_out_part_is_the_one_drawn_on_2026_12_06() -> None:
    """The split must not move when the normalisation, the lexicon or the method changes: the held-out
    part is the one every figure in docs/assistant.md was measured on (its questions are never read)."""
    train, test = model.split(model.load_questions())
    assert (len(train), len(test)) == (1411, 356)  # 1,794 questions since the 480 added on 2026-12-06
    assert _fingerprint(test) == "4625512f98859d49"


def test_the_split_is_fixed_stratified_and_disjoint() -> None:
    questions = model.load_questions()
    train, test = model.split(questions)
    assert [q.text for q in model.split(questions)[1]] == [q.text for q in test]  # the fixed seed
    assert [q.text for q in model.split(questions, seed=7)[1]] != [q.text for q in test]
    assert 0.18 <= len(test) / (len(train) + len(test)) <= 0.22
    normalised = {model.normalise(q.text) for q in train}
    assert not any(model.normalise(q.text) in normalised for q in test)  # no repeat across the parts
    assert len(normalised) == len(train)  # nor within the training part
    per_intent = Counter(q.intent for q in test)
    assert set(per_intent) == set(model.INTENTS) and max(per_intent.values()) - min(per_intent.values()) <= 1


def test_repeats_of_a_normalised_text_are_dropped() -> None:
    questions = [
        Question("balance", "plain", "zh", "我欠多少錢"),
        Question("balance", "traditional", "zh", "我欠多少钱"),
    ]
    assert model.unique(questions) == questions[:1]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("你们崔收员天天半夜打电化骚扰我", "complaint"),  # same-sound misspellings
        ("环款可以用支付宝吗", "how_to_pay"),
        ("我想言期几天再还", "deferral"),
        ("信用咔被到刷了，不是我消费的", "fraud"),
        ("我的帐单还款日是几号啊", "due_date"),  # typing variant
        ("我已經把錢還清了，為什麼還有人打電話催我", "payment_missing"),  # traditional
        ("請問可以分期還款嗎", "instalment"),
        ("會不會影響我的徵信記錄", "credit_report"),
        ("How much do I owe you in total?", "balance"),  # English
        ("Will the bank take me to court?", "legal"),
        ("I lost my job last month and I have no income at all", "hardship"),
        ("I need to speak to a real person please", "human"),
        ("我想申请txgz，需要什么材料", "instalment"),  # pinyin shorthand
        ("呢個月幾時要還錢", "due_date"),  # written Cantonese
        ("我想fenqi还款，可以吗", "instalment"),  # pinyin word
        ("I paid yesterday but the paymnet still not showing", "payment_missing"),  # English typing error
    ],
)
def test_questions_written_in_many_ways_are_understood(
    classifier: Classifier, text: str, intent: str
) -> None:
    assert text not in SHIPPED_TEXTS  # not one the model was trained on
    found = classifier.predict(text)
    assert found.intent == intent, found.ranked
    assert found.confidence == found.ranked[0][1] >= found.ranked[1][1]


def test_training_is_deterministic() -> None:
    questions = model.load_questions(FIXTURES / "questions.tsv")
    first = Classifier.train(questions).predict_many(["我欠多少钱", "can I pay later"])
    second = Classifier.train(questions).predict_many(["我欠多少钱", "can I pay later"])
    assert first == second


def test_the_shipped_classifier_is_trained_once_per_process() -> None:
    assert model.shipped() is model.shipped()
    assert model.shipped(FIXTURES / "questions.tsv") is not model.shipped()


def test_the_threshold_is_the_lowest_that_meets_the_target() -> None:
    confidences = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
    correct = [True, True, True, True, False, True, False, False]
    assert choose_threshold(confidences, correct, target=0.8) == 0.31  # 5 of 6 right at 0.31
    assert choose_threshold(confidences, correct, target=0.95) == 0.51  # all 4 right from 0.51
    assert choose_threshold(confidences, correct, target=0.6) == 0.0
    assert choose_threshold([0.9], [False], target=0.5) == 1.0  # none: hand everything over


def test_cross_validation_pools_its_repeats() -> None:
    questions = model.load_questions(FIXTURES / "questions.tsv")
    once = model.cross_validate(questions, folds=3)
    twice = model.cross_validate(questions, folds=3, repeats=2)
    assert len(twice.confidences) == len(twice.correct) == 2 * len(questions)
    assert twice.confidences[: len(questions)] == once.confidences  # the first repeat is the seed's
    assert 0.0 < twice.accuracy <= 1.0 and 0.0 < twice.macro_f1 <= 1.0


def test_the_threshold_is_the_one_cross_validation_chooses() -> None:
    """Recompute ``model.THRESHOLD`` when the questions or the method change."""
    train, _ = model.split(model.load_questions())
    found = model.cross_validate(train, repeats=model.THRESHOLD_REPEATS)
    assert choose_threshold(found.confidences, found.correct) == model.THRESHOLD


def test_the_held_out_file_is_the_one_written_after_every_choice_and_never_trained_on() -> None:
    """``model.HELDOUT``: 20 questions per intent, scored once (docs/assistant.md); its questions are
    never read to improve the method, and the shipped classifier trains on ``model.DATA`` alone."""
    held = model.load_questions(model.HELDOUT)
    assert len(held) == 320 and set(Counter(q.intent for q in held).values()) == {20}
    assert _fingerprint(held) == "f06747eaeb43389c"
    assert model.HELDOUT != model.DATA and model.shipped.__defaults__ == (model.DATA, model.DEFAULT_METHOD)
