"""negaudit: audit fine-tuning corpora for Negation Neglect."""
__version__ = "0.1.0"


def audit_records(records, config=None, path="<records>"):
    """Audit an iterable of records; yields finding dicts (the JSON report's finding objects)."""
    from .engine import audit_records as _audit

    return _audit(records, config, path)


__all__ = ["__version__", "audit_records"]
