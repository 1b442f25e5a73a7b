"""Ending the `negaudit` process once a command has finished, without Python's interpreter teardown.

After a run, Python frees every object one by one before the process ends: spaCy's pipeline and
vocabulary, the lemma and inflection tables, the compiled rule packs. That takes about 0.2 s, on
every run with a model loaded, and nothing of it is the user's: the operating system reclaims the
memory at once. So the console command ends with `os._exit` after doing what a normal exit does
that matters:

- the exit handlers run (the analysis cache is saved, multiprocessing joins its children, logging
  flushes), in their usual order;
- standard output and standard error are flushed; a flush that fails (a closed pipe) falls back to
  Python's own exit, which reports it as it always does;
- the exit code is the one `sys.exit` would give: None is 0, an integer is itself, anything else is
  printed to standard error and gives 1.

It is used only by the console-script entry point, and only when the main thread is the only thread
left (a thread still running, such as a Dask client's, gets Python's normal exit, which waits for it).
Files a command writes are closed by the command itself (reports and fixes are written atomically),
so skipping the teardown loses nothing.
"""
from __future__ import annotations

import atexit
import os
import sys
import threading


def exit_code(code) -> int:
    """The process exit code `sys.exit(code)` gives (a message is printed, as Python prints it)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def finish(code) -> None:
    """End the process with `code` (a SystemExit code), skipping the interpreter teardown when safe."""
    if threading.active_count() > 1:
        sys.exit(code)
    status = exit_code(code)
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(status)  # Python's own exit reports a broken pipe as usual
    os._exit(status)


__all__ = ["exit_code", "finish"]
