"""The Textual App: the shell around the screens, the palette and global keys.

``XzApp`` opens the shared database (migrating it before any screen
mounts), identifies the operating-system login as a staff member, and shows
the queue.  Every screen reaches the store, the user and the clock through
``self.app.store`` / ``self.app.user`` / ``self.app.clock``.

Running over SSH (SPEC §13), :func:`run_console` takes care of three traps:

* **Locale.** When the terminal's encoding is not UTF-8, Chinese would be
  garbled: output is switched to UTF-8 where Python can, and one line says
  what to set (``export LANG=zh_CN.UTF-8`` or ``C.UTF-8``).
* **Colours.** SSH does not pass ``COLORTERM``; Textual then renders with
  the 256-colour palette.  The stylesheet carries meaning only with ANSI
  named colours plus a symbol and a word, so it reads the same in 256
  colours (``COLORTERM=truecolor`` merely makes the chrome smoother).
* **Hang-up.** When the SSH connection drops (SIGHUP, a terminal that
  reports a hang-up, a write that fails with EIO/EPIPE) or the process is
  asked to stop (SIGTERM), the console leaves within two seconds, every time
  (issue 19; dolphie#101).  :meth:`XzApp.run` installs a
  :class:`~xzconsole.terminal_exit.TerminalGuard` for the whole run and the
  app draws through :class:`~xzconsole.terminal_exit.GuardedLinuxDriver`;
  ``terminal_exit`` explains the deadlock in Textual this avoids, and why
  ending at any instant loses nothing committed.
"""

from __future__ import annotations

import gc

# Importing Textual and the console makes some hundred thousand objects that
# live as long as the process, and the cyclic collector walked them again and
# again while they were being made: ≈6 ms of the launch (issue 11).  It is held
# while this module loads and given back as it was at the module's end (see
# there); run_console() then holds it until the first screen is painted (calm_gc).
_COLLECTING_BEFORE_IMPORT = gc.isenabled()
gc.disable()

import asyncio
import codecs
import datetime as dt
import functools
import locale
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable

from textual import constants as textual_constants
from textual import events
from textual.geometry import Size
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette, Provider
from textual.driver import Driver
from textual.screen import Screen

from .clock import Clock, FixedClock
from .console import ConsoleApp
from .identity import current_login
from .terminal_exit import LeaveReason, TerminalGuard
from .textsafe import plain
from .widgets.cells import install as install_cell_safe_compositor
from .widgets.chinese import ChinesePalette, translate_bindings

# Chinese characters stay whole under toasts, drop-downs, dialogs and the palette,
# and Textual's own key descriptions are Chinese, before any widget exists (issue 16)
install_cell_safe_compositor()
translate_bindings()

if TYPE_CHECKING:  # types only: the store is imported when the app mounts, not at start-up
    from textual.widget import AwaitMount

    from .models import Staff
    from .store import Readers, Store

EXIT_OK = 0
EXIT_NOTHING = 2

#: the rules of every screen and dialog but the queue: read when the first of them is pushed (issue 11)
PLACES_CSS_PATH = str(Path(__file__).with_name("places.tcss"))


QUIT_CONFIRM = "quit-confirm"
def unsaved_input(screen: Screen[Any]) -> bool:
    """Whether leaving now would lose something typed on ``screen``: a form
    that can (the intake, the policy editor) says so with
    ``has_unsaved_input()``.  Lists and their search boxes hold no unsaved
    work; a dialog needs no check, since the app's ``q`` never reaches past a
    modal screen (Textual stops the binding chain there)."""
    own = getattr(screen, "has_unsaved_input", None)
    return bool(own()) if callable(own) else False


def _palette_provider(name: str) -> Callable[[], type[Provider]]:
    """A command-palette provider of :mod:`xzconsole.palette`, imported when
    the palette first opens rather than with the console (≈1.4 ms of the launch)."""
    def load() -> type[Provider]:
        from . import palette

        provider: type[Provider] = getattr(palette, name)
        return provider

    return load


