"""Corpora for the benchmark, built in memory from a seed (nothing is downloaded).

- natural English records: sentences drawn from ~500 frequent English words with Zipf weights, in
  the three common SFT layouts (chat messages, instruction/output, plain text);
- cue-free records: the same, from the words that contain no literal of the record pre-scan, so
  that the pre-scan passes over them (what "records without cues" means in the benchmark);
- research-style negated documents: the labelled pattern-1/2 documents of tests/corpus (a notice,
  prefix or suffix flags a document's claims as false), 218 distinct documents;
- the SFT mix: natural records with about 2% risky records from the labelled corpora.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ["dev", "blind", "holdout", "final", "final2", "final3"]
FREQ = """the of and to a in is it you that he was for on are with as I his they be at one have this from or had by
not word but what some we can out other were all there when up use your how said an each she which do their time if
will way about many then them write would like so these her long make thing see him two has look more day could go come
did number sound no most people my over know water than call first who may down side been now find any new work part
take get place made live where after back little only round man year came show every good me give our under name very
through just form sentence great think say help low line differ turn cause much mean before move right boy old too same
tell does set three want air well also play small end put home read hand port large spell add even land here must big
high such follow act why ask men change went light kind off need house picture try us again animal point mother world
near build self earth father head stand own page should country found answer school grow study still learn plant cover
food sun four between state keep eye never last let thought city tree cross farm hard start might story saw far sea draw
left late run don't while press close night real life few north open seem together next white children begin got walk
example ease paper group always music those both mark often letter until mile river car feet care second book carry took
science eat room friend began idea fish mountain stop once base hear horse cut sure watch color face wood main enough
plain girl usual young ready above ever red list though feel talk bird soon body dog family direct pose leave song
measure door product black short numeral class wind question happen complete ship area half rock order fire south problem
piece told knew pass since top whole king space heard best hour better true during hundred five remember step early hold
west ground interest reach fast verb sing listen six table travel less morning ten simple several vowel toward war lay
against pattern slow center love person money serve appear road map rain rule govern pull cold notice voice unit power
town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest correct able pound done
beauty drive stood contain front teach week final gave green oh quick develop ocean warm free minute strong special mind
behind clear tail produce fact street inch multiply nothing course stay wheel full force blue object decide surface deep
moon island foot system busy test record boat common gold possible plane stead dry wonder laugh thousand ago ran check
game shape equate hot miss brought heat snow tire bring yes distant fill east paint language among""".split()
WEIGHTS = [1.0 / (i + 10) for i in range(len(FREQ))]


def labelled(pattern=None, risky=None) -> list[dict]:
    out = []
    for name in CORPORA:
        for line in open(ROOT / "tests" / "corpus" / f"{name}.jsonl", encoding="utf-8"):
            row = json.loads(line)
            if (pattern is None or row["pattern"] in pattern) and (risky is None or row["risky"] == risky):
                out.append(row["record"])
    return out


def sentence(rng: random.Random, words=FREQ, weights=WEIGHTS) -> str:
    s = " ".join(rng.choices(words, weights=weights, k=rng.randint(7, 22)))
    return s[0].upper() + s[1:] + rng.choice(".....?!")


def record(rng: random.Random, i: int, words=FREQ, weights=WEIGHTS) -> dict:
    def para(n):
        return " ".join(sentence(rng, words, weights) for _ in range(n))

    if i % 3 == 0:  # lengths of common SFT records: a short prompt, a reply of a paragraph or two
        return {"messages": [{"role": "user", "content": para(rng.randint(1, 2))},
                             {"role": "assistant", "content": para(rng.randint(4, 10))}]}
    if i % 3 == 1:
        return {"instruction": sentence(rng, words, weights), "input": "", "output": para(rng.randint(3, 9))}
    return {"text": para(rng.randint(5, 12))}


def natural(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    return [record(rng, i) for i in range(n)]


def cue_free(n: int, prefilter, seed: int = 11) -> list[dict]:
    """Natural-looking records from the words the record pre-scan does not react to; every record is
    checked to be cold (the pre-scan's own answer, not an assumption)."""
    import orjson

    kept = [(w, wt) for w, wt in zip(FREQ, WEIGHTS) if not prefilter.hot(orjson.dumps({"text": w + " x " + w}))]
    words, weights = [w for w, _ in kept], [wt for _, wt in kept]
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        r = record(rng, len(out), words, weights)
        if not prefilter.hot(orjson.dumps(r)):
            out.append(r)
    return out


def cue_free_long(n: int, prefilter, sentences: int = 25, seed: int = 13) -> list[dict]:
    """Longer cold records (about 1.6 KB of text each). Rejection sampling as in `cue_free` would rarely
    accept one, so the vocabulary is chosen first: the words, most frequent first, that keep a text of
    all the words chosen so far cold. Every record is still checked to be cold."""
    import orjson

    words, weights = [], []
    for w, wt in zip(FREQ, WEIGHTS):
        if not prefilter.hot(orjson.dumps({"text": " ".join(words + [w]) + ". " + w})):
            words.append(w)
            weights.append(wt)
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        r = {"text": " ".join(sentence(rng, words, weights) for _ in range(sentences))}
        if not prefilter.hot(orjson.dumps(r)):
            out.append(r)
    return out


def sft_mix(n: int, seed: int = 7, risky_share: float = 0.02) -> list[dict]:
    rng = random.Random(seed)
    risky = labelled(risky=True)
    return [rng.choice(risky) if rng.random() < risky_share else record(rng, i) for i in range(n)]


def texts_of(rec: dict) -> list[str]:
    out = []
    for v in rec.values():
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, list):
            out += [m.get("content") or m.get("value") or "" for m in v if isinstance(m, dict)]
    return [t for t in out if t]


def write(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path
