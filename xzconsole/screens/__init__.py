"""The console's screens, one per module (queue, intake, ticket, dialogs, …).

Screens are imported where they are pushed (lazily), so starting the console
only loads the queue.
"""
