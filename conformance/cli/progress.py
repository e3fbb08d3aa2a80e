"""A progress line on a terminal: redrawn in place with a carriage return, wiped before the
report is written to the same terminal. The subcommands say what it holds."""

from __future__ import annotations

from typing import IO


class ProgressLine:
    """One line of stderr, drawn and cleared; the commands draw only where it is a terminal."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.shown = False

    def draw(self, text: str) -> None:
        self.stream.write(f"\r{text}   ")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()
            self.shown = False
