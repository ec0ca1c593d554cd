"""How well the safety screen does, per level, for each layer alone and for the whole screen.

    python scripts/safety_eval.py            # on the frozen held-out sets (make eval-safety)
    python scripts/safety_eval.py --cv 5     # cross-validation on the training data only:
                                             # what the thresholds are chosen with
    python scripts/safety_eval.py --cv-long 5   # whether messages of many sentences, read
                                                # sentence by sentence, need a bar of their own

The classifier is trained here exactly as `make train` trains it (bring_it_up/semantic.py `fit` on
data/safety/*.yml and the benign NLU examples); the held-out sets (tests/safety_heldout.yml,
tests/safety_heldout_long.yml) were written apart from that data and are never trained on.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bring_it_up import semantic  # noqa: E402
from bring_it_up.safety import assess  # noqa: E402
from bring_it_up.screening import screen_text, sentences_of  # noqa: E402
from bring_it_up.text import pieces  # noqa: E402

# Short messages, long answers with the risk somewhere inside, and a third set of both written
# blind on 2026-12-02 before the fifth round of training data (each written apart).
HELD_OUT = (ROOT / "tests" / "safety_heldout.yml", ROOT / "tests" / "safety_heldout_long.yml",
            ROOT / "tests" / "safety_heldout_v3.yml")
LEVELS = ("crisis", "check_in", "ethics", "none")


def counts(truth: list[str], predicted: list[str | None]) -> dict[str, str]:
    """Per level: recall as the client would meet it, and precision."""
    out: dict[str, str] = {}
    pairs = list(zip(truth, predicted, strict=True))
    crisis = [p for t, p in pairs if t == "crisis"]
    check_in = [p for t, p in pairs if t == "check_in"]
    ethics = [p for t, p in pairs if t == "ethics"]
    benign = [p for t, p in pairs if t == "none"]
    if crisis:
        out["crisis recall (crisis reply)"] = _share(sum(p == "crisis" for p in crisis), len(crisis))
        out["crisis recall (any safety reply)"] = _share(sum(p is not None for p in crisis), len(crisis))
    if check_in:
        out["check-in recall (check-in or crisis)"] = _share(
            sum(p in ("check_in", "crisis") for p in check_in), len(check_in))
    if ethics:
        out["misconduct recall (ethics reply)"] = _share(sum(p == "ethics" for p in ethics), len(ethics))
        out["misconduct recall (any safety reply)"] = _share(sum(p is not None for p in ethics), len(ethics))
    if benign:
        out["benign with any safety reply"] = _share(sum(p is not None for p in benign), len(benign))
    for level in ("crisis", "check_in", "ethics"):
        said = [t for t, p in pairs if p == level]
        if said:
            right = sum(t == level or (level == "check_in" and t == "crisis") for t in said)
            out[f"precision of {level}"] = _share(right, len(said))
    return out


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f} ({part}/{whole})"


def held_out(path: Path = HELD_OUT[0]) -> tuple[list[str], list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts, labels = [], []
    for label in LEVELS:
        texts += data[label]
        labels += [label] * len(data[label])
    return texts, labels


def evaluate(texts: list[str], labels: list[str], model: semantic.SafetyModel,
             show: int = 0) -> None:
    def rules_alone(text: str) -> str | None:
        finding = assess(text).finding
        return finding.level if finding else None

    layers: dict[str, Callable[[str], str | None]] = {
        "rules alone": rules_alone,
        "encoder alone": lambda t: screen_text(t, model, use_rules=False).level,
        "whole screen": lambda t: screen_text(t, model).level,
    }
    for name, screen in layers.items():
        predicted = [screen(t) for t in texts]
        print(f"\n## {name}")
        for key, value in counts(labels, predicted).items():
            print(f"- {key}: {value}")
        if show and name == "whole screen":
            wrong = [(t, label, p) for t, label, p in zip(texts, labels, predicted, strict=True)
                     if not _right(label, p)]
            print(f"\n{len(wrong)} wrong:")
            for text, label, p in wrong[:show]:
                print(f"  [{label} -> {p}] {text}")


def _right(label: str, predicted: str | None) -> bool:
    if label == "none":
        return predicted is None
    if label == "check_in":
        return predicted in ("check_in", "crisis")
    return predicted == label


def _levels(probabilities: np.ndarray, crisis: float, check_in: float, ethics: float) -> np.ndarray:
    """semantic.level_of for many rows at once: an index of (crisis, check_in, ethics, none)."""
    level = np.full(len(probabilities), 3)
    level[probabilities[:, 2] >= ethics] = 2
    level[probabilities[:, 0] + probabilities[:, 1] >= check_in] = 1
    level[probabilities[:, 0] >= crisis] = 0
    return level


def _best(candidates: Iterable[tuple[Any, ...]], indices: Callable[..., np.ndarray],
          truth: np.ndarray, benign_at_most: float) -> tuple[Any, ...] | None:
    """The candidate bar that gets the most risk right (a crisis counts twice) while at most
    `benign_at_most` of benign messages get a safety reply."""
    weight = np.where(truth == 0, 2, 1)
    best: tuple[float, tuple[Any, ...]] | None = None
    for chosen in candidates:
        level = indices(*chosen)
        if (level[truth == 3] != 3).mean() > benign_at_most:
            continue
        right = (level == truth) | ((truth == 1) & (level == 0))
        score = float((weight * right)[truth != 3].sum())
        if best is None or score > best[0]:
            best = (score, chosen)
    return best[1] if best else None


def cross_validate(folds: int, show: int, benign_at_most: float) -> None:
    """Out-of-fold probabilities for every training message (each message whole), the rules
    beside them as in the server, and the thresholds that catch the most risk while at most
    `benign_at_most` of benign messages get a safety reply. This, and only this, is how the
    thresholds in content/safety_semantic.yml are chosen."""
    texts, labels = semantic.training_examples()
    print(f"{len(texts)} training messages; {folds}-fold cross-validation")
    prepared = [semantic.prepare(t) for t in texts]
    encoded = semantic.load_encoder().embed_many(prepared)
    rules = [assess(t) for t in texts]
    order = np.random.default_rng(7).permutation(len(texts))
    probabilities = np.zeros((len(texts), len(LEVELS)))
    for fold in range(folds):
        test = order[fold::folds]
        train = np.setdiff1d(order, test)
        model = semantic.fit([texts[i] for i in train], [labels[i] for i in train], encoded[train])
        probabilities[test] = model.probabilities([prepared[i] for i in test], encoded[test])

    names = ("crisis", "check_in", "ethics", None)
    calm = np.array([r.calm for r in rules])
    found = np.array([names.index(r.finding.level if r.finding else None) for r in rules])
    truth = np.array([names.index(label if label != "none" else None) for label in labels])

    def indices(crisis: float, check_in: float, ethics: float) -> np.ndarray:
        """Each message's level (an index of `names`), rules and the semantic layer together."""
        level = _levels(probabilities, crisis, check_in, ethics)
        level[calm] = 3
        return np.minimum(level, found)

    def levels(*chosen: float) -> list[str | None]:
        return [names[i] for i in indices(*chosen)]

    grid = np.arange(0.30, 0.99, 0.04)
    best = _best(((round(float(c), 2), round(float(k), 2), round(float(e), 2))
                  for c in grid for k in grid for e in grid), indices, truth, benign_at_most)
    thresholds = semantic.load_content("safety_semantic.yml")["thresholds"]
    configured = (thresholds["crisis"], thresholds["check_in"], thresholds["ethics"])
    for name, chosen in (("configured", configured), ("best found", best)):
        if chosen is None:
            continue
        print(f"\n## whole screen, out of fold, thresholds {name}: crisis {chosen[0]}, "
              f"check-in {chosen[1]}, misconduct {chosen[2]}")
        predicted = levels(*chosen)
        for key, value in counts(labels, predicted).items():
            print(f"- {key}: {value}")
    predicted = levels(*configured)
    wrong = [(texts[i], labels[i], predicted[i]) for i in range(len(texts))
             if not _right(labels[i], predicted[i])]
    for text, label, p in wrong[:show]:
        print(f"  [{label} -> {p}] {text}")


