"""The `negaudit` command line (typer)."""
from __future__ import annotations

import os
import sys
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
    html = "html"


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


def _config(config_path: Optional[Path], select, ignore, extend, model, fail_on, train_on=None, files=None) -> Config:
    cfg = load_config(str(config_path) if config_path else None)
    if files is not None:
        _selection(cfg, **files)
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


def _selection(cfg: Config, exclude=None, extend_exclude=None, respect_gitignore=None, force_exclude=False) -> None:
    """The file-selection flags over the config's: --exclude replaces the excludes, the rest add.
    Patterns from the command line are relative to the working directory."""
    sel = cfg.selection
    cwd = os.getcwd()
    rebase = lambda pats: [_from_cwd(p, cwd, sel.base_dir) for x in pats for p in x.split(",") if p.strip()]  # noqa: E731
    if exclude:
        sel.exclude = rebase(exclude)
    if extend_exclude:
        sel.extend_exclude = sel.extend_exclude + rebase(extend_exclude)
    if respect_gitignore is not None:
        sel.respect_gitignore = respect_gitignore
    if force_exclude:
        sel.force_exclude = True


def _from_cwd(pattern: str, cwd: str, base: Optional[str]) -> str:
    """A pattern typed relative to the working directory, made relative to the config's folder."""
    pattern = pattern.strip()
    if not base or "/" not in pattern.rstrip("/") or os.path.abspath(base) == cwd:
        return pattern  # a bare name matches at any depth; nothing to rebase
    neg = pattern.startswith("!")
    body = pattern[1:] if neg else pattern
    rel = os.path.relpath(os.path.join(cwd, body.lstrip("/")), base).replace(os.sep, "/")
    if body.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return ("!" if neg else "") + "/" + rel


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


def _render(report, fmt: "OutputFormat", auditor, strategy: str = "auto", show_info: bool = False):
    """The report as bytes, or as an iterator of byte chunks for the formats that can stream (a large
    report is never held in memory twice)."""
    from . import formats
    from .reporting import json_chunks

    if fmt is OutputFormat.text:
        import io

        buf = io.StringIO()
        _terminal(report, Console(file=buf, no_color=True, highlight=False, soft_wrap=True, width=10_000),
                  auditor, show_info, True, strategy)
        return buf.getvalue().encode("utf-8")
    if fmt is OutputFormat.json:
        return json_chunks(report, strategy=strategy)
    if fmt is OutputFormat.jsonl:
        from .clustering import clusters_of
        from .reporting import finding_dict, with_applicability

        clusters = clusters_of(report)
        return (orjson.dumps(finding_dict(f, clusters, kind)) + b"\n"
                for f, kind in with_applicability(report.findings, strategy))
    if fmt is OutputFormat.sarif:
        return orjson.dumps(formats.sarif(report, auditor.ruleset), option=orjson.OPT_INDENT_2) + b"\n"
    if fmt is OutputFormat.github:
        return formats.github(report).encode("utf-8")
    if fmt is OutputFormat.html:
        from .htmlreport import render

        return render(report, auditor.ruleset)
    return formats.markdown(report).encode("utf-8")


def _terminal(report, console, auditor, show_info: bool, list_findings: bool, strategy: str = "auto",
              statistics: bool = False) -> None:
    from .reporting import write_terminal

    names = {r.id: r.name for r in auditor.ruleset.rules} if auditor is not None else {}
    write_terminal(report, console, show_info, list_findings, strategy, statistics, names)


def _console() -> "_Stdout":
    """The terminal report's console: outside a terminal no line is ever wrapped (grep, CI problem
    matchers and `| cat` read one finding per line)."""
    con = _Stdout(highlight=False)
    if not con.is_terminal:
        con.soft_wrap = True
    return con


