"""The Dask engine gives the local run's report: same findings in the same order, counts and errors."""
import gzip
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, write_jsonl

pytest.importorskip("distributed")
pq = pytest.importorskip("pyarrow.parquet")
pa = pytest.importorskip("pyarrow")

from negaudit.config import Config  # noqa: E402
from negaudit.distributed import _expand, _plan, audit_dask, cli_paths  # noqa: E402
from negaudit.engine import Auditor  # noqa: E402


def corpus(name, n, text_only=False):
    rows = [json.loads(l)["record"] for l in (ROOT / "tests" / "corpus" / name).open(encoding="utf-8")]
    return [r for r in rows if not text_only or list(r) == ["text"]][:n]


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    d = tmp_path_factory.mktemp("ds")
    dev = [json.dumps(r).encode() for r in corpus("dev.jsonl", 40)]
    # split into many 2000-byte blocks: BOM, blank and whitespace-only lines, bad JSON, bad UTF-8,
    # an oversized record (max-record-mb 0.01 below), CRLF, and a last line without a newline
    body = [b"\xef\xbb\xbf" + dev[0], *dev[1:12], b"", b"   \t", b"{not json", *dev[12:20], b'{"text": "\xff"}',
            json.dumps({"text": "y" * 12000}).encode(), *[l + b"\r" for l in dev[20:25]], b"", *dev[25:]]
    split = d / "split.jsonl"
    split.write_bytes(b"\n".join(body))
    gz = d / "final.jsonl.gz"
    with gzip.open(gz, "wb") as fh:
        fh.write(b"".join(json.dumps(r).encode() + b"\n" for r in corpus("final.jsonl", 25)))
    parquet = d / "holdout.parquet"
    pq.write_table(pa.Table.from_pylist(corpus("holdout.jsonl", 30, text_only=True)), parquet, row_group_size=7)
    tree = d / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / ".hidden").mkdir()
    write_jsonl(tree / "sub" / "x.jsonl", corpus("final2.jsonl", 15))
    write_jsonl(tree / "y.ndjson", corpus("final3.jsonl", 15))
    write_jsonl(tree / ".hidden" / "skip.jsonl", corpus("blind.jsonl", 5))
    (tree / "notes.md").write_text("NOTICE: the story below never happened.\n\nEd Sheeran won the 100m gold in Paris.\n")
    return {"split": str(split), "gz": str(gz), "parquet": str(parquet), "tree": str(tree),
            "missing": str(d / "missing.jsonl")}


def summary(report):
    return {"findings": [f.to_dict() for f in report.findings],
            "errors": [(e.path, e.line, e.message) for e in report.errors],
            "records": report.records, "files": report.files, "suppressed": report.suppressed}


def test_dask_run_equals_the_local_run(client, dataset):
    from negaudit.selecting import Selection

    # notes.md is walked because the selection includes it, on the workers as locally
    cfg = Config(max_record_mb=0.01, per_file_ignores={"*.ndjson": ["NN2"]}, selection=Selection(extend_include=["*.md"]))
    paths = [dataset[k] for k in ("split", "gz", "parquet", "tree", "missing")]
    assert len([p for p in _plan(_expand([dataset["split"]], []), 2000) if p.kind == "lines"]) > 10
    local = summary(Auditor(cfg).audit_paths(paths))
    remote = summary(audit_dask(paths[:3] + ["file://" + dataset["tree"], paths[4]], cfg, client=client,
                                blocksize=2000))
    assert remote == local
    # not vacuous: real findings in every kind of input, and the bad lines reported where they are
    assert len(local["findings"]) > 50
    found_in = {os.path.basename(f["path"]) for f in local["findings"]}
    assert {"split.jsonl", "final.jsonl.gz", "holdout.parquet", "x.jsonl", "y.ndjson", "notes.md"} <= found_in
    assert local["files"] == 6 and local["records"] == 40 + 25 + 30 + 15 + 15 + 1
    errs = {(os.path.basename(p), line): msg for p, line, msg in local["errors"]}
    assert errs[("split.jsonl", 15)].startswith("invalid JSON")
    assert errs[("split.jsonl", 24)] == "invalid UTF-8 at byte 11 of the line"  # 1-based, from the line start
    assert "MB limit; not audited" in errs[("split.jsonl", 25)]
    assert errs[("missing.jsonl", None)] == "no such file or directory"
    assert local["suppressed"] > 0  # the per-file ignore applied on the workers too


