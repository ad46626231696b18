"""The layers below the screens never pull in Textual, and only the store speaks SQL.

Run in a fresh interpreter, so what other tests imported cannot hide a leak
(the same check as Harlequin's tests/unit_tests/test_import_hygiene.py).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "xzconsole"
CORE = ["xzconsole.workdays", "xzconsole.workdays_schedule", "xzconsole.rules", "xzconsole.models", "xzconsole.store"]
OPTIONAL = ["xzconsole.importers", "xzconsole.services.reports", "xzconsole.demo", "xzconsole.outreach", "xzconsole.policies", "xzconsole.cli",
            "xzconsole.services.replication"]


def _present(names):
    return [n for n in names if importlib.util.find_spec(n) is not None]


@pytest.mark.parametrize("module", CORE + _present(OPTIONAL))
def test_no_textual_below_the_screens(module):
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent, timeout=60)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [], f"{module} imports textual"


def test_sql_only_in_the_store():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if (path.parent == PACKAGE and path.name == "store.py") or path.parent == PACKAGE / "areas":
            continue
        text = path.read_text(encoding="utf-8")
        # catching sqlite3's exceptions is fine anywhere; opening connections and
        # running statements is the store's job
        for needle in ("sqlite3.connect(", "execute(", "executemany(", "executescript("):
            if needle in text:
                offenders.append(f"{path.relative_to(PACKAGE.parent)}: {needle}")
    assert offenders == [], "SQL (or sqlite3) outside store.py / areas/: move it behind a store area method"


def _printed(code: str) -> object:
    """What a fresh interpreter running ``code`` printed last, as JSON."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_console_starts_without_loading_the_pinyin_dictionaries():
    """pypinyin's phrase dictionaries cost ≈120 ms and ≈20 MB: opening the
    console must not pay them (issue 11); the first pinyin search does."""
    code = (
        "import json, sys\n"
        "import xzconsole.app\n"
        "from xzconsole import pinyin_keys\n"
        "before = 'pypinyin' in sys.modules\n"
        "ok = pinyin_keys.matches('rsj', '市人社局')\n"
        "print(json.dumps([before, ok]))\n"
    )
    assert _printed(code) == [False, True]


def test_the_console_opens_on_its_first_page_without_pydantic(store, staff):
    """pydantic, its validators and the models built on it cost ≈50 ms and
    ≈8 MB of the launch (issue 11): starting the console — importing it,
    opening the store, identifying the clerk, showing the first queue page —
    must not import them (they load with the first form or import that
    validates input)."""
    from xzconsole.models import TicketIntake

    ticket = store.tickets.accept(staff["clerk"], TicketIntake(
        appeal_type="投诉", enterprise_name="徐州恒达机械有限公司", content="稳岗返还未到账"))
    code = (
        "import asyncio, json, sys\n"
        "from xzconsole.app import XzApp\n"
        "from xzconsole.clock import FixedClock\n"
        "async def main():\n"
        f"    app = XzApp({str(store.path)!r}, 'clerk', FixedClock('2026-11-26T10:00:00+08:00'))\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        await pilot.pause()\n"
        "        table = app.screen.query_one('#queue-table')\n"
        "        numbers = [t.number for t in table.tickets]\n"
        "        loaded = [m for m in ('pydantic', 'xzconsole.models.validated') if m in sys.modules]\n"
        "    print(json.dumps([numbers, loaded]))\n"
        "asyncio.run(main())\n"
    )
    assert _printed(code) == [[ticket.number], []]


