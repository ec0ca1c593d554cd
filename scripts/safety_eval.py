"""How well the safety screen does, per level, for each layer alone and for the whole screen.

    python scripts/safety_eval.py            # on the frozen held-out sets (make eval-safety)
    python scripts/safety_eval.py --cv 5     # cross-validation on the training data only:
                                             # what the thresholds are chosen with

The classifier is trained here exactly as `make train` trains it (actions/semantic.py `fit` on
data/safety/*.yml and the benign NLU examples); the held-out sets (tests/safety_heldout.yml,
tests/safety_heldout_long.yml) were written apart from that data and are never trained on.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from actions import semantic  # noqa: E402
from actions.safety import assess  # noqa: E402
from actions.screening import screen_text  # noqa: E402

# Short messages, and long answers with the risk somewhere inside (each written apart).
HELD_OUT = (ROOT / "tests" / "safety_heldout.yml", ROOT / "tests" / "safety_heldout_long.yml")
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
    weight = np.where(truth == 0, 2, 1)

    def indices(crisis: float, check_in: float, ethics: float) -> np.ndarray:
        """Each message's level (an index of `names`), rules and the semantic layer together."""
        level = np.full(len(texts), 3)
        level[probabilities[:, 2] >= ethics] = 2
        level[probabilities[:, 0] + probabilities[:, 1] >= check_in] = 1
        level[probabilities[:, 0] >= crisis] = 0
        level[calm] = 3
        return np.minimum(level, found)

    def levels(*chosen: float) -> list[str | None]:
        return [names[i] for i in indices(*chosen)]

    grid = np.arange(0.30, 0.99, 0.04)
    best: tuple[float, tuple[float, float, float]] | None = None
    for crisis in grid:
        for check_in in grid:
            for ethics in grid:
                level = indices(crisis, check_in, ethics)
                if (level[truth == 3] != 3).mean() > benign_at_most:
                    continue
                right = (level == truth) | ((truth == 1) & (level == 0))
                score = float((weight * right)[truth != 3].sum())
                if best is None or score > best[0]:
                    best = (score, (round(float(crisis), 2), round(float(check_in), 2),
                                    round(float(ethics), 2)))
    thresholds = semantic.load_content("safety_semantic.yml")["thresholds"]
    configured = (thresholds["crisis"], thresholds["check_in"], thresholds["ethics"])
    for name, chosen in (("configured", configured), ("best found", best[1] if best else None)):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cv", type=int, default=0, help="cross-validate on the training data")
    parser.add_argument("--show", type=int, default=0, help="list this many mistakes")
    parser.add_argument("--benign", type=float, default=0.02,
                        help="with --cv: the share of benign messages allowed a safety reply")
    args = parser.parse_args()
    if args.cv:
        cross_validate(args.cv, args.show, args.benign)
        return
    texts, labels = semantic.training_examples()
    model = semantic.fit(texts, labels)
    for path in HELD_OUT:
        held_texts, held_labels = held_out(path)
        print(f"\n# Safety screen on the held-out set {path.relative_to(ROOT)} ({len(held_texts)} "
              f"messages, never trained on); classifier trained on {len(texts)} messages")
        evaluate(held_texts, held_labels, model, args.show)


if __name__ == "__main__":
    main()
