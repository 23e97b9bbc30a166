"""What every `flask ...` command shares: where messages and progress go, and the one progress bar."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import click

# Below this many steps a progress bar is only noise.
PROGRESS_MIN = 50


def stderr() -> TextIO:
    """Standard error, looked up at call time: the test runner swaps sys.stderr (click.get_text_stream is
    deprecated). Progress and messages for people go here; stdout is kept for data (e.g. an export)."""
    return sys.stderr


class Progress:
    """Counts finished steps. Call it, or its `update`, with the number of steps just done."""

    def __init__(self, bar=None, total: int = 0, err: TextIO | None = None) -> None:
        self._bar = bar
        self._total = total
        self._err = err
        self._interactive = bool(err is not None and err.isatty())
        self._done = 0
        self._next_mark = 10

    def update(self, n: int = 1) -> None:
        if self._bar is None:
            return
        self._bar.update(n)
        self._done += n
        if not self._interactive and self._done * 100 >= self._next_mark * self._total:
            click.echo(f"  {self._done}/{self._total} ({self._done * 100 // self._total}%)", file=self._err)
            self._next_mark = self._done * 100 // self._total // 10 * 10 + 10

    __call__ = update


@contextmanager
def progress(total: int, label: str) -> Iterator[Progress]:
    """A click progress bar on stderr for `total` steps; when stderr is not a terminal (logs, cron, CI), the
    label and a line every 10% instead. Fewer than PROGRESS_MIN steps show nothing.

    Matches the `progress(total, label)` factories that services accept (mail outbox, digests, open data).
    """
    err = stderr()
    if total < PROGRESS_MIN:
        yield Progress()
        return
    with click.progressbar(length=total, label=label, file=err, show_pos=True, show_percent=True) as bar:
        yield Progress(bar, total, err)


def fail(error) -> None:
    """Stop a command on a domain error: its summary, then one line per place it names (Invalid.fields)."""
    fields = (getattr(error, "details", None) or {}).get("fields") or {}
    lines = [error.text()] + [f"  - {place}: {message}" for place, message in fields.items()]
    raise click.ClickException("\n".join(lines))
