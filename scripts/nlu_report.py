"""Summarise `rasa test nlu --cross-validation` results as a short readable report."""

import json
import sys
from pathlib import Path

out = Path(sys.argv[1] if len(sys.argv) > 1 else "results/nlu")
report = json.loads((out / "intent_report.json").read_text())
lines = ["# NLU cross-validation", "", "| intent | precision | recall | f1 | examples |",
         "|---|---|---|---|---|"]
for intent, scores in sorted(report.items()):
    if isinstance(scores, dict) and "f1-score" in scores and intent not in (
            "accuracy", "macro avg", "weighted avg", "micro avg"):
        lines.append(f"| {intent} | {scores['precision']:.2f} | {scores['recall']:.2f} | "
                     f"{scores['f1-score']:.2f} | {scores['support']} |")
weighted = report.get("weighted avg", {})
lines += ["", f"Weighted F1: {weighted.get('f1-score', 0):.3f}"]
(out / "REPORT.md").write_text("\n".join(lines) + "\n")
print("\n".join(lines))
