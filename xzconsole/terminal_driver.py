"""Textual's Linux driver made unable to hang on a terminal that has gone.

The rest of the mechanism — noticing a hang-up, the deadlines, the file
that never raises — is in :mod:`xzconsole.terminal_exit`, which explains
the deadlock in Textual this avoids.  The driver is a module of its own
because only a console drawing on a real terminal makes one: importing
Textual's ``linux_driver`` (tty, termios, its input parser and writer
thread: ≈2.7 ms) is left out of every headless run and out of the launch
until the driver is made (issue 11).  POSIX only: Textual's Windows driver
is used as it is.
"""

from __future__ import annotations

import threading
from typing import Any

from textual.app import App
from textual.drivers.linux_driver import LinuxDriver

from .terminal_exit import LeaveReason, TerminalFile, TerminalGuard


class GuardedLinuxDriver(LinuxDriver):
    """Textual's Linux driver, unable to hang on a terminal that has gone.

    * Its writer thread writes through a :class:`TerminalFile`, so it never
      dies, and reports a failed write to the app's :class:`TerminalGuard`.
    * Once the guard says output is dropped (a hang-up) or the writer has
      stopped, :meth:`write` returns at once instead of queueing, and
      :meth:`close` waits for the writer only briefly.
    * After a hang-up its input thread stops at once (it would spin on
      end-of-file).
    * A SIGCONT restarts application mode only after a SIGTSTP of its own
      (Ctrl+Z, ``fg``): the SIGCONT the kernel sends along with SIGHUP on a
      hang-up must not start a second writer into a dead terminal.
    """

    def __init__(self, app: App[Any], *, debug: bool = False, mouse: bool = True,
                 size: tuple[int, int] | None = None) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        guard = getattr(app, "terminal_guard", None)
        self._guard: TerminalGuard = guard if isinstance(guard, TerminalGuard) else TerminalGuard()
        self._suspended_by_us = False
        stream = self._file
        if stream is None:  # started without a stderr at all: there is no terminal to draw on
            raise RuntimeError("xzconsole：没有可用的终端（标准错误输出已关闭）")
        self._terminal = TerminalFile(stream, self._guard.terminal_broken, lambda: self._guard.drops_output)
        self._file = self._terminal  # type: ignore[assignment]  # what the WriterThread is given
        self._guard.add_listener(self._leaving)

    def _leaving(self, reason: LeaveReason) -> None:
        """Leaving begins (any thread).  After a hang-up stop the input
        thread now: reading a hung-up terminal returns end-of-file at once,
        for ever, and Textual's input loop would spin on it at full CPU —
        starving the very shutdown it waits for.  (On SIGTERM the input
        thread is stopped by the clean exit, which also turns mouse
        reporting off in a terminal that may still be in use.)"""
        if reason.drops_output:
            self.exit_event.set()

    @property
    def output_dropped(self) -> bool:
        """Whether nothing reaches the terminal any more."""
        return self._terminal.broken is not None or self._guard.drops_output

    def write(self, data: str) -> None:
        """Queue ``data`` for the terminal — unless nobody can receive it."""
        writer = self._writer_thread
        if writer is None or self.output_dropped or not writer.is_alive():
            return
        writer.write(data)

    def close(self) -> None:
        """Stop the writer thread; after a hang-up, wait for it at most half a second."""
        writer = self._writer_thread
        if writer is None or not writer.is_alive():
            return
        if not self.output_dropped:
            super().close()
            return
        # it discards what is left, so it normally stops at once; a daemon
        # thread that does not is left behind (the process is leaving)
        stopper = threading.Thread(target=writer.stop, name="xz-writer-stop", daemon=True)
        stopper.start()
        stopper.join(timeout=0.5)

    def _sigtstp_application(self, *_: Any) -> None:
        self._suspended_by_us = True
        super()._sigtstp_application(*_)

    def _sigcont_application(self, *_: Any) -> None:
        if not self._suspended_by_us or self._guard.leaving:
            return  # not a resume after our own Ctrl+Z: e.g. the SIGCONT of a hang-up
        self._suspended_by_us = False
        super()._sigcont_application(*_)
