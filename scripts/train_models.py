#!/usr/bin/env python3
"""Rebuild the shipped learned models from the hand-written banks in training/.

    python scripts/train_models.py            # write src/negaudit/data/qualifier.npz and claimness.npz
    python scripts/train_models.py --check    # first report held-out scores (see below)

- The qualifier model learns from training/qualifiers_*.jsonl (sentences labelled with a qualifier
  family, `local` or `none`), plus training/claimness_bank*.jsonl, whose sentences (claims,
  instructions, questions, filler) all count as `none` for it. `--check` trains on all banks but
  one qualifier bank and scores the one held out (the banks were written by different people in
  different registers).
  Its features include matches of the lexicon lists in `negaudit.learned.LEXICON_FEATURES`
  (rules/lexicon.yaml), so the model is rebuilt when those lists change.
- The claim-ness model learns `claim` against everything else from training/claimness_bank.jsonl.
  `--check` scores it register by register, each register held out in turn.

Both are softmax regressions over the hashed features of `negaudit.learned.features`, trained by
full-batch Adam from zero weights for a fixed number of steps, so the same banks give the same models
(byte for byte on the same platform). The bank files, and the lexicon lists the features read, are
hashed into each model file, and the test suite checks that the shipped models were built from the
banks and lists in the repository.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from negaudit.learned import (CLAIM_LABELS, CLAIM_MODEL_PATH, DIMENSIONS, FEATURE_VERSION, LABELS,  # noqa: E402
                              LEXICON_FEATURES, MODEL_PATH, compile_lexicon, features, hash_rows,
                              lexicon_digest)
from negaudit.rules import load_rules  # noqa: E402

L2 = 1e-5
STEPS = 300
RATE = 0.05
CLAIM_BANKS = "claimness_bank*.jsonl"


def qualifier_banks(folder: Path) -> list[Path]:
    return sorted(folder.glob("qualifiers_*.jsonl"))


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def qualifier_rows(paths: list[Path]) -> list[tuple[str, int]]:
    """(text, label index) for the qualifier model; the claim-ness bank's sentences are all `none`."""
    out = []
    for p in paths:
        for n, r in enumerate(read_jsonl(p), 1):
            label = "none" if p.match(CLAIM_BANKS) else r.get("label")
            if label not in LABELS or not isinstance(r.get("text"), str):
                sys.exit(f"{p}:{n}: each line needs a text and a label in {LABELS}")
            out.append((r["text"], LABELS.index(label)))
    return out


def claim_rows(rows: list[dict]) -> list[tuple[str, int]]:
    return [(r["text"], int(bool(r["claim"]))) for r in rows]


def digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


LEXICON: list = [None]  # the built-in lexicon's feature lists (LexiconFeatures), for the qualifier model


class Sparse:
    """Rows of hashed features as flat (row, column, value) arrays."""

    def __init__(self, texts: list[str], lexicon=None, dims: int = DIMENSIONS) -> None:
        self.row, self.col, self.val = hash_rows([features(t, lexicon) for t in texts], dims)
        self.n = len(texts)
        self.dims = dims
        self.starts = np.searchsorted(self.row, np.arange(self.n))

    def dot(self, w: np.ndarray) -> np.ndarray:
        return np.add.reduceat(w[self.col] * self.val[:, None], self.starts, axis=0)

    def tdot(self, g: np.ndarray) -> np.ndarray:
        out = np.zeros((self.dims, g.shape[1]))
        np.add.at(out, self.col, self.val[:, None] * g[self.row])
        return out


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit(rows: list[tuple[str, int]], k: int, lexicon=None) -> tuple[np.ndarray, np.ndarray]:
    x = Sparse([t for t, _ in rows], lexicon)
    target = np.eye(k)[np.array([y for _, y in rows])]
    w = np.zeros((x.dims, k))
    b = np.zeros(k)
    mw, vw, mb, vb = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    for t in range(1, STEPS + 1):
        g = (softmax(x.dot(w) + b) - target) / x.n
        for p, grad, m, v in ((w, x.tdot(g) + L2 * w, mw, vw), (b, g.sum(axis=0), mb, vb)):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            p -= RATE * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return w, b


