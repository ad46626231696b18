"""The names staff and other systems use for the same thing: districts (and,
as 12345 writes them, other vocabularies).  Pure: reads ``data/`` files,
never the database."""

from __future__ import annotations

import tomllib
import unicodedata
from pathlib import Path

_DISTRICT_ALIASES = {"经开区": "徐州经济技术开发区", "经济技术开发区": "徐州经济技术开发区",
                     "高新区": "徐州高新技术产业开发区", "高新技术产业开发区": "徐州高新技术产业开发区"}


def load_districts(data_dir: Path) -> list[str]:
    """The county-level districts of ``data_dir/districts.toml`` (empty: accept any)."""
    path = Path(data_dir) / "districts.toml"
    try:
        with open(path, "rb") as fh:
            return [str(d) for d in tomllib.load(fh).get("districts", [])]
    except (OSError, tomllib.TOMLDecodeError):
        return []


def find_district(value: str, districts: list[str]) -> str | None:
    """The district ``value`` names, as ``districts`` spells it: the full name,
    with or without 江苏省/徐州市 in front or 区/县/市 behind, or a known alias
    (高新区, 经开区); None when it names none of them."""
    t = unicodedata.normalize("NFKC", value).strip()
    for prefix in ("江苏省", "徐州市"):
        t = t.removeprefix(prefix)
    found = t if t in districts else _DISTRICT_ALIASES.get(t)
    if found is None:
        for suffix in ("区", "县", "市"):
            if t + suffix in districts:
                return t + suffix
    return found


def district_refusal(value: str, districts: list[str]) -> str:
    """The Chinese message for a district that names none of ``districts``."""
    return f"所属区域“{value}”不是徐州市的县（市、区）或开发区（可选：{'、'.join(districts)}）"
