"""Exceptions that the command line turns into exit code 2 with a clear message."""


class ConfigError(Exception):
    """Invalid configuration or rule pack: names the file, the key and the reason."""

    def __init__(self, path: str, key: str, reason: str) -> None:
        super().__init__(f"{path}: {key}: {reason}")
        self.path = path
        self.key = key
        self.reason = reason


class ModelError(Exception):
    """A spaCy pipeline that was asked for by name could not be loaded."""
