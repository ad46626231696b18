"""The refusals every layer raises and every front end shows: each carries a
message a clerk can read (Chinese).  Pure: imports nothing of xzconsole."""

from __future__ import annotations


class StoreError(Exception):
    """A refusal with a message a clerk can read (Chinese)."""


class NotFound(StoreError):
    """The ticket, department, policy … asked for does not exist."""


class PermissionDenied(StoreError):
    """The actor's role or department may not do this (checked below the UI)."""


class InvalidAction(StoreError):
    """The action does not fit the ticket's (or record's) state, or its input is wrong."""


class StaleTicket(StoreError):
    """Someone else changed the ticket since it was read."""

    def __init__(self, number: str, changed_by: str, changed_at: str, version: int) -> None:
        self.number, self.changed_by, self.changed_at, self.version = number, changed_by, changed_at, version
        when = changed_at.replace("T", " ")[:16] if changed_at else "刚才"
        super().__init__(f"工单 {number} 已被 {changed_by or '他人'} 于 {when} 修改，请重新载入后再操作（您填写的内容已保留）")


class IdentityError(StoreError):
    """The operating-system login is not (or no longer) a staff member."""


class RowError(ValueError):
    """One row of an import (or one form's values) is refused; the message
    (Chinese) goes to the rejects file or under the field."""
