"""Who is at the keyboard: the operating-system login of this process, as
the operating system vouches for it (SPEC §1, §13).  Pure: no database, only
the password database, the process's own uid and the owner of a path.

In a shared deployment the database belongs to a service account and staff
reach it only through ``sudo -u <service> xzconsole …`` (a sudoers rule for
exactly that program).  sudo itself sets ``SUDO_USER``/``SUDO_UID`` to the
real invoking login and resets the rest of the environment, so when — and only
when — this process runs as the owner of the database, ``SUDO_USER`` names the
person.  Anywhere else a ``SUDO_USER`` is just an environment variable anyone
can set, and it is refused rather than believed.
"""

from __future__ import annotations

import os
import pwd
import stat
from collections.abc import Mapping
from typing import NamedTuple
from pathlib import Path

__all__ = ["IdentityRefused", "Invoker", "current_login", "database_owner", "invoker", "under_sudo"]


class IdentityRefused(Exception):
    """The process's identity cannot be trusted (message in Chinese)."""


def current_login() -> str:
    """The operating-system login of this process (over SSH: the SSH user).

    Taken from the password database, not ``$USER``, which anyone can set.
    Under sudo this is the target account; :func:`invoker` says who asked.
    """
    return _name(os.getuid())


def _name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


class Invoker(NamedTuple):
    """Who this process acts for.

    ``login``: the staff login to look up; ``account``: the OS account the
    process runs as; ``via_sudo``: started by sudo as the database's owner
    (``login`` is then sudo's ``SUDO_USER``); ``owner``: the database's owner
    (None when it cannot be seen).
    """

    login: str
    account: str
    via_sudo: bool
    owner: str | None


def under_sudo(environ: Mapping[str, str] | None = None) -> bool:
    """True when the environment says sudo started this process (trusted or not)."""
    env = os.environ if environ is None else environ
    return "SUDO_USER" in env or "SUDO_UID" in env


def database_owner(db_path: str | os.PathLike[str]) -> int | None:
    """The uid owning the database file, or its directory when the file does
    not exist yet (``init``); None when neither can be looked at."""
    path = Path(db_path)
    for p in (path, path.parent):
        try:
            st = os.stat(p)
        except FileNotFoundError:
            continue
        except OSError:
            return None
        if p == path or stat.S_ISDIR(st.st_mode):
            return st.st_uid
    return None


def invoker(db_path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> Invoker:
    """Who runs this command against ``db_path``, as the OS vouches for it.

    * No sudo: the process's own login.
    * Under sudo, running as the owner of the database (the service account,
      never root): sudo's ``SUDO_USER``, checked against ``SUDO_UID`` and the
      password database.
    * Under sudo as root: root (an administrator's own ``sudo`` is not a staff
      identity).
    * ``SUDO_USER`` anywhere else (set by hand, or sudo to an account that
      does not own the database): refused with :class:`IdentityRefused`.
    """
    env = os.environ if environ is None else environ
    uid = os.getuid()
    account = current_login()
    owner_uid = database_owner(db_path)
    owner = None if owner_uid is None else _name(owner_uid)
    if not under_sudo(env):
        return Invoker(account, account, False, owner)
    if uid == 0:
        return Invoker(account, account, False, owner)
    sudo_user, sudo_uid = env.get("SUDO_USER", ""), env.get("SUDO_UID", "")
    if owner_uid is None or owner_uid != uid:
        raise IdentityRefused(
            f"环境变量 SUDO_USER 只在以数据库所属的服务账号运行时才作为身份（本进程账号：{account}，"
            f"数据库所属：{owner or '无法查看'}）。请按 README“Shared deployment”一节：sudo -u 服务账号 xzconsole …")
    try:
        entry = pwd.getpwnam(sudo_user)
    except KeyError:
        raise IdentityRefused(f"sudo 报告的调用人“{sudo_user}”不是本机账号，拒绝执行") from None
    if not sudo_uid.isdigit() or int(sudo_uid) != entry.pw_uid:
        raise IdentityRefused(f"sudo 报告的调用人“{sudo_user}”与其 uid（{sudo_uid or '缺失'}）不符，拒绝执行")
    return Invoker(sudo_user, account, True, owner)