def predict(w: np.ndarray, b: np.ndarray, texts: list[str], lexicon=None) -> np.ndarray:
    return softmax(Sparse(texts, lexicon).dot(w) + b)


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    ranks = np.empty(len(scores))
    ranks[np.argsort(scores, kind="stable")] = np.arange(1, len(scores) + 1)
    npos = positive.sum()
    return float((ranks[positive].sum() - npos * (npos + 1) / 2) / (npos * (len(scores) - npos)))


def rates(score: np.ndarray, positive: np.ndarray, thresholds=(0.5, 0.7, 0.9)) -> dict:
    return {f"at {th}": {"recall": round(float((score >= th)[positive].mean()), 3),
                         "false_positive_rate": round(float((score >= th)[~positive].mean()), 3)} for th in thresholds}


def check_qualifier(banks: list[Path], extra: list[Path]) -> None:
    for held in banks:
        train_on = [p for p in banks if p != held] + extra
        w, b = fit(qualifier_rows(train_on), len(LABELS), LEXICON[0])
        test = qualifier_rows([held])
        p = predict(w, b, [t for t, _ in test], LEXICON[0])
        y = np.array([y for _, y in test])
        qual = y >= 2
        score = p[:, 2:].sum(axis=1)
        print(json.dumps({"model": "qualifier", "train": [x.name for x in train_on], "test": held.name,
                          "sentences": len(test), "auc": round(auc(score, qual), 3),
                          "family_accuracy": round(float((p[qual, 2:].argmax(axis=1) + 2 == y[qual]).mean()), 3),
                          **rates(score, qual)}))


def check_claims(rows: list[dict]) -> None:
    """Each register held out in turn (registers are named per bank, so a register of one bank is held
    out together with the same name in another)."""
    scores, truth = [], []
    for reg in sorted({r["register"] for r in rows}):
        w, b = fit(claim_rows([r for r in rows if r["register"] != reg]), 2)
        test = [r for r in rows if r["register"] == reg]
        scores += list(predict(w, b, [r["text"] for r in test])[:, 1])
        truth += [bool(r["claim"]) for r in test]
    s, t = np.array(scores), np.array(truth)
    print(json.dumps({"model": "claimness", "held_out": "each register in turn", "sentences": len(t),
                      "auc": round(auc(s, t), 3), **rates(s, t, (0.3, 0.5, 0.7))}))


def save(path: Path, w: np.ndarray, b: np.ndarray, labels, bank_paths: list[Path], lexicon_lists=()) -> None:
    keep = np.flatnonzero(np.abs(w).max(axis=1) > 1e-6)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        np.savez_compressed(fh, rows=keep.astype(np.int32), values=w[keep].astype(np.float32),
                            bias=b.astype(np.float32), dims=np.int64(DIMENSIONS), labels=np.array(labels),
                            feature_version=np.int64(FEATURE_VERSION), bank_sha256=np.array(digest(bank_paths)),
                            lexicon_lists=np.array(list(lexicon_lists), dtype=str),
                            lexicon_sha256=np.array(lexicon_digest(load_rules().lexicon, list(lexicon_lists))))
    print(f"wrote {path} ({', '.join(p.name for p in bank_paths)}; {len(keep)} feature rows)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bank", default=str(ROOT / "training"), help="folder with the banks")
    ap.add_argument("--check", action="store_true", help="report held-out scores first")
    a = ap.parse_args(argv)
    folder = Path(a.bank)
    banks = qualifier_banks(folder)
    claim_banks = sorted(folder.glob(CLAIM_BANKS))
    if not banks or not claim_banks:
        sys.exit(f"{folder} needs qualifiers_*.jsonl and {CLAIM_BANKS}")
    claims = [r for p in claim_banks for r in read_jsonl(p)]
    LEXICON[0] = compile_lexicon(load_rules().lexicon, LEXICON_FEATURES)
    if a.check:
        check_qualifier(banks, claim_banks)
        check_claims(claims)
    w, b = fit(qualifier_rows(banks + claim_banks), len(LABELS), LEXICON[0])
    save(MODEL_PATH, w, b, LABELS, banks + claim_banks, [n for n, _ in LEXICON[0]])
    w, b = fit(claim_rows(claims), len(CLAIM_LABELS))
    save(CLAIM_MODEL_PATH, w, b, CLAIM_LABELS, claim_banks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
