"""The progress line of a long editor action while the CLI waits for it."""

from __future__ import annotations

from typing import Any, TextIO


class Progress:
    """One line per action on ``stream``: the kind, date, state and elapsed time; rewritten in
    place on a terminal, a new line at each change of state (or 15 s) otherwise.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> Progress(out)({"kind": "send", "edition_date": "2026-11-28", "action": "a1", "state": "queued", "elapsed_s": 0})
    >>> out.getvalue()
    'send 2026-11-28 (a1): queued, 0 s\\n'
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.tty = stream, stream.isatty()
        self.width, self.shown = 0, ("", -1)

    def __call__(self, view: dict[str, Any]) -> None:
        state, elapsed = view["state"], float(view.get("elapsed_s") or 0)
        line = f"{view['kind']} {view['edition_date']} ({view['action']}): {state}, {elapsed:.0f} s"
        ended = state in ("done", "failed")
        if self.tty:
            self.stream.write("\r" + line.ljust(self.width) + ("\n" if ended else ""))
            self.width = len(line)
        elif (state, int(elapsed // 15)) != self.shown:
            self.stream.write(line + "\n")
        self.shown = (state, int(elapsed // 15))
        self.stream.flush()
