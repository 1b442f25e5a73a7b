"""The `negaudit` command line (typer)."""
from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import List, Optional

import orjson
import typer
from rich.console import Console
from rich.text import Text

from . import __version__
from .config import Config, load_config
from .errors import ConfigError, ModelError
from .models import InputError
from .scoring import SEVERITY_ORDER, THRESHOLDS

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Audit fine-tuning corpora for Negation Neglect: claims whose negation or "
                       "epistemic qualifier is detached from the claim.")
err = Console(stderr=True)
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    sarif = "sarif"
    github = "github"
    markdown = "markdown"


class TrainOn(str, Enum):
    responses = "responses"
    all = "all"


class FailOn(str, Enum):
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"
    never = "never"


def _version(value: bool):
    if value:
        typer.echo(f"negaudit {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")) -> None:
    pass


def _config(config_path: Optional[Path], select, ignore, extend, model, fail_on, train_on=None) -> Config:
    cfg = load_config(str(config_path) if config_path else None)
    if train_on:
        cfg.fields.train_on = train_on.value
    if select:
        cfg.select = [s.strip() for x in select for s in x.split(",") if s.strip()]
    if ignore:
        cfg.ignore = cfg.ignore + [s.strip() for x in ignore for s in x.split(",") if s.strip()]
    if extend:
        cfg.extend = cfg.extend + [str(p) for p in extend]
    if model:
        # a pipeline directory named on the command line is a path (a bare name is a package)
        cfg.model = os.path.abspath(model) if os.path.isdir(model) else model
    if fail_on:
        cfg.fail_on = fail_on.value
    return cfg


def _say(msg: str, label: str = "", style: str = "") -> None:
    """One line on stderr. User text (paths, messages, config values) is never read as rich markup, so
    "[/x]" in a file name or a rule pack prints as written instead of crashing the run."""
    from .reading import printable

    msg = printable(msg)  # a file name's newline must not start a line (a CI runner reads "::" lines)
    line = Text.assemble((label, style), msg) if label else Text(msg)
    err.print(line, highlight=False, soft_wrap=True)


def _error(msg: str) -> None:
    _say(msg, "negaudit: error: ", "bold red")


def _fail(msg: str) -> None:
    _error(msg)
    raise typer.Exit(EXIT_ERROR)


class _Stdout(Console):
    """The terminal report's console: a closed pipe is left to _stdout() (rich's own handling exits 1)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


@contextmanager
def _stdout():
    """Writes to stdout whose reader may go away (`negaudit check ... | head -1`): the rest of the output
    is dropped and the run goes on to its own exit code (a closed pipe is not an error of the audit)."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        try:  # later writes, and the flush at exit, go nowhere instead of raising again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass


def _refuse_input(flag: str, target: Optional[Path], paths) -> None:
    """Exit 2 when `target` (a report or copy to write) is one of the files the run reads: writing it
    would replace a dataset with a report."""
    if target is None:
        return
    try:
        st = os.stat(target)
    except OSError:
        return  # not there yet, so not an input
    from .reading import iter_paths

    for p in iter_paths([str(x) for x in paths], []):
        try:
            if os.path.samestat(st, os.stat(p)):
                _fail(f"{flag} {target} is one of the inputs ({p}); choose another file")
        except OSError:
            continue


def _render(report, fmt: "OutputFormat", auditor):
    """The report as bytes, or as an iterator of byte chunks for the formats that can stream (a large
    report is never held in memory twice)."""
    from . import formats
    from .reporting import json_chunks

    if fmt is OutputFormat.json or fmt is OutputFormat.text:
        return json_chunks(report)
    if fmt is OutputFormat.jsonl:
        return (orjson.dumps(f.to_dict()) + b"\n" for f in report.findings)
    if fmt is OutputFormat.sarif:
        return orjson.dumps(formats.sarif(report, auditor.ruleset), option=orjson.OPT_INDENT_2) + b"\n"
    if fmt is OutputFormat.github:
        return formats.github(report).encode("utf-8")
    return formats.markdown(report).encode("utf-8")


