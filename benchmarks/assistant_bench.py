"""Assistant benchmark: the intent classifier's quality on the held-out part of the labelled questions,
the methods compared on the training part, the confidence threshold, and the answer time.

    flock /tmp/notes/bench.lock .venv/bin/python benchmarks/assistant_bench.py

1. The labelled questions (``--questions``, default the shipped TSV), repeats of a normalised text
   removed, split stratified by intent with the fixed seed (``model.SEED``): ``model.HELD_OUT`` held out.
2. On the training part only: 5-fold cross-validated accuracy and macro-F1 of each method in
   ``model.METHODS``, and the threshold ``model.choose_threshold`` picks from the chosen method's
   out-of-fold confidences over ``model.THRESHOLD_REPEATS`` fold assignments (the lowest at which
   ``model.TARGET``, 95%, of the answers given alone are right). ``benchmarks/assistant_methods.py``
   compares more methods, also on the training part only.
3. The chosen method (``model.DEFAULT_METHOD``) trained on the training part (timed) and tested once on
   the held-out part: accuracy, macro-F1, F1 per intent, accuracy per style, per language and per origin
   (in the training or the held-out part of the first ``EARLIER`` rows, split the same way, or added
   after them: the lexicon was written from the errors of the first, the second was scored before),
   the most confused pairs, and what the threshold (``model.THRESHOLD``, and the service's if it
   differs) hands over there.
4. The held-out file (``model.HELDOUT``, ``--heldout``): questions written after every choice by a
   writer who read only the articles, never trained on; those repeating a labelled question after
   normalisation are left out, the rest scored once by the shipped classifier (trained on every
   labelled question): accuracy with its 95% (Wilson) interval, macro-F1, per intent, style, language.
5. Answer time: ``service.ask`` (check, language, normalisation, words, model, composition) over
   ``--answers`` questions in turn, one at a time; the first call (jieba's dictionary, the model's first
   use) is excluded and timed apart. Also the time a fresh process takes to its first answer (imports,
   training on every question, one answer).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score

from arrears.assistant import knowledge, model, service
from arrears.assistant.model import Classifier, Prediction, Question
from arrears.assistant.text import normalise


def _header(title: str) -> None:
    print(f"\n== {title}")


EARLIER = 674  # rows of the labelled set before the 640 questions added on 2026-12-06


def compare(train: list[Question], folds: int) -> float:
    """Each method's cross-validated figures on the training part; the chosen method's threshold."""
    _header(f"methods, {folds}-fold cross-validation on the training part ({len(train)} questions)")
    for method in model.METHODS:
        started = time.perf_counter()
        found = model.cross_validate(train, method, folds=folds)
        seconds = time.perf_counter() - started
        mark = "  <- chosen" if method == model.DEFAULT_METHOD else ""
        figures = f"accuracy {found.accuracy:.3f}  macro-F1 {found.macro_f1:.3f}"
        print(f"{method:26} {figures}  ({seconds:.1f} s){mark}")
    repeats = model.THRESHOLD_REPEATS
    chosen = model.cross_validate(train, folds=folds, repeats=repeats)
    threshold = model.choose_threshold(chosen.confidences, chosen.correct)
    answered = [right for c, right in zip(chosen.confidences, chosen.correct, strict=True) if c >= threshold]
    print(
        f"threshold from the out-of-fold confidences of {repeats} x {folds} folds: {threshold:.2f} "
        f"(answered alone {len(answered) / len(chosen.correct):.1%}, right "
        f"{sum(answered) / max(len(answered), 1):.1%}); model.THRESHOLD {model.THRESHOLD:.2f}, "
        f"service.DEFAULT_THRESHOLD {service.DEFAULT_THRESHOLD:.2f}"
    )
    return threshold


def _by(groups: dict[str, list[bool]]) -> str:
    return ", ".join(f"{name} {sum(v) / len(v):.3f} ({len(v)})" for name, v in groups.items() if v)


def origins(questions: list[Question]) -> dict[str, str]:
    """Each question's origin: in the training or the held-out part of the first ``EARLIER`` rows (split
    as ``model.split`` splits them), else added after them."""
    train, test = model.split(questions[:EARLIER])
    found = {one.text: "earlier training part" for one in train}
    return found | {one.text: "earlier held-out part" for one in test}


def held_out(classifier: Classifier, test: list[Question], origin: dict[str, str]) -> None:
    _header(f"held-out part ({len(test)} questions), tested once")
    predictions = classifier.predict_many([one.text for one in test])
    truth = [one.intent for one in test]
    guessed = [one.intent for one in predictions]
    macro = f1_score(truth, guessed, average="macro")
    print(f"accuracy {accuracy_score(truth, guessed):.3f}  macro-F1 {macro:.3f}")
    right = [t == g for t, g in zip(truth, guessed, strict=True)]
    styles, langs = _by_style_and_language(test, right)
    where: dict[str, list[bool]] = {"earlier training part": [], "earlier held-out part": [], "added": []}
    for one, ok in zip(test, right, strict=True):
        where[origin.get(one.text, "added")].append(ok)
    by_style = ", ".join(f"{s} {sum(v) / len(v):.2f} ({len(v)})" for s, v in sorted(styles.items()))
    _breakdown(
        truth,
        predictions,
        [
            f"accuracy per style: {by_style}",
            f"accuracy per language: {_by(langs)}",
            f"accuracy per origin: {_by(where)}",
        ],
    )


def heldout_file(questions: list[Question], path: Path) -> None:
    """The questions of ``path`` (``model.HELDOUT``), scored once by the shipped classifier (trained on
    every labelled question): those whose normalised text repeats a labelled question are counted apart,
    the figure is on the others."""
    held = model.load_questions(path)
    known = {normalise(one.text) for one in questions}
    novel = [one for one in held if normalise(one.text) not in known]
    _header(
        f"the held-out file {path.name}: {len(held)} questions, {len(held) - len(novel)} repeating a "
        f"labelled question after normalisation (left out), {len(novel)} scored once by the shipped "
        "classifier"
    )
    classifier = Classifier.train(model.unique(questions))
    predictions = classifier.predict_many([one.text for one in novel])
    truth, guessed = [one.intent for one in novel], [one.intent for one in predictions]
    right = [t == g for t, g in zip(truth, guessed, strict=True)]
    share = sum(right) / len(right)
    low, high = _wilson(sum(right), len(right))
    print(
        f"accuracy {share:.3f} (95% interval {low:.3f} to {high:.3f})  "
        f"macro-F1 {f1_score(truth, guessed, average='macro'):.3f}"
    )
    whole = classifier.predict_many([one.text for one in held])
    kept = sum(one.intent == p.intent for one, p in zip(held, whole, strict=True))
    print(f"with the repeats: {kept / len(held):.3f}")
    styles, langs = _by_style_and_language(novel, right)
    _breakdown(
        truth,
        predictions,
        ["accuracy per style: " + _by(dict(sorted(styles.items()))), f"accuracy per language: {_by(langs)}"],
    )


def _by_style_and_language(
    questions: list[Question], right: list[bool]
) -> tuple[dict[str, list[bool]], dict[str, list[bool]]]:
    """Whether each question was classified right, grouped by style (in order of appearance) and by
    language."""
    styles: dict[str, list[bool]] = {}
    langs: dict[str, list[bool]] = {"zh": [], "en": []}
    for one, ok in zip(questions, right, strict=True):
        styles.setdefault(one.style, []).append(ok)
        langs[one.lang].append(ok)
    return styles, langs


def _breakdown(truth: list[str], predictions: list[Prediction], accuracy_lines: list[str]) -> None:
    """The figures both tests print: F1 per intent, then ``accuracy_lines``, the most confused pairs, and
    what each threshold (``model.THRESHOLD``, the service's if it differs) answers alone and hands over."""
    guessed = [one.intent for one in predictions]
    scores = f1_score(truth, guessed, average=None, labels=list(model.INTENTS))
    print("F1 per intent: " + ", ".join(f"{i} {s:.2f}" for i, s in zip(model.INTENTS, scores, strict=True)))
    for line in accuracy_lines:
        print(line)
    pairs = Counter((t, g) for t, g in zip(truth, guessed, strict=True) if t != g)
    print(
        "most confused (true -> predicted): "
        + (", ".join(f"{t} -> {g} {n}" for (t, g), n in pairs.most_common(6)) or "none")
    )
    for threshold in sorted({model.THRESHOLD, service.DEFAULT_THRESHOLD}):
        answered = [
            t == p.intent for t, p in zip(truth, predictions, strict=True) if p.confidence >= threshold
        ]
        print(
            f"at the threshold {threshold:.2f}: answered alone {len(answered) / len(truth):.1%}, "
            f"right {sum(answered) / max(len(answered), 1):.1%}; the rest handed over (unsure)"
        )


def _wilson(right: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a share."""
    share = right / total
    centre = (share + z * z / (2 * total)) / (1 + z * z / total)
    half = z * ((share * (1 - share) / total + z * z / (4 * total * total)) ** 0.5) / (1 + z * z / total)
    return centre - half, centre + half


def answer_times(classifier: Classifier, questions: list[Question], count: int, kb: Path | None) -> None:
    base = knowledge.shipped(kb) if kb else knowledge.shipped()
    texts = [one.text for one in questions]
    started = time.perf_counter()
    service.ask(texts[0], classifier=classifier, kb=base)
    first = time.perf_counter() - started
    times = []
    for k in range(count):
        started = time.perf_counter()
        service.ask(texts[(k + 1) % len(texts)], classifier=classifier, kb=base)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p50, p95, p99 = (times[int(q * (len(times) - 1))] for q in (0.5, 0.95, 0.99))
    _header(f"answer time, {count} answers one at a time (first call excluded: {first * 1000:.0f} ms)")
    mean = statistics.mean(times)
    print(f"p50 {p50:.2f} ms  p95 {p95:.2f} ms  p99 {p99:.2f} ms  max {times[-1]:.2f} ms  mean {mean:.2f} ms")


def fresh_process(questions: Path, kb: Path | None) -> None:
    code = (
        "import time; t = time.perf_counter()\n"
        "from pathlib import Path\n"
        "from arrears.assistant import knowledge, model, service\n"
        f"c = model.shipped(Path({str(questions)!r}))\n"
        f"kb = knowledge.shipped(Path({str(kb)!r})) if {kb is not None} else knowledge.shipped()\n"
        "service.ask('我现在欠多少钱', classifier=c, kb=kb)\n"
        "print(f'{time.perf_counter() - t:.2f}')\n"
    )
    seconds = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    print(f"a fresh process to its first answer (imports, training on every question): {seconds.strip()} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=Path, default=model.DATA)
    parser.add_argument("--heldout", type=Path, default=model.HELDOUT)
    parser.add_argument("--kb", type=Path, default=None, help="default: the shipped knowledge base")
    parser.add_argument("--answers", type=int, default=2_000)
    parser.add_argument("--folds", type=int, default=model.FOLDS)
    args = parser.parse_args()
    questions = model.load_questions(args.questions)
    train, test = model.split(questions)
    distinct = len(model.unique(questions))
    print(
        f"{len(questions)} questions ({distinct} distinct), {len(model.INTENTS)} intents; training part "
        f"{len(train)}, held-out {len(test)} (seed {model.SEED}); {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print("styles: " + ", ".join(f"{s} {n}" for s, n in sorted(Counter(q.style for q in questions).items())))
    compare(train, args.folds)
    started = time.perf_counter()
    classifier = Classifier.train(train)
    print(f"\ntraining the chosen method on the training part: {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    Classifier.train(model.unique(questions))
    print(f"training it on every question (as shipped): {time.perf_counter() - started:.2f} s")
    held_out(classifier, test, origins(questions))
    heldout_file(questions, args.heldout)
    answer_times(classifier, test + train, args.answers, args.kb)
    fresh_process(args.questions, args.kb)


if __name__ == "__main__":
    main()