def test_the_collector_waits_until_the_first_page_is_painted(store, staff):
    """A console started as run_console starts it (calm_gc) draws its first
    page with the cyclic collector held — a collection walking what start-up
    built landed inside the first frame (issue 11) — and runs it again a
    moment after the paint, with what start-up built frozen; then, idle, it
    loads the pydantic models the policy library and the forms need, and
    builds their validators."""
    from xzconsole.models import TicketIntake

    ticket = store.tickets.accept(staff["clerk"], TicketIntake(
        appeal_type="投诉", enterprise_name="徐州恒达机械有限公司", content="稳岗返还未到账"))
    code = (
        "import asyncio, gc, json, sys\n"
        "from xzconsole.app import GC_RELEASE_SECONDS, XzApp, calm_gc\n"
        "from xzconsole.clock import FixedClock\n"
        "from xzconsole.widgets.ticket_table import TicketTable\n"
        "calm_gc()\n"
        "seen = {}\n"
        "show = TicketTable.show\n"
        "def spy(self, *a, **k):\n"
        "    show(self, *a, **k)\n"
        "    seen.setdefault('collector at the first page', gc.isenabled())\n"
        "TicketTable.show = spy\n"
        "async def main():\n"
        f"    app = XzApp({str(store.path)!r}, 'clerk', FixedClock('2026-11-26T10:00:00+08:00'))\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        await pilot.pause()\n"
        "        painted, frozen = gc.isenabled(), gc.get_freeze_count()\n"
        "        models = ['xzconsole.models.validated' in sys.modules]\n"
        "        await pilot.pause(GC_RELEASE_SECONDS + 0.5)\n"
        "        await app.workers.wait_for_complete()\n"
        "        models.append('xzconsole.models.validated' in sys.modules)\n"
        "        from xzconsole.models.validated import Policy, TicketIntake\n"
        "        models.append([type(m.__pydantic_validator__).__name__ for m in (Policy, TicketIntake)])\n"
        "        numbers = [t.number for t in app.screen.query_one(TicketTable).tickets]\n"
        "        print(json.dumps([seen['collector at the first page'], painted, gc.isenabled(),\n"
        "                          gc.get_freeze_count() > frozen, numbers, models]))\n"
        "asyncio.run(main())\n"
    )
    # the validators are built too, not at the first F4 (pydantic builds them at first use)
    assert _printed(code) == [False, False, True, True, [ticket.number],
                              [False, True, ["SchemaValidator", "SchemaValidator"]]]


def test_loading_the_console_holds_the_collector_and_gives_it_back_as_it_was():
    """Textual's and the console's imports run without the cyclic collector
    (it walked their objects again and again as they were made, issue 11);
    afterwards it is as it was — on for a process that had it on, off for
    one that had turned it off — and what the imports made is frozen, so no
    collection walks it all at the next allocation."""
    code = (
        "import gc, json, sys\n"
        "if '--off' in sys.argv: gc.disable()\n"
        "seen = []\n"
        "def loading():\n"
        "    module = sys.modules.get('xzconsole.app')\n"
        "    # from Textual's first import (reading app.py's own code may collect before) to main, its last definition\n"
        "    return module is not None and 'textual' in sys.modules and not hasattr(module, 'main')\n"
        "def watch(phase, info):\n"
        "    if phase == 'start' and loading():\n"
        "        seen.append(info['generation'])\n"
        "gc.callbacks.append(watch)\n"
        "import xzconsole.app\n"
        "gc.callbacks.remove(watch)\n"
        "frozen, loose = gc.get_freeze_count(), len(gc.get_objects())\n"
        "print(json.dumps([seen, 'textual.app' in sys.modules, gc.isenabled(), loose * 10 < frozen]))\n"
    )
    assert _printed(code) == [[], True, True, True]
    off = subprocess.run([sys.executable, "-c", code, "--off"], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent)
    assert json.loads(off.stdout.strip().splitlines()[-1]) == [[], True, False, True]


def test_an_app_run_without_calm_gc_leaves_the_collector_alone(store, staff):
    """Tests and embedders that never called calm_gc keep the collector as it was."""
    import asyncio
    import gc

    from xzconsole.app import GC_RELEASE_SECONDS, XzApp
    from xzconsole.clock import FixedClock

    async def run() -> tuple[bool, int]:
        app = XzApp(str(store.path), "clerk", FixedClock("2026-11-26T10:00:00+08:00"))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(GC_RELEASE_SECONDS + 0.3)
            return gc.isenabled(), gc.get_freeze_count()

    frozen = gc.get_freeze_count()
    enabled, after = asyncio.run(run())
    # nothing frozen (what was may have been freed since: the count can only fall)
    assert enabled and after <= frozen


