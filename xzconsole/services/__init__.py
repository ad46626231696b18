"""Files in and out, and figures: the hotline feed and library imports
(:mod:`.importers`, :mod:`.library_files`), the assessment and monthly
bulletin (:mod:`.reports`).  They call store areas and the domain modules;
the console's screens and the command line call them.  No SQL and no Textual
here."""
