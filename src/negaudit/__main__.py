"""`python -m negaudit`, which must not import modules from the current directory.

`python -m` puts the current directory at the front of sys.path. In a checkout under audit (a pull
request), a `zstandard.py` or a fake model package there would then be imported and run. Those
entries are removed before anything else is imported. This does not protect against a `negaudit/`
package in the current directory, which Python imports before this file runs. The console script
(`negaudit`) and `python -P -m negaudit` never put the current directory on sys.path.
"""
import os
import sys


def _without_cwd(path: list) -> list:
    try:
        cwd = os.path.realpath(os.getcwd())
    except OSError:  # the current directory was removed: drop only the relative entries
        cwd = None
    kept = []
    for entry in path:
        if entry in ("", "."):
            continue
        if cwd is not None and os.path.realpath(entry) == cwd:
            continue
        kept.append(entry)
    return kept


sys.path[:] = _without_cwd(sys.path)

from negaudit.cli import run  # noqa: E402  (after the sys.path clean-up on purpose)

run()