def test_widgets_loaded_after_start_up_still_speak_chinese():
    """The console no longer loads TextArea (and its syntax machinery),
    RadioSet or SelectionList to start (issue 11): each is translated when
    Textual first loads it, before any screen subclasses or creates one."""
    code = (
        "import json, sys\n"
        "import xzconsole.app, xzconsole.screens.queue\n"
        "from xzconsole.widgets.chinese import DESCRIPTIONS\n"
        "before = [m for m in ('textual.widgets._text_area', 'textual.widgets._radio_set',\n"
        "          'textual.widgets._selection_list') if m in sys.modules]\n"
        "from textual.widgets import RadioSet, SelectionList, TextArea\n"
        "class Answer(TextArea):\n"
        "    pass\n"
        "shown = [b.description for cls in (TextArea, RadioSet, SelectionList, Answer)\n"
        "         for bs in cls._merged_bindings.key_to_bindings.values() for b in bs]\n"
        "print(json.dumps([before, [d for d in shown if d in DESCRIPTIONS], '上移' in shown]))\n"
    )
    assert _printed(code) == [[], [], True]


def test_the_console_opens_without_the_search_rules_the_joint_area_or_textuals_tabs(store, staff):
    """Issue 11: the text-folding rules (``policies``), the joint area and
    Textual's Tabs are not needed to show the first queue page; a
    search typed afterwards still folds and finds, and 协办 still answers."""
    from xzconsole.models import TicketIntake

    ticket = store.tickets.accept(staff["clerk"], TicketIntake(
        appeal_type="投诉", enterprise_name="徐州恒达机械有限公司", content="稳岗返还未到账"))
    code = (
        "import asyncio, json, sys\n"
        "from xzconsole.app import XzApp\n"
        "from xzconsole.clock import FixedClock\n"
        "WATCHED = ('xzconsole.policies', 'xzconsole.areas.joint', 'textual.widgets._tabs')\n"
        "async def main():\n"
        f"    app = XzApp({str(store.path)!r}, 'clerk', FixedClock('2026-11-26T10:00:00+08:00'))\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        await pilot.pause()\n"
        "        loaded = [m for m in WATCHED if m in sys.modules]\n"
        "        app.screen.select_tab('tab-all')\n"
        "        await pilot.pause()\n"
        "        app.screen.apply_search('恒达机械')\n"
        "        await app.workers.wait_for_complete(); await pilot.pause()\n"
        "        found = [t.number for t in app.screen.query_one('#queue-table').tickets]\n"
        "        late = app.store.warnings.joint.late_part_notice(app.user, app.clock.now(), 5)\n"
        "    print(json.dumps([loaded, found, late is not None]))\n"
        "asyncio.run(main())\n"
    )
    assert _printed(code) == [[], [ticket.number], True]


SCHEDULE_2027 = """
# TEST FIXTURE ONLY — a schedule to load, not the State Council's notice
year = 2027
holidays = [{ name = "元旦", start = 2027-01-01, end = 2027-01-03 }]
workdays = []
"""


