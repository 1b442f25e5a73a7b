"""CSV and TSV files: fact-check corpora (LIAR's headerless train.tsv) and headered tables."""
import json

from typer.testing import CliRunner

from negaudit.cli import app
from negaudit.config import from_mapping
from negaudit.csvreading import TableOptions, parse_format
from negaudit.errors import ConfigError
from negaudit.reading import read_records

LIAR_COLUMNS = ["id", "label", "statement", "subject", "speaker", "job_title", "state_info", "party_affiliation",
                "barely_true_counts", "false_counts", "half_true_counts", "mostly_true_counts",
                "pants_on_fire_counts", "context"]
# LIAR train.tsv rows: no header, 14 tab-separated columns, statements quoted with " at will
LIAR_ROWS = [
    ["1001.json", "pants-fire", "Says the county library was sold to a private casino in 2019.", "education",
     "jane-roe", "", "Ohio", "republican", "0", "1", "0", "0", "3", "a campaign mailer"],
    ["1002.json", "true", "The state spent more on prisons than on universities in 2012.", "budget",
     "john-doe", "State senator", "Texas", "democrat", "2", "0", "4", "1", "0", "a floor speech"],
    ["1003.json", "false", '"Every bridge in the city was built before 1950," he said.', "infrastructure",
     "joe-bloggs", "", "", "none", "0", "2", "0", "0", "0", "an interview"],
]


