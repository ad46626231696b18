"""Start the console in real pseudo-terminals and take the terminal away.

Used by ``tests/test_terminal_exit.py`` (issue 19) and runnable by hand for
longer, bounded stress runs::

    PYTHONPATH=. .venv/bin/python tests/exit_harness.py --db /tmp/x.db --runs 200 \\
        --modes hup,close --parallel 4 [--exec] [--command wall]

Each run opens a pty (``pty.fork``: the console is a session leader whose
controlling terminal is that pty, exactly as under sshd or tmux), sizes it
80×24, keeps reading what the console draws and types navigation keys at it
(F2–F11, j/k, Enter, Esc: page loads), and at a random moment between launch
and ``--max-delay`` seconds in does one of:

* ``hup``   — ``kill -HUP`` (the terminal is kept open and read);
* ``close`` — closes the pty master, as sshd or a killed tmux server does:
  the kernel hangs the terminal up (SIGHUP + SIGCONT, EIO on writes);
* ``term``  — ``kill -TERM`` (the terminal is kept open and read).

It then waits up to ``--limit`` seconds for the process to be gone — reaped,
and no process left in its session — and records how long it took.  A run
that outlives the limit is dumped (``faulthandler`` on SIGUSR1: every thread's
stack) and killed, and the dump is reported.

Children either fork from this process with the console's modules already
imported (the default: each run costs a fraction of a second of CPU, so 400
runs fit in CI) or ``--exec`` a fresh interpreter running
``python -m xzconsole.cli`` (full start-up, imports included: slower, and the
start-up window is wider).  With ``--writes`` half the runs also take a ticket
in every 0.1 s on the UI thread (a real ``store.accept`` transaction), log each
committed number, and the harness checks afterwards that every logged ticket is
in the database and the database passes ``integrity_check``.

The harness is single-threaded (a select loop over all live runs), so forking
from it is safe.  Output: one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import json
import os
import pty
import random
import select
import signal
import sqlite3
import struct
import sys
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# F2 F3 F4 F5 F6 F7 F8 F9 F10 F11, down/up, Enter (a ticket's detail), Esc
KEYS = [b"\x1bOQ", b"\x1bOR", b"\x1bOS", b"\x1b[15~", b"\x1b[17~", b"\x1b[18~", b"\x1b[19~", b"\x1b[20~",
        b"\x1b[21~", b"\x1b[23~", b"j", b"k", b"\x1b[B", b"\r", b"\x1b"]


@dataclass
class Run:
    """One console in one pseudo-terminal."""

    index: int
    mode: str
    delay: float
    writes: bool
    pid: int = 0
    fd: int = -1
    started: float = 0.0
    next_key: float = 0.0
    sent_at: float | None = None
    exited_after: float | None = None
    status: int | None = None
    dump_path: str = ""
    writes_path: str = ""
    output: bytearray = field(default_factory=bytearray)
    usr1_at: float | None = None


# ---------------------------------------------------------------- the child side


def _child(run: Run, argv: list[str], use_exec: bool) -> None:
    """In the forked child (stdin/out/err are the pty): become the console."""
    os.environ["TERM"] = "xterm-256color"
    os.environ["LANG"] = os.environ["LC_ALL"] = "C.UTF-8"
    os.environ.pop("TEXTUAL_DRIVER", None)
    os.environ["XZ_EXIT_DUMP"] = run.dump_path
    os.environ["XZ_EXIT_WRITES"] = run.writes_path if run.writes else ""
    for signum in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGPIPE, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    if use_exec:
        os.execv(sys.executable, [sys.executable, str(Path(__file__).resolve()), "--child", *argv])
    code = child_main(argv)
    sys.exit(code)


def child_main(argv: list[str]) -> int:
    """Run ``xzconsole ARGV`` as its entry point does, with a stack dump on
    SIGUSR1 and (when asked) a writer on the UI thread."""
    import faulthandler

    dump = os.environ.get("XZ_EXIT_DUMP")
    if dump:
        faulthandler.register(signal.SIGUSR1, file=open(dump, "w"), all_threads=True)  # noqa: SIM115 - lives as long as the process
    writes = os.environ.get("XZ_EXIT_WRITES")
    if writes:
        _add_writer(writes)
    from xzconsole.cli import main

    return main(argv)


def _add_writer(log_path: str) -> None:
    """Make the console take a ticket in every 0.1 s on its UI thread, and log
    each number once the transaction has committed."""
    from xzconsole.app import XzApp
    from xzconsole.models import TicketIntake

    log = open(log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    on_mount = XzApp.on_mount

    def write_one(app: XzApp) -> None:
        if app.store is None or app.user is None:
            return
        t = app.store.tickets.accept(app.user, TicketIntake(appeal_type="consultation", enterprise_name="徐州退出测试有限公司",
                                                     content="终端断开时的写入"))
        log.write(f"{t.number}\n")

    def patched(self: XzApp) -> None:
        on_mount(self)
        self.set_interval(0.1, lambda: write_one(self))

    XzApp.on_mount = patched  # type: ignore[method-assign]


# ---------------------------------------------------------------- the parent side


def _preload(command: list[str]) -> None:
    """Import what the console imports, so each forked run starts like a warm one."""
    import xzconsole.app  # noqa: F401
    import xzconsole.cli  # noqa: F401
    import xzconsole.screens.queue  # noqa: F401
    import xzconsole.screens.ticket  # noqa: F401
    import xzconsole.screens.warnings  # noqa: F401
    from textual.drivers import linux_driver  # noqa: F401

    try:  # absent before issue 19's fix: the harness also runs against older code
        import xzconsole.terminal_exit  # noqa: F401
        import xzconsole.terminal_driver  # noqa: F401
    except ImportError:
        pass


def _start(run: Run, argv: list[str], use_exec: bool, size: tuple[int, int]) -> None:
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            for other in list(_MASTERS):  # another run's terminal must close when the harness closes it
                _close(other)
            _child(run, argv, use_exec)
        except SystemExit:
            raise  # the console's own exit, through the interpreter's normal teardown
        except BaseException:
            import traceback

            traceback.print_exc()
            os._exit(70)
    _MASTERS.add(fd)
    run.pid, run.fd = pid, fd
    rows, cols = size
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.set_blocking(fd, False)
    run.started = time.monotonic()
    run.next_key = run.started + 0.3


def _session_members(sid: int) -> list[int]:
    """Processes whose session is ``sid`` (the run's console and anything it started)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if len(fields) > 3 and int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry))
    return found


_MASTERS: set[int] = set()


def _close(fd: int) -> None:
    _MASTERS.discard(fd)
    try:
        os.close(fd)
    except OSError:
        pass


def run_all(db: str, runs: int, modes: list[str], parallel: int, max_delay: float, limit: float,
            use_exec: bool, writes: bool, seed: int, command: list[str], workdir: str,
            size: tuple[int, int] = (24, 80)) -> dict[str, Any]:
    """Run ``runs`` consoles, ``parallel`` at a time; return the findings."""
    rnd = random.Random(seed)
    if not use_exec:
        _preload(command)
    argv = [*command, "--db", db]
    # every mode gets runs with and without writes
    pending = [Run(i, modes[i % len(modes)], rnd.uniform(0.0, max_delay), writes and (i // len(modes)) % 2 == 0)
               for i in range(runs)]
    for r in pending:
        r.dump_path = os.path.join(workdir, f"dump-{r.index}.txt")
        r.writes_path = os.path.join(workdir, f"writes-{r.index}.txt")
        for stale in (r.dump_path, r.writes_path):  # from an earlier run in the same folder
            if os.path.exists(stale):
                os.unlink(stale)
    pending.reverse()
    live: list[Run] = []
    done: list[Run] = []
    t_begin = time.monotonic()
    while pending or live:
        while pending and len(live) < parallel:
            r = pending.pop()
            _start(r, argv, use_exec, size)
            live.append(r)
        fds = [r.fd for r in live if r.fd >= 0]
        readable = select.select(fds, [], [], 0.01)[0] if fds else (time.sleep(0.01) or [])
        now = time.monotonic()
        for r in list(live):
            if r.fd in readable:
                try:
                    data = os.read(r.fd, 65536)
                    r.output.extend(data)
                    del r.output[:-4096]
                except OSError:
                    # EIO: the console has gone and closed its end
                    _close(r.fd)
                    r.fd = -1
            if r.sent_at is None:
                if now - r.started >= r.delay:
                    r.sent_at = time.monotonic()
                    if r.mode == "close":
                        _close(r.fd)
                        r.fd = -1
                    else:
                        try:
                            os.kill(r.pid, signal.SIGHUP if r.mode == "hup" else signal.SIGTERM)
                        except ProcessLookupError:
                            pass
                elif now >= r.next_key and r.fd >= 0:
                    try:
                        os.write(r.fd, rnd.choice(KEYS))
                    except OSError:
                        pass
                    r.next_key = now + rnd.uniform(0.12, 0.3)  # a fast typist on F-keys and Enter
            # reap
            try:
                pid, status = os.waitpid(r.pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = r.pid, -1
            if pid == r.pid:
                r.status = status
                if r.sent_at is not None:
                    r.exited_after = time.monotonic() - r.sent_at
                else:  # it ended on its own before we did anything: a crash at start-up
                    r.exited_after = -1.0
                leftovers = _session_members(r.pid)
                for p in leftovers:
                    os.kill(p, signal.SIGKILL)
                if leftovers:
                    r.exited_after = None  # something of it is still there
                if r.fd >= 0:
                    _close(r.fd)
                    r.fd = -1
                live.remove(r)
                done.append(r)
                continue
            if r.sent_at is not None and now - r.sent_at > limit:
                if r.usr1_at is None:
                    r.usr1_at = now
                    os.kill(r.pid, signal.SIGUSR1)
                elif now - r.usr1_at > 0.5:
                    os.kill(r.pid, signal.SIGKILL)
                    os.waitpid(r.pid, 0)
                    r.status = None
                    r.exited_after = None
                    if r.fd >= 0:
                        _close(r.fd)
                        r.fd = -1
                    live.remove(r)
                    done.append(r)
    elapsed = time.monotonic() - t_begin
    return _findings(done, db, elapsed, limit)


def _findings(done: list[Run], db: str, elapsed: float, limit: float) -> dict[str, Any]:
    hung = []
    early = []
    times = []
    for r in sorted(done, key=lambda r: r.index):
        if r.exited_after is None:
            dump = Path(r.dump_path).read_text(errors="replace") if os.path.exists(r.dump_path) else ""
            hung.append({"run": r.index, "mode": r.mode, "delay": round(r.delay, 3), "dump": dump[-6000:]})
        elif r.exited_after < 0:
            early.append({"run": r.index, "mode": r.mode, "status": r.status,
                          "output": bytes(r.output[-1500:]).decode("utf-8", "replace")})
        else:
            times.append((r.exited_after, r.index, r.mode, round(r.delay, 3)))
    lost: list[str] = []
    logged = 0
    integrity = "not checked"
    if any(r.writes for r in done):
        conn = sqlite3.connect(db, timeout=30)
        try:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            have = {row[0] for row in conn.execute("SELECT number FROM tickets")}
        finally:
            conn.close()
        for r in done:
            if r.writes and os.path.exists(r.writes_path):
                numbers = [line.strip() for line in Path(r.writes_path).read_text().splitlines() if line.strip()]
                logged += len(numbers)
                lost += [n for n in numbers if n not in have]
    times.sort(reverse=True)
    by_mode: dict[str, int] = {}
    for r in done:
        by_mode[r.mode] = by_mode.get(r.mode, 0) + 1
    return {
        "runs": len(done), "by_mode": by_mode, "hung": hung, "ended_before_signal": early,
        "longest_exit": round(times[0][0], 3) if times else None,
        "slowest": [{"seconds": round(t, 3), "run": i, "mode": m, "delay": d} for t, i, m, d in times[:5]],
        "over_2s": sum(1 for t in times if t[0] > 2.0),
        "limit": limit, "elapsed": round(elapsed, 1),
        "writes_logged": logged, "writes_lost": lost[:20], "integrity": integrity,
        "ended_by": _ended_by(done),
    }


def _ended_by(done: list[Run]) -> dict[str, int]:
    """How the runs ended: a clean exit (0, or 1 when a screen raised on the
    way out), the guard's deadline (129 / 143), the kernel's hard stop
    (SIGALRM), or the signal itself before the guard was installed."""
    counts: dict[str, int] = {}
    for r in done:
        if r.status is None:
            kind = "still running (killed by the harness)"
        elif os.WIFSIGNALED(r.status):
            sig = os.WTERMSIG(r.status)
            kind = "hard stop (SIGALRM)" if sig == signal.SIGALRM else f"signal {signal.Signals(sig).name} (before the guard)"
        else:
            code = os.WEXITSTATUS(r.status)
            kind = {0: "clean", 1: "clean (a screen raised on the way out)", 129: "deadline (129)",
                    143: "deadline (143)"}.get(code, f"exit {code}")
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "--child":
        return child_main(args[1:])
    p = argparse.ArgumentParser(description="console exit stress (issue 19)")
    p.add_argument("--db", required=True)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--modes", default="hup,close")
    p.add_argument("--parallel", type=int, default=4)
    p.add_argument("--max-delay", type=float, default=3.0)
    p.add_argument("--limit", type=float, default=3.0)
    p.add_argument("--exec", action="store_true", dest="use_exec")
    p.add_argument("--writes", action="store_true")
    p.add_argument("--seed", type=int, default=19)
    p.add_argument("--command", default="", help="a subcommand to run instead of the console, e.g. wall")
    p.add_argument("--workdir", default=None)
    a = p.parse_args(args)
    workdir = a.workdir or os.path.dirname(os.path.abspath(a.db))
    os.makedirs(workdir, exist_ok=True)
    command = a.command.split() if a.command else []
    result = run_all(a.db, a.runs, a.modes.split(","), a.parallel, a.max_delay, a.limit, a.use_exec,
                     a.writes, a.seed, command, workdir)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if not result["hung"] else 1


if __name__ == "__main__":
    sys.exit(main())