class XzApp(App[int]):
    """企业服务中心工作台: queue, tickets, palette, for one signed-in staff member."""

    # absolute, so a subclass defined elsewhere (tests, textual-serve) finds it too
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))
    TITLE = "企业服务中心工作台"
    SUB_TITLE = "一中心一平台 · 12345 企业诉求"
    # the console's providers load with the first Ctrl+P (Textual calls each to get its class)
    COMMANDS = App.COMMANDS | {_palette_provider(name) for name in (
        "TicketCommands", "PolicyCommands", "EnterpriseCommands", "PlaceCommands", "DepartmentCommands")}
    COMMAND_PALETTE_DISPLAY = "^p"
    BINDINGS = [
        Binding("f1", "help", "帮助", id="app.help"),
        # shown once, docked at the footer's right (a shown binding would repeat it)
        Binding("ctrl+p", "command_palette", "跳转", id="app.palette", priority=True, show=False),
        Binding("q", "quit_console", "退出", id="app.quit"),
        # Textual's own Ctrl+Q quits without asking; here it asks like q from a form
        Binding("ctrl+q", "quit_console", "退出", id="app.quit_now", show=False, priority=True),
        # the console's places, one key each (listed by F1; the footer keeps the screen's own keys)
        Binding("f2", "go('queue')", "工单队列", id="app.go.queue", show=False),
        Binding("f3", "go('warnings')", "预警面板", id="app.go.warnings", show=False),
        Binding("f4", "go('policies')", "政策库", id="app.go.policies", show=False),
        Binding("f5", "go('knowledge')", "知识库", id="app.go.knowledge", show=False),
        Binding("f6", "go('assessment')", "三率考核", id="app.go.assessment", show=False),
        Binding("f7", "go('calendar')", "工作日历", id="app.go.calendar", show=False),
        Binding("f8", "go('collection')", "政策采集", id="app.go.collection", show=False),
        Binding("f9", "go('directory')", "企业名录", id="app.go.directory", show=False),
        Binding("f10", "go('associations')", "行业协会", id="app.go.associations", show=False),
        Binding("f11", "go('outreach')", "宣传推广", id="app.go.outreach", show=False),
    ]

    # place → (module, screen class) for ``action_go``
    PLACES = {
        "warnings": ("warnings", "WarningsScreen"),
        "policies": ("policies", "PolicyLibraryScreen"),
        "knowledge": ("knowledge", "KnowledgeScreen"),
        "assessment": ("assessment", "AssessmentScreen"),
        "calendar": ("calendar", "CalendarScreen"),
        "collection": ("collection", "CollectionScreen"),
        "directory": ("directory", "DirectoryScreen"),
        "associations": ("associations", "AssociationsScreen"),
        "outreach": ("outreach", "OutreachScreen"),
    }

    def __init__(self, db_path: str, login: str, clock: Clock | None = None, *, wall: bool = False) -> None:
        # Textual would choose the driver class here; it is chosen when a driver is made (see driver_class)
        super().__init__(driver_class=Driver)
        self._chosen_driver: type[Driver] | None = None
        self.db_path = str(db_path)
        self.login = login
        self.clock: Clock = clock or Clock()
        self.wall = wall
        self._store: Store | None = None
        self._readers: Readers | None = None
        self._user: Staff | None = None
        #: True once the console leaves on its own (hang-up, SIGTERM, dead terminal)
        self.hangup = False
        self.leave_reason: LeaveReason | None = None
        self.terminal_guard = TerminalGuard()
        #: the words last searched for in the policy library (kept across F2 → F4)
        self.policy_words = ""
        #: why the console cannot open (the store or the login refused), said as it exits
        self._refusal: str | None = None
        #: whether a screen pushed now needs places.tcss (every one but the queue the console opens on)
        self._places_css_on_push = False

    # -- running, and leaving when the terminal goes ---------------------------------
    @property
    def driver_class(self) -> type[Driver]:
        """The driver for a real terminal, chosen when Textual makes one —
        not when the app is created — so a headless run (the tests, the
        benchmark) never imports the Linux driver and the terminal modules
        under it (≈2.7 ms of the launch, issue 11)."""
        if self._chosen_driver is None:
            self._chosen_driver = self.get_driver_class()
        return self._chosen_driver

    @driver_class.setter
    def driver_class(self, value: type[Driver]) -> None:
        self._chosen_driver = value

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this platform; on Linux and macOS the guarded
        one, which cannot hang on a dead terminal, reading the terminal's real
        size (:func:`console_driver`).  A driver named in ``TEXTUAL_DRIVER``
        (textual-serve's web driver) is used as it is."""
        if textual_constants.DRIVER is None and sys.platform != "win32":
            return console_driver()
        return super().get_driver_class()

    def _follow_terminal_size(self) -> None:
        """Once started, check the size again: a pane still being laid out
        (tmux) may have said nothing or 80×24 a moment ago, and no SIGWINCH
        follows when it settles on its real size."""
        real = real_terminal_size()
        if real is not None and real != tuple(self.size):
            size = Size(*real)
            self.post_message(events.Resize(size, size))

    def run(self, *args: Any, **kwargs: Any) -> int | None:
        """Run the app with the :class:`TerminalGuard` watching for the whole
        run: from before the terminal is switched to application mode until
        Textual has put it back.  After a hang-up the guard's deadline stays
        armed until the process has ended."""
        guard = self.terminal_guard
        guard.install()
        try:
            return super().run(*args, **kwargs)
        except OSError:
            # the terminal vanished under us (EIO while Textual printed on the way out)
            if not guard.leaving:
                raise
            return None
        finally:
            guard.finish()

    def on_load(self) -> None:
        """Give the guard the event loop, before the terminal is touched; a
        hang-up that came even earlier makes the app leave at once."""
        pending = self.terminal_guard.attach(asyncio.get_running_loop(), self.leave)
        if pending is not None:
            self.leave(pending)

    def leave(self, reason: LeaveReason) -> None:
        """Exit because the terminal went away or the process was told to
        stop (runs on the event loop, scheduled by the guard).  Nothing typed is
        pending in the store: every action commits in its own transaction."""
        if self.hangup:
            return
        self.hangup = True
        self.leave_reason = reason
        self.exit(return_code=EXIT_OK)

    # Before mount (or when opening failed) the two are missing, not None:
    # ``getattr(app, "user", None)`` still says "nobody signed in yet".
    @property
    def store(self) -> Store:
        """The UI thread's store; open from mount on (screens are pushed after that)."""
        if self._store is None:
            raise AttributeError("store: the database opens when the app mounts")
        return self._store

    @property
    def readers(self) -> Readers:
        """Connections for the screens' worker threads (see :class:`~xzconsole.store.Readers`)."""
        if self._readers is None:
            raise AttributeError("readers: the database opens when the app mounts")
        return self._readers

    @property
    def user(self) -> Staff:
        """The signed-in staff member; identified at mount, before any screen."""
        if self._user is None:
            raise AttributeError("user: the staff member is identified when the app mounts")
        return self._user

    # -- start-up ------------------------------------------------------------------
    def get_default_screen(self) -> Screen[Any]:
        """The screen the console opens on, asked for by Textual as the app
        is composed: open the store (migrations run here, before any screen),
        identify the login, then the queue (or the wall) — the bottom of the
        screen stack, with nothing under it.  A refusal asks the app to exit
        with status 2 (at mount: Textual is still composing the app here)
        and leaves an empty screen for the moment it takes.

        The first screen is Textual's default screen rather than one pushed
        over it: a pushed screen is laid out and painted again once it has
        mounted, after its first frame (≈5 ms of the launch, issue 11)."""
        from .store import IdentityError, Readers, Store, StoreError

        try:
            store = self._store = Store(self.db_path, self.clock)
            user = self._user = store.staff.identify(self.login)
        except IdentityError as exc:
            self._refusal = f"xzconsole：{plain(exc)}"
            return Screen()
        except (StoreError, OSError, Exception) as exc:  # noqa: BLE001 - any failure to open is reported, not raised
            self._refusal = f"xzconsole：无法打开数据库 {plain(self.db_path)}：{plain(exc)}"
            return Screen()
        self._readers = Readers(self.db_path, self.clock)
        self.sub_title = f"{plain(user.display)} · {user.role.label}"
        # every screen after the first needs places.tcss (see _get_screen)
        self._places_css_on_push = True
        if self.wall:
            from .screens.warnings import WarningsScreen

            self.stylesheet.read(PLACES_CSS_PATH)  # the default screen is not loaded as a pushed one is
            return WarningsScreen(wall=True)
        from .screens.queue import QueueScreen

        return QueueScreen()  # styled by app.tcss alone

    def on_mount(self) -> None:
        """Once the first screen is on its way: watch the terminal's size
        settle, and let the collector run again after the first paint."""
        if self._refusal is not None:
            self.exit(return_code=EXIT_NOTHING, message=self._refusal)
            return
        if not self.is_headless:
            for delay in (0.3, 1.5):
                self.set_timer(delay, self._follow_terminal_size)
        self.call_after_refresh(self._release_gc_soon)

    def _release_gc_soon(self) -> None:
        """The first screen is painted: a moment later, not inside the frames
        that follow, the collector runs again (:func:`release_gc`) and the
        validated models are loaded ahead of need (:func:`_load_validated_models`)."""
        self.set_timer(GC_RELEASE_SECONDS, self._settle_after_start)

    def _settle_after_start(self) -> None:
        release_gc()
        if "xzconsole.models.validated" not in sys.modules:
            self.run_worker(_load_validated_models, thread=True, group="warm-up", exit_on_error=False)

    def _get_screen(self, screen: Screen[Any] | str) -> tuple[Screen[Any], AwaitMount]:
        """Before Textual registers — and so styles — a screen being pushed:
        the rules of the places (places.tcss) come with the first screen
        other than the queue — a ticket, a dialog, F3–F11, the palette.
        Parsing them at launch cost ≈10 ms of the first queue page (issue 11);
        read now, the stylesheet parses just that file (the others stay
        parsed), and the screen is styled by them from the start, so its first
        resume need not restyle it and all its widgets again (StyledAtMount)."""
        if self._places_css_on_push and not self.stylesheet.has_source(PLACES_CSS_PATH, ""):
            self.stylesheet.read(PLACES_CSS_PATH)
        return super()._get_screen(screen)

    def on_unmount(self) -> None:
        if self._readers is not None:
            self._readers.close()
        if self._store is not None:
            try:
                self._store.disconnect()
            except Exception:  # noqa: BLE001 - closing on the way out must not raise
                pass

    # -- global actions -----------------------------------------------------------------
    def action_quit_console(self) -> None:
        """Leave the console: at once where nothing is being typed; from a form
        with unsaved input (the intake, the policy editor, any dialog) only
        after the same kind of question Esc asks, so a stray ``q`` on a
        drop-down never loses a half-taken appeal."""
        from .screens.dialogs import ConfirmDialog

        if self.screen.id == QUIT_CONFIRM:
            return
        if not any(unsaved_input(s) for s in self.screen_stack):
            self.exit(return_code=EXIT_OK)
            return

        def answer(ok: bool | None) -> None:
            if ok:
                self.exit(return_code=EXIT_OK)

        self.push_screen(ConfirmDialog("退出工作台？", "正在填写的内容尚未保存，退出后不会保留。", "退出",
                                       id=QUIT_CONFIRM), answer)

    def action_command_palette(self) -> None:
        """Ctrl+P: the command palette, in Chinese."""
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(ChinesePalette())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette's own entries (Textual's are English): help and quitting."""
        yield SystemCommand("按键说明", "当前界面的全部按键（F1）", self.action_help)
        yield SystemCommand("退出工作台", "离开工作台（有未保存的填写时先询问）", self.action_quit_console)

    def action_help(self) -> None:
        """Show every key of the current screen and what it does."""
        lines: list[str] = []
        seen: set[tuple[str, str]] = set()
        for key, active in self.screen.active_bindings.items():
            b = active.binding
            if not b.description or (b.action, b.description) in seen:
                continue
            seen.add((b.action, b.description))
            lines.append(f"{self.get_key_display(b):>12}  {b.description}{'' if active.enabled else '（当前不可用）'}")
        lines.append(f"{'Ctrl+P':>12}  命令面板：按编号/企业名跳转工单，按标题查政策")
        # Esc steps back one screen; F2–F11 open their place over the queue, so from one of them Esc is the queue
        lines.append(f"{'Esc':>12}  返回上一步（F2–F11 打开的各处都在工单队列之上：从那里 Esc 回到队列）")
        from .screens.app_overlays import HelpScreen

        self.push_screen(HelpScreen(lines))

    def action_go(self, place: str) -> None:
        """Go to one of the console's places: back to the queue underneath,
        then (unless the queue was asked for) that place's screen on top."""
        import importlib

        if self.wall or self._user is None:
            return
        target = self.PLACES.get(place)
        if target is not None and type(self.screen).__name__ == target[1]:
            return
        if any(unsaved_input(screen) for screen in self.screen_stack):
            from .screens.dialogs import ConfirmDialog

            def answer(ok: bool | None) -> None:
                if ok:
                    self._go(place, target)

            # leaving for another place closes the form: ask as Esc does (issue 16)
            self.push_screen(ConfirmDialog("离开正在填写的内容？", "已填写的内容不会保存。", "离开"), answer)
            return
        self._go(place, target)

    def _go(self, place: str, target: tuple[str, str] | None) -> None:
        import importlib

        for screen in self.screen_stack:  # the policy search outlives its screen (F4 → F2 → F4)
            words = getattr(getattr(screen, "query_state", None), "words", None)
            if type(screen).__name__ == "PolicyLibraryScreen" and isinstance(words, str):
                self.policy_words = words
        while len(self.screen_stack) > 1:  # [queue, …]
            self.pop_screen()
        if target is None:
            return
        module = importlib.import_module(f".screens.{target[0]}", __package__)
        kind = getattr(module, target[1])
        self.push_screen(kind(self.policy_words) if place == "policies" else kind())

    def open_ticket(self, ticket_id: int) -> None:
        """Show one ticket's detail (from the queue or the palette)."""
        from .screens.ticket import TicketScreen

        self.push_screen(TicketScreen(ticket_id))

    def open_enterprise(self, enterprise_id: int) -> None:
        """Show one enterprise's record and history (from the palette or a list)."""
        from .screens.enterprise import EnterpriseScreen

        self.push_screen(EnterpriseScreen(enterprise_id))

    def show_policy(self, policy_id: int) -> None:
        """Show a policy's title and summary (read-only)."""
        try:
            policy = self.store.library.get(policy_id)
        except Exception as exc:  # noqa: BLE001 - a vanished policy is a message, not a crash
            self.notify(plain(exc), severity="error", markup=False)
            return
        from .screens.app_overlays import PolicyPreview

        self.push_screen(PolicyPreview(policy))


