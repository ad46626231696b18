"""The duty-room wall as a web page (``xzconsole wall --web``, SPEC §13).

* :mod:`.snapshot` — what the wall shows, computed from the store without
  Textual (the terminal panel can share it), and its JSON form;
* :mod:`.trend` — the day's trend of the red level (new red / cleared);
* :mod:`.server` — one aiohttp process serving the page to any number of
  browsers, pushing each new snapshot over server-sent events as soon as a
  ``PRAGMA data_version`` watcher sees a commit;
* ``static/`` — the page itself (HTML, CSS, JS: no framework, no web font).

Nothing here imports ``textual`` or ``xzconsole.screens``: the web wall must
run on a server where only the store and the rules are needed.
"""
