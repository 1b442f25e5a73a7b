"""negaudit: audit fine-tuning corpora for Negation Neglect."""
__version__ = "0.2.0"


def audit_records(records, config=None, path="<records>", on_error="warn"):
    """Audit an iterable of records; yields finding dicts (the JSON report's finding objects).

    on_error: "warn" (default), "raise" or "ignore" for records that cannot be audited."""
    from .engine import audit_records as _audit

    return _audit(records, config, path, on_error)


__all__ = ["__version__", "audit_records"]
