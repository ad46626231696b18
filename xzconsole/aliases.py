"""The values other systems (12345 above all) write for our vocabulary, and
how a feed value becomes a ticket field.  Pure: reads the alias file's text,
never the database.

``data/aliases.toml`` maps, per vocabulary, a value as 12345 writes it to the
name the center uses::

    [appeal_type]
    "投诉举报类" = "投诉"
    [satisfaction]
    "满意（已解决）" = { result = "满意", resolved = "已解决" }

The file is read with the reference data (``xzconsole init``) and checked
there: every problem is reported with its line number.  Values are compared
after NFKC normalisation with the spaces taken out, so ``满意(已解决)`` and
``满意（已解决）`` are the same key.

Also here, the feed's own value forms that are not vocabulary: phone numbers
as 12345 writes them (masked, local 8-digit, service numbers) and the Chinese
date-time forms.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .clock import SHANGHAI
from .models import AppealType, Satisfaction, validate_phone

ALIAS_FILE = "aliases.toml"

SECTIONS: dict[str, str] = {
    "appeal_type": "诉求类型",
    "department": "承办单位",
    "district": "所属区域",
    "satisfaction": "回访结果",
    "resolved": "是否解决",
}

# 是否解决 as written without any alias file
_RESOLVED_BUILTIN: dict[str, bool] = {
    "已解决": True, "未解决": False, "是": True, "否": False, "解决": True,
    "true": True, "false": False, "yes": True, "no": False, "1": True, "0": False, "y": True, "n": False,
}


def norm(value: Any) -> str:
    """The comparison form of a value: NFKC (full-width → half-width), no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or ""))).lower()


class AliasFileError(ValueError):
    """The alias file has problems; the message lists each with its line number (Chinese)."""


@dataclass
class Aliases:
    """The alias file, checked: normalised alias → what it stands for."""

    appeal_type: dict[str, str] = field(default_factory=dict)  # → AppealType code
    department: dict[str, str] = field(default_factory=dict)  # → a department's name, short name or code
    district: dict[str, str] = field(default_factory=dict)  # → a district of districts.toml
    satisfaction: dict[str, tuple[str | None, bool | None]] = field(default_factory=dict)  # → (code, 是否解决)
    resolved: dict[str, bool] = field(default_factory=dict)
    # the aliases as written (for suggestions in messages)
    written: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"appeal_type": self.appeal_type, "department": self.department, "district": self.district,
                           "satisfaction": {k: list(v) for k, v in self.satisfaction.items()},
                           "resolved": self.resolved, "written": self.written}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Aliases":
        d = json.loads(text)
        return cls(appeal_type=dict(d.get("appeal_type", {})), department=dict(d.get("department", {})),
                   district=dict(d.get("district", {})),
                   satisfaction={k: (v[0], v[1]) for k, v in d.get("satisfaction", {}).items()},
                   resolved={k: bool(v) for k, v in d.get("resolved", {}).items()},
                   written={k: list(v) for k, v in d.get("written", {}).items()})


# ---------------------------------------------------------------- the file

