"""JSON-lines protocol between the trainer and Ladder (src/training/run-trainer.ts).

Contract: stdout carries ONLY one JSON object per line, each with an "event" key
(start, phase, progress, eval, general_check, export, done, error). Everything else that
libraries print (transformers' log dicts, tqdm, warnings, native code) is sent to stderr,
which Ladder keeps as a debug log. To make that hold even for native writes to fd 1, the
real stdout is duplicated for our events and fd 1 is then pointed at stderr.
"""

from __future__ import annotations

import json
import math
import os
import sys
from typing import Any


class EventStream:
    def __init__(self) -> None:
        sys.stdout.flush()
        self._out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
        os.dup2(2, 1)
        sys.stdout = sys.stderr

    def emit(self, event: str, **fields: Any) -> None:
        record = {"event": event, **{k: _clean(v) for k, v in fields.items()}}
        self._out.write(json.dumps(record) + "\n")
        self._out.flush()


def _clean(value: Any) -> Any:
    """JSON has no NaN/Infinity; a diverged loss is reported as null rather than breaking the line."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value
