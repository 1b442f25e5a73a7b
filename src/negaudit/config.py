"""Configuration: [tool.negaudit] in pyproject.toml or a .negaudit.yaml, validated strictly.

Unknown keys and wrong types raise ConfigError naming the file, the key and the reason (exit 2).
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from . import safeyaml
from .adapters import FieldMapping
from .csvreading import TableOptions, parse_format
from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MODEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
FAIL_ON = ("high", "medium", "low", "info", "never")
TRAIN_ON = ("responses", "all")
FIELD_KEYS = {"text": "text_fields", "untrained": "untrained_fields", "annotation": "annotation_fields"}
CSV_KEYS = ("columns", "text", "label", "delimiter")


@dataclass
class Config:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend: list[str] = field(default_factory=list)  # extra rule packs (paths)
    model: Optional[str] = None
    fail_on: str = "medium"
    fields: FieldMapping = field(default_factory=FieldMapping)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    max_record_mb: float = 8.0
    source: Optional[str] = None  # the file this came from
    input_format: Optional[str] = None  # read every file as this kind (reading.KINDS); None: by suffix
    table: TableOptions = field(default_factory=TableOptions)  # how CSV/TSV files are read

    def set_format(self, spec: str) -> None:
        """Apply a --format / `format` value: the file kind, and for CSV/TSV its columns. Raises ValueError."""
        self.input_format = parse_format(spec, self.table)
        self.columns_to_fields()

    def columns_to_fields(self) -> None:
        """Named text columns are trained text fields; named label columns are read as truth labels."""
        self.fields.text_fields += [c for c in self.table.text if c not in self.fields.text_fields]
        self.fields.annotation_fields += [c for c in self.table.label if c not in self.fields.annotation_fields]


def _str_list(path: str, key: str, v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    if not isinstance(v, list) or not all(isinstance(i, str) for i in v):
        raise ConfigError(path, key, "must be a list of strings")
    return list(v)


def from_mapping(data: Any, path: str, base_dir: Optional[Path] = None) -> Config:
    if not isinstance(data, dict):
        raise ConfigError(path, "tool.negaudit", "must be a table / mapping")
    cfg = Config(source=path)
    base_dir = base_dir or Path(path).parent
    for raw_key, v in data.items():
        key = str(raw_key).replace("_", "-")
        if key == "select":
            cfg.select = _str_list(path, raw_key, v)
        elif key == "ignore":
            cfg.ignore = _str_list(path, raw_key, v)
        elif key in ("extend", "extend-rules", "rule-packs"):
            cfg.extend = [str((base_dir / p).resolve()) if not os.path.isabs(p) else p
                          for p in _str_list(path, raw_key, v)]
        elif key == "model":
            # a config file may sit in the audited tree (a pull request): it may only name an installed
            # pipeline package, never a path or module from the tree (a path needs --model PATH)
            if not isinstance(v, str) or not MODEL_NAME.fullmatch(v):
                raise ConfigError(path, raw_key, "must be the name of an installed spaCy pipeline package "
                                                 "(a pipeline directory can only be given with --model PATH)")
            cfg.model = v
        elif key == "fail-on":
            if v not in FAIL_ON:
                raise ConfigError(path, raw_key, f"must be one of {', '.join(FAIL_ON)}, got {v!r}")
            cfg.fail_on = v
        elif key == "fields":
            if not isinstance(v, dict):
                raise ConfigError(path, raw_key, "must be a table with text / untrained / annotation lists")
            for fk, fv in v.items():
                if fk not in FIELD_KEYS:
                    raise ConfigError(path, f"{raw_key}.{fk}", f"unknown key (expected one of {', '.join(FIELD_KEYS)})")
                setattr(cfg.fields, FIELD_KEYS[fk], _str_list(path, f"{raw_key}.{fk}", fv))
        elif key == "suppression-field":
            if not isinstance(v, str) or not v:
                raise ConfigError(path, raw_key, "must be a field name")
            cfg.fields.suppression_field = v
        elif key == "train-on":
            if v not in TRAIN_ON:
                raise ConfigError(path, raw_key, f"must be one of {', '.join(TRAIN_ON)}, got {v!r}")
            cfg.fields.train_on = v
        elif key == "max-record-mb":
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                raise ConfigError(path, raw_key, "must be a positive number of megabytes")
            cfg.max_record_mb = float(v)
        elif key == "format":
            if not isinstance(v, str):
                raise ConfigError(path, raw_key, "must be a string such as 'tsv' or 'csv:text=COLUMN'")
            try:
                cfg.input_format = parse_format(v, cfg.table)
            except ValueError as e:
                raise ConfigError(path, raw_key, str(e)) from None
        elif key == "csv":
            if not isinstance(v, dict):
                raise ConfigError(path, raw_key, f"must be a table with {' / '.join(CSV_KEYS)}")
            for ck, cv in v.items():
                if ck not in CSV_KEYS:
                    raise ConfigError(path, f"{raw_key}.{ck}", f"unknown key (expected one of {', '.join(CSV_KEYS)})")
                if ck == "delimiter":
                    if not isinstance(cv, str) or len(cv.replace("\\t", "\t")) != 1:
                        raise ConfigError(path, f"{raw_key}.{ck}", "must be one character")
                    cfg.table.delimiter = cv.replace("\\t", "\t")
                else:
                    setattr(cfg.table, ck, _str_list(path, f"{raw_key}.{ck}", cv))
        elif key == "per-file-ignores":
            if not isinstance(v, dict):
                raise ConfigError(path, raw_key, "must be a table of glob -> list of rule codes")
            cfg.per_file_ignores = {str(g): _str_list(path, f"{raw_key}.{g}", codes) for g, codes in v.items()}
        else:
            raise ConfigError(path, str(raw_key), "unknown key")
    cfg.columns_to_fields()
    return cfg


def load_file(path: str) -> Config:
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            raw = fh.read(safeyaml.MAX_BYTES + 1)  # bounded: the file may be a link to /dev/zero
    except OSError as e:
        raise ConfigError(path, "-", f"cannot read config: {e.strerror or e}") from None
    if p.name == "pyproject.toml" or p.suffix == ".toml":
        if len(raw) > safeyaml.MAX_BYTES:
            raise ConfigError(path, "-", "the file is over 16 MB")
        try:
            doc = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(path, "-", f"invalid TOML: {e}") from None
        data = doc.get("tool", {}).get("negaudit", {})
        return from_mapping(data, path, p.parent)
    try:
        data = safeyaml.load(raw)
    except yaml.YAMLError as e:
        raise ConfigError(path, "-", f"invalid YAML: {e}") from None
    if data is None:
        data = {}
    return from_mapping(data, path, p.parent)


def discover(start: Optional[str] = None) -> Optional[str]:
    """The nearest .negaudit.yaml / .negaudit.yml, or pyproject.toml with [tool.negaudit], upwards."""
    d = Path(start or os.getcwd()).resolve()
    for cur in [d, *d.parents]:
        for name in (".negaudit.yaml", ".negaudit.yml"):
            if (cur / name).is_file():
                return str(cur / name)
        pp = cur / "pyproject.toml"
        if pp.is_file():
            try:
                doc = tomllib.loads(pp.read_text(encoding="utf-8"))
            except Exception:
                doc = {}
            if "negaudit" in doc.get("tool", {}):
                return str(pp)
        if (cur / ".git").exists():
            break
    return None


def load_config(path: Optional[str] = None, start: Optional[str] = None) -> Config:
    found = path or discover(start)
    if not found:
        return Config()
    return load_file(found)
