"""The mirror's low floor: the abstract mirror row and the one order-safe apply machinery.

Not a Django app (it has no tables of its own). It imports no entity model: each entity app
(``apps.tickets``, ``apps.customers``, ``apps.team``) owns its mirror tables, its column mapping and its
``mirror_apply_*`` functions in ``<app>/mirror.py`` and registers them here from ``AppConfig.ready()``.
The sync engine (``apps.sync``) and webhooks find every entity through this registry, so they depend on
the entity apps' registrations, never the other way round.
"""
