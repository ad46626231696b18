"""The shared deployment for real (SPEC §13, README "Shared deployment"):
operating-system users and groups are created, the database is deployed
exactly as the README says (``xzconsole init --setup --apply`` as root: a
service account owning a 0700 directory, a staff group, a sudoers drop-in),
and a department liaison is shown to

* not be able to open the database with ``sqlite3`` or Python,
* still get their own department's tickets from
  ``sudo -u <service> xzconsole warnings --json``,
* not be able to become anyone else: a forged ``SUDO_USER``, ``--as``, running
  xzconsole directly (with or without monkeypatching it) are all refused.

Needs root (to create users), ``sudo``, ``runuser`` and ``useradd``; skipped
with the reason otherwise.  CI runs as root on Debian and installs sudo
(.ci/run).  Every user, group, sudoers file and directory made here is
removed afterwards.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from test_import import NOW, feed_row

from xzconsole.cli.admin import setup_script

ROOT = Path(__file__).resolve().parent.parent
# the installation the throw-away users run; set by ``deployed``
PYTHON = Path(sys.executable)
PROGRAM = PYTHON.parent / "xzconsole"
SYSTEM_PYTHON = Path("/usr/bin/python3")


def _unreachable(python: Path, *more: Path) -> Path | None:
    """The first folder on the way to ``python`` (or ``more``) that other users cannot search."""
    for p in [*python.parents, *python.resolve().parents, *(q for m in more for q in (m, *m.parents))]:
        if p.is_dir() and not p.stat().st_mode & stat.S_IXOTH:
            return p
    return None


def _missing() -> str | None:
    if os.getuid() != 0:
        return "creates operating-system users and a sudoers rule: run as root (CI does)"
    for tool in ("sudo", "visudo", "runuser", "useradd", "groupadd", "userdel", "sqlite3"):
        if shutil.which(tool) is None:
            return f"needs {tool} (Debian: apt-get install sudo sqlite3; .ci/run installs sudo)"
    if not PROGRAM.is_file():
        return f"needs the installed entry point {PROGRAM} (pip install -e .)"
    return None


def _installation(workdir: Path) -> tuple[Path, Path] | str:
    """A Python and ``xzconsole`` other users can run: this venv when they can
    reach it (an editable install reads the source tree too), else a fresh
    venv from the system's python3 outside any private home, with this tree
    installed into it as a release would be (README: /opt/xzconsole/venv)."""
    if _unreachable(PYTHON, ROOT) is None:
        return PYTHON, PROGRAM
    if not SYSTEM_PYTHON.is_file() or _unreachable(SYSTEM_PYTHON) is not None:
        return f"{_unreachable(PYTHON, ROOT)} is not searchable by other users and there is no system python3 to install from"
    venv = workdir / "venv"
    made = subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", str(venv)], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        return f"cannot make a venv from {SYSTEM_PYTHON}: {made.stderr.strip()[-300:]}"
    done = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(ROOT)], capture_output=True, text=True,
                          check=False, timeout=900)
    if done.returncode != 0:
        return f"cannot install xzconsole into {venv}: {done.stderr.strip()[-300:]}"
    return venv / "bin" / "python", venv / "bin" / "xzconsole"



CLEAN_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}


def sh(*argv: str, user: str | None = None, env: dict[str, str] | None = None,
       input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run argv (as ``user`` through runuser, with that user's groups), never raising."""
    cmd = (["runuser", "-u", user, "--"] if user else []) + list(argv)
    return subprocess.run(cmd, capture_output=True, text=True, env=env or CLEAN_ENV, input=input,
                          cwd="/", timeout=120, check=False)


class Deployment:
    """Names of one throw-away deployment; :meth:`remove` undoes all of it."""

    def __init__(self) -> None:
        tag = "xzt" + secrets.token_hex(3)
        self.service, self.group = f"{tag}-svc", f"{tag}-staff"
        self.admin, self.rsj, self.swj, self.outsider = (f"{tag}-{x}" for x in ("adm", "rsj", "swj", "out"))
        self.dir = Path(f"/var/lib/xzconsole-test-{tag}")
        self.db = self.dir / "xzconsole.db"
        self.inbox = Path(f"/var/lib/xzconsole-test-{tag}-in")
        self.sudoers = Path(f"/etc/sudoers.d/{self.service}")

    def people(self) -> tuple[str, ...]:
        return (self.admin, self.rsj, self.swj, self.outsider)

    def remove(self) -> None:
        for user in (*self.people(), self.service):
            sh("userdel", user)
        for group in (self.group, self.service):
            sh("groupdel", group)
        self.sudoers.unlink(missing_ok=True)
        Path(f"/etc/sudoers.d/.{self.service}.new").unlink(missing_ok=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.inbox, ignore_errors=True)