def cross_validate_long(folds: int, show: int, benign_caps: list[float], least: int = 3) -> None:
    """Whether messages of `least` or more sentences need a bar of their own, measured as the
    screen reads them: each such training message is split into its sentences,
    each sentence is scored by a classifier trained on the other folds (and checked against
    that classifier's nearest training messages), the message gets its worst sentence, and
    the rules read the whole message beside it. For each share of long benign messages
    allowed a safety reply, the bar that catches the most long risk."""
    config = semantic.load_content("safety_semantic.yml")
    texts, labels = semantic.training_examples()
    encoder = semantic.load_encoder()
    encoded = encoder.embed_many([semantic.prepare(t) for t in texts])
    long = [i for i, t in enumerate(texts) if len(pieces(semantic.prepare(t))) >= least]
    rules = {i: assess(texts[i]) for i in long}
    split = {i: sentences_of(texts[i], rules[i].calm) for i in long}
    flat = [s for i in long for s in split[i]]
    owner = np.array([n for n, i in enumerate(long) for _ in split[i]])
    vectors = encoder.embed_many(flat)
    print(f"{len(texts)} training messages, {len(long)} of {least} or more sentences "
          f"({len(flat)} sentences); {folds}-fold cross-validation")
    probabilities = np.zeros((len(flat), len(LEVELS)))
    neighbours = np.zeros((len(flat), 3), dtype=int)
    order = np.random.default_rng(7).permutation(len(texts))
    for fold in range(folds):
        test = order[fold::folds]
        rows = np.flatnonzero(np.isin(np.array(long)[owner], test))
        train = np.setdiff1d(order, test)
        model = semantic.fit([texts[i] for i in train], [labels[i] for i in train], encoded[train])
        probabilities[rows] = model.probabilities([flat[r] for r in rows], vectors[rows])
        for r in rows:
            counted = model.neighbours(vectors[r])
            neighbours[r] = [counted["crisis"], counted["check_in"], counted["ethics"]]

    names = ("crisis", "check_in", "ethics", None)
    found = np.array([names.index(finding.level if (finding := rules[i].finding) else None) for i in long])
    truth = np.array([names.index(labels[i] if labels[i] != "none" else None) for i in long])

    def indices(crisis: float, check_in: float, ethics: float, at_least: int) -> np.ndarray:
        """Each long message's level (an index of `names`), as semantic.settle gives it."""
        sentence = _levels(probabilities, crisis, check_in, ethics)
        agree = neighbours >= at_least
        sentence[(sentence == 2) & ~agree[:, 2]] = 3
        sentence[(sentence == 1) & ~agree[:, 1]] = 3
        weak_crisis = (sentence == 0) & ~agree[:, 0]
        sentence[weak_crisis] = np.where(agree[weak_crisis, 1], 1, 3)
        message = np.full(len(long), 3)
        np.minimum.at(message, owner, sentence)
        return np.minimum(message, found)

    def report(title: str, chosen: tuple[float, float, float, int]) -> None:
        print(f"\n## long messages, out of fold, {title}: crisis {chosen[0]}, check-in {chosen[1]}, "
              f"misconduct {chosen[2]}, neighbours at least {chosen[3]}")
        predicted = [names[i] for i in indices(*chosen)]
        for key, value in counts([labels[i] for i in long], predicted).items():
            print(f"- {key}: {value}")

    short = config["thresholds"]
    configured = (short["crisis"], short["check_in"], short["ethics"], config["agreement"]["at_least"])
    report("the bar of every message", configured)
    grid = [round(float(x), 2) for x in np.arange(0.50, 0.99, 0.04)]
    for cap in benign_caps:
        best = _best(((c, k, e, a) for a in (1, 2, 3, 4, 5) for c in grid for k in grid for e in grid),
                     indices, truth, cap)
        if best is not None:
            report(f"best with at most {cap:.0%} of long benign messages answered", best)
    predicted = [names[i] for i in indices(*configured)]
    wrong = [(texts[i], labels[i], predicted[n]) for n, i in enumerate(long)
             if not _right(labels[i], predicted[n])]
    for text, label, p in wrong[:show]:
        print(f"  [{label} -> {p}] {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cv", type=int, default=0, help="cross-validate on the training data")
    parser.add_argument("--show", type=int, default=0, help="list this many mistakes")
    parser.add_argument("--cv-long", type=int, default=0,
                        help="cross-validate a bar for messages of three or more sentences")
    parser.add_argument("--only", type=Path, help="evaluate this held-out set only")
    parser.add_argument("--benign", type=float, default=0.02,
                        help="with --cv: the share of benign messages allowed a safety reply")
    args = parser.parse_args()
    if args.cv_long:
        cross_validate_long(args.cv_long, args.show, [0.02, 0.05, 0.10])
        return
    if args.cv:
        cross_validate(args.cv, args.show, args.benign)
        return
    texts, labels = semantic.training_examples()
    model = semantic.fit(texts, labels)
    for path in [args.only.resolve()] if args.only else HELD_OUT:
        held_texts, held_labels = held_out(path)
        print(f"\n# Safety screen on the held-out set {path.relative_to(ROOT)} ({len(held_texts)} "
              f"messages, never trained on); classifier trained on {len(texts)} messages")
        evaluate(held_texts, held_labels, model, args.show)


if __name__ == "__main__":
    main()