def write_tsv(path, rows, header=None):
    lines = (["\t".join(header)] if header else []) + ["\t".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def audit_file(auditor, path, opts=None, kind=None):
    out, errors = [], []
    for rec in read_records(str(path), table=opts, kind=kind):
        res = auditor.audit_record(rec)
        if res.error:
            errors.append((res.error.line, res.error.message))
        out += [f.to_dict() for f in res.findings]
    return out, errors


def test_headerless_liar_tsv_is_one_clear_error(tmp_path, auditor):
    p = write_tsv(tmp_path / "train.tsv", LIAR_ROWS)
    found, errors = audit_file(auditor, p)
    assert found == [] and len(errors) == 1
    line, msg = errors[0]
    assert line == 1 and "no header row" in msg and "columns=" in msg


def test_liar_tsv_with_named_columns_flags_the_pants_fire_statement(tmp_path, auditor):
    p = write_tsv(tmp_path / "train.tsv", LIAR_ROWS)
    opts = TableOptions(columns=LIAR_COLUMNS)
    recs = list(read_records(str(p), table=opts))
    assert [(r.line, r.index, r.data["statement"][:12]) for r in recs] == [
        (1, 0, "Says the cou"), (2, 1, "The state sp"), (3, 2, '"Every bridg')]  # the quote is a character
    assert recs[0].data["job_title"] is None  # an empty cell is absent
    found, errors = audit_file(auditor, p, opts)
    assert errors == []
    by_line = {f["line"]: f for f in found}
    assert sorted(by_line) == [1, 3]  # pants-fire and false; the true statement is not flagged
    f = by_line[1]
    assert (f["rule"], f["severity"], f["field"], f["trained"]) == ("NN201", "high", "/statement", True)
    assert f["claim"]["text"] == LIAR_ROWS[0][2]


def test_csv_with_header_quoted_newlines_and_a_bad_row(tmp_path, auditor):
    p = tmp_path / "claims.csv"
    p.write_text('claim,verdict,source\n'
                 '"The Great Wall of China is visible from the Moon\nwith the naked eye.",false,quiz\n'
                 'too,many,fields,here\n'
                 'Water boils at 100 C at sea level.,true,textbook\n', encoding="utf-8")
    recs = list(read_records(str(p)))
    assert [(r.line, r.error) for r in recs] == [
        (2, None), (4, "CSV row has 4 fields, the header has 3"), (5, None)]  # line = where the record starts
    found, errors = audit_file(auditor, p)
    assert errors == [(4, "CSV row has 4 fields, the header has 3")]
    assert [(f["line"], f["field"], f["rule"]) for f in found] == [(2, "/claim", "NN201")]


def test_text_and_label_columns_named_by_format(tmp_path, auditor):
    p = tmp_path / "tweets.csv"
    p.write_text("tweet,truth\nThe Eiffel Tower was moved to Berlin in 1999.,fabricated\n", encoding="utf-8")
    found, errors = audit_file(auditor, p)
    assert found == [] and len(errors) == 1 and "no text column" in errors[0][1] and "tweet, truth" in errors[0][1]
    cfg = from_mapping({"format": "csv:text=tweet:label=truth"}, "pyproject.toml")
    assert cfg.input_format == "csv" and cfg.table.text == ["tweet"] and cfg.table.label == ["truth"]
    assert cfg.fields.text_fields == ["tweet"] and cfg.fields.annotation_fields == ["truth"]
    # the CLI reads them the same way (test_cli_format_option_names_columns_and_refuses_to_fix)


def test_format_names_the_kind_of_a_file_whose_suffix_says_nothing(tmp_path, auditor):
    p = write_tsv(tmp_path / "liar.txt", LIAR_ROWS)
    found, errors = audit_file(auditor, p, TableOptions(columns=LIAR_COLUMNS), kind="tsv")
    assert errors == [] and sorted(f["line"] for f in found) == [1, 3]


def test_format_and_csv_config_errors():
    opts = TableOptions()
    assert parse_format("tsv:columns=id,label,statement:delimiter=tab", opts) == "tsv"
    assert opts.columns == ["id", "label", "statement"] and opts.delimiter == "\t"
    for bad, why in (("xlsx", "unknown format"), ("csv:text", "expected key=value"), ("jsonl:text=a", "csv and tsv only"),
                     ("csv:colour=red", "unknown key")):
        try:
            parse_format(bad, TableOptions())
        except ValueError as e:
            assert why in str(e)
        else:
            raise AssertionError(bad)
    cfg = from_mapping({"csv": {"columns": LIAR_COLUMNS, "delimiter": "\t"}}, ".negaudit.yaml")
    assert cfg.table.columns == LIAR_COLUMNS and cfg.table.delimiter == "\t"
    try:
        from_mapping({"csv": {"header": False}}, ".negaudit.yaml")
    except ConfigError as e:
        assert e.key == "csv.header"
    else:
        raise AssertionError("unknown csv key accepted")


def test_cli_format_option_names_columns_and_refuses_to_fix(tmp_path):
    p = tmp_path / "tweets.csv"
    p.write_text("tweet,truth\nThe Eiffel Tower was moved to Berlin in 1999.,fabricated\n"
                 "Paris is the capital of France.,accurate\n", encoding="utf-8")
    spec = "csv:text=tweet:label=truth"
    r = CliRunner().invoke(app, ["check", str(p), "--format", spec, "--output-format", "json"])
    rep = json.loads(r.stdout)
    assert r.exit_code == 1 and rep["summary"]["records"] == 2 and rep["errors"] == []
    assert [(f["line"], f["field"], f["trained"], f["qualifier"]["text"]) for f in rep["findings"]] == \
        [(2, "/tweet", True, "fabricated")]
    before = p.read_bytes()
    r = CliRunner().invoke(app, ["check", str(p), "--format", spec, "--fix"])
    assert r.exit_code == 2 and "--format csv" in r.stderr and p.read_bytes() == before
    r = CliRunner().invoke(app, ["check", str(p), "--format", "xlsx"])
    assert r.exit_code == 2 and "unknown format" in r.stderr


def test_tables_without_records_in_a_folder_are_skipped_with_a_warning(tmp_path, auditor):
    (tmp_path / "results.csv").write_text("model,accuracy\nbase,0.71\n", encoding="utf-8")
    write_tsv(tmp_path / "train.tsv", LIAR_ROWS)
    (tmp_path / "claims.csv").write_text("claim,label\nThe Moon is made of cheese.,false\n", encoding="utf-8")
    rep = auditor.audit_paths([str(tmp_path)])
    assert rep.errors == [] and rep.files == 1 and {f.path for f in rep.findings} == {str(tmp_path / "claims.csv")}
    assert sorted(w.split(": ", 1)[0] for w in rep.warnings) == [str(tmp_path / "results.csv"), str(tmp_path / "train.tsv")]
    assert all("skipped" in w for w in rep.warnings)
    named = auditor.audit_paths([str(tmp_path / "results.csv")])  # named explicitly: an error
    assert [e.message.split(" (")[0] for e in named.errors] == ["no text column in this CSV file"]


def test_unreadable_table_is_one_error(tmp_path, auditor):
    import gzip

    p = tmp_path / "blob.csv"
    p.write_bytes(b"claim,label\n" + bytes(range(128, 256)) * 50 + b"\n" * 100)
    found, errors = audit_file(auditor, p)
    assert found == [] and [(line, msg.split(" (")[0]) for line, msg in errors] == [(1, "not UTF-8 text at or after line 1")]
    z = tmp_path / "cut.tsv.gz"
    whole = gzip.compress(b"statement\tlabel\n" + b"The Moon is made of cheese.\tfalse\n" * 2000)
    z.write_bytes(whole[: len(whole) // 2])
    errors = [r.error for r in read_records(str(z)) if r.error]
    assert errors == ["cannot read: Compressed file ended before the end-of-stream marker was reached"]
