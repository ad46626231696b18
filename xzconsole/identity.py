"""Who is at the keyboard: the operating-system login of this process, as
the operating system vouches for it (SPEC §1, §13).  Pure: no database."""

from __future__ import annotations

import os
import pwd


def current_login() -> str:
    """The operating-system login of this process (over SSH: the SSH user).

    Taken from the password database, not ``$USER``, which anyone can set.
    """
    return pwd.getpwuid(os.getuid()).pw_name