def _stdin_file(paths: list[Path], name: Optional[str], tmp: str) -> tuple[list[Path], Optional[str]]:
    """`-` among PATHS: stdin spooled to a file named like --stdin-filename (its suffix picks the
    reader; JSON Lines by default); returns the paths to read and that file's path."""
    if not any(str(p) == "-" for p in paths):
        return paths, None
    import shutil

    spool = os.path.join(tmp, os.path.basename(name or "stdin.jsonl") or "stdin.jsonl")
    with open(spool, "wb") as fh:
        shutil.copyfileobj(sys.stdin.buffer, fh, 1 << 20)
    return [Path(spool) if str(p) == "-" else p for p in paths], spool


def _rename_input(report, spool: str, shown: str) -> None:
    """Findings and errors of the spooled stdin carry the name the user gave (or `-`)."""
    from .store import FindingStore

    store = FindingStore()
    for f in report.findings:
        if f.path == spool:
            f.path = shown
        store.append(f)
    report.findings = store
    for e in report.errors:
        if e.path == spool:
            e.path = shown


def _selected_files(cfg: Config, paths: list[str]) -> list[str]:
    """The files the run will read (for the job count and the progress total): a walk with the run's
    file selection, its notes and errors left to the audit itself."""
    from .reading import iter_paths
    from .selecting import Selector

    sel = Selector(cfg.selection, cfg.fields, int(cfg.max_record_mb * 1024 * 1024))
    return list(iter_paths(paths, [], [], sel))


def _with_progress(auditor, paths: list[str], files: list[str], changed=None, jobs: int = 1):
    """Audit with a progress line on stderr: bytes read of the total, records per second, time left."""
    from .progress import Meter

    with Meter(files, err) as meter:
        return auditor.audit_paths(paths, progress=meter.tick, changed=changed, jobs=jobs, on_read=meter.read)


def _interrupted(auditor):
    """Ctrl-C: the report of the records audited so far (marked interrupted), or exit 130 at once when
    the audit had not started. The caller writes it as it would a whole report, runs no fix, and
    exits 130."""
    rep = getattr(auditor, "partial", None)
    if rep is None:
        _say("negaudit: interrupted")
        raise typer.Exit(130)
    rep.interrupted = True
    rep.finish()
    sev = ", ".join(f"{n} {k}" for k, n in rep.summary()["by_severity"].items()) or "no findings"
    rep.warnings.append(f"interrupted after {rep.records:,} records in {rep.files} files: {len(rep.findings)} "
                        f"findings so far ({sev}); the report covers only the records audited before Ctrl-C")
    return rep


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
        _config_error(e)


def _config_error(e: ConfigError) -> None:
    """Exit 2 naming where the bad value was written: the config file and key, or the flag."""
    if e.path == "<command line>":
        _fail(f"{e.key}: {e.reason}")
    _fail(f"invalid configuration: {e.path}: {e.key}: {e.reason}")


