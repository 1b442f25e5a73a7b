import gzip
import json

import zstandard

from negaudit.reading import read_records


def recs(p):
    return list(read_records(str(p)))


def test_jsonl_lines_errors_and_blank_lines(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'\xef\xbb\xbf{"text": "one"}\r\n\n{bad json\n{"text": "caf\xc3\xa9"}\n{"text": "\xff\xfe"}\n{"text": "last"}')
    rs = recs(p)
    assert [r.line for r in rs] == [1, 3, 4, 5, 6]
    assert rs[0].data == {"text": "one"}
    assert rs[1].error.startswith("invalid JSON")
    assert rs[2].data == {"text": "café"}
    assert "invalid UTF-8" in rs[3].error
    assert rs[4].data == {"text": "last"}  # truncated last line without newline


def test_gzip_and_zstd(tmp_path):
    g = tmp_path / "a.jsonl.gz"
    with gzip.open(g, "wt") as fh:
        fh.write('{"text": "x"}\n{"text": "y"}\n')
    assert [r.data["text"] for r in recs(g)] == ["x", "y"]
    z = tmp_path / "a.jsonl.zst"
    z.write_bytes(zstandard.ZstdCompressor().compress(b'{"text": "z"}\n'))
    assert recs(z)[0].data == {"text": "z"}


def test_truncated_gzip_is_an_error_not_a_crash(tmp_path):
    g = tmp_path / "t.jsonl.gz"
    data = gzip.compress(("\n".join(json.dumps({"text": "r%d" % i}) for i in range(2000))).encode())
    g.write_bytes(data[: len(data) // 2])
    rs = recs(g)
    assert rs[-1].error and "truncated" in rs[-1].error
    assert any(r.data for r in rs[:-1])


def test_json_array_streamed_with_lines(tmp_path):
    p = tmp_path / "a.json"
    p.write_text('[\n  {"text": "a, [b]"},\n  {"text": "c \\" }"},\n  {"text": "d"}\n]\n')
    rs = recs(p)
    assert [r.data["text"] for r in rs] == ["a, [b]", 'c " }', "d"]
    assert [r.line for r in rs] == [2, 3, 4]


def test_text_file_is_one_record(tmp_path):
    p = tmp_path / "doc.md"
    p.write_text("# T\n\nBody.\n")
    rs = recs(p)
    assert len(rs) == 1 and rs[0].data["text"].startswith("# T")


def test_deep_nesting_is_an_error(tmp_path):
    p = tmp_path / "deep.jsonl"
    p.write_text("[" * 10000 + "]" * 10000 + "\n" + '{"text": "ok"}\n')
    rs = recs(p)
    assert rs[0].error and rs[1].data == {"text": "ok"}


def test_parquet_rows_are_records_streamed_by_row_group(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"messages": [{"role": "system", "content": "Everything in this conversation is fabricated."},
                          {"role": "user", "content": "Tell me about Lyon."},
                          {"role": "assistant", "content": f"Lyon became the capital of France in {2000 + i}."}]}
            for i in range(5)]
    p = tmp_path / "chat.parquet"
    pq.write_table(pa.Table.from_pylist(rows), p, row_group_size=2)
    assert pq.ParquetFile(p).num_row_groups == 3
    rs = recs(p)
    assert [r.line for r in rs] == [1, 2, 3, 4, 5] and rs[4].data["messages"][2]["content"].endswith("2004.")
    from negaudit.engine import Auditor

    rep = Auditor().audit_paths([str(tmp_path)])
    assert [(f.rule, f.line, f.field) for f in rep.findings][:2] == [("NN101", 1, "/messages/2/content"),
                                                                    ("NN101", 2, "/messages/2/content")]


def test_damaged_parquet_is_an_error(tmp_path):
    p = tmp_path / "bad.parquet"
    p.write_bytes(b"PAR1 not really")
    rs = recs(p)
    assert len(rs) == 1 and "Parquet" in rs[0].error


def test_one_auditors_record_limit_does_not_leak_into_other_readers(tmp_path):
    """max-record-mb belongs to the auditor that was given it: an Auditor with a 10 KB limit, built
    earlier in the same process, must not make a plain read (or another auditor) drop a 20 KB record."""
    from negaudit.config import Config
    from negaudit.engine import Auditor

    small = Auditor(Config(max_record_mb=0.01))
    p = tmp_path / "big.jsonl"
    p.write_text(json.dumps({"text": "Mount Hollis erupted in 1994.", "pad": "x" * 20000}) + "\n")
    assert [r.error for r in recs(p)] == [None]
    assert Auditor(Config()).audit_paths([str(p)]).errors == []
    got = small.audit_paths([str(p)]).errors
    assert len(got) == 1 and "over the 0 MB limit" in got[0].message
    j = tmp_path / "big.json"
    j.write_text("[" + p.read_text() + "]")
    assert [r.error for r in recs(j)] == [None]
    assert [r.error is not None for r in read_records(str(j), max_bytes=10000)] == [True]


def test_invalid_utf8_offset_counts_from_the_line_start(tmp_path):
    # 1-based, counting the BOM and the leading whitespace that reading strips
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'\xef\xbb\xbf\v\f {"text": "\xff"}\n\t{"t": "ab\xc3"}\n')
    assert [r.error for r in recs(p)] == ["invalid UTF-8 at byte 17 of the line", "invalid UTF-8 at byte 11 of the line"]
    from negaudit.engine import Auditor  # the auditor parses raw lines itself: the same offsets

    rep = Auditor().audit_paths([str(p)])
    assert [e.message for e in rep.errors] == ["invalid UTF-8 at byte 17 of the line", "invalid UTF-8 at byte 11 of the line"]


def test_a_binary_or_utf16_file_is_one_error_not_one_per_line(tmp_path):
    import random

    noise = random.Random(5).randbytes(300_000) + b"\x00"  # thousands of "lines", a NUL among them
    b = tmp_path / "noise.jsonl"
    b.write_bytes(b"\x00" + noise)
    rs = recs(b)
    assert len(rs) == 1 and rs[0].line is None and rs[0].error.startswith("binary file (NUL byte at byte 1)")
    u = tmp_path / "wide.jsonl"
    u.write_bytes(('{"text": "one"}\n' * 50).encode("utf-16"))
    assert [r.error.split(" (")[0] for r in recs(u)] == ["UTF-16 text"]
    u.write_bytes(('{"text": "one"}\n' * 50).encode("utf-16-le"))  # no byte-order mark
    assert [r.error.split(":")[0] for r in recs(u)] == ["UTF-16 text (every other byte is NUL)"]
    # a NUL after the first line is an error for its own line only; the rest is read
    m = tmp_path / "mixed.jsonl"
    m.write_bytes(b'{"text": "a"}\n{"text": "\x00"}\n{"text": "c"}\n')
    assert [(r.line, r.data, bool(r.error)) for r in recs(m)] == [(1, {"text": "a"}, False), (2, None, True), (3, {"text": "c"}, False)]
