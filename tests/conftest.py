"""Shared fixtures: a fresh database with reference data and the demo's sample library, a fixed clock, one staff per role."""

from __future__ import annotations

import pytest

from xzconsole.clock import FixedClock
from xzconsole.demo.policies import load_sample_library
from xzconsole.store import Store


@pytest.fixture
def clock() -> FixedClock:
    # a Thursday morning in Xuzhou; tests move it as they need
    return FixedClock("2026-11-26T09:30:00+08:00")


@pytest.fixture
def store(tmp_path, clock) -> Store:
    s = Store(tmp_path / "test.db", clock)
    s.load_reference_data()
    load_sample_library(s)  # the demo's sample policies and knowledge entries, which many tests search
    admin = s.staff.add(None, "admin", "admin", name="系统管理员")
    s.staff.add(admin, "clerk", "clerk", name="王受理")
    s.staff.add(admin, "sup", "supervisor", name="赵值班")
    s.staff.add(admin, "rsj", "department", name="人社联络员", department="市人社局")
    s.staff.add(admin, "swj", "department", name="税务联络员", department="市税务局")
    yield s
    s.disconnect()


@pytest.fixture
def staff(store):
    """Staff records by role: admin, clerk, sup, rsj (市人社局), swj (市税务局)."""
    return {login: store.staff.get(login) for login in ("admin", "clerk", "sup", "rsj", "swj")}
