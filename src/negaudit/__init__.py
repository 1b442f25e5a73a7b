"""negaudit: audit fine-tuning corpora for Negation Neglect.

The Python API (typed; see negaudit.api): audit_records, fix_records, class_label_names, and the
configuration types Config, FieldMapping, TableOptions, load_config.
"""
__version__ = "0.2.0"

from .api import FixedRecord, NegauditWarning, as_config, audit_records, class_label_names, fix_records  # noqa: E402
from .adapters import FieldMapping  # noqa: E402
from .config import Config, load_config  # noqa: E402
from .csvreading import TableOptions  # noqa: E402
from .errors import ConfigError  # noqa: E402
from .models import Finding  # noqa: E402

__all__ = ["__version__", "audit_records", "fix_records", "class_label_names", "as_config", "Finding",
           "FixedRecord", "NegauditWarning", "Config", "FieldMapping", "TableOptions", "load_config",
           "ConfigError"]