_SECTION_LINE = re.compile(r"^\s*\[\s*([A-Za-z_][A-Za-z0-9_]*)\s*\]")
_KEY_LINE = re.compile(r"""^\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")


def _key_lines(text: str) -> dict[tuple[str, str], int]:
    """(section, key as written) → its line number, by a light scan of the text
    (tomllib, which has already accepted the syntax, does not say where a key is)."""
    out: dict[tuple[str, str], int] = {}
    section = ""
    for n, line in enumerate(text.splitlines(), 1):
        m = _SECTION_LINE.match(line)
        if m:
            section = m.group(1)
            out.setdefault((section, ""), n)
            continue
        m = _KEY_LINE.match(line)
        if m:
            key = m.group(1) if m.group(1) is not None else (m.group(2) if m.group(2) is not None else m.group(3))
            if m.group(1) is not None:
                try:
                    key = json.loads(f'"{key}"')
                except ValueError:
                    pass
            out.setdefault((section, key), n)
    return out


def parse_aliases(text: str, *, name: str = ALIAS_FILE, departments: Callable[[str], bool] | None = None,
                  districts: Iterable[str] | None = None) -> Aliases:
    """Read and check an alias file; :class:`AliasFileError` lists every problem
    with its line.  ``departments`` says whether a department reference exists
    and ``districts`` lists the known districts (each unchecked when None)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"line (\d+), column (\d+)", msg)
        where = f"第 {m.group(1)} 行第 {m.group(2)} 列" if m else ""
        raise AliasFileError(f"{name}{where}：TOML 语法错误（{msg}）。别名的写法为  \"外部写法\" = \"本中心的名称\"") from None
    lines = _key_lines(text)
    district_set = set(districts) if districts is not None else None
    problems: list[tuple[int, str]] = []
    out = Aliases()
    seen: dict[tuple[str, str], tuple[int, str]] = {}

    def at(section: str, key: str = "") -> int:
        return lines.get((section, key), lines.get((section, ""), 0))

    for section, table in doc.items():
        if section not in SECTIONS:
            problems.append((at(section), f"未知的分节 [{section}]（可用：{'、'.join(f'[{s}]' for s in SECTIONS)}）"))
            continue
        if not isinstance(table, dict):
            problems.append((at(section), f"{section} 应为一节 [{section}]，其下每行一个别名"))
            continue
        written = out.written.setdefault(section, [])
        for key, value in table.items():
            n = at(section, key)
            k = norm(key)
            if not k:
                problems.append((n, f"[{section}] 中有空的别名"))
                continue
            if (section, k) in seen and seen[(section, k)][1] != key:
                problems.append((n, f"别名“{key}”与第 {seen[(section, k)][0]} 行的“{seen[(section, k)][1]}”相同（全角/半角、空格不区分）"))
                continue
            seen[(section, k)] = (n, key)
            try:
                _check_value(out, section, k, value, departments, district_set)
            except ValueError as exc:
                problems.append((n, f"[{section}]“{key}”：{exc}"))
                continue
            written.append(key)
    if problems:
        body = "\n".join(f"  {name} 第 {n} 行：{why}" if n else f"  {name}：{why}" for n, why in sorted(problems))
        raise AliasFileError(f"别名文件有 {len(problems)} 处错误，未载入：\n{body}")
    return out


def _check_value(out: Aliases, section: str, k: str, value: Any, departments: Callable[[str], bool] | None,
                 districts: set[str] | None) -> None:
    if section == "satisfaction":
        if isinstance(value, dict):
            unknown = set(value) - {"result", "resolved"}
            if unknown or "result" not in value and "resolved" not in value:
                raise ValueError("应写成 \"满意\" 或 { result = \"满意\", resolved = \"已解决\" }")
            code = Satisfaction.parse(value["result"]).value if value.get("result") not in (None, "") else None
            solved = _resolved_builtin(value["resolved"]) if value.get("resolved") not in (None, "") else None
            if code == Satisfaction.UNREACHABLE.value and solved is not None:
                raise ValueError("未联系上时不能带“是否解决”")
            out.satisfaction[k] = (code, solved)
            return
        if not isinstance(value, str):
            raise ValueError("右边应为文字（带引号），如 \"满意\"")
        out.satisfaction[k] = (Satisfaction.parse(value).value, None)
        return
    if not isinstance(value, str) or not value.strip():
        raise ValueError("右边应为非空的文字（带引号）")
    target = value.strip()
    if section == "appeal_type":
        out.appeal_type[k] = AppealType.parse(target).value
    elif section == "resolved":
        out.resolved[k] = _resolved_builtin(target)
    elif section == "department":
        if departments is not None and not departments(target):
            raise ValueError(f"departments.toml 中没有单位“{target}”（右边应为单位的全称、简称或代码）")
        out.department[k] = target
    elif section == "district":
        if districts is not None and target not in districts:
            raise ValueError(f"districts.toml 中没有区域“{target}”（可选：{'、'.join(sorted(districts))}）")
        out.district[k] = target


def _resolved_builtin(value: Any) -> bool:
    hit = _RESOLVED_BUILTIN.get(norm(value))
    if hit is None:
        raise ValueError(f"无法识别的是否解决“{value}”（可选：已解决、未解决、是、否）")
    return hit