@pytest.fixture(scope="module")
def deployed():
    global PYTHON, PROGRAM
    reason = _missing()
    if reason is not None:
        pytest.skip(reason)
    workdir = Path(tempfile.mkdtemp(prefix="xzconsole-deploy-", dir="/var/tmp"))
    workdir.chmod(0o755)
    dep = Deployment()
    try:
        found = _installation(workdir)
        if isinstance(found, str):
            pytest.skip(found)
        PYTHON, PROGRAM = found
        for user in dep.people():
            done = sh("useradd", "--no-create-home", "--shell", "/bin/sh", user)
            assert done.returncode == 0, done.stderr
        # README "Shared deployment", as root: the whole setup in one command
        done = sh(str(PROGRAM), "init", "--setup", "--apply", "--db", str(dep.db), "--service", dep.service,
                  "--group", dep.group, "--program", str(PROGRAM), "--admin", dep.admin)
        assert done.returncode == 0, done.stdout + done.stderr
        # README: every staff login joins the group (the outsider does not)
        for user in (dep.rsj, dep.swj):
            assert sh("usermod", "-aG", dep.group, user).returncode == 0

        def as_admin(*argv: str) -> subprocess.CompletedProcess[str]:
            return sh("sudo", "-n", "-u", dep.service, str(PROGRAM), *argv, "--db", str(dep.db), user=dep.admin)

        for login, dept in ((dep.rsj, "市人社局"), (dep.swj, "市税务局")):
            done = as_admin("staff", "add", login, "--role", "department", "--department", dept)
            assert done.returncode == 0, done.stderr
        # the feed, readable by the service account (README: files given to xzconsole)
        dep.inbox.mkdir(mode=0o755)
        feed = dep.inbox / "feed.jsonl"
        rows = [
            feed_row(1, received_at="2026-11-02 09:00", department="市人社局", dispatched_at="2026-11-02 10:00"),
            feed_row(2, received_at="2026-11-17 09:00", department="市税务局", dispatched_at="2026-11-17 10:00"),
            feed_row(3, received_at="2026-11-19 09:00", department="市人社局", dispatched_at="2026-11-19 10:00"),
        ]
        feed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        feed.chmod(0o644)
        done = as_admin("import", str(feed), "--now", NOW)
        assert done.returncode == 0, done.stderr
        yield dep
    finally:
        dep.remove()
        shutil.rmtree(workdir, ignore_errors=True)