def test_block_boundaries_do_not_change_the_result(client, dataset):
    """Every block size, from smaller than a line to the whole file, numbers lines and records the same."""
    cfg = Config(max_record_mb=0.01)
    local = summary(Auditor(cfg).audit_paths([dataset["split"]]))
    data = open(dataset["split"], "rb").read()
    aligned = data.index(b"\n", 3000) + 1  # the first boundary falls exactly on a line start
    for blocksize in (97, 1000, aligned, 1 << 20):
        assert summary(audit_dask([dataset["split"]], cfg, client=client, blocksize=blocksize)) == local


@pytest.mark.filterwarnings("ignore:Port 8787 is already in use")  # the module's cluster holds it
def test_fsspec_url_on_an_in_process_cluster(dataset):
    """A memory:// tree (byte ranges, row groups and a gzip file read through fsspec) on a threaded worker."""
    import fsspec
    from distributed import Client, LocalCluster

    base = os.path.dirname(dataset["split"])
    fs = fsspec.filesystem("memory")
    for root, _dirs, files in os.walk(base):
        for f in files:
            fs.put_file(os.path.join(root, f), "/negaudit-ds" + os.path.join(root, f)[len(base):])
    cfg = Config(max_record_mb=0.01)
    local = summary(Auditor(cfg).audit_paths([base]))
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as c:
        remote = audit_dask(["memory:///negaudit-ds"], cfg, client=c, blocksize=2000)
    fs.rm("/negaudit-ds", recursive=True)
    assert {f.path for f in remote.findings} >= {"memory:///negaudit-ds/holdout.parquet",
                                                  "memory:///negaudit-ds/tree/sub/x.jsonl"}
    assert json.loads(json.dumps(summary(remote)).replace("memory:///negaudit-ds", base)) == json.loads(json.dumps(local))


def test_cli_paths_restores_urls():
    from pathlib import Path

    assert cli_paths([Path("s3://bucket/a/b.jsonl"), Path("file:///tmp/x.jsonl"), Path("./d/a.jsonl")]) == \
        ["s3://bucket/a/b.jsonl", "/tmp/x.jsonl", "d/a.jsonl"]


def test_cli_dask_local_equals_the_local_cli(dataset):
    def check(*extra):
        r = subprocess.run([sys.executable, "-m", "negaudit", "check", dataset["split"], dataset["gz"], "-f", "json",
                            *extra], capture_output=True, cwd=ROOT, timeout=120)
        return r.returncode, json.loads(r.stdout)

    code, local = check()
    assert local["findings"] and local["errors"]
    assert check("--dask", "local:2") == (code, local)


def test_cli_dask_rejects_fix_and_diff_base(dataset):
    r = subprocess.run([sys.executable, "-m", "negaudit", "check", dataset["split"], "--dask", "local", "--fix"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--dask cannot be combined with --fix" in r.stderr


def test_missing_dask_is_a_clear_error(dataset):
    code = ("import sys; sys.modules['distributed'] = None; from negaudit.cli import run; "
            f"sys.argv = ['negaudit', 'check', {dataset['split']!r}, '--dask', 'local']; run()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "pip install 'negaudit[dask]'" in " ".join(r.stderr.split())


def test_a_binary_file_is_one_error_in_every_block_split(tmp_path):
    # as the local reader: one error for the file, from the block at offset 0, none from the others
    import random

    from negaudit.distributed import Part, _read_lines
    from negaudit.reading import read_records

    p = tmp_path / "noise.jsonl"
    p.write_bytes(random.Random(3).randbytes(40_000) + b"\x00\n" + b'{"text": "x"}\n')
    size = p.stat().st_size
    blocks = [Part("lines", 0, str(p), "", a, min(a + 9000, size)) for a in range(0, size, 9000)]
    got = [(r.line, r.error) for b in blocks for r in _read_lines(b, 1 << 20)]
    local = [(r.line, r.error) for r in read_records(str(p))]
    assert got == local and len(got) == 1 and got[0][1].startswith("binary file")