def load_aliases(data_dir: Path, **checks: Any) -> Aliases:
    """``data_dir/aliases.toml`` checked (see :func:`parse_aliases`); empty when there is none."""
    path = Path(data_dir) / ALIAS_FILE
    if not path.exists():
        return Aliases()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise AliasFileError(f"{path}：不是 UTF-8 编码的文字，请以 UTF-8 保存") from None
    return parse_aliases(text, name=str(path), **checks)


# ---------------------------------------------------------------- suggestions


def suggest(value: str, candidates: Iterable[str], n: int = 3) -> str:
    """“（最接近的：A、B、C）” — the nearest known values, or ``""`` when none is near."""
    pool = list(dict.fromkeys(c for c in candidates if c))
    close = difflib.get_close_matches(str(value).strip(), pool, n=n, cutoff=0.3)
    if not close:
        # a short value shares little with long names: fall back to containment
        v = norm(value)
        close = [c for c in pool if v and (v in norm(c) or norm(c) in v)][:n]
    return f"（最接近的：{'、'.join(close)}）" if close else ""


_HINT = "；可在 data/aliases.toml 中增加别名"


def refusal(kind: str, value: Any, candidates: Iterable[str]) -> str:
    """The Chinese message for a value that matches nothing known."""
    pool = list(candidates)
    near = suggest(str(value), pool)
    if not near:
        near = f"（可选：{'、'.join(pool[:12])}{'等' if len(pool) > 12 else ''}）"
    return f"无法识别的{kind}“{value}”{near}{_HINT}"


# ---------------------------------------------------------------- vocabulary values


def appeal_type(value: Any, aliases: Aliases) -> AppealType:
    """诉求类型 as our label or code, a built-in alias or one of the file's."""
    try:
        return AppealType.parse(value)
    except ValueError:
        pass
    code = aliases.appeal_type.get(norm(value))
    if code is None:
        t = norm(value)
        for suffix in ("类", "件"):  # 12345's categories: 投诉类 → 投诉
            if t.endswith(suffix):
                try:
                    return AppealType.parse(t[: -len(suffix)])
                except ValueError:
                    pass
        known = [m.label for m in AppealType] + aliases.written.get("appeal_type", [])
        raise ValueError(refusal("诉求类型", str(value).strip(), known))
    return AppealType(code)


def satisfaction(value: Any, aliases: Aliases) -> tuple[Satisfaction, bool | None]:
    """回访结果 → (satisfaction, 是否解决 when the result carries it)."""
    hit = aliases.satisfaction.get(norm(value))
    if hit is not None:
        code, solved = hit
        if code is None:
            raise ValueError(f"回访结果“{value}”只说明了是否解决，没有满意程度")
        return Satisfaction(code), solved
    try:
        return Satisfaction.parse(value), None
    except ValueError:
        known = [m.label for m in Satisfaction] + aliases.written.get("satisfaction", [])
        raise ValueError(refusal("回访结果", str(value).strip(), known)) from None


def resolved(value: Any, aliases: Aliases) -> bool:
    """是否解决: 是/否/已解决/未解决 (and the file's aliases)."""
    t = norm(value)
    hit = aliases.resolved.get(t)
    if hit is None:
        hit = _RESOLVED_BUILTIN.get(t)
    if hit is None:
        known = ["已解决", "未解决", "是", "否"] + aliases.written.get("resolved", [])
        raise ValueError(refusal("是否解决", str(value).strip(), known))
    return hit


def department_candidates(value: str, aliases: Aliases) -> list[str]:
    """The references to try for a department as 12345 writes it, best first:
    as given, the file's alias, then with or without the 徐州市 prefix
    (铜山区人民政府 → 徐州市铜山区人民政府, 徐州市税务局 → 市税务局, 人社局 → 市人社局)."""
    t = unicodedata.normalize("NFKC", str(value)).strip()
    out = [t]
    alias = aliases.department.get(norm(t))
    if alias:
        out.append(alias)
    bare = t.removeprefix("徐州市").removeprefix("徐州")
    for ref in ("徐州市" + bare, bare, "市" + bare):
        alias = aliases.department.get(norm(ref))
        out.extend([ref] + ([alias] if alias else []))
    return list(dict.fromkeys(x for x in out if x))


