"""Leaving when the terminal goes away — always, and within two seconds.

Staff reach the console over SSH; connections drop.  A console whose terminal
is gone must end, or orphaned processes pile up on the server, each holding
memory and a database connection (issue 19; the same trap as dolphie#101).

**Why Textual alone can hang.**  Textual's ``LinuxDriver`` hands every write
to a ``WriterThread`` through a queue of 30 entries.  The thread has no error
handling: the first write to a hung-up terminal raises ``OSError(EIO)`` and the
thread dies.  The driver keeps queueing (a frame, then the fifteen or so
escape sequences of its own shutdown), and the 31st ``Queue.put`` waits for
ever — on the event loop's thread, so nothing scheduled on the loop (the old
SIGHUP handler was) can run again, and a fresh ``kill -HUP`` does nothing.
The kernel makes it worse: with a hang-up it sends SIGHUP *and* SIGCONT, and
Textual's SIGCONT handler restarts "application mode" inline in the main
thread — a second writer thread (the one found waiting in ``Queue.get`` in the
issue's stack dump) while the main thread is still stuck on the first queue.
Measured before this module (``tests/exit_harness.py``): 17 of 20 consoles
whose pty master was closed at a random moment in their first two seconds
were still there, with exactly the issue's stacks.  A console whose terminal
is gone *without* a SIGHUP (not its controlling terminal) fared worse: its
input thread busy-looped on end-of-file, for ever (dolphie#101).

**What this module does**, in three layers:

1. *Noticing.*  :class:`TerminalGuard` runs one small daemon thread that learns
   of SIGHUP and SIGTERM through :func:`signal.set_wakeup_fd` (the C-level
   handler writes the signal number to the guard's pipe the moment the signal
   arrives — even when the main thread is blocked) and of a hung-up terminal
   through ``poll()`` reporting POLLHUP on it.  A write that fails with EIO or
   EPIPE reports the same (:class:`TerminalFile`).  The Python-level signal
   handlers do nothing at all.
2. *A clean exit that cannot block on a dead terminal.*  The guard schedules
   the app's exit on its event loop (``call_soon_threadsafe``) and nothing
   else.  :class:`~xzconsole.terminal_driver.GuardedLinuxDriver` drops output
   once the terminal is gone (or the session hung up), never lets a writer
   thread die, never waits for a dead one, stops its input thread at once (it
   would spin on end-of-file), and ignores a SIGCONT it did not ask for.
3. *A last resort.*  When leaving begins, the guard arms two deadlines: its own
   thread calls :func:`os._exit` after :data:`CLEAN_EXIT_SECONDS`, and a kernel
   interval timer (``setitimer``; SIGALRM's default action ends the process)
   fires after :data:`HARD_STOP_SECONDS` in case the interpreter itself is
   wedged (a C call holding the GIL, or interpreter teardown, where Python
   threads no longer run).  Both are armed by Python code in the guard's
   thread, so a process whose main thread already held the GIL for ever
   *before* the signal came is out of their reach — a hang of its own kind,
   not one a terminal causes.

**Nothing committed is lost.**  Ending the process at any instant is safe for
the database: SQLite commits atomically.  In WAL mode a transaction is
committed when its commit record is written to the ``-wal`` file; a process
that dies before that leaves frames without a commit record, which every
reader and the next writer ignore (and WAL recovery discards).  A transaction
that did commit is in the WAL (in the operating system's page cache, which a
process's death does not touch; ``synchronous=NORMAL`` only trades durability
against a *power* failure, not a killed process) and is checkpointed later by
whichever connection comes next.  So a write either finished before the exit
or is rolled back by SQLite — the same guarantee SPEC §12 asks of a killed
process.
"""

from __future__ import annotations

import enum
import errno
import os
import select
import signal
import sys
import threading
import time
from asyncio import AbstractEventLoop
from collections.abc import Callable
from typing import IO, Any

