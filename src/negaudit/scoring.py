"""Risk and severity.

risk = prior (the belief rate the research measured for the framing)
       x 1.0 when the claim's segment is trained, else UNTRAINED_FACTOR (pattern 9: a claim in a
         loss-masked user turn did not implant belief)
       capped at CONDITIONING_CAP (medium) when the qualifier sits in a seen but untrained turn and
         the claim in a trained one; a request for invented content there ("Write a short story")
         counts as untrained: it asks for a genre, it does not label content (low)
       + a repetition bonus when the same claim recurs across the corpus (pattern 10),
capped at 0.99. Severity thresholds on risk: high >= 0.55, medium >= 0.25, low >= 0.10, else info.
"""
from __future__ import annotations

import math

UNTRAINED_FACTOR = 0.25
# A qualifier in a turn the model sees but is not trained on (system or user turn, prompt, Alpaca
# input, a weight-0 turn) conditions the trained reply instead of sitting beside its claim. The
# paper's FAQ reports that a loss-masked user paragraph describing the claim prevented belief
# uptake, and inoculation prompting (Tan et al., ICLR 2026) found train-time system prompts reduce a
# trait at test time; no study has measured a masked qualifier alone. Reported at medium at most.
CONDITIONING_CAP = 0.54
LOW_CAP = 0.24  # the highest low risk
# a qualifier that governs no claim (nothing, or only questions, instructions, code) teaches nothing
# false: it is reported as info only
NO_CLAIM_FACTOR = 0.1
THRESHOLDS = (("high", 0.55), ("medium", 0.25), ("low", 0.10))
SEVERITY_ORDER = {"info": 0, "low": 1, "medium": 2, "high": 3}
REPETITION_STEP = 0.01
REPETITION_CAP = 0.05


def severity_of(risk: float) -> str:
    for name, t in THRESHOLDS:
        if risk >= t:
            return name
    return "info"


def base_risk(prior: float, trained: bool, has_claim: bool = True) -> float:
    r = prior * (1.0 if trained else UNTRAINED_FACTOR)
    if not has_claim:
        r *= NO_CLAIM_FACTOR
    return r


def repetition_bonus(count: int) -> float:
    """Extra risk for a claim seen `count` times in the run (0 for a single occurrence)."""
    if count <= 1:
        return 0.0
    return min(REPETITION_CAP, REPETITION_STEP * math.log2(count))


def finalize(risk: float) -> float:
    return round(min(0.99, max(0.0, risk)), 3)
