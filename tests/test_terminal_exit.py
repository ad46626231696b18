"""A console whose terminal is gone always exits (issue 19).

Three tiers:

* the pieces, in-process: the writer thread that used to die on EIO (the root
  cause, reproduced), :class:`TerminalFile`, the guard's scheduling, the
  driver's SIGCONT rule;
* single consoles in subprocesses: the last-resort deadline ends a console
  whose clean exit is stuck (with a write transaction open, which SQLite rolls
  back while the committed ticket stays), SIGTERM puts a live terminal back,
  and a terminal that goes away *without* a SIGHUP is noticed too;
* the stress of the issue's "done when": consoles in real pseudo-terminals,
  hung up / closed / terminated at random moments between launch and 2 s
  in (start-up, page loads from typed F-keys and Enter, ticket writes), with
  every one gone within 3 s and no process left in its session.  By default
  200 runs of SIGHUP-or-close and 200 of SIGTERM, forked from a warm
  interpreter so they fit in CI; ``XZ_STRESS=1`` adds the same 200 + 200 with a
  fresh ``python -m xzconsole.cli`` for each run (full start-up, ~10 minutes
  on two cores).  ``XZ_EXIT_RUNS`` and ``XZ_EXIT_PARALLEL`` change the counts.

The harness is ``tests/exit_harness.py``; it prints its findings as JSON, and
the longest exit time is shown with ``pytest -s``.
"""

from __future__ import annotations

import asyncio
import errno
import io
import json
import os
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.drivers._writer_thread import WriterThread

from xzconsole import cli
from xzconsole.identity import current_login
from xzconsole.terminal_driver import GuardedLinuxDriver
from xzconsole.terminal_exit import (
    CLEAN_EXIT_SECONDS,
    LeaveReason,
    TerminalFile,
    TerminalGuard,
)

ROOT = Path(__file__).resolve().parent.parent
HARNESS = Path(__file__).resolve().parent / "exit_harness.py"
RUNS = int(os.environ.get("XZ_EXIT_RUNS", "200"))
PARALLEL = int(os.environ.get("XZ_EXIT_PARALLEL", str(max(4, 2 * (os.cpu_count() or 2)))))
LIMIT = 3.0  # the issue: no process left after 3 s
MAX_DELAY = 2.0  # hang up between launch and this many seconds in (start-up is over by ~0.5 s)
FRESH_MAX_DELAY = 4.0  # a fresh interpreter needs 1–2 s of imports before the console is up
ALLOWED = 2.0  # the issue: the console leaves within 2 s

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP") or sys.platform == "win32",
                                reason="terminals and signals of a POSIX system")


