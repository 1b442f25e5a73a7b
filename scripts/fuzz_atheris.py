#!/usr/bin/env python3
"""Coverage-guided fuzzing of the reader, adapters, segmenter, detectors and rewriter (atheris).

Not part of the test suite (it runs until stopped). Usage:

    pip install atheris
    python scripts/fuzz_atheris.py -max_total_time=600      # 10 minutes

Every input is used three ways: as raw JSONL bytes (reader), as a JSON record (adapters, detection,
linking, scoring, suggestions) and as a plain sentence (segmenter, rewriter). Any exception that
escapes, or a rewrite that comes back empty for non-empty text, is a crash.
"""
import os
import sys
import tempfile

import atheris

with atheris.instrument_imports():
    import orjson

    from negaudit.engine import Auditor
    from negaudit.models import Record
    from negaudit.reading import read_records
    from negaudit.segmenting import split_units

AUDITOR = Auditor()
TMP = tempfile.mkdtemp(prefix="negaudit-fuzz-")
PATH = os.path.join(TMP, "in.jsonl")


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    raw = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 4096))
    text = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 600))
    with open(PATH, "wb") as fh:
        fh.write(raw)
    for rec in read_records(PATH):  # the reader: never raises, errors become records
        AUDITOR.audit_record(rec)
    for u in split_units(text):
        assert text[u.start:u.end] == u.text
    for record in ({"text": text}, {"messages": [{"role": "system", "content": text[:80]},
                                                 {"role": "assistant", "content": text}]},
                   {"prompt": text[:50], "completion": text[50:], "label": text[:10]}):
        AUDITOR.audit_record(Record("fuzz", 1, 0, record))
    if text.strip():
        r = AUDITOR.rewriter.negate(text)
        if not r.text.strip():
            raise AssertionError(f"empty rewrite for {text!r}")
    try:
        obj = orjson.loads(raw)
    except Exception:
        return
    AUDITOR.audit_record(Record("fuzz", 1, 0, obj))


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
