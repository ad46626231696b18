"""Moving the policy library and the knowledge base in, and searching them from a shell.

* :func:`import_policies` and :func:`import_knowledge` read JSON Lines, CSV
  (UTF-8, BOM, GBK) or XLSX — the feed's own readers
  (:func:`xzconsole.services.feed_readers.open_feed`) with their columns — with
  English keys or the Chinese headers of SPEC §11, validate every row
  (:mod:`xzconsole.policies`), send bad rows to a rejects file beside the
  input and hand good rows to the store in batches; re-importing the same
  file changes nothing.
* :func:`search_cli`: ``xzconsole search policies|knowledge WORDS [--json]``.
* :data:`IMPORTERS`: every kind of ``xzconsole import --kind …``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Protocol

from ..areas.base import require_policy_manager
from ..errors import NotFound
from ..models import PolicyKind, Staff
from ..policies import _CONTROL, PolicyFilter, KNOWLEDGE_FIELDS, POLICY_FIELDS, days_left_label, split_terms, validate_knowledge_fields, validate_policy_fields
from ..store import Store
from ..textsafe import json_text, neutralise
from ..clock import local_date
from ..errors import RowError
from .grant_files import import_grants
from .feed_format import FeedReader, Headers, Progress, RawRow
from .feed_readers import open_feed
from .importers import import_tickets, run_import
from .rejects import RejectsFile, rejects_path
from .importers import ImportSummary as FeedSummary

# ---------------------------------------------------------------- the files' columns

POLICY_ALIASES = {"政策标题": "title", "政策名称": "title", "发文字号": "doc_number", "发文机关": "issuer",
                  "政策层级": "level", "级别": "level", "大类": "category", "政策类型": "kind", "内容摘要": "summary",
                  "解读人姓名": "interpreter_name", "解读电话": "interpreter_phone", "有效期至": "valid_until",
                  "申报截止日期": "valid_until", "开始日期": "valid_from", "成文日期": "issued_at"}
KNOWLEDGE_ALIASES = {"标准问题": "question", "标准答案": "answer", "答复": "answer", "分类": "category",
                     "责任部门": "department", "主管单位": "department"}


POLICY_HEADERS = Headers(POLICY_FIELDS, POLICY_ALIASES, ("title",))
KNOWLEDGE_HEADERS = Headers(KNOWLEDGE_FIELDS, KNOWLEDGE_ALIASES, ("question", "answer"))



# ---------------------------------------------------------------- the import


@dataclass
class ImportSummary(FeedSummary):
    """What an import of policies or knowledge did: the feed's counts plus drafts."""

    drafts: int = 0  # of the imported policies, how many came in as drafts

    def message(self) -> str:
        """One line for the command line or a toast (Chinese)."""
        parts = [f"{self.kind}：导入 {self.imported} 条"]
        if self.kind == "政策":
            parts.append(f"其中 {self.drafts} 条缺少摘要或解读人（申报类还须申报链接），作为草稿导入")
        parts.append(f"重复 {self.duplicate} 条（未改动）")
        parts.append(f"拒收 {self.rejected} 条")
        text = "，".join(parts)
        if self.rejects_file:
            text += f"；拒收明细见 {self.rejects_file}"
        if self.ignored_columns:
            text += f"；未识别的列已忽略：{'、'.join(self.ignored_columns)}"
        return text


def _actor(store: Store, actor: Staff | str) -> Staff:
    return actor if isinstance(actor, Staff) else store.staff.get(actor)