def district_alias(value: str, aliases: Aliases) -> str | None:
    """The district a file alias names for ``value`` (with or without 徐州市), or None."""
    t = norm(value)
    for ref in (t, t.removeprefix("江苏省").removeprefix("徐州市").removeprefix("徐州")):
        hit = aliases.district.get(ref)
        if hit:
            return hit
    return None


# ---------------------------------------------------------------- phone numbers


_MASKED = re.compile(r"^[0-9]+[*＊xX×]{2,}[0-9]*$|^[0-9]*[*＊xX×]{2,}[0-9]+$")
_LOCAL8 = re.compile(r"^[2-9]\d{7}$")
_SERVICE = re.compile(r"^(?:400\d{7}|800\d{7}|95\d{3,6}|96\d{3,6}|1\d{4})$")
LOCAL_AREA_CODE = "0516"  # Xuzhou


@dataclass(frozen=True)
class Phone:
    """A 联系电话 as the feed gave it, normalised; ``masked`` when 12345 hid digits."""

    number: str
    masked: bool = False


def phone(value: Any) -> Phone:
    """A feed phone number: a mobile or landline (as :func:`validate_phone`), a
    number masked by 12345 (``139****1234``: kept exactly as given, marked
    masked), an 8-digit Xuzhou landline (→ ``0516-xxxxxxxx``) or a service
    number (400…, 800…, 95…, 96…, 5-digit 1xxxx hotlines); ValueError (Chinese) else."""
    raw = unicodedata.normalize("NFKC", str(value)).strip()
    compact = re.sub(r"[\s\-()（）]", "", raw)
    if _MASKED.match(compact) and 7 <= len(compact) <= 13:
        return Phone(str(value).strip(), True)
    try:
        return Phone(validate_phone(raw))
    except ValueError as exc:
        if _LOCAL8.match(compact):
            return Phone(f"{LOCAL_AREA_CODE}-{compact}")
        if _SERVICE.match(compact):
            if len(compact) == 10 and compact[:3] in ("400", "800"):
                return Phone(f"{compact[:3]}-{compact[3:6]}-{compact[6:]}")
            return Phone(compact)
        raise ValueError(f"{exc}；也接受 12345 脱敏号码（如 139****1234）、不带区号的 8 位徐州固话和 400/95 服务号码") from None


# ---------------------------------------------------------------- date-time forms


_CN_TIME = re.compile(
    r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*[日号]?"
    r"(?:\s*[T\s]?\s*(?:(上午|下午|晚上)\s*)?(\d{1,2})\s*[:：时点]\s*(\d{1,2})?\s*分?"
    r"(?:\s*[:：]?\s*(\d{1,2})\s*秒?)?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$")


def feed_time(text: str) -> dt.datetime | None:
    """The date-time forms 12345 writes that ISO parsing does not take:
    ``2026年11月3日 9:15``, ``2026年11月3日9时15分``, ``2026/11/3 9:15``,
    ``20261103091500`` (and ``202611030915``, ``20261103``); Asia/Shanghai.
    None when ``text`` is none of them; ValueError for an impossible date."""
    t = unicodedata.normalize("NFKC", str(text)).strip()
    m = _COMPACT.match(t)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        h, mi, s = (int(m.group(i) or 0) for i in (4, 5, 6))
    else:
        m = _CN_TIME.match(t)
        if not m:
            return None
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        h, mi, s = int(m.group(5) or 0), int(m.group(6) or 0), int(m.group(7) or 0)
        if m.group(4) in ("下午", "晚上") and h < 12:
            h += 12
    if not 1900 <= y <= 2200:
        raise ValueError(f"时间超出合理范围：{text}")
    try:
        return dt.datetime(y, mo, d, h, mi, s, tzinfo=SHANGHAI)
    except ValueError:
        raise ValueError(f"不存在的日期或时间：{text}") from None


__all__ = [
    "ALIAS_FILE",
    "AliasFileError",
    "Aliases",
    "Phone",
    "appeal_type",
    "department_candidates",
    "district_alias",
    "feed_time",
    "load_aliases",
    "norm",
    "parse_aliases",
    "phone",
    "refusal",
    "resolved",
    "satisfaction",
    "suggest",
]
