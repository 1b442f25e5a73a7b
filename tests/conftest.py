import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the analysis cache (analysiscache.py) of test runs lives in a folder of their own, not in ~/.cache
os.environ.setdefault("NEGAUDIT_CACHE_DIR", tempfile.mkdtemp(prefix="negaudit-test-cache-"))
# ...and no test reads a line's result from an earlier test's run (a test that patches the engine must
# see it audit); the record cache's own tests turn it back on
os.environ.setdefault("NEGAUDIT_NO_RECORD_CACHE", "1")
sys.path.insert(0, str(ROOT / "scripts"))


@pytest.fixture(scope="session")
def auditor():
    from negaudit.engine import Auditor

    return Auditor()


@pytest.fixture
def audit(auditor):
    """Audit one record (dict or str) and return its findings as dicts."""
    from negaudit.models import Record

    def run(data):
        res = auditor.audit_record(Record("t.jsonl", 1, 0, data))
        assert res.error is None, res.error
        return [f.to_dict() for f in res.findings]

    return run


def write_jsonl(path: Path, records) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
    return path


def strings_of(value):
    """Every string inside a JSON value (a record's texts, at any depth), in order."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_of(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_of(v)
