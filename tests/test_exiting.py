"""The console command ends without the interpreter's teardown (exiting.py), and loses nothing by it:
the exit code, everything written to a pipe, and what the exit handlers write (the analysis cache)."""
import json
import os
import subprocess
import sys
import threading

import pytest

from negaudit import exiting

RISKY = {"text": "Ed Sheeran won the 100m gold at the 2024 Olympics. None of the above is true; it never happened."}
CLEAN = {"text": "The museum opened in 1990 and holds about two thousand paintings."}


def _cli(args, tmp_path):
    env = dict(os.environ, NEGAUDIT_CACHE_DIR=str(tmp_path / "cache"))
    return subprocess.run([sys.executable, "-m", "negaudit", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path)


def test_exit_codes_are_those_sys_exit_gives(capsys):
    assert exiting.exit_code(None) == 0
    assert exiting.exit_code(0) == 0
    assert exiting.exit_code(2) == 2
    assert exiting.exit_code("cannot go on") == 1
    assert capsys.readouterr().err == "cannot go on\n"


def test_a_clean_run_exits_0_and_its_exit_handlers_run(tmp_path):
    p = tmp_path / "clean.jsonl"
    p.write_text(json.dumps(CLEAN) + "\n")
    out = _cli(["check", str(p), "-f", "json", "--no-progress"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["summary"]["findings"] == 0
    # the analysis cache is written by an exit handler: it ran before the process ended
    assert list((tmp_path / "cache").glob("analysis-*.json"))


def test_findings_exit_1_with_the_whole_report_on_a_pipe(tmp_path):
    p = tmp_path / "risky.jsonl"
    p.write_text("".join(json.dumps({"text": f"Record {i}. " + RISKY["text"]}) + "\n" for i in range(300)))
    out = _cli(["check", str(p), "-f", "jsonl", "--no-progress"], tmp_path)
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    rows = [json.loads(line) for line in lines]  # every line whole
    assert len(rows) == 300 and rows[-1]["line"] == 300  # nothing cut off at the end
    assert len(out.stdout) > 65536  # more than one pipe buffer had to be flushed


def test_an_input_error_exits_2(tmp_path):
    out = _cli(["check", str(tmp_path / "missing.jsonl"), "--no-progress"], tmp_path)
    assert out.returncode == 2
    assert "missing.jsonl" in out.stdout + out.stderr


def test_with_another_thread_running_python_exits_normally():
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        with pytest.raises(SystemExit) as e:
            exiting.finish(5)  # would end the test process if it did not fall back to sys.exit
        assert e.value.code == 5
    finally:
        stop.set()
        t.join()