def _import(store: Store, path: str | os.PathLike[str], actor: Staff, headers: Headers, kind: str,
            validate: Callable[[dict[str, Any]], dict[str, Any]],
            flush: Callable[[list[dict[str, Any]]], tuple[int, int, int]], batch_size: int,
            progress: Progress | None = None) -> ImportSummary:
    src = Path(path).expanduser()
    summary = ImportSummary(kind=kind)
    rows = open_feed(src, headers)
    rejects = RejectsFile(rejects_path(src))
    seen: set[Any] = set()

    def accept(raw: RawRow) -> dict[str, Any] | None:
        assert raw.data is not None
        try:
            row = validate(raw.data)
        except ValueError as exc:
            rejects.add(raw.line, str(exc), raw.raw)
            return None
        key = (row["title"], row["doc_number"]) if "title" in row else row["question"]
        if key in seen:  # the same policy twice in one file: the first one wins
            summary.duplicate += 1
            return None
        seen.add(key)
        row["line"] = raw.line
        return row

    def commit(batch: list[dict[str, Any]]) -> None:
        imported, drafts, dup = flush(batch)
        summary.imported += imported
        summary.drafts += drafts
        summary.duplicate += dup

    run_import(rows, rejects, summary, accept, commit, batch_size=batch_size, progress=progress)
    return summary


