"""xzconsole — the staff console of an enterprise service center and its 12345 hotline."""

__version__ = "0.1.0"