#: After leaving begins, the guard's own thread ends the process at this point
#: if the clean exit (Textual's shutdown, closing the store) has not finished.
#: A clean exit takes 0.2–0.4 s on an idle machine and rarely more than a
#: second on two cores shared by six consoles; the issue allows 2 s from the
#: signal, and the guard needs a moment of CPU to hear of it.
CLEAN_EXIT_SECONDS = 1.2
#: The kernel's timer, for when no Python thread can run any more.
HARD_STOP_SECONDS = 1.5

#: errno values that mean "this terminal is gone for good" when a write fails.
GONE_ERRNOS = frozenset({errno.EIO, errno.EPIPE, errno.ENXIO, errno.EBADF, errno.ECONNRESET, errno.ENODEV})

_POLL_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL
_WAKE_STOP = 0  # not a signal number: "the guard's thread should stop"


class LeaveReason(enum.Enum):
    """Why the console is leaving on its own (not because the user pressed q)."""

    HANGUP = "hangup"                # SIGHUP: the SSH session or the terminal window closed
    TERMINATE = "terminate"          # SIGTERM: stopped by an administrator, systemd, a shutdown
    TERMINAL_GONE = "terminal_gone"  # a write failed (EIO/EPIPE) or the terminal reported a hang-up

    @property
    def drops_output(self) -> bool:
        """Whether output is thrown away from now on.  After a hang-up nobody
        is looking, and writing could only block; on SIGTERM the terminal may
        still be there, so it is put back the way it was found (alternate
        screen off, cursor on, line mode) — the deadlines cover a stalled one."""
        return self is not LeaveReason.TERMINATE

    @property
    def exit_status(self) -> int:
        """The status the watchdog exits with: 128 + the signal, as a shell
        reports a process ended by that signal (129 SIGHUP, 143 SIGTERM)."""
        signum = signal.SIGTERM if self is LeaveReason.TERMINATE else getattr(signal, "SIGHUP", signal.SIGTERM)
        return 128 + int(signum)


def _reason_of(signum: int) -> LeaveReason | None:
    if signum == getattr(signal, "SIGHUP", None):
        return LeaveReason.HANGUP
    if signum == signal.SIGTERM:
        return LeaveReason.TERMINATE
    return None


def _ignore_signal(signum: int, frame: Any) -> None:
    """The Python-level handler for SIGHUP and SIGTERM: nothing.

    It must exist — only signals with a Python handler are written to the
    wakeup fd — but it runs in the main thread between bytecodes, possibly in
    the middle of Textual's driver or a Queue operation, so it touches nothing.
    The guard's thread does the work."""