# ---------------------------------------------------------------- the terminal's size


def real_terminal_size(fds: Iterable[int] = (2, 0, 1), tty: str | None = "/dev/tty") -> tuple[int, int] | None:
    """The size the terminal itself reports, or None when none answers.

    Textual asks :func:`shutil.get_terminal_size`, which prefers the
    ``COLUMNS``/``LINES`` variables (stale in a shell that exported them),
    asks only standard output (Textual draws on standard error), and says
    80×24 when the answer is 0×0 — as a tmux pane being created answers for
    a moment.  The console then started at 80×24 in a 160×45 pane and stayed
    so until the window was resized (issue 16 item 12).  Here the terminal
    is asked directly: standard error, input, output, then ``/dev/tty``.
    """
    for fd in fds:
        try:
            cols, rows = os.get_terminal_size(fd)
        except (OSError, ValueError):
            continue
        if cols > 0 and rows > 0:
            return cols, rows
    if tty is None:
        return None
    try:
        fd = os.open(tty, os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return None
    try:
        cols, rows = os.get_terminal_size(fd)
    except OSError:
        return None
    finally:
        os.close(fd)
    return (cols, rows) if cols > 0 and rows > 0 else None


@functools.lru_cache(maxsize=1)
def console_driver() -> type[Driver]:
    """The guarded Linux driver, sized by :func:`real_terminal_size`."""
    from .terminal_driver import GuardedLinuxDriver

    class ConsoleDriver(GuardedLinuxDriver):
        def _get_terminal_size(self) -> tuple[int, int]:
            # a pane being created answers 0×0 for a moment: wait for it briefly
            deadline = time.monotonic() + 0.5
            while True:
                real = real_terminal_size()
                if real is not None:
                    return real
                if time.monotonic() > deadline:
                    return super()._get_terminal_size()
                time.sleep(0.05)

    return ConsoleDriver


# ---------------------------------------------------------------- running it


if TYPE_CHECKING:
    def _provides_console(app: XzApp) -> ConsoleApp:
        """Statically: ``XzApp`` offers the screens everything :class:`ConsoleApp` promises."""
        return app


def _is_utf8(encoding: str | None) -> bool:
    if not encoding:
        return False
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def ensure_utf8_output() -> str | None:
    """Switch stdout/stderr to UTF-8 when the locale is not; return the advice
    to print (once, in Chinese) or None when all was well."""
    streams = [s for s in (sys.__stdout__, sys.__stderr__) if s is not None]
    current = locale.getpreferredencoding(False)
    if _is_utf8(current) and all(_is_utf8(getattr(s, "encoding", None)) for s in streams):
        return None
    for s in streams:
        try:
            s.reconfigure(encoding="utf-8", errors="replace")
        except (AttributeError, ValueError, OSError):
            pass
    return (f"xzconsole：终端字符集不是 UTF-8（当前为 {current or '未知'}），中文可能显示为乱码。"
            "已临时改用 UTF-8 输出；请在登录脚本（如 ~/.profile）中设置：export LANG=zh_CN.UTF-8"
            "（或 export LANG=C.UTF-8），然后重新登录。")


def lighten_imports() -> None:
    """Keep numpy out of the console process.

    openpyxl (the XLSX report and import) imports numpy when it is
    installed, only to accept numpy values in cells — which the console never
    writes.  That import is a quarter of a second over SSH; marking the module
    absent makes openpyxl take its no-numpy path.
    """
    if "numpy" not in sys.modules:
        # typeshed types sys.modules as dict[str, ModuleType]; None is Python's
        # documented way to make an import fail (the import system's own rule)
        sys.modules["numpy"] = None  # type: ignore[assignment]


#: the youngest generation's threshold while the console runs (Python's default is 700)
GC_YOUNG_THRESHOLD = 10_000


#: how long after the first paint :func:`release_gc` runs (its one full collection costs ≈10 ms)
GC_RELEASE_SECONDS = 0.5

#: whether :func:`calm_gc` holds the collector until the first screen is painted
_gc_held = False


def calm_gc() -> None:
    """Fewer and cheaper garbage collections for the console process.

    Measured at 1,000,000 tickets (issue 11), the cyclic collector took a
    tenth of the start-up and a third or more of some place keys: Textual's
    DOM, its stylesheet and the imported modules are a large heap, and
    every full collection walked all of it (a 300 ms pause landed in the
    middle of F6).  Everything alive now — modules, classes, the app — is
    moved out of the collector's sight (``gc.freeze``: it is never garbage),
    and the youngest generation is collected every 10,000 allocations
    instead of every 700, so the older ones are walked far less often.
    Reference counting still frees everything else at once.

    Until the first screen has been painted the collector does not run at
    all (:func:`release_gc` lets it run again): what start-up allocates is
    nearly all kept — the screen, its widgets, their styles — and a
    collection walking it landed inside the first frame (1.5–15 ms of it).
    """
    global _gc_held
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, GC_YOUNG_THRESHOLD), middle, old)
    gc.disable()
    _gc_held = True