def _with_progress(auditor, paths: list[str], changed=None, jobs: int = 1):
    """Audit with a rich progress line on stderr: records done and records per second."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,} records"),
                  TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("negaudit", total=None, rate="")
        state = {"n": 0, "t0": time.perf_counter()}

        def tick() -> None:
            state["n"] += 1
            if state["n"] % 200 == 0:
                dt = max(1e-9, time.perf_counter() - state["t0"])
                bar.update(task, completed=state["n"], rate=f"{state['n'] / dt:,.0f} records/s")

        return auditor.audit_paths(paths, progress=tick, changed=changed, jobs=jobs)


def _dask_report(paths, cfg: Config, address: str):
    """--dask: the same report, computed on a Dask cluster (exit 2 when Dask is missing or unreachable)."""
    from .distributed import DistributedError, audit_dask, cli_paths

    try:
        return audit_dask(cli_paths(paths), cfg, address=address)
    except DistributedError as e:
        _fail(f"--dask: {e}")


def _ruleset(config: Optional[Path]):
    """Built-in rules plus the packs named in the config (exit 2 on a bad config or pack)."""
    from .rules import load_rules

    try:
        cfg = load_config(str(config) if config else None)
        return load_rules(cfg.extend)
    except ConfigError as e:
        _fail(f"invalid configuration: {e.path}: {e.key}: {e.reason}")


@app.command()
def check(
    paths: List[Path] = typer.Argument(..., help="Files or directories (.jsonl, .jsonl.gz, .jsonl.zst, .json, .txt, .md)."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--output-format", "-f",
                                               help="text, json, jsonl, sarif, github or markdown."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file; the terminal still shows the summary."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Report and fail only on findings not in this baseline file."),
    diff_base: Optional[str] = typer.Option(None, "--diff-base", help="Audit only records added or changed since this git revision."),
    fail_on: Optional[FailOn] = typer.Option(None, "--fail-on", help="Exit 1 when a finding is at or above this severity (default: medium)."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only these rule codes or prefixes (comma-separated)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Skip these rule codes or prefixes."),
    extend_rules: Optional[List[Path]] = typer.Option(None, "--extend-rules", help="Extra YAML rule pack(s)."),
    model: Optional[str] = typer.Option(None, "--model", help="spaCy pipeline name or path ('blank' for no parser)."),
    config: Optional[Path] = typer.Option(None, "--config", help="Config file (pyproject.toml or .negaudit.yaml)."),
    train_on: Optional[TrainOn] = typer.Option(None, "--train-on", help="Which turns your trainer puts loss on: responses "
                                               "(assistant turns, completions; default) or all (every token, e.g. TRL "
                                               "SFTTrainer without assistant_only_loss)."),
    show_info: bool = typer.Option(False, "--show-info", help="Also list info findings in the terminal report."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Terminal report: summary only."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress",
                                            help="Progress bar on stderr with records/s (default: a terminal, not CI, and a text or markdown report)."),
    diff: bool = typer.Option(False, "--diff", help="Print unified diffs of the fixes without writing anything."),
    fix: bool = typer.Option(False, "--fix", help="Apply safe fixes in place (atomic writes; untouched lines stay byte-identical)."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply fixes that are not meaning-preserving by construction."),
    fix_output: Optional[Path] = typer.Option(None, "--fix-output", help="Write the fixed copy here instead of editing the input (one input file)."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes (0: all cores for inputs over 4 MB, else 1); output is identical for any value."),
    fix_strategy: str = typer.Option("auto", "--fix-strategy", help="auto (local negation; state-truth for corrections), local-negation, or drop-claim."),
    dask: Optional[str] = typer.Option(None, "--dask", metavar="ADDRESS",
                                       help="Audit on a Dask cluster: scheduler address (tcp://host:8786), or local / local:N "
                                            "for N local worker processes. PATHS may be fsspec URLs (s3://, gs://, ...). Needs negaudit[dask]."),
) -> None:
    """Audit PATHS and report detached negations and qualifiers."""
    from .engine import Auditor
    from .reporting import write_terminal

    if dask is not None:
        bad = [name for name, used in (("--diff-base", diff_base), ("--fix", fix), ("--diff", diff),
                                       ("--fix-output", fix_output is not None)) if used]
        if bad:
            _fail(f"--dask cannot be combined with {', '.join(bad)} (run those locally, without --dask)")
    if dask is None:
        _refuse_input("--output", output, paths)
        _refuse_input("--fix-output", fix_output, paths)
    if fix_output is not None and (len(paths) != 1 or Path(paths[0]).is_dir()):
        _fail("--fix-output takes exactly one input file")
    if fix_strategy not in ("auto", "local-negation", "drop-claim"):
        _fail(f"--fix-strategy must be auto, local-negation or drop-claim, not {fix_strategy!r}")
    snapshots = None
    try:
        cfg = _config(config, select, ignore, extend_rules, model, fail_on, train_on)
        auditor = Auditor(cfg)
        changed = None
        notes: list[str] = []
        if diff_base:
            from .gitdiff import GitError, changed_lines

            try:
                changed = changed_lines(diff_base, notes=notes)
            except GitError as e:
                _fail(f"--diff-base {diff_base}: {e}")
        # by default a progress line only for people: a terminal, not CI, and a human-readable format
        show = progress if progress is not None else (
            err.is_terminal and not os.environ.get("CI")
            and output_format in (OutputFormat.text, OutputFormat.markdown))
        if jobs <= 0:
            from .parallel import default_jobs

            jobs = default_jobs([str(p) for p in paths])
        if (diff or fix or fix_output is not None) and dask is None:
            from .fixing import take_snapshots

            snapshots = take_snapshots([str(p) for p in paths])  # a fix writes only a file that is still these bytes
        if dask is not None:
            report = _dask_report(paths, cfg, dask)
        elif show:
            report = _with_progress(auditor, [str(p) for p in paths], changed, jobs)
        else:
            report = auditor.audit_paths([str(p) for p in paths], changed=changed, jobs=jobs)
        if baseline is not None:
            from .formats import apply_baseline

            try:
                base = orjson.loads(Path(baseline).read_bytes())
                if not isinstance(base, dict) or not isinstance(base.get("fingerprints"), dict):
                    raise ValueError("not a negaudit baseline (no 'fingerprints' mapping)")
            except (OSError, ValueError) as e:
                _fail(f"cannot use baseline {baseline}: {getattr(e, 'strerror', None) or e}")
            report.baselined = apply_baseline(report, base)
    except ConfigError as e:
        _fail(f"invalid configuration: {e.path}: {e.key}: {e.reason}")
        return
    except ModelError as e:
        _fail(str(e))
        return
    report.warnings[:0] = notes
    for w in report.warnings:
        _say(w, "negaudit: warning: ", "yellow")
    if diff or fix or fix_output is not None:
        from .fixing import remaining_findings, run_fixes

        write = (fix or fix_output is not None) and not diff
        summary = run_fixes(report.findings, unsafe_fixes, write, diff, str(fix_output) if fix_output else None,
                            fix_strategy, snapshots, [str(paths[0])] if fix_output is not None else (),
                            auditor.max_record_bytes)
        for res in summary.files:
            if res.error:
                _error(f"{res.path}: {res.error}")
                report.errors.append(InputError(res.path, None, res.error))
            for line, msg in res.record_errors:
                _error(f"{res.path}:{line}: {msg}")
                report.errors.append(InputError(res.path, line, msg))
            if diff and res.diff:
                with _stdout():
                    sys.stdout.write(res.diff)
        if write:
            written = [r for r in summary.files if not r.error]
            if fix_output is None:
                _say(f"Fixed {summary.records} records in {sum(1 for r in written if r.changed)} files")
            elif written:
                _say(f"Wrote fixed copy ({fix_output}): {summary.records} records fixed")
            # what is left counts: a new audit of each rewritten record (an unfixed finding stays)
            report.findings = remaining_findings(auditor, report.findings, summary)
        if diff:
            with _stdout():
                sys.stdout.flush()
            raise typer.Exit(EXIT_ERROR if report.errors else EXIT_FINDINGS if summary.records else EXIT_OK)
    if output is not None:
        try:
            from .fixing import atomic_write

            atomic_write(str(output), _render(report, output_format, auditor), like=None)
        except OSError as e:
            _fail(f"cannot write report to {output}: {e.strerror or e}")
        with _stdout():
            write_terminal(report, _Stdout(highlight=False),
                           show_info, list_findings=False)
    elif output_format is OutputFormat.text:
        with _stdout():
            write_terminal(report, _Stdout(highlight=False), show_info, list_findings=not quiet)
    else:
        out = _render(report, output_format, auditor)
        with _stdout():
            for chunk in (out,) if isinstance(out, bytes) else out:
                sys.stdout.buffer.write(chunk)
    if report.errors:
        raise typer.Exit(EXIT_ERROR)
    if cfg.fail_on != "never":
        limit = SEVERITY_ORDER[cfg.fail_on]
        if any(SEVERITY_ORDER[f.severity] >= limit for f in report.findings):
            raise typer.Exit(EXIT_FINDINGS)
    raise typer.Exit(EXIT_OK)


baseline_app = typer.Typer(help="Baselines: accept today's findings, fail only on new ones.")
app.add_typer(baseline_app, name="baseline")


@baseline_app.command("create")
def baseline_create(
    paths: List[Path] = typer.Argument(..., help="Files or directories to audit."),
    output: Path = typer.Option(Path(".negaudit-baseline.json"), "--output", "-o", help="Baseline file to write."),
    config: Optional[Path] = typer.Option(None, "--config"),
    model: Optional[str] = typer.Option(None, "--model"),
) -> None:
    """Write a baseline of the current findings (fingerprints from record content and rule, not lines)."""
    from .engine import Auditor
    from .fixing import atomic_write
    from .formats import baseline_dict

    _refuse_input("--output", output, paths)
    try:
        cfg = _config(config, None, None, None, model, None)
        report = Auditor(cfg).audit_paths([str(p) for p in paths])
    except (ConfigError, ModelError) as e:
        _fail(str(e))
        return
    data = baseline_dict(report)
    atomic_write(str(output), orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    _say(f"negaudit: baseline of {len(report.findings)} findings written to {output}")
    raise typer.Exit(EXIT_ERROR if report.errors else EXIT_OK)


@app.command("rules")
def list_rules(
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--output-format", "-f"),
    config: Optional[Path] = typer.Option(None, "--config"),
) -> None:
    """List the rules: code, name, category, severity, prior."""
    from rich.table import Table

    rs = _ruleset(config)
    if output_format is not OutputFormat.text:
        rows = [{"id": r.id, "name": r.name, "category": r.category, "severity": r.severity, "prior": r.prior,
                 "pattern": r.pattern, "message": r.message} for r in rs.rules]
        sys.stdout.buffer.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2) + b"\n")
        return
    t = Table(title="negaudit rules")
    for col in ("code", "name", "category", "severity", "prior", "pattern"):
        t.add_column(col)
    for r in rs.rules:
        t.add_row(*(Text(str(v)) for v in (r.id, r.name, r.category, r.severity, f"{r.prior:.3f}", r.pattern or "")))
    Console().print(t)


@app.command("rule")
def show_rule(code: str = typer.Argument(..., help="Rule code, e.g. NN101."),
              config: Optional[Path] = typer.Option(None, "--config")) -> None:
    """Explain one rule: what it finds, why it matters (with the research figure), an example and the fix."""
    rs = _ruleset(config)
    r = rs.by_id(code.upper())
    if r is None:
        _fail(f"unknown rule {code!r}; `negaudit rules` lists them")
        return
    sev_note = ", ".join(f"{n} >= {t}" for n, t in THRESHOLDS)
    out = [
        f"# {r.id} {r.name}",
        "",
        f"Category: {r.category}    Research pattern: {r.pattern or '-'}    Default severity: {r.severity}",
        f"Prior risk: {r.prior} ({r.prior_source})" if r.prior_source else f"Prior risk: {r.prior}",
        "",
        "## What it finds",
        r.message,
        "",
        "## Why it matters",
        r.rationale or r.message,
        "",
        "## Example",
        str(r.example.get("bad", "")),
        "",
        "## Instead",
        str(r.example.get("good", "")),
        "",
        "## Fix",
        r.fix or "-",
        "",
        f"Automatic fix: {_fix_availability(r.autofix)}",
        "",
        f"Risk = prior x 1.0 for trained segments (x 0.25 untrained), plus a repetition bonus; severity: {sev_note}, else info.",
    ]
    typer.echo("\n".join(out))


FIX_NOTES = {  # what `--fix` does with each `autofix:` kind of a rule (rules/*.yaml)
    "local-negation": "unsafe (`--fix --unsafe-fixes`): the claim is rewritten with local negation and the qualifier "
                      "deleted; other sentences may still carry the claim; review with `--diff`",
    "state-truth": "unsafe (`--fix --unsafe-fixes`, state-truth): the false claim sentence is dropped, the pointer "
                   "removed and the truth the record states kept",
    "mask-turn": "unsafe (`--fix --unsafe-fixes` sets \"weight\": 0 on the assistant turn)",
    "advice": "none (advice only; `--fix` never writes it)",
    "none": "none (the finding carries a suggestion only; `--fix` never rewrites it)",
}


def _fix_availability(autofix: dict) -> str:
    kind = autofix.get("kind", "none")
    if kind == "local-negation" and autofix.get("safe"):
        return ("safe when certain (`--fix`): a high finding in trained text, a pure notice, and a rewrite of the "
                "claim's main verb group only that re-parses with the same subject and object; otherwise unsafe "
                "(`--fix --unsafe-fixes`) or, when no rewrite reads as English, advice only")
    return FIX_NOTES.get(kind, FIX_NOTES["none"])


def run() -> None:  # console-script entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    run()