def _env() -> dict[str, str]:
    """This tree first on the path (subprocesses also run with ``cwd=ROOT``:
    ``python -c`` puts the working directory first, and another checkout's
    ``xzconsole`` there would be imported instead)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("TEXTUAL_DRIVER", None)
    return env


# ---------------------------------------------------------------- the pieces


class _DeadTerminal(io.StringIO):
    """A terminal after a hang-up: every write and flush fails with EIO."""

    def write(self, text: str) -> int:
        raise OSError(errno.EIO, "Input/output error")

    def flush(self) -> None:
        raise OSError(errno.EIO, "Input/output error")


def _put_many(writer: WriterThread, n: int) -> threading.Thread:
    """Queue ``n`` writes and a stop from a helper thread (the app's loop in real life)."""
    def work() -> None:
        for _ in range(n):
            writer.write("\x1b[?25l")
        writer.stop()

    t = threading.Thread(target=work, daemon=True)
    t.start()
    return t


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # its death, expected
def test_textual_writer_dies_on_a_dead_terminal_and_its_queue_then_blocks():
    """The root cause, as it is in Textual: one EIO kills the writer thread,
    and the 31st write after that waits for ever (here: more than a second)."""
    writer = WriterThread(_DeadTerminal())
    writer.start()
    writer.write("first frame")
    writer.join(timeout=2)
    assert not writer.is_alive(), "the stock writer should have died on EIO"
    stuck = _put_many(writer, 40)
    stuck.join(timeout=1.0)
    assert stuck.is_alive(), "queueing to a dead writer should block (the issue's deadlock)"


def test_through_a_terminal_file_the_writer_survives_and_stops():
    broken: list[OSError] = []
    file = TerminalFile(_DeadTerminal(), broken.append)
    writer = WriterThread(file)  # type: ignore[arg-type]
    writer.start()
    done = _put_many(writer, 200)
    done.join(timeout=2.0)
    assert not done.is_alive() and not writer.is_alive()
    assert len(broken) == 1 and broken[0].errno == errno.EIO  # reported once
    assert file.broken is not None


def test_terminal_file_passes_text_through_until_told_to_drop():
    out = io.StringIO()
    drop = [False]
    file = TerminalFile(out, lambda exc: None, lambda: drop[0])
    assert file.write("甲") == 1
    file.flush()
    drop[0] = True
    file.write("乙")
    assert out.getvalue() == "甲" and file.broken is None


def test_a_full_nonblocking_terminal_is_not_a_dead_one():
    class Full(io.StringIO):
        def write(self, text: str) -> int:
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    broken: list[OSError] = []
    file = TerminalFile(Full(), broken.append)
    file.write("x")
    assert file.broken is None and broken == []


def test_leave_reasons():
    assert LeaveReason.HANGUP.drops_output and LeaveReason.TERMINAL_GONE.drops_output
    assert not LeaveReason.TERMINATE.drops_output  # a live terminal is put back
    assert LeaveReason.HANGUP.exit_status == 129 and LeaveReason.TERMINATE.exit_status == 143


def test_guard_schedules_the_exit_on_the_loop_once_and_tells_listeners():
    """``begin`` only schedules; the first reason wins; without ``install``
    (as here, in the test process) no deadline is armed."""
    guard = TerminalGuard()
    heard: list[LeaveReason] = []
    called: list[tuple[LeaveReason, bool]] = []
    guard.add_listener(heard.append)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        assert guard.attach(loop, lambda r: called.append((r, threading.current_thread() is threading.main_thread()))) is None
        threads = [threading.Thread(target=guard.begin, args=(r,))
                   for r in (LeaveReason.TERMINAL_GONE, LeaveReason.HANGUP, LeaveReason.TERMINATE)]
        threads[0].start()
        threads[0].join()
        for t in threads[1:]:
            t.start()
            t.join()
        await asyncio.sleep(0.05)

    asyncio.run(main())
    assert called == [(LeaveReason.TERMINAL_GONE, True)]  # on the loop's thread, once
    assert heard == [LeaveReason.TERMINAL_GONE]
    assert guard.leaving and guard.drops_output and guard._deadline is None


def test_a_hangup_before_the_loop_exists_is_handed_over_at_attach():
    guard = TerminalGuard()
    guard.begin(LeaveReason.HANGUP)

    async def main() -> LeaveReason | None:
        return guard.attach(asyncio.get_running_loop(), lambda r: None)

    assert asyncio.run(main()) is LeaveReason.HANGUP


def test_only_a_failure_that_means_gone_begins_leaving():
    guard = TerminalGuard()
    guard.terminal_broken(OSError(errno.EINTR, "interrupted"))
    assert not guard.leaving
    guard.terminal_broken(OSError(errno.EPIPE, "broken pipe"))
    assert guard.reason is LeaveReason.TERMINAL_GONE


@pytest.fixture
def driver() -> Iterator[GuardedLinuxDriver]:
    """A guarded driver on a stand-in app (its constructor installs Textual's
    SIGTSTP/SIGCONT handlers: put back afterwards)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGTSTP, signal.SIGCONT)}

    class FakeApp:
        terminal_guard = TerminalGuard()

    async def make() -> GuardedLinuxDriver:  # Textual's driver wants a running loop
        return GuardedLinuxDriver(FakeApp())  # type: ignore[arg-type]

    try:
        yield asyncio.run(make())
    finally:
        for s, h in saved.items():
            signal.signal(s, h)


def test_a_sigcont_we_did_not_ask_for_restarts_nothing(driver, monkeypatch):
    """The kernel sends SIGCONT with every hang-up; Textual would restart
    application mode (a second writer) right inside whatever the main thread
    was doing.  Only a resume after our own SIGTSTP restarts it."""
    resumed: list[bool] = []
    monkeypatch.setattr(driver, "resume_application_mode", lambda: resumed.append(True))
    monkeypatch.setattr(os, "kill", lambda pid, sig: None)  # no real SIGSTOP in a test
    monkeypatch.setattr(driver, "suspend_application_mode", lambda: None)
    driver._sigcont_application()
    assert resumed == []
    driver._sigtstp_application()  # Ctrl+Z
    driver._sigcont_application()  # fg
    assert resumed == [True]
    driver._sigcont_application()  # a stray one afterwards
    assert resumed == [True]


def test_after_a_hangup_the_driver_neither_queues_nor_waits(driver):
    """A writer stuck on a terminal that does not drain: before the hang-up
    writes queue up (and would block the loop once 30 are waiting); after it
    they are dropped at once, and ``close`` gives the writer half a second."""
    gate = threading.Event()

    class Stalled(io.StringIO):
        def write(self, text: str) -> int:
            gate.wait()
            return len(text)

    driver._terminal._stream = Stalled()
    writer = WriterThread(driver._terminal)  # type: ignore[arg-type]
    driver._writer_thread = writer
    writer.start()
    try:
        for _ in range(5):
            driver.write("frame")
        time.sleep(0.05)
        assert writer._queue.qsize() == 4  # one taken, stuck in write()
        driver._guard.begin(LeaveReason.HANGUP)
        start = time.monotonic()
        for _ in range(100):
            driver.write("frame")  # the 27th would block if it still queued
        driver.close()
        assert time.monotonic() - start < 1.0
        assert writer._queue.qsize() <= 5
        assert driver.exit_event.is_set()  # the input thread stops instead of spinning on EOF
    finally:
        gate.set()
        writer.join(timeout=2)
    assert not writer.is_alive()


# ---------------------------------------------------------------- single consoles


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """A demo database (2,000 tickets) on which this process's OS login is a
    clerk, so the console runs as it does in production: identity from the
    login, database from $XZCONSOLE_DB."""
    path = tmp_path_factory.mktemp("exit") / "demo.db"
    assert cli.main(["demo", "--tickets", "2000", "--no-open", "--db", str(path)]) == 0
    login = current_login()
    if login not in ("demo_clerk", "demo_admin"):
        assert cli.main(["staff", "add", login, "--role", "clerk", "--name", "退出测试",
                         "--db", str(path), "--as", "demo_admin"]) == 0
    return path


@pytest.fixture
def db(demo_db, tmp_path) -> Path:
    path = tmp_path / "xz.db"
    shutil.copy(demo_db, path)
    return path


STUCK_CONSOLE = """
import sys, threading
sys.path.insert(0, {root!r})
from xzconsole.app import XzApp
from xzconsole.models import TicketIntake

class Stuck(XzApp):
    def on_mount(self):
        super().on_mount()
        self.set_timer(0.2, self.commit_then_hang)

    def commit_then_hang(self):
        t = self.store.tickets.accept(self.user, TicketIntake(appeal_type="consultation",
                              enterprise_name="徐州卡死测试有限公司", content="已提交的诉求"))
        open({committed!r}, "w").write(t.number)
        with self.store.write() as c:  # a write transaction that never finishes…
            c.execute("INSERT INTO meta(key, value) VALUES ('exit-test', 'uncommitted')")
            open({ready!r}, "w").write("ready")
            threading.Event().wait()  # …and the event loop stuck inside it for ever

Stuck({db!r}, {login!r}).run(headless=True)
print("returned", flush=True)
"""


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGHUP, 129), (signal.SIGTERM, 143)])
def test_the_deadline_ends_a_console_stuck_in_a_write_and_loses_nothing_committed(db, tmp_path, signum, status):
    committed, ready = tmp_path / "committed", tmp_path / "ready"
    script = STUCK_CONSOLE.format(root=str(ROOT), committed=str(committed), ready=str(ready), db=str(db),
                                  login=current_login())
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the console did not start"
            time.sleep(0.02)
        sent = time.monotonic()
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=LIMIT)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == status, err  # the watchdog, not a clean return
    assert "returned" not in out
    assert CLEAN_EXIT_SECONDS - 0.1 < took < ALLOWED
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM tickets WHERE number = ?", (committed.read_text(),)).fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM meta WHERE key = 'exit-test'").fetchone()[0] == 0  # rolled back
    finally:
        conn.close()


def _spawn_in_pty(db: Path, *, controlling: bool, argv: tuple[str, ...] = ()) -> tuple[int, int]:
    """``python -m xzconsole.cli`` in a new pty of 80×24, as the OS login on
    $XZCONSOLE_DB.  ``controlling``: the pty is its controlling terminal (as
    under sshd); otherwise closing it sends no SIGHUP at all."""
    master, slave = os.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = _env() | {"XZCONSOLE_DB": str(db), "TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    code = "import fcntl, termios, runpy, sys\n"
    if controlling:
        code += "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"
    code += f"sys.argv = ['xzconsole', *{list(argv)!r}]\nrunpy.run_module('xzconsole.cli', run_name='__main__')\n"
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True, env=env, close_fds=True, cwd=ROOT)
    os.close(slave)
    return proc.pid, master


def _read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    seen = bytearray()
    end = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < end:
        if select.select([fd], [], [], 0.05)[0]:
            try:
                seen.extend(os.read(fd, 65536))
            except OSError:
                break
    return bytes(seen)


def _wait_gone(pid: int, limit: float) -> tuple[float | None, int]:
    """Seconds until ``pid`` is reaped (None: still there after ``limit``) and its wait status."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return time.monotonic() - start, status
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    return None, os.waitpid(pid, 0)[1]


def test_sigterm_leaves_a_live_terminal_as_it_was_found(db):
    pid, master = _spawn_in_pty(db, controlling=True)
    try:
        first = _read_until(master, "预警".encode(), 60)  # the queue's warning tabs are drawn
        assert "预警".encode() in first, first[-500:]
        os.kill(pid, signal.SIGTERM)
        rest = bytearray()
        took, status = None, -1
        start = time.monotonic()
        while time.monotonic() - start < LIMIT:
            if select.select([master], [], [], 0.02)[0]:
                try:
                    rest.extend(os.read(master, 65536))
                except OSError:
                    pass
            done, st = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                took, status = time.monotonic() - start, st
                break
        if took is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    finally:
        os.close(master)
    assert took is not None and took < ALLOWED
    assert os.waitstatus_to_exitcode(status) == 0, status  # a clean exit, not the watchdog
    # alternate screen off, cursor shown, mouse reporting off
    for seq in (b"\x1b[?1049l", b"\x1b[?25h", b"\x1b[?1000l"):
        assert seq in rest, (seq, bytes(rest[-300:]))


@pytest.mark.parametrize("command", [(), ("wall",)], ids=["console", "wall"])
def test_a_terminal_that_goes_without_a_sighup_is_noticed(db, command):
    """The pty is not the console's controlling terminal, so closing it sends
    no signal: the console must notice by itself (poll reports the hang-up,
    writes fail with EIO) and leave.  Before the fix it stayed for ever,
    its input thread spinning on end-of-file."""
    pid, master = _spawn_in_pty(db, controlling=False, argv=command)
    try:
        seen = _read_until(master, "预警".encode(), 60)
        assert "预警".encode() in seen, seen[-500:]
        time.sleep(0.3)
    finally:
        os.close(master)
    took, status = _wait_gone(pid, LIMIT)
    assert took is not None, "the console outlived its terminal"
    assert took < ALLOWED


# ---------------------------------------------------------------- the stress


def _stress(db: Path, modes: str, runs: int, *extra: str, writes: bool = False,
            max_delay: float = MAX_DELAY) -> dict[str, Any]:
    args = [sys.executable, str(HARNESS), "--db", str(db), "--runs", str(runs), "--modes", modes,
            "--parallel", str(PARALLEL), "--max-delay", str(max_delay), "--limit", str(LIMIT), *extra]
    if writes:
        args.append("--writes")
    env = _env() | {"XZCONSOLE_DB": str(db)}
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=1800, cwd=ROOT)
    assert proc.stdout.strip(), proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    slowest = result["slowest"][0] if result["slowest"] else None
    print(f"\n[{modes}{' ' + ' '.join(extra) if extra else ''}] {result['runs']} runs {result['by_mode']}, "
          f"{len(result['hung'])} left behind, longest exit {result['longest_exit']} s {slowest}, "
          f"{result['elapsed']} s; ended by {result['ended_by']}; writes logged {result['writes_logged']}, integrity {result['integrity']}")
    return result