@app.command()
def check(
    paths: List[Path] = typer.Argument(..., help="Files or directories (.jsonl, .jsonl.gz, .jsonl.zst, .json, .parquet; "
                                        ".txt and .md when named), or - for stdin."),
    output_format: Optional[OutputFormat] = typer.Option(None, "--output-format", "-f",
                                                         help="text (default), json, jsonl, sarif, github, markdown or html."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file, in --output-format "
                                          "(default: from the suffix: .json, .jsonl, .sarif, .md, .html, else text); the "
                                          "terminal still shows the summary."),
    sarif_output: Optional[Path] = typer.Option(None, "--sarif-output", help="Also write a SARIF report to this file (same audit)."),
    markdown_output: Optional[Path] = typer.Option(None, "--markdown-output", help="Also write a Markdown summary to this file "
                                                   "(e.g. $GITHUB_STEP_SUMMARY)."),
    json_output: Optional[Path] = typer.Option(None, "--json-output", help="Also write the JSON report to this file."),
    annotations: bool = typer.Option(False, "--annotations", help="Also print GitHub workflow-command annotations "
                                     "(::error file=...) before the report: on stdout, or on stderr when stdout "
                                     "carries a JSON, JSONL, SARIF, Markdown or HTML report."),
    statistics: bool = typer.Option(False, "--statistics", help="Terminal report: a count per rule instead of each finding."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even when there are findings (input and config errors still exit 2)."),
    stdin_filename: Optional[str] = typer.Option(None, "--stdin-filename", help="The name findings in stdin (-) are reported "
                                                 "under; its suffix picks the reader (default: JSON Lines)."),
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
    input_format: Optional[str] = typer.Option(None, "--format", metavar="FORMAT",
                                               help="Read every input as this format: jsonl, json, csv, tsv, text or parquet "
                                                    "(default: by suffix). CSV/TSV take columns: 'tsv:text=statement:label=label', "
                                                    "'tsv:columns=id,label,statement,...' for a file without a header row."),
    show_info: bool = typer.Option(False, "--show-info", help="Also list info findings in the terminal report."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Terminal report: summary only."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress",
                                            help="Progress bar on stderr with records/s (default: on when stderr is a terminal and CI is not set, for every output format)."),
    diff: bool = typer.Option(False, "--diff", help="Print unified diffs of the fixes without writing anything."),
    fix: bool = typer.Option(False, "--fix", help="Apply safe fixes in place (atomic writes; untouched lines stay byte-identical)."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply fixes that are not meaning-preserving by construction."),
    fix_output: Optional[Path] = typer.Option(None, "--fix-output", help="Write the fixed copy here instead of editing the input (one input file)."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes (0: all cores for inputs over 4 MB, else 1); output is identical for any value."),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", help="Gitignore-style patterns of files and folders not to audit, "
                                                "replacing the defaults (.git, .venv, node_modules, ...) and the config's `exclude`."),
    extend_exclude: Optional[List[str]] = typer.Option(None, "--extend-exclude", help="Patterns to exclude on top of the defaults and the config."),
    respect_gitignore: Optional[bool] = typer.Option(None, "--respect-gitignore/--no-respect-gitignore",
                                                     help="Skip files that .gitignore ignores (default: respect it)."),
    force_exclude: bool = typer.Option(False, "--force-exclude", help="Apply the excludes to files named on the command line too "
                                       "(the pre-commit hook does)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Audit every line again: do not read or write the cache of "
                                  "lines found clean by earlier runs with the same rules, config and code."),
    fix_strategy: str = typer.Option("auto", "--fix-strategy", help="auto (local negation; state-truth for corrections), local-negation, or drop-claim."),
    dask: Optional[str] = typer.Option(None, "--dask", metavar="ADDRESS",
                                       help="Audit on a Dask cluster: scheduler address (tcp://host:8786), or local / local:N "
                                            "for N local worker processes. PATHS may be fsspec URLs (s3://, gs://, ...). Needs the "
                                            "dask extra (pip install 'negaudit\\[dask]')."),
) -> None:
    """Audit PATHS and report detached negations and qualifiers."""
    import tempfile

    if any(str(p) == "-" for p in paths) and (fix or diff or fix_output is not None or dask is not None):
        _fail("stdin (-) cannot be combined with --fix, --diff, --fix-output or --dask")
    with tempfile.TemporaryDirectory(prefix="negaudit-stdin-") as tmp:
        paths, spool = _stdin_file(list(paths), stdin_filename, tmp)
        _check(paths, spool, stdin_filename or "-", output_format, output, sarif_output, markdown_output, json_output,
               annotations, statistics, exit_zero, baseline, diff_base, fail_on, select, ignore, extend_rules, model,
               config, train_on, show_info, quiet, progress, diff, fix, unsafe_fixes, fix_output, jobs, exclude,
               extend_exclude, respect_gitignore, force_exclude, fix_strategy, dask, input_format, no_cache=no_cache)


def _check(paths, spool, shown, output_format, output, sarif_output, markdown_output, json_output, annotations,
           statistics, exit_zero, baseline, diff_base, fail_on, select, ignore, extend_rules, model, config, train_on,
           show_info, quiet, progress, diff, fix, unsafe_fixes, fix_output, jobs, exclude, extend_exclude,
           respect_gitignore, force_exclude, fix_strategy, dask, input_format=None, no_cache=False) -> None:
    from .engine import Auditor
    from .outputs import format_for, write_report

    if output_format is None:
        output_format = OutputFormat(format_for(str(output))) if output is not None else OutputFormat.text
    fixing = diff or fix or fix_output is not None  # the run edits files or prints the edits
    extra_outputs = [(flag, target, fmt) for flag, target, fmt in (
        ("--sarif-output", sarif_output, OutputFormat.sarif), ("--markdown-output", markdown_output, OutputFormat.markdown),
        ("--json-output", json_output, OutputFormat.json)) if target is not None]

    if dask is not None:
        bad = [name for name, used in (("--diff-base", diff_base), ("--fix", fix), ("--diff", diff),
                                       ("--fix-output", fix_output is not None)) if used]
        if bad:
            _fail(f"--dask cannot be combined with {', '.join(bad)} (run those locally, without --dask)")
    if dask is None:
        _refuse_input("--output", output, paths)
        _refuse_input("--fix-output", fix_output, paths)
        for flag, target, _ in extra_outputs:
            _refuse_input(flag, target, paths)
    if fix_output is not None and (len(paths) != 1 or Path(paths[0]).is_dir()):
        _fail("--fix-output takes exactly one input file")
    if fix_strategy not in ("auto", "local-negation", "drop-claim"):
        _fail(f"--fix-strategy must be auto, local-negation or drop-claim, not {fix_strategy!r}")
    snapshots = None
    try:
        cfg = _config(config, select, ignore, extend_rules, model, fail_on, train_on,
                      dict(exclude=exclude, extend_exclude=extend_exclude, respect_gitignore=respect_gitignore,
                           force_exclude=force_exclude))
        if input_format:
            try:
                cfg.set_format(input_format)
            except ValueError as e:
                _fail(f"--format {input_format}: {e}")
        if dask is not None and (cfg.input_format or cfg.table.columns or cfg.table.delimiter):
            # the Dask readers take each file's kind from its suffix and read tables with the defaults
            _fail("--dask reads every file by its suffix, with the default CSV/TSV options: --format and the "
                  "[tool.negaudit.csv] columns or delimiter cannot be used with it (audit those files without --dask)")
        if cfg.input_format and cfg.input_format != "jsonl" and fixing:
            _fail(f"--fix and --diff edit JSON Lines and text files by their suffix, not files read as "
                  f"--format {cfg.input_format}")
        cfg.fix_strategy = fix_strategy  # the fixable counts are planned with it (fixing.mark_planned)
        # with the record cache, the detectors are built when a line needs them: a run whose every line
        # is replayed builds none (a pack that cannot be compiled still fails: engine.audit_paths)
        auditor = Auditor(cfg, lazy=not no_cache and dask is None and not fixing)
        auditor.record_cache = not no_cache
        changed = None
        notes: list[str] = []
        if diff_base:
            from .gitdiff import GitError, changed_lines

            try:
                # the repository of the audited paths (the first one's), not of the current folder
                first = next((str(p) for p in paths if str(p) != "-" and os.path.exists(str(p))), None)
                where = None if first is None else (first if os.path.isdir(first) else os.path.dirname(first) or ".")
                changed = changed_lines(diff_base, cwd=where, notes=notes)
            except GitError as e:
                _fail(f"--diff-base {diff_base}: {e}")
        # by default a progress line only for people: stderr is a terminal and this is not CI
        show = progress if progress is not None else (err.is_terminal and not os.environ.get("CI"))
        files = _selected_files(cfg, [str(p) for p in paths]) if (show or jobs <= 0) and dask is None else []
        if jobs <= 0:
            from .parallel import default_jobs

            jobs = default_jobs(files)
        if fixing and dask is None:
            from .fixing import take_snapshots

            snapshots = take_snapshots([str(p) for p in paths])  # a fix writes only a file that is still these bytes
        try:
            if dask is not None:
                report = _dask_report(paths, cfg, dask)
            elif show:
                report = _with_progress(auditor, [str(p) for p in paths], files, changed, jobs)
            else:
                report = auditor.audit_paths([str(p) for p in paths], changed=changed, jobs=jobs)
        except KeyboardInterrupt:
            report = _interrupted(auditor)
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
        _config_error(e)
        return
    except ModelError as e:
        _fail(str(e))
        return
    report.warnings[:0] = notes
    if spool is not None:
        _rename_input(report, spool, shown)
    from .clustering import use_rules

    use_rules(report, auditor.ruleset)
    for w in report.warnings:
        _say(w, "negaudit: warning: ", "yellow")
    if fixing and report.interrupted:
        _say("negaudit: warning: --fix and --diff were not run: the audit was interrupted")
    elif fixing:
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
            if fix_output is None:
                from .locating import columns_from_files

                columns_from_files(report.findings)
        if diff:
            with _stdout():
                sys.stdout.flush()
            raise typer.Exit(EXIT_ERROR if report.errors else EXIT_FINDINGS if summary.records else EXIT_OK)
    # one audit, several outputs: the files first, then stdout
    for flag, target, fmt in extra_outputs + ([("--output", output, output_format)] if output is not None else []):
        try:
            write_report(str(target), _render(report, fmt, auditor, fix_strategy, show_info))
        except OSError as e:
            _fail(f"cannot write report to {target} ({flag}): {e.strerror or e}")
    if annotations and not (output is None and output_format is OutputFormat.github):
        from .formats import github

        if output is None and output_format is not OutputFormat.text:
            # stdout carries a machine-readable report: the annotations go to stderr, which the
            # Actions runner reads for workflow commands too, and the report stays parseable
            sys.stderr.write(github(report))
            sys.stderr.flush()
        else:
            with _stdout():
                sys.stdout.write(github(report))
    if output is not None:
        with _stdout():
            _terminal(report, _console(), auditor, show_info, False, fix_strategy, statistics)
    elif output_format is OutputFormat.text:
        with _stdout():
            _terminal(report, _console(), auditor, show_info, not quiet, fix_strategy, statistics)
    else:
        out = _render(report, output_format, auditor, fix_strategy)
        with _stdout():
            for chunk in (out,) if isinstance(out, bytes) else out:
                sys.stdout.buffer.write(chunk)
    if report.interrupted:
        raise typer.Exit(130)
    if report.errors:
        raise typer.Exit(EXIT_ERROR)
    if cfg.fail_on != "never" and not exit_zero:
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


@app.command("clean")
def clean() -> None:
    """Remove negaudit's caches (the record cache and the pattern analysis) from its cache folder."""
    from .analysiscache import clear, folder_path

    folder = folder_path()
    try:
        removed, freed = clear(folder)
    except OSError as e:
        _fail(f"cannot clean {folder}: {e.strerror or e}")
    if removed:
        _say(f"removed {removed} cache file{'s' if removed != 1 else ''} ({freed / 1e6:,.1f} MB) from "
             f"{folder}")
    else:
        _say(f"no negaudit cache files in {folder}")


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the JSON report (`check --output-format json`)."""
    from importlib.resources import files

    sys.stdout.write(files("negaudit").joinpath("report.schema.json").read_text(encoding="utf-8"))


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


def run() -> None:
    """The console-script entry point: the command, then the process ends without the interpreter's
    teardown (exiting.py)."""
    from .exiting import finish

    # one BLAS thread per process (spaCy's matrix products run on numpy's BLAS: matmul.py); -j N is
    # how a run uses more cores, and N workers with a thread pool each would contend for them
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        app()
    except SystemExit as e:
        finish(e.code)
    finish(0)


if __name__ == "__main__":  # pragma: no cover
    run()