def release_gc() -> None:
    """After the first paint: the cycles start-up left are collected once,
    what it built for the whole run (the first screen, the stylesheet) is
    frozen like the modules, and the collector runs again.  Nothing to do
    unless :func:`calm_gc` held it (tests, and apps run without it)."""
    global _gc_held
    if not _gc_held:
        return
    _gc_held = False
    gc.collect()
    gc.freeze()
    gc.enable()


def _load_validated_models() -> None:
    """Import pydantic and the models validated with it, in a worker while
    the console is idle after its first page: the policy library (F4), the
    intake form and every import need them, and loading them at the first
    such key cost that key ≈35 ms, and building the first validator ≈20 ms
    more (issue 11: F4 took 140–190 ms, aim 150).
    The first page itself never needs them (see tests/test_import_hygiene.py)."""
    from .models import validated

    validated.build_validators()


def run_app(app: XzApp) -> int:
    """Run a console app (the console, the wall) in this terminal and return
    its exit status.  When it left on its own — the terminal hung up, or
    SIGTERM — the process ends right here with that status: the terminal has
    been put back (or was gone) and the store closed, so the interpreter's
    teardown (a third of a second of freeing modules, and joining a worker
    thread still finishing a query) has nothing left to do for anyone.  A
    worker's transaction cut short here is rolled back by SQLite (see
    :mod:`xzconsole.terminal_exit`)."""
    app.run()
    code = app.return_code
    status = int(code if code is not None else EXIT_OK)
    if app.hangup:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass  # the terminal is gone
        os._exit(status)
    return status


