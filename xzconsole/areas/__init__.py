"""The store's areas: one module per area of the work, each holding that
area's SQL and actions as one class, reached from the store as an attribute
(``store.tickets``, ``store.library`` …).  See :mod:`xzconsole.store` for the
list and :mod:`xzconsole.areas.base` for what every area is given."""