class TerminalGuard:
    """Notices that the console must leave and makes sure it does.

    One per app.  :meth:`attach` (from the app's ``on_load``) gives it the
    event loop and the callback that exits the app; :meth:`install` (just
    before the app runs, in the main thread) starts watching;
    :meth:`finish` (when the app has returned) stops watching — unless leaving
    has begun, in which case the deadlines stay armed until the process ends.
    :meth:`begin` may be called from any thread, never from a signal handler.
    """

    def __init__(self, clean_exit_seconds: float = CLEAN_EXIT_SECONDS,
                 hard_stop_seconds: float = HARD_STOP_SECONDS) -> None:
        self.clean_exit_seconds = clean_exit_seconds
        self.hard_stop_seconds = hard_stop_seconds
        self.reason: LeaveReason | None = None
        self.began_at: float | None = None
        self._lock = threading.Lock()
        self._loop: AbstractEventLoop | None = None
        self._on_leave: Callable[[LeaveReason], None] | None = None
        self._installed = False
        self._thread: threading.Thread | None = None
        self._wake_r = -1
        self._wake_w = -1
        self._previous_wakeup_fd = -1
        self._previous_handlers: dict[int, Any] = {}
        self._tty_fds: list[int] = []
        self._deadline: float | None = None
        self._listeners: list[Callable[[LeaveReason], None]] = []

    # -- state seen by the driver -------------------------------------------------
    @property
    def leaving(self) -> bool:
        """Whether leaving has begun (for any reason)."""
        return self.reason is not None

    @property
    def drops_output(self) -> bool:
        """Whether the terminal is to be left alone from now on."""
        reason = self.reason
        return reason is not None and reason.drops_output

    # -- wiring ------------------------------------------------------------------------
    def attach(self, loop: AbstractEventLoop, on_leave: Callable[[LeaveReason], None]) -> LeaveReason | None:
        """Give the guard the app's event loop and the callback that makes the
        app exit (run on that loop).  Returns the reason when leaving was asked
        for before the loop existed (a hang-up during start-up): the caller
        then leaves at once."""
        with self._lock:
            self._loop = loop
            self._on_leave = on_leave
            return self.reason

    def add_listener(self, callback: Callable[[LeaveReason], None]) -> None:
        """Call ``callback(reason)`` when leaving begins, in the thread that
        noticed (the driver stops reading a dead terminal this way)."""
        self._listeners.append(callback)

    def detach(self) -> None:
        """The loop is finished: nothing more can be scheduled on it."""
        with self._lock:
            self._loop = None

    def install(self, tty_fds: list[int] | None = None) -> None:
        """Start watching: the guard's thread, the wakeup fd and the SIGHUP /
        SIGTERM handlers (the last two only in the main thread, where Python
        allows them), and ``poll()`` on the terminal's descriptors (stdin and
        stderr by default, where they are terminals)."""
        if self._installed:
            return
        if tty_fds is None:
            tty_fds = _terminal_fds()
        self._tty_fds = list(dict.fromkeys(tty_fds))
        self._wake_r, self._wake_w = os.pipe()
        for fd in (self._wake_r, self._wake_w):
            os.set_blocking(fd, False)
            os.set_inheritable(fd, False)
        self._installed = True
        self._thread = threading.Thread(target=self._watch, name="xz-terminal-guard", daemon=True)
        self._thread.start()
        if threading.current_thread() is not threading.main_thread():
            return
        # the C-level handler writes each caught signal's number to the pipe, at
        # once, whatever the main thread is doing (blocked in a queue, in SQLite…)
        self._previous_wakeup_fd = signal.set_wakeup_fd(self._wake_w, warn_on_full_buffer=False)
        for signum in _watched_signals():
            self._previous_handlers[signum] = signal.getsignal(signum)
            signal.signal(signum, _ignore_signal)
        # SIGALRM must keep its default action (end the process) for the hard stop
        if hasattr(signal, "SIGALRM"):
            self._previous_handlers.setdefault(signal.SIGALRM, signal.getsignal(signal.SIGALRM))
            signal.signal(signal.SIGALRM, signal.SIG_DFL)

    def finish(self) -> None:
        """The app has returned.  Put the signal handlers and the wakeup fd
        back; stop the thread — unless leaving has begun: then the thread (and
        the kernel timer) stay until the process has ended, so a slow
        interpreter teardown (a worker thread still running, a stalled flush)
        cannot keep it alive."""
        if not self._installed:
            return
        self.detach()
        if threading.current_thread() is threading.main_thread():
            for signum, handler in self._previous_handlers.items():
                if handler is not None:
                    signal.signal(signum, handler)
            self._previous_handlers.clear()
            try:
                signal.set_wakeup_fd(self._previous_wakeup_fd)
            except ValueError:  # the previous fd was closed meanwhile
                signal.set_wakeup_fd(-1)
        if self.leaving:
            return
        self._installed = False
        self._wake(_WAKE_STOP)
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass
        self._wake_r = self._wake_w = -1

    # -- leaving -----------------------------------------------------------------------
    def begin(self, reason: LeaveReason) -> None:
        """Leave: schedule the app's exit on its event loop and arm the
        deadlines.  Idempotent (the first reason wins); any thread."""
        with self._lock:
            if self.reason is not None:
                return
            self.reason = reason
            self.began_at = time.monotonic()
            loop, on_leave, listeners = self._loop, self._on_leave, list(self._listeners)
            if self._installed:
                self._deadline = self.began_at + self.clean_exit_seconds
                if hasattr(signal, "setitimer"):
                    signal.setitimer(signal.ITIMER_REAL, self.hard_stop_seconds)
        if loop is not None and on_leave is not None:
            try:
                loop.call_soon_threadsafe(on_leave, reason)
            except RuntimeError:
                pass  # the loop has closed: the app is already on its way out
        for listener in listeners:
            try:
                listener(reason)
            except Exception:  # noqa: BLE001 - leaving must go on whatever a listener does
                pass
        self._wake(0xFF)  # let the thread pick up its new deadline

    def terminal_broken(self, exc: OSError) -> None:
        """A write to the terminal failed: leave when it is gone for good."""
        if exc.errno in GONE_ERRNOS or isinstance(exc, BrokenPipeError):
            self.begin(LeaveReason.TERMINAL_GONE)

    def _wake(self, byte: int) -> None:
        if self._wake_w < 0:
            return
        try:
            os.write(self._wake_w, bytes([byte]))
        except OSError:
            pass  # a full pipe wakes the thread just as well

    def _watch(self) -> None:
        """The guard's thread: wait for a signal number on the pipe or a
        hang-up on the terminal; once leaving, wait out the deadline and end
        the process if it is still here."""
        poller = select.poll()
        poller.register(self._wake_r, select.POLLIN)
        for fd in self._tty_fds:
            # no events asked for: poll() still reports POLLHUP/POLLERR, and
            # never wakes for ordinary input (the driver's thread reads that)
            poller.register(fd, 0)
        while True:
            deadline = self._deadline
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic()) * 1000
            try:
                events = poller.poll(timeout)
            except OSError:
                events = []
            for fd, mask in events:
                if fd == self._wake_r:
                    try:
                        data = os.read(self._wake_r, 512)
                    except (BlockingIOError, OSError):
                        data = b""
                    if _WAKE_STOP in data and not self.leaving:
                        return
                    for signum in data:
                        reason = _reason_of(signum)
                        if reason is not None:
                            self.begin(reason)
                elif mask & _POLL_GONE:
                    poller.unregister(fd)  # reported for ever from now on
                    self.begin(LeaveReason.TERMINAL_GONE)
            deadline = self._deadline
            if deadline is not None and time.monotonic() >= deadline:
                reason = self.reason or LeaveReason.TERMINAL_GONE
                os._exit(reason.exit_status)


