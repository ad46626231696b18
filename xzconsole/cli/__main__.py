"""``python -m xzconsole.cli …`` runs the command line (as the ``xzconsole`` script does)."""

import sys

from . import main

sys.exit(main())