def warnings_as(dep: Deployment, user: str, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return sh("sudo", "-n", "-u", dep.service, str(PROGRAM), "warnings", "--json", "--now", NOW,
              "--db", str(dep.db), *extra, user=user, env=env)


def ids(out: str) -> list[str]:
    return [json.loads(line)["external_id"] for line in out.splitlines()]


def test_the_database_its_directory_and_wal_files_belong_to_the_service_alone(deployed):
    dep = deployed
    svc_uid = pwd.getpwnam(dep.service).pw_uid
    assert pwd.getpwnam(dep.service).pw_shell == "/usr/sbin/nologin"
    st = dep.dir.stat()
    assert st.st_uid == svc_uid and stat.S_IMODE(st.st_mode) == 0o700
    for p in (dep.db, Path(f"{dep.db}-wal"), Path(f"{dep.db}-shm")):
        if p.exists():
            st = p.stat()
            assert st.st_uid == svc_uid and not st.st_mode & 0o077, (p, oct(st.st_mode))
    assert stat.S_IMODE(dep.sudoers.stat().st_mode) == 0o440


def test_a_liaison_cannot_open_the_database_with_sqlite3_or_python(deployed):
    dep = deployed
    done = sh("sqlite3", str(dep.db), "select number, enterprise_name from tickets", user=dep.rsj)
    assert done.returncode != 0 and done.stdout == ""
    assert "unable to open" in done.stderr or "ermission denied" in done.stderr, done.stderr
    code = ("import sqlite3, sys\n"
            "try:\n"
            f"    open({str(dep.db)!r}, 'rb')\n"
            "except PermissionError:\n"
            "    print('open: denied')\n"
            "try:\n"
            f"    sqlite3.connect('file:{dep.db}?mode=ro', uri=True).execute('select count(*) from tickets')\n"
            "except sqlite3.OperationalError as exc:\n"
            "    print('sqlite3:', exc)\n"
            "try:\n"
            f"    print(sorted(__import__('os').listdir({str(dep.dir)!r})))\n"
            "except PermissionError:\n"
            "    print('listdir: denied')\n")
    done = sh(str(PYTHON), "-c", code, user=dep.rsj)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["open: denied", "sqlite3: unable to open database file", "listdir: denied"]


def test_a_liaison_gets_their_own_departments_tickets_through_sudo(deployed):
    dep = deployed
    done = warnings_as(dep, dep.rsj)
    assert done.returncode == 0, done.stderr
    got = [json.loads(line) for line in done.stdout.splitlines()]
    assert [g["external_id"] for g in got] == ["HL-0000001", "HL-0000003"]
    assert {g["department"] for g in got} == {"市人社局"}
    done = warnings_as(dep, dep.swj)
    assert done.returncode == 0 and ids(done.stdout) == ["HL-0000002"], done.stderr
    # the administrator (a supervisor-level view) sees all three
    done = warnings_as(dep, dep.admin)
    assert done.returncode == 0 and ids(done.stdout) == ["HL-0000001", "HL-0000002", "HL-0000003"]
    # and the -wal/-shm files SQLite made meanwhile are the service's, 0600
    for p in (Path(f"{dep.db}-wal"), Path(f"{dep.db}-shm")):
        if p.exists():
            assert not p.stat().st_mode & 0o077, oct(p.stat().st_mode)


def test_a_liaison_cannot_become_anyone_else(deployed):
    dep = deployed
    admin_uid = str(pwd.getpwnam(dep.admin).pw_uid)
    # SUDO_USER forged in the environment: sudo replaces it with the real caller
    forged = {**CLEAN_ENV, "SUDO_USER": dep.admin, "SUDO_UID": admin_uid}
    done = warnings_as(dep, dep.rsj, env=forged)
    assert done.returncode == 0 and ids(done.stdout) == ["HL-0000001", "HL-0000003"]
    # … or passed to sudo on its command line: sudo refuses to set it
    done = sh("sudo", "-n", "-u", dep.service, f"SUDO_USER={dep.admin}", str(PROGRAM), "warnings", "--json",
              "--db", str(dep.db), user=dep.rsj)
    assert done.returncode != 0 and done.stdout == ""
    # --as is never accepted under sudo
    done = warnings_as(dep, dep.rsj, "--as", dep.admin)
    assert done.returncode == 2 and done.stdout == "" and "--as" in done.stderr and "sudo" in done.stderr
    # an administrator's action is refused
    done = sh("sudo", "-n", "-u", dep.service, str(PROGRAM), "staff", "add", dep.rsj, "--role", "admin",
              "--db", str(dep.db), user=dep.rsj)
    assert done.returncode == 2 and "管理员" in done.stderr
    # running xzconsole directly, with a forged SUDO_USER or not, or patched in Python
    for env in (CLEAN_ENV, forged):
        done = sh(str(PROGRAM), "warnings", "--json", "--db", str(dep.db), user=dep.rsj, env=env)
        assert done.returncode == 2 and done.stdout == ""
        assert "没有权限" in done.stderr and f"sudo -u {dep.service} xzconsole" in done.stderr, done.stderr
    done = sh(str(PROGRAM), "doctor", "--db", str(dep.db), user=dep.rsj)
    assert done.returncode == 2 and "没有权限" in done.stderr and "不存在" not in done.stderr, done.stderr
    patched = ("import sys\nfrom xzconsole import cli, identity\n"
               f"identity.current_login = lambda: {dep.admin!r}\n"
               f"sys.exit(cli.main(['warnings', '--json', '--db', {str(dep.db)!r}]))\n")
    done = sh(str(PYTHON), "-c", patched, user=dep.rsj)
    assert done.returncode == 2 and done.stdout == "" and "没有权限" in done.stderr
    # sudo allows exactly xzconsole, as exactly the service account, to exactly the group
    for argv in (["-u", dep.service, "/bin/sh", "-c", "id"], ["-u", "root", str(PROGRAM), "--help"],
                 ["-u", dep.service, str(PYTHON), "-c", "print(1)"]):
        done = sh("sudo", "-n", *argv, user=dep.rsj)
        assert done.returncode != 0 and done.stdout == "", argv
    done = warnings_as(dep, dep.outsider)
    assert done.returncode != 0 and done.stdout == ""
    # nor make a database of their own beside the real one (to be its admin), nor
    # have the service account read the database to them as an import
    mine = dep.dir / "mine.db"
    done = sh("sudo", "-n", "-u", dep.service, str(PROGRAM), "init", "--db", str(mine), user=dep.rsj)
    assert done.returncode == 2 and "不能新建数据库" in done.stderr and not mine.exists()
    for path in (dep.db, Path(f"{dep.db}-wal")):
        done = sh("sudo", "-n", "-u", dep.service, str(PROGRAM), "import", str(path), "--db", str(dep.db), user=dep.admin)
        assert done.returncode == 2 and "经 sudo 运行时不能读写数据库" in done.stderr, done.stderr


def test_the_console_runs_for_a_liaison_through_sudo(deployed):
    """``sudo -u <service> xzconsole`` in an 80×24 terminal (as over SSH): the
    console opens on the liaison's own queue and quits with ctrl+q."""
    import fcntl
    import select
    import struct
    import termios
    import time

    dep = deployed
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))

    def controlling_tty() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env = {**CLEAN_ENV, "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    proc = subprocess.Popen(["runuser", "-u", dep.rsj, "--", "sudo", "-n", "-u", dep.service, str(PROGRAM),
                             "--db", str(dep.db), "--now", NOW],
                            stdin=slave, stdout=slave, stderr=slave, env=env, cwd="/",
                            start_new_session=True, preexec_fn=controlling_tty)
    os.close(slave)
    seen = bytearray()
    try:
        end = time.monotonic() + 60
        while "市人社局".encode() not in seen and time.monotonic() < end and proc.poll() is None:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    seen.extend(os.read(master, 65536))
                except OSError:
                    break
        assert "市人社局".encode() in seen, bytes(seen[-800:]).decode("utf-8", "replace")
        time.sleep(0.5)
        os.write(master, b"\x11")  # ctrl+q
        end = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < end:  # keep reading: a full pty blocks the app
            if select.select([master], [], [], 0.1)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def test_backups_and_doctor_through_sudo(deployed):
    dep = deployed
    backups = dep.dir / "backup"
    done = sh("install", "-d", "-o", dep.service, "-g", dep.service, "-m", "0700", str(backups))
    assert done.returncode == 0
    done = sh("sudo", "-n", "-u", dep.service, str(PROGRAM), "backup", str(backups / "copy.db"),
              "--db", str(dep.db), user=dep.admin)
    assert done.returncode == 0, done.stderr
    st = (backups / "copy.db").stat()
    assert st.st_uid == pwd.getpwnam(dep.service).pw_uid and stat.S_IMODE(st.st_mode) == 0o600
    assert sorted(p.name for p in backups.iterdir()) == ["copy.db"]
    done = sh("sudo", "-n", "-u", dep.service, str(PROGRAM), "doctor", "--now", NOW, "--db", str(dep.db), user=dep.admin)
    assert "✗" not in done.stdout and done.returncode == 0, done.stdout
    assert f"经 sudo 运行：调用人 {dep.admin}" in done.stdout
    assert f"数据库属于服务账号 {dep.service}" in done.stdout
    assert f"sudo 规则有效：{dep.admin}" in done.stdout
    # root's doctor reads the sudoers rule itself and names it
    done = sh(str(PROGRAM), "doctor", "--now", NOW, "--db", str(dep.db))
    assert f"✓ sudo 规则（{dep.sudoers}）：%{dep.group} ALL=({dep.service}) NOPASSWD: {PROGRAM}" in done.stdout, done.stdout
    assert "以 root 运行：不打开数据库" in done.stdout
    # root never opens it (its -wal/-shm would be root's and lock the service out)
    done = sh(str(PROGRAM), "warnings", "--db", str(dep.db))
    assert done.returncode == 2 and f"runuser -u {dep.service}" in done.stderr
    svc_uid = pwd.getpwnam(dep.service).pw_uid
    assert all(p.stat().st_uid == svc_uid for p in dep.dir.iterdir())


def test_the_readme_gives_the_commands_init_setup_prints():
    """What the suite deploys is what the README tells an administrator to run."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    script = setup_script(Path("/var/lib/xzconsole/xzconsole.db"), service="xzconsole", group="xzconsole-staff",
                          program="/usr/local/bin/xzconsole", admin="alice")
    assert script in readme