def _watched_signals() -> list[int]:
    return [s for s in (getattr(signal, "SIGHUP", None), signal.SIGTERM) if s is not None]


def _terminal_fds() -> list[int]:
    """stdin and stderr (what Textual reads and writes), where they are terminals."""
    fds = []
    for stream in (sys.__stdin__, sys.__stderr__):
        try:
            if stream is not None and os.isatty(stream.fileno()):
                fds.append(stream.fileno())
        except (OSError, ValueError):
            pass
    return fds


class TerminalFile:
    """The file Textual's writer thread writes to, made safe for a dead terminal.

    Textual's ``WriterThread`` dies on the first exception; a dead writer is
    what turned a dropped SSH connection into a process stuck for ever.  This
    wrapper never raises: a failed write (EIO/EPIPE, …) is reported once to
    ``on_broken`` and everything after it is thrown away, as is everything
    while ``drop`` says so — so the writer keeps draining its queue and no
    ``Queue.put`` on the event loop's thread can wait for ever.
    """

    def __init__(self, stream: IO[str], on_broken: Callable[[OSError], None],
                 drop: Callable[[], bool] = lambda: False) -> None:
        self._stream = stream
        self._on_broken = on_broken
        self._drop = drop
        self.broken: OSError | None = None

    def write(self, text: str) -> int:
        """Write ``text``, or throw it away when the terminal is gone."""
        if self.broken is None and not self._drop():
            try:
                self._stream.write(text)
            except OSError as exc:
                self._fail(exc)
        return len(text)

    def flush(self) -> None:
        """Flush, or do nothing when the terminal is gone."""
        if self.broken is None and not self._drop():
            try:
                self._stream.flush()
            except OSError as exc:
                self._fail(exc)

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        return self._stream.isatty()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8") or "utf-8"

    def _fail(self, exc: OSError) -> None:
        if isinstance(exc, BlockingIOError):
            return  # a non-blocking terminal that is merely full: a frame is lost, not the terminal
        self.broken = exc
        try:
            self._on_broken(exc)
        except Exception:  # noqa: BLE001 - the writer thread must survive whatever the callback does
            pass
