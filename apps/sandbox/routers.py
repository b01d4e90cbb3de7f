"""Keeps the sandbox's tables in the "sandbox" database alias and everything else out of it."""

from typing import Any

SANDBOX_ALIAS = "sandbox"
SANDBOX_APP = "sandbox"


class SandboxRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return SANDBOX_ALIAS if model._meta.app_label == SANDBOX_APP else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return SANDBOX_ALIAS if model._meta.app_label == SANDBOX_APP else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        in_sandbox = {obj1._meta.app_label == SANDBOX_APP, obj2._meta.app_label == SANDBOX_APP}
        return None if len(in_sandbox) == 1 else False

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        if app_label == SANDBOX_APP:
            return db == SANDBOX_ALIAS
        return db != SANDBOX_ALIAS