def test_the_console_opens_without_its_driver_bulk_bar_filter_dialog_palette_json_or_toml(store, staff):
    """Issue 11: the first queue page needs none of these (nor Rich's emoji
    table: the list's column labels hold no markup; nor the tz database:
    Asia/Shanghai is UTC+8 all year; nor F1's key list), each loaded by
    what uses it — the terminal's driver when one is made (a headless run
    never makes one), the progress bar with the first bulk action, the
    filter dialog with the first ``f``, the palette's providers with the
    first Ctrl+P, json with the first action written
    to a ticket's history, a year's schedule (its module and tomllib) with
    the first schedule read.  Each still works when it comes."""
    from xzconsole.models import TicketIntake

    for name in ("徐州恒达机械有限公司", "徐州云龙机械有限公司"):
        store.tickets.accept(staff["clerk"], TicketIntake(appeal_type="投诉", enterprise_name=name, content="稳岗返还未到账"))
    code = (
        "import asyncio, sys\n"
        "from xzconsole.app import XzApp\n"
        "from xzconsole.clock import FixedClock\n"
        "WATCHED = ('textual.drivers.linux_driver', 'xzconsole.terminal_driver', 'textual.widgets._progress_bar',\n"
        "           'xzconsole.screens.queue_filter_dialog', 'xzconsole.palette', 'json', 'xzconsole.workdays_schedule',\n"
        "           'tomllib')\n"
        "def loaded():\n"
        "    return [m for m in WATCHED if m in sys.modules]\n"
        "async def main():\n"
        f"    app = XzApp({str(store.path)!r}, 'clerk', FixedClock('2026-11-26T10:00:00+08:00'))\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        await pilot.pause()\n"
        "        at_start = loaded() + [m for m in ('rich._emoji_codes', 'zoneinfo', 'xzconsole.screens.app_overlays')\n"
        "                               if m in sys.modules]\n"
        "        await pilot.press('f'); await pilot.pause()\n"
        "        dialog = type(app.screen).__name__\n"
        "        await pilot.press('escape'); await pilot.pause()\n"
        "        await pilot.press('ctrl+p'); await pilot.pause()\n"
        "        await pilot.press(*'推广'); await pilot.pause(0.5)\n"
        "        await app.workers.wait_for_complete(); await pilot.pause()\n"
        "        await pilot.press('down', 'enter'); await pilot.pause()\n"
        "        found = type(app.screen).__name__\n"
        "        await pilot.press('f2'); await pilot.pause()\n"
        "        await pilot.press('space', 'x'); await pilot.pause()\n"
        "        await pilot.press('enter')\n"
        "        await app.workers.wait_for_complete(); await pilot.pause()\n"
        "        bars = [(type(w).__name__, w.progress, w.total) for w in app.screen.query('#queue-progress')]\n"
        "        from xzconsole.workdays import YearSchedule\n"
        f"        app.store.schedules.load(app.store.staff.get('sup'), YearSchedule.from_toml({SCHEDULE_2027!r}))\n"
        "        source = app.store.calendar().year_source(2027)\n"
        "        driver = [c.__name__ for c in app.driver_class.__mro__ if c.__name__ in ('GuardedLinuxDriver', 'LinuxDriver')]\n"
        "        later = loaded()\n"
        "    import json\n"
        "    print(json.dumps([at_start, dialog, found, bars, source, driver, later]))\n"
        "asyncio.run(main())\n"
    )
    at_start, dialog, found, bars, source, driver, later = _printed(code)
    assert at_start == []
    assert dialog == "FilterDialog"
    assert found == "OutreachScreen"  # reached through the console's own palette entries, loaded at Ctrl+P
    assert bars == [["ProgressBar", 1, 1]]  # the bulk close of the one tagged ticket, done
    assert source == "center"
    assert driver == ["GuardedLinuxDriver", "LinuxDriver"]
    assert later == ["textual.drivers.linux_driver", "xzconsole.terminal_driver", "textual.widgets._progress_bar",
                     "xzconsole.screens.queue_filter_dialog", "xzconsole.palette", "json", "xzconsole.workdays_schedule",
                     "tomllib"]


def test_the_policy_library_opens_without_its_editor_dialogs_or_toml(store, staff):
    """F4 (issue 11: aim 150 ms) loads neither the policy editor nor the
    dialogs (with Textual's TextArea under them), tomllib or Rich's emoji
    table; the editor comes with the first ``a`` (新建), and works."""
    code = (
        "import asyncio, json, sys\n"
        "from xzconsole.app import XzApp\n"
        "from xzconsole.clock import FixedClock\n"
        "WATCHED = ('xzconsole.screens.policy_editor', 'xzconsole.screens.dialogs', 'textual.widgets._text_area',\n"
        "           'tomllib', 'rich._emoji_codes')\n"
        "async def main():\n"
        f"    app = XzApp({str(store.path)!r}, 'sup', FixedClock('2026-11-26T10:00:00+08:00'))\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        await pilot.pause()\n"
        "        before = set(sys.modules)\n"
        "        await pilot.press('f4'); await pilot.pause()\n"
        "        await app.workers.wait_for_complete(); await pilot.pause()\n"
        "        library = [type(app.screen).__name__, [m for m in WATCHED if m in set(sys.modules) - before]]\n"
        "        await pilot.press('a'); await pilot.pause()\n"
        "        editor = [type(app.screen).__name__, 'xzconsole.screens.policy_editor' in sys.modules]\n"
        "    print(json.dumps([library, editor]))\n"
        "asyncio.run(main())\n"
    )
    assert _printed(code) == [["PolicyLibraryScreen", []], ["PolicyEditorScreen", True]]