def _check(result: dict[str, Any], runs: int) -> None:
    hung = result["hung"]
    assert not hung, f"{len(hung)} of {result['runs']} consoles still there after {LIMIT} s; first: " + \
        json.dumps(hung[0], ensure_ascii=False)[:6000]
    assert result["runs"] == runs
    # a run that ended before it was hung up (the console crashed on its own)
    # tested nothing: there must be hardly any
    early = result["ended_before_signal"]
    assert len(early) <= max(2, runs // 50), json.dumps(early[:3], ensure_ascii=False)[:3000]
    assert result["longest_exit"] is not None and result["longest_exit"] < LIMIT
    assert result["writes_lost"] == [], "committed tickets missing after the exit"
    if result["writes_logged"]:
        assert result["integrity"] == "ok"


def test_hangup_or_closed_terminal_at_random_moments_never_leaves_a_console(db):
    result = _stress(db, "hup,close", RUNS, writes=True)
    _check(result, RUNS)


def test_sigterm_at_random_moments_never_leaves_a_console(db):
    result = _stress(db, "term", RUNS, writes=True)
    _check(result, RUNS)


def test_the_wall_leaves_too(db):
    runs = max(6, RUNS // 5)
    result = _stress(db, "hup,close,term", runs, "--command", "wall")
    _check(result, runs)


@pytest.mark.stress
@pytest.mark.skipif(not os.environ.get("XZ_STRESS"), reason="set XZ_STRESS=1: 400 fresh interpreters, ~10 minutes")
@pytest.mark.parametrize("modes", ["hup,close", "term"])
def test_fresh_interpreters_at_random_moments(db, modes):
    """The same, each run a new ``python -m xzconsole.cli`` (imports and all)."""
    result = _stress(db, modes, RUNS, "--exec", writes=True, max_delay=FRESH_MAX_DELAY)
    _check(result, RUNS)


def test_fresh_interpreters_a_few(db):
    """A few fresh interpreters in every run of the suite: the start-up
    window (imports, before the guard is installed) is real only there."""
    runs = max(6, RUNS // 10)
    result = _stress(db, "hup,close,term", runs, "--exec", max_delay=FRESH_MAX_DELAY)
    _check(result, runs)