def _not_in_the_future(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """A policy cannot have been issued or published after today (a typo such as 2099)."""
    for key, label in (("issued_at", "发文日期"), ("published_at", "发布日期")):
        if row.get(key) and row[key] > today.isoformat():
            raise RowError(f"{label} {row[key]} 晚于今天（{today.isoformat()}），请核对")
    return row


def import_policies(store: Store, path: str | os.PathLike[str], actor: Staff | str, *,
                    batch_size: int = 500, progress: Progress | None = None, **_: Any) -> ImportSummary:
    """Move an existing policy library in (``import --kind policies``).

    A row without summary or interpreter (name and phone) comes in as a draft
    and is counted in ``drafts``; a complete one comes in published (or
    expired, when its end date has passed).  A policy already in the library
    (same title and document number) is a duplicate and left as it is.
    Raises ``FeedError`` before anything is imported when the file cannot be
    read, and the store's ``PermissionDenied`` for a role that may not import.
    """
    staff = _actor(store, actor)
    require_policy_manager(staff, "导入政策")
    tree = store.categories()
    name = Path(path).name
    today = local_date(store.now())
    return _import(store, path, staff, POLICY_HEADERS, "政策",
                   lambda d: _not_in_the_future(validate_policy_fields(d, tree), today),
                   lambda rows: store.library.import_batch(staff, rows, name), batch_size, progress)


def import_knowledge(store: Store, path: str | os.PathLike[str], actor: Staff | str, *,
                     batch_size: int = 500, progress: Progress | None = None, **_: Any) -> ImportSummary:
    """Import knowledge-base entries shared from the hotline (``import --kind knowledge``).

    Format: see data/knowledge_import_example.csv (问题, 答案, 类别, 责任单位 or
    question, answer, category, department).  An entry whose question is
    already in the knowledge base is a duplicate and left as it is.
    """
    staff = _actor(store, actor)
    store.knowledge.require_editor(staff, "导入知识库")
    tree = store.categories()
    name = Path(path).name

    def dept(ref: str) -> str:
        return store.department(ref).short_name

    return _import(store, path, staff, KNOWLEDGE_HEADERS, "知识库", lambda d: validate_knowledge_fields(d, tree, dept),
                   lambda rows: store.knowledge.import_batch(staff, rows, name), batch_size, progress)


# ---------------------------------------------------------------- search from a shell


def search_cli(store: Store, kind: str, words: str, as_json: bool = False, limit: int | None = None,
               out: IO[str] | None = None, column: str | None = None) -> int:
    """``xzconsole search policies|knowledge WORDS [--json] [--limit N]``.

    JSON Lines (SPEC §11), best first: ``id``, ``title`` (the question for
    knowledge entries) and for policies ``kind``, ``valid_until`` and
    ``days_left``; or a readable table.  Exit status 0 (also when nothing
    matched: an empty answer is an answer), 2 for unusable arguments.
    """
    import sys

    out = out or sys.stdout
    err = sys.stderr
    if kind not in ("policies", "knowledge", "政策", "知识库"):
        print(f"无法识别的检索对象“{kind}”：应为 policies 或 knowledge", file=err)
        return 2
    column_id = None
    if column is not None:
        if kind not in ("policies", "政策"):
            print("--column 只用于政策库（专栏）", file=err)
            return 2
        try:
            column_id = store.library.column_id(column)
        except NotFound as exc:
            print(str(exc), file=err)
            return 2
    if not split_terms(words) and column_id is None:
        print("请输入检索词", file=err)
        return 2
    if limit is not None and limit < 1:
        print("--limit 应为正整数", file=err)
        return 2
    n = limit or 1_000_000
    if kind in ("policies", "政策"):
        hits = store.library.search(words, PolicyFilter(column_id=column_id) if column_id else None, n)
        rows = [h.as_json() for h in hits]
        cols = [("id", "编号"), ("title", "标题"), ("issuer", "发文单位"), ("kind", "类型"), ("valid_until", "截止日期"),
                ("days_left", "剩余")]
    else:
        entries = store.knowledge.search(words, n)
        rows = [{"id": e.id, "title": e.question, "category": e.category, "department": e.department,
                 "answer": e.answer} for e in entries]
        cols = [("id", "编号"), ("title", "问题"), ("department", "责任单位"), ("answer", "答案")]
    if as_json:
        for r in rows:
            out.write(json_text(json.dumps(r, ensure_ascii=False, default=str)) + "\n")
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # the query is echoed and the data shown literally: ESC, C1 and bidi controls made visible
    scope = (f"专栏“{neutralise(column)}”" + (f"中的“{neutralise(words)}”" if words.strip() else "")
             if column_id else f"“{neutralise(words)}”")
    table = Table(title=Text(f"{scope} 共 {len(rows)} 条"), show_lines=False)
    for _, label in cols:
        table.add_column(label, overflow="fold")
    for r in rows:
        cells = []
        for key, _ in cols:
            v = r.get(key)
            if key == "kind":
                v = PolicyKind(v).label
            elif key == "days_left":
                v = days_left_label(v) if r.get("valid_until") else "长期有效"
            elif key == "answer":
                v = (v or "")[:60] + ("…" if len(v or "") > 60 else "")
            cells.append(Text(neutralise(_CONTROL.sub(" ", "" if v is None else str(v)))))  # literal, never markup
        table.add_row(*cells)
    Console(file=out, highlight=False, soft_wrap=False).print(table)
    return 0


class Importer(Protocol):
    """One kind of ``xzconsole import --kind …``: every kind takes the same
    arguments (``reader`` comes from open_feed; FeedError for an unusable
    file, rejects via RejectsFile/rejects_path, Chinese lines for the summary
    in ImportSummary.notes)."""

    def __call__(self, store: Store, path: str | os.PathLike[str], actor_login: str, *, batch_size: int = ...,
                 progress: Progress | None = ..., reader: FeedReader | None = ...) -> FeedSummary: ...



def _import_policies(store: Store, path: str | os.PathLike[str], actor_login: str, **kw: Any) -> ImportSummary:
    """``import --kind policies``: the policy library ."""
    summary = import_policies(store, path, actor_login, **kw)
    if summary.drafts:
        summary.notes.append(f"其中 {summary.drafts} 条缺少摘要或解读人（姓名、电话）或申报类政策的申报链接，已作为草稿导入，补全后方可发布")
    return summary


def _import_knowledge(store: Store, path: str | os.PathLike[str], actor_login: str, **kw: Any) -> ImportSummary:
    """``import --kind knowledge``: knowledge-base entries shared from the hotline."""
    return import_knowledge(store, path, actor_login, **kw)


#: kinds of ``xzconsole import --kind …``: name → (description, import function)
IMPORTERS: dict[str, tuple[str, Importer]] = {
    "tickets": ("热线工单", import_tickets),
    "policies": ("政策", _import_policies),
    "knowledge": ("知识库", _import_knowledge),
    "grants": ("政策兑现台账", import_grants),
}