def run_console(db_path: str, login: str, now: dt.datetime | None = None) -> int:
    """Run the console for ``login`` on ``db_path``; returns the exit status
    (0 done, 2 refused: unknown login or unusable database)."""
    lighten_imports()
    calm_gc()
    advice = ensure_utf8_output()
    if advice:
        print(advice, file=sys.__stderr__, flush=True)
    return run_app(XzApp(db_path, login, FixedClock(now) if now is not None else None))


# ---------------------------------------------------------------- the wall display


class WallApp(XzApp):
    """The read-only full-screen warning panel (``xzconsole wall``): no
    command palette, no ticket detail, nothing that edits."""

    ENABLE_COMMAND_PALETTE = False
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = set()
    TITLE = "企服中心预警面板"

    def __init__(self, db_path: str, login: str, clock: Clock | None = None) -> None:
        super().__init__(db_path, login, clock, wall=True)

    def open_ticket(self, ticket_id: int) -> None:
        """The wall never opens a ticket for editing."""
        return

    def show_policy(self, policy_id: int) -> None:
        """Nor a policy."""
        return


def make_wall_app(db_path: str, login: str | None = None, now: dt.datetime | None = None) -> WallApp:
    """The wall display app (for tests and :func:`run_wall`)."""
    login = login or current_login()
    return WallApp(str(db_path), login, FixedClock(now) if now is not None else None)


def run_wall(db_path: str, login: str | None, now: dt.datetime | None) -> int:
    """Run the read-only warning panel full screen; returns the exit status
    (0 done, 2 refused: unknown login or unusable database).  ``login`` None:
    the operating-system login of the process."""
    advice = ensure_utf8_output()
    if advice:
        print(advice, file=sys.__stderr__, flush=True)
    calm_gc()
    # the same guarded run as the console: a hang-up or SIGTERM ends it within 2 s
    return run_app(make_wall_app(db_path, login, now))


# The collector, held since the top of this module, runs again as it did before.
# What the imports made is frozen first (as calm_gc() freezes the rest at start):
# modules, classes and functions are never garbage, and enabled over them
# unfrozen the collector would walk them all in one go at the next allocation.
gc.freeze()
if _COLLECTING_BEFORE_IMPORT:
    gc.enable()


def main() -> int:  # pragma: no cover - a convenience for `python -m xzconsole.app DB LOGIN`
    args = sys.argv[1:]
    if len(args) < 1:
        print("用法：python -m xzconsole.app 数据库路径 [登录名]", file=sys.stderr)
        return EXIT_NOTHING
    login = args[1] if len(args) > 1 else current_login()
    return run_console(args[0], login)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
