"""Editing a JSON text in place: the bytes outside an edit are the bytes that were there.

A fixed record is never re-serialised. The value to change is located in the original line (the
last of duplicate keys, as parsers read it) and only the edited part of its JSON string literal is
replaced, escaped the way that literal is escaped. Whitespace, key order, number spelling (1.0,
1e400, big integers), other escapes and duplicate keys stay as written.
"""
from __future__ import annotations

import json
import re
from typing import Optional

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_WS = re.compile(rb"[ \t\r\n]*")
_SCALAR = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null|NaN|-?Infinity")
_ESCAPE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.", re.S)


class SpliceError(ValueError):
    """The line is not the JSON the record was read from (or holds what this module cannot follow)."""


def pointer_key(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def value_spans(raw: bytes) -> dict[str, tuple[int, int]]:
    """JSON pointer -> (start, end) byte span of every value in a JSON text. For a key that occurs
    more than once in an object, the last occurrence wins (and nothing under the earlier ones is kept),
    as json and orjson read it."""
    spans: dict[str, tuple[int, int]] = {}

    def ws(i: int) -> int:
        return _WS.match(raw, i).end()

    def expect(i: int, ch: bytes) -> int:
        if raw[i:i + 1] != ch:
            raise SpliceError(f"expected {ch!r} at byte {i}")
        return i + 1

    def value(i: int, ptr: str) -> int:
        i = ws(i)
        c = raw[i:i + 1]
        if c == b"{":
            j = ws(i + 1)
            if raw[j:j + 1] == b"}":
                end = j + 1
            else:
                while True:
                    m = _STRING.match(raw, j)
                    if m is None:
                        raise SpliceError(f"expected a key at byte {j}")
                    child = ptr + "/" + pointer_key(json.loads(m.group()))
                    if child in spans:  # a duplicate key: the later one is the value
                        for k in [k for k in spans if k == child or k.startswith(child + "/")]:
                            del spans[k]
                    j = value(expect(ws(m.end()), b":"), child)
                    j = ws(j)
                    if raw[j:j + 1] == b",":
                        j = ws(j + 1)
                        continue
                    end = expect(j, b"}")
                    break
        elif c == b"[":
            j = ws(i + 1)
            n = 0
            if raw[j:j + 1] == b"]":
                end = j + 1
            else:
                while True:
                    j = ws(value(j, f"{ptr}/{n}"))
                    n += 1
                    if raw[j:j + 1] == b",":
                        j += 1
                        continue
                    end = expect(j, b"]")
                    break
        elif c == b'"':
            m = _STRING.match(raw, i)
            if m is None:
                raise SpliceError(f"unterminated string at byte {i}")
            end = m.end()
        else:
            m = _SCALAR.match(raw, i)
            if m is None:
                raise SpliceError(f"unexpected byte at {i}")
            end = m.end()
        spans[ptr] = (i, end)
        return end

    try:
        end = value(0, "")
    except RecursionError:
        raise SpliceError("nested too deeply to edit in place") from None
    if ws(end) != len(raw):
        raise SpliceError("trailing bytes after the JSON value")
    return spans


def _byte_offsets(body: bytes, positions: list[int]) -> dict[int, int]:
    """Byte offset in a string literal's body (between the quotes) of each character position."""
    want = sorted(set(positions))
    out: dict[int, int] = {}
    k = 0
    char = pos = 0
    escapes = list(_ESCAPE.finditer(body))
    for m in escapes + [None]:
        run_end = m.start() if m is not None else len(body)
        run = body[pos:run_end].decode("utf-8")
        while k < len(want) and want[k] <= char + len(run):
            out[want[k]] = pos + len(run[:want[k] - char].encode("utf-8"))
            k += 1
        char += len(run)
        if m is None:
            break
        char += 1  # one escape is one character (a surrogate pair escape too)
        pos = m.end()
    if k < len(want):
        raise SpliceError("edit beyond the end of the string")
    return out


def escape_like(text: str, line: bytes) -> bytes:
    """`text` escaped for a JSON string in the style of `line`: a line that is pure ASCII stays pure
    ASCII (\\uXXXX escapes), otherwise non-ASCII characters are written as UTF-8; '/' is escaped when
    the line escapes it."""
    out = json.dumps(text, ensure_ascii=not re.search(rb"[\x80-\xff]", line))[1:-1]
    if b"\\/" in line:
        out = out.replace("/", "\\/")
    return out.encode("utf-8")


def splice_string(raw: bytes, span: tuple[int, int], edits: list[tuple[int, int, str]]) -> bytes:
    """`raw` with character ranges of the JSON string literal at `span` replaced ((start, end, text),
    offsets in the decoded string, not overlapping)."""
    s, e = span
    if raw[s:s + 1] != b'"' or raw[e - 1:e] != b'"':
        raise SpliceError("the value to edit is not a string")
    body = raw[s + 1:e - 1]
    where = _byte_offsets(body, [p for a, b, _t in edits for p in (a, b)])
    out = bytearray(body)
    for a, b, text in sorted(edits, key=lambda x: x[0], reverse=True):
        out[where[a]:where[b]] = escape_like(text, raw)
    return raw[:s + 1] + bytes(out) + raw[e - 1:]


def set_member(raw: bytes, spans: dict[str, tuple[int, int]], obj_ptr: str, key: str, value: bytes) -> bytes:
    """`raw` with `key` of the object at `obj_ptr` set to the JSON text `value` (replaced in place,
    or added as the last member in the line's separator style)."""
    child = obj_ptr + "/" + pointer_key(key)
    if child in spans:
        a, b = spans[child]
        return raw[:a] + value + raw[b:]
    s, e = spans[obj_ptr]
    if raw[s:s + 1] != b"{":
        raise SpliceError("not an object")
    last = e - 2
    while last > s and raw[last:last + 1] in b" \t\r\n":
        last -= 1
    obj = raw[s:e]
    item_sep = b", " if re.search(rb'(?:"|[0-9el\]}]), "', obj if b'",' in obj or b", " in obj else raw) else b","
    key_sep = b": " if re.search(rb'": ', obj if b'":' in obj else raw) else b":"
    member = json.dumps(key).encode() + key_sep + value
    if last == s:  # an empty object
        return raw[:s + 1] + member + raw[s + 1:]
    return raw[:last + 1] + item_sep + member + raw[last + 1:]


def pointer_of(ptr: str) -> str:
    """A segment pointer as a JSON pointer ('' is the whole record; a bare key is a top-level key)."""
    if ptr == "" or ptr.startswith("/"):
        return ptr
    return "/" + pointer_key(ptr)


def resolve(spans: dict[str, tuple[int, int]], ptr: str) -> Optional[tuple[int, int]]:
    return spans.get(pointer_of(ptr))
