"""Staff accounts and identity: an operating-system login mapped to a staff
record; only an admin manages accounts, except the first of a new database.
"""

from __future__ import annotations

from ..clock import format_datetime
from ..errors import IdentityError, NotFound, PermissionDenied, StoreError
from ..models import Role, Staff
from .base import CITY_CENTER, Core


class StaffArea:
    """``store.staff``: accounts, and who the current login is."""

    def __init__(self, core: Core) -> None:
        self.core = core

    # -- staff and identity ----------------------------------------------------
    def add(self, actor: Staff | None, login: str, role: Role | str, *, name: str = "",
                  department: str | int | None = None, center: str = CITY_CENTER) -> Staff:
        """Add (or re-enable and update) a staff account.  Only an admin may,
        except for the very first account of a new database (bootstrap)."""
        role = Role.parse(role)
        login = (login or "").strip()
        if not login or any(ch.isspace() for ch in login):
            raise StoreError("登录名不能为空，也不能含空格")
        dept_id = None
        if role is Role.DEPARTMENT:
            if department is None:
                raise StoreError("承办单位联络员必须指定所属单位（--department）")
            dept_id = self.core.department(department).id
        elif role in (Role.BUSINESS_OFFICE, Role.DISCIPLINE) and department not in (None, ""):
            # an oversight body watches every department: tying it to one would mislead
            raise StoreError(f"{role.label}的账号面向全部承办单位，不能指定所属单位")
        elif department is not None:
            dept_id = self.core.department(department).id
        center = self.core.center_name(center)  # code, full name or district; refused when unknown
        with self.core.write() as c:
            n = c.execute("SELECT count(*) FROM staff").fetchone()[0]
            if n and (actor is None or actor.role is not Role.ADMIN):
                raise PermissionDenied("只有管理员可以管理人员账号")
            c.execute(
                "INSERT INTO staff(login, name, role, department_id, center, disabled, created_at) VALUES (?,?,?,?,?,0,?) "
                "ON CONFLICT(login) DO UPDATE SET name = excluded.name, role = excluded.role, "
                "department_id = excluded.department_id, center = excluded.center, disabled = 0",
                (login, name, role.value, dept_id, center, format_datetime(self.core.now())),
            )
        return self.get(login)

    def disable(self, actor: Staff, login: str) -> Staff:
        if actor.role is not Role.ADMIN:
            raise PermissionDenied("只有管理员可以停用人员账号")
        with self.core.write() as c:
            cur = c.execute("UPDATE staff SET disabled = 1 WHERE login = ?", (login,))
            if cur.rowcount == 0:
                raise NotFound(f"没有登录名为“{login}”的人员")
        return self.get(login)

    def get(self, login: str) -> Staff:
        row = self.core.q1("SELECT * FROM staff WHERE login = ?", (login,))
        if row is None:
            raise NotFound(f"没有登录名为“{login}”的人员")
        d = dict(row)
        d["department_name"] = self.core.department_name(d["department_id"])
        return Staff.model_validate(d)

    def all(self) -> list[Staff]:
        return [self.get(r["login"]) for r in self.core.q("SELECT login FROM staff ORDER BY role, login")]

    def identify(self, login: str) -> Staff:
        """The staff record of an OS login, refusing unknown and disabled ones."""
        try:
            s = self.get(login)
        except NotFound:
            raise IdentityError(
                f"系统登录名“{login}”不是本平台的工作人员。请管理员执行：xzconsole staff add {login} --role clerk"
            ) from None
        if s.disabled:
            raise IdentityError(f"账号“{login}”已停用，请联系管理员")
        return s

    def count(self) -> int:
        return int(self.core.conn.execute("SELECT count(*) FROM staff").fetchone()[0])
