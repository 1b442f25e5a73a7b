"""Lines audited in earlier runs: their results kept between runs, so an unchanged line is not audited again.

A dataset file is audited again and again with few of its lines changed: a pre-commit hook on a file
with one edited record, a CI gate on a pull request that adds a shard, a re-run after a config fix.
The auditor's result for a line depends only on the line's bytes, the file's settings (the key
repeats.py uses within a run) and the auditor itself: its code, rule packs, models, configuration and
spaCy pipeline. So a line audited by a run with the same auditor gets the same result now, and its
result is replayed at its new place (path, line, record index), as a repeat within a run is.

Two files per auditor, named by its fingerprint, in the user's cache folder (`$NEGAUDIT_CACHE_DIR`,
else `$XDG_CACHE_HOME/negaudit`, else `~/.cache/negaudit`):
- `clean-*.bin`: the clean lines (no finding, no error, nothing suppressed; most lines of most
  corpora), as 16-byte keyed BLAKE2b digests in sorted order, nothing else. A file of at most `SMALL`
  digests is read into a set (so a small file's run imports no numpy); a larger one is memory-mapped
  as a numpy array and searched a batch at a time. At most `MAX_ENTRIES` (128 MB);
- `found-*.jsonl`: the lines with findings, one JSON object per line (the digest, the suppressed
  count, and the findings with their line relative to the record's), read when the run starts; at
  most `MAX_FOUND_BYTES` (64 MB).
Results with an error (a record without text, say) are not kept. The `KEEP` most recent auditors'
files are kept.

What the fingerprint covers, all by content and found without importing any of them: every file of
the installed package, the bytes of every rule pack, the whole configuration, the spaCy pipeline that
would be loaded (its package's meta.json, about.py and wheel RECORD; for a pipeline folder, its
meta.json and config.cfg, and the size and time of each of its files, the one part that is not by
content, since a pipeline saved again keeps those two) and the libraries a result depends on (spaCy,
thinc, numpy, regex, lemminflect, ahocorasick-rs: each one's `__init__` file and its wheel's RECORD,
which holds its version and every installed file's hash). No folder or modification time enters it,
so a cache restored on another machine with the same install (a CI runner) is used there. A cache file
that cannot be read is ignored, and one that cannot be written is not written. The cache is trusted
as the installed code is: a folder that others can write to can hide findings. `--no-cache`,
`NEGAUDIT_NO_CACHE=1` (this cache and the pattern-analysis cache) or `NEGAUDIT_NO_RECORD_CACHE=1`
(this one only) turn it off.
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import os
from pathlib import Path
from typing import Iterable, Optional

import orjson

from .analysiscache import OWN_FILES, cache_folder, write_file

DIGEST = 16
MAX_ENTRIES = 8 * 1024 * 1024
SMALL = 65_536  # digests read into a set rather than memory-mapped (1 MB)
MAX_FOUND_BYTES = 64 * 1024 * 1024
KEEP = 4
PREFIX = "clean-"
FOUND = "found-"
CLEAN = "clean"  # what `known` says of a line clean in an earlier run
# the libraries whose version can change a result (parses, lemmas, matches, probabilities)
LIBRARIES = ("spacy", "thinc", "numpy", "regex", "lemminflect", "ahocorasick_rs")
_PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Optional[Path]:
    """The cache folder (the pattern-analysis cache's), or None when this cache is off."""
    if os.environ.get("NEGAUDIT_NO_RECORD_CACHE"):
        return None
    return cache_folder()


def _content_into(h, label: str, path: Path, keep=None) -> None:
    """A file's bytes (those of its lines `keep` accepts, if given) under a label that names no
    machine's folders or times: the same install on another machine (a CI runner, a colleague's
    checkout) gets the same fingerprint, and a file touched but not changed keeps it."""
    h.update(f"{label}\0".encode("utf-8", "surrogateescape"))
    try:
        data = path.read_bytes()
    except OSError:
        h.update(b"missing\n")
        return
    if keep is not None:
        data = b"\n".join(line for line in data.splitlines() if keep(line))
    h.update(len(data).to_bytes(8, "little") + hashlib.blake2b(data, digest_size=DIGEST).digest())


def _files_under(top: Path):
    """Every file below `top`, in a fixed order, without bytecode caches."""
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        yield from (Path(root) / f for f in sorted(files))


def _package_files() -> list[Path]:
    return [p for p in _files_under(_PACKAGE) if not p.name.endswith((".pyc", ".pyo"))]


def _dist_records(site: Path, name: str, listings: dict) -> list[Path]:
    """The RECORD files of the installed distributions of `name` in `site` (a wheel's RECORD lists the
    hash of every file it installed, so it changes with any upgrade)."""
    entries = listings.get(site)
    if entries is None:
        try:
            entries = listings[site] = sorted(os.listdir(site))
        except OSError:
            entries = listings[site] = []
    def norm(n: str) -> str:  # a distribution's name as wheels write it
        return n.lower().replace("-", "_").replace(".", "_")

    # "spacy-3.8.18.dist-info": the name before the version
    return [site / e / "RECORD" for e in entries
            if e.endswith(".dist-info") and norm(e[:-len(".dist-info")].rpartition("-")[0]) == norm(name)]


def _record_into(h, record: Path) -> None:
    """A wheel's RECORD, without the files it installed outside its site folder: a console script
    there ("../../../bin/spacy") starts with the path of the environment's Python, which differs
    between two installs of the same version."""
    _content_into(h, record.parent.name, record, keep=lambda line: not line.startswith((b"../", b"..\\")))


def _stat_tree_into(h, top: Path, limit: int = 20_000) -> None:
    """The files under `top` by size and modification time: for what has no content record (a pipeline
    folder a user saves again, a library installed without a wheel RECORD), as a local folder is known."""
    for n, path in enumerate(_files_under(top)):
        if n >= limit:
            return
        try:
            st = path.stat()
        except OSError:
            continue
        h.update(f"{path.relative_to(top)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))


def _pipeline_into(h, model: Optional[str]) -> None:
    """What identifies the spaCy pipeline a run would load, found without importing spaCy."""
    from .nlp import DEFAULT_MODELS, PACKAGE_NAME

    listings: dict = {}
    for name in LIBRARIES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        h.update(f"library {name}\n".encode())
        if spec is not None and spec.origin:
            origin = Path(spec.origin)
            _content_into(h, "origin", origin)  # an editable install's code changes here
            site = origin.parent.parent if spec.submodule_search_locations else origin.parent
            records = _dist_records(site, name, listings)
            for record in records:
                _record_into(h, record)  # the version and its files' hashes
            if not records:
                # no wheel RECORD beside it (an editable or egg install, a distribution's own build):
                # an upgrade need not change the __init__ file, so its files' sizes and times count
                _stat_tree_into(h, origin.parent if spec.submodule_search_locations else origin)
    for name in ((model,) if model else DEFAULT_MODELS):
        h.update(f"model {name}\n".encode("utf-8", "surrogateescape"))
        if name == "blank":
            continue
        if os.path.isdir(name):  # a pipeline directory
            _content_into(h, "meta.json", Path(name) / "meta.json")
            _content_into(h, "config.cfg", Path(name) / "config.cfg")
            # a user's own pipeline, saved again with the same meta.json: its weights' sizes and times
            # tell (a folder on this machine only; the installed packages below are hashed by content)
            _stat_tree_into(h, Path(name))
            continue
        if not PACKAGE_NAME.fullmatch(name):
            continue  # neither a folder nor a package name: loading it fails, and nothing is imported here
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        for loc in (spec.submodule_search_locations or []) if spec is not None else []:
            for leaf in ("meta.json", "about.py"):
                _content_into(h, leaf, Path(loc) / leaf)
            for record in _dist_records(Path(loc).parent, name, listings):
                _record_into(h, record)  # the hashes of the pipeline's weights, as installed


def fingerprint(config, packs: Iterable[Path]) -> bytes:
    """The auditor's fingerprint: its code, rule packs, configuration and spaCy pipeline, by content
    (never by a file's place or modification time, so that a restored cache serves another machine
    with the same install)."""
    from .rules import builtin_rules_dir

    h = hashlib.blake2b(digest_size=DIGEST, person=b"negaudit-clean")
    for p in _package_files():
        _content_into(h, p.relative_to(_PACKAGE).as_posix() if p.is_relative_to(_PACKAGE) else str(p), p)
    builtin = builtin_rules_dir()
    for p in packs:
        p = Path(p)
        label = "builtin/" + p.name if p.parent == builtin else str(p)
        _content_into(h, "pack " + label, p)
    h.update(repr(config).encode("utf-8", "surrogateescape"))
    _pipeline_into(h, getattr(config, "model", None))
    return h.digest()


class RecordCache:
    """The results of the lines that earlier runs with this auditor audited, and those this run adds."""

    def __init__(self, folder: Path, auditor: bytes) -> None:
        self.auditor = auditor
        self.folder = folder
        self.path = folder / f"{PREFIX}{auditor.hex()}.bin"
        self.found_path = folder / f"{FOUND}{auditor.hex()}.jsonl"
        self._known = _read_clean(self.path)  # a set or a memory-mapped sorted array, when there is a file
        self._new = bytearray()
        self._found: dict[bytes, bytes] = {}  # digest -> its JSON entry (from disk, and this run's)
        self._found_bytes = 0
        self._added_found = False
        try:
            with open(self.found_path, "rb") as fh:
                for line in fh:
                    key, sep, entry = line.rstrip(b"\n").partition(b" ")
                    if sep and len(key) == 2 * DIGEST:
                        try:
                            self._found[bytes.fromhex(key.decode("ascii"))] = entry
                        except ValueError:
                            continue  # a damaged line: that record is audited again
                        self._found_bytes += len(line)
        except OSError:
            pass

    def known_auditor(self) -> bool:
        """Did an earlier run with this fingerprint keep a line? Then it built these same detectors (a
        run keeps nothing before it has built them, and the fingerprint holds all they are built from)."""
        return bool(self._found) or (self._known is not None and len(self._known) > 0)

    def known(self, digests: list[bytes]) -> list:
        """For each digest: CLEAN, the JSON entry of its findings, or None (not audited before)."""
        out: list = [self._found.get(d) for d in digests] if self._found else [None] * len(digests)
        arr = self._known
        if isinstance(arr, frozenset):
            for i, d in enumerate(digests):
                if out[i] is None and d in arr:
                    out[i] = CLEAN
        elif arr is not None and digests:
            import numpy as np

            q = np.frombuffer(b"".join(digests), dtype=f"S{DIGEST}")
            idx = np.minimum(np.searchsorted(arr, q), len(arr) - 1)
            for i, hit in enumerate((arr[idx] == q).tolist()):
                if hit and out[i] is None:
                    out[i] = CLEAN
        return out

    def keep(self, digest: bytes, result, line: int) -> None:
        """Keep what this run found on a line (`result`, its RecordResult; `line`, the record's line):
        a clean result (no finding, no error, nothing suppressed) as clean, one with findings as its
        entry, one with an error not at all."""
        if result.error is not None or not result.counted:
            return
        if result.findings or result.suppressed:
            self.add_found(digest, result, line)
        else:
            self.add(digest)

    def add(self, digest: bytes) -> None:
        """A line this run found clean (kept up to MAX_ENTRIES in all)."""
        if len(self._new) < MAX_ENTRIES * DIGEST:
            self._new += digest

    def add_found(self, digest: bytes, result, line: int) -> None:
        """A line this run found findings on (`result`, a RecordResult without error; `line`: the
        record's line, which its findings' lines are kept relative to)."""
        if digest in self._found or self._found_bytes >= MAX_FOUND_BYTES:
            return
        try:
            entry = encode(result, line)
        except (TypeError, ValueError):
            return  # a value JSON cannot hold (a lone surrogate from a \ud800 escape): audited every time
        self._found[digest] = entry
        self._found_bytes += len(entry) + 2 * DIGEST + 2
        self._added_found = True

    def save(self) -> None:
        """Write what this run added, each file atomically (a failure leaves the old file)."""
        try:
            if self._new:
                self._save_clean()
            if self._added_found:
                write_file(self.found_path, lambda fh: fh.writelines(
                    k.hex().encode("ascii") + b" " + e + b"\n" for k, e in self._found.items()))
                self._added_found = False
            _prune(self.folder, (self.path, self.found_path))
        except OSError:
            pass  # a read-only cache folder: the next run audits these lines again

    def _save_clean(self) -> None:
        raw, old = bytes(self._new), self._known
        n_old = 0 if old is None else len(old)
        if n_old + len(raw) // DIGEST <= SMALL:  # small: in Python, no numpy import
            both = {raw[i:i + DIGEST] for i in range(0, len(raw), DIGEST)}
            both.update(old or ())
            data = b"".join(sorted(both))
            write_file(self.path, lambda fh: fh.write(data))
        else:
            import numpy as np

            new = np.unique(np.frombuffer(raw, dtype=f"S{DIGEST}"))
            if isinstance(old, frozenset):
                old = np.frombuffer(b"".join(sorted(old)), dtype=f"S{DIGEST}")
            if old is not None and len(old) and len(old) + len(new) <= MAX_ENTRIES:
                pos = np.searchsorted(old, new)
                fresh = (pos >= len(old)) | (old[np.minimum(pos, len(old) - 1)] != new)
                merged = np.insert(np.asarray(old), pos[fresh], new[fresh])
            else:
                merged = new[:MAX_ENTRIES]  # no file yet, or a full one: started again from this run's lines
            write_file(self.path, lambda fh: fh.write(merged.tobytes()))
        self._new = bytearray()


def _read_clean(path: Path):
    """The clean digests of a file: a frozenset for a small file, a memory-mapped sorted array for a
    large one, None for no file or a damaged one (its length not a whole number of digests; an
    unsorted file can only make lookups miss)."""
    try:
        size = path.stat().st_size
        if size == 0 or size % DIGEST:
            return None
        if size <= SMALL * DIGEST:
            data = path.read_bytes()
            if len(data) != size:
                return None
            return frozenset(data[i:i + DIGEST] for i in range(0, size, DIGEST))
        import numpy as np

        return np.memmap(path, dtype=f"S{DIGEST}", mode="r")
    except (OSError, ValueError):
        return None


_FIELDS: Optional[tuple[str, ...]] = None


def encode(result, line: int) -> bytes:
    """A result's JSON entry: its suppressed count and its findings, every field of each (the report's
    and the ones it leaves out), each line relative to the record's."""
    global _FIELDS
    if _FIELDS is None:
        from .models import Finding

        _FIELDS = tuple(f.name for f in dataclasses.fields(Finding) if f.name not in ("path", "record"))
    from .clustering import claim_keys

    found = []
    for f in result.findings:
        d = {k: getattr(f, k) for k in _FIELDS}
        d["line"] = f.line - line
        found.append(d)
    # the claims' cluster keys too: a warm run then lemmatises nothing (and so imports no spaCy)
    keys = {t: None if k is None else [sorted(k.lemmas), sorted(k.numbers), sorted(k.names), k.digest.hex()]
            for t, k in claim_keys(result.findings).items()}
    return orjson.dumps({"suppressed": result.suppressed, "findings": found, "keys": keys})


def decode(entry: bytes, rec):
    """The result an entry records, placed at `rec` (its path, line and record index); None when the
    entry cannot be read (the record is audited again)."""
    from .clustering import ClaimKey, remember_keys
    from .engine import RecordResult
    from .models import Finding

    try:
        d = orjson.loads(entry)
        line = rec.line or 0
        findings = [Finding(**{**f, "path": rec.path, "line": f["line"] + line, "record": rec.index})
                    for f in d["findings"]]
        keys = {t: None if k is None else ClaimKey(frozenset(k[0]), frozenset(k[1]), frozenset(k[2]), bytes.fromhex(k[3]))
                for t, k in d["keys"].items()}
        result = RecordResult(findings, suppressed=int(d["suppressed"]))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None
    remember_keys(keys)
    return result


def _prune(folder: Path, current: tuple[Path, ...]) -> None:
    """Keep the KEEP most recently written auditors' files of each kind (an older auditor's file is
    never read again once its code or rules have changed)."""
    try:
        files = [sorted((p for p in folder.glob(pattern) if OWN_FILES.fullmatch(p.name)),
                        key=lambda p: p.stat().st_mtime_ns, reverse=True)
                 for pattern in (f"{PREFIX}*.bin", f"{FOUND}*.jsonl")]  # only names negaudit writes
    except OSError:
        return
    for p in files[0][KEEP:] + files[1][KEEP:]:
        if p not in current:
            try:
                p.unlink()
            except OSError:
                pass


def open_cache(config, packs: Iterable[Path]) -> Optional[RecordCache]:
    """This auditor's cache, or None when caching is off."""
    from .nlp import DEFAULT_MODELS, pipeline_package

    folder = cache_dir()
    if folder is None:
        return None
    if not getattr(config, "model", None) and not any(pipeline_package(n) for n in DEFAULT_MODELS):
        return None  # the blank fallback: each run audits, and so warns that detection is degraded
    return RecordCache(folder, fingerprint(config, packs))


__all__ = ["RecordCache", "CLEAN", "encode", "decode", "open_cache", "fingerprint", "cache_dir", "MAX_ENTRIES", "KEEP"]
