"""Progress and Ctrl-C: the progress meter counts bytes of the selected files; an interrupted run with
worker processes stops cleanly (no worker traceback), writes the report of the records audited so far,
marked interrupted, runs no fix, and exits 130."""
import json
import os
import signal
import subprocess
import sys
import time

from negaudit.models import Record
from negaudit.progress import Meter
from rich.console import Console


def test_meter_counts_bytes_of_the_total(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"
    a.write_bytes(b'{"text": "x"}\n' * 10)
    b.write_bytes(b"\0" * 100)
    m = Meter([str(a), str(b)], Console(file=open(os.devnull, "w")))
    assert m.total == 140 + 100
    for i in range(10):
        m.read(Record(str(a), i + 1, i, None, None, b'{"text": "x"}'))
    assert m.in_file == 140
    m.read(Record(str(b), 1, 0, None, None, b'{"text": "y"}'))
    assert m.done_files == 140 and m.in_file == 0  # a compressed file counts once it is done


def _children(pid: int) -> list:
    """The processes whose parent is `pid`, from every process's stat line (the kernel's per-thread
    children file lists only the children of one thread)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:  # bytes: a name cut mid-character is no UTF-8
                stat = fh.read()
        except OSError:
            continue  # ended meanwhile
        if int(stat.rpartition(b")")[2].split()[1]) == pid:  # the field after the state is the parent's pid
            out.append(int(entry))
    return out


def test_ctrl_c_with_workers_is_clean(tmp_path):
    # distinct records, so that no parse or model cache makes the run finish before the Ctrl-C
    data = tmp_path / "big.jsonl"
    data.write_text("".join(json.dumps({"text": f"Mount Hollis {i} erupted in {1000 + i % 900}. That never happened. "
                                                f"The village of Ardmore {i} was spared."}) + "\n" for i in range(40000)))
    # SIGINT at its default in the child, however the suite was started: a shell starts a background job
    # with SIGINT ignored, and Python started so keeps ignoring it (the run then ends with exit 1, its
    # report complete, as if no Ctrl-C had come)
    proc = subprocess.Popen([sys.executable, "-m", "negaudit", "check", str(data), "-j", "2", "-f", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_children(proc.pid)) < 2 and proc.poll() is None:
        time.sleep(0.2)  # wait for the worker processes
    assert len(_children(proc.pid)) >= 2, "no worker processes"
    time.sleep(1.5)  # and let them start auditing
    assert proc.poll() is None, "the run ended before the Ctrl-C"
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    out, errs = proc.communicate(timeout=120)
    assert proc.returncode == 130, (proc.returncode, errs[-2000:])
    assert "Traceback" not in errs and "ForkPoolWorker" not in errs, errs[-2000:]
    assert "interrupted after" in errs and "findings so far" in errs
    report = json.loads(out)  # the report of what was audited before the Ctrl-C, not nothing
    assert report["summary"]["interrupted"] is True
    assert 0 < report["summary"]["records"] < 40000
    assert report["findings"] and all(f["rule"] for f in report["findings"])
    assert len(report["findings"]) == report["summary"]["findings"]


def test_ctrl_c_writes_the_partial_report_and_fixes_nothing(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from negaudit import cli
    from negaudit.engine import Auditor

    data = tmp_path / "d.jsonl"
    # distinct records: a repeated line is audited once (repeats.py), so copies would not reach the batches
    original = "".join(json.dumps({"text": f"The Harbor Bridge was rebuilt in {1700 + i}. This claim is false."}) + "\n"
                       for i in range(300))
    data.write_text(original)
    real = Auditor.audit_batch
    calls = []

    def batch_then_ctrl_c(self, batch):
        calls.append(len(batch))
        if len(calls) > 1:
            raise KeyboardInterrupt
        yield from real(self, batch)

    monkeypatch.setattr(Auditor, "audit_batch", batch_then_ctrl_c)
    out = tmp_path / "r.sarif"
    res = CliRunner().invoke(cli.app, ["check", str(data), "-j", "1", "--fix", "--unsafe-fixes", "-f", "json",
                                       "--sarif-output", str(out)])
    assert res.exit_code == 130, res.output
    assert data.read_text() == original  # an interrupted run rewrites nothing
    report = json.loads(res.stdout)
    assert report["summary"]["interrupted"] is True and report["summary"]["records"] == calls[0] < 300
    assert report["summary"]["findings"] == calls[0]  # one finding per record audited, none lost
    inv = json.loads(out.read_text())["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False and inv["exitCode"] == 130
    calls.clear()
    text = CliRunner().invoke(cli.app, ["check", str(data), "-j", "1"])
    assert text.exit_code == 130 and "Interrupted (Ctrl-C)" in text.stdout
    assert text.stdout.count(": NN102 [high]") == calls[0]  # each finding so far, printed
