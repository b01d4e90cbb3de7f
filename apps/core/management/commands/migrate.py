"""`migrate` that sets up every configured database (the console's and the sandbox's) at once."""

from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " Without --database, migrates every configured database."

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("database_given"):
            super().handle(*args, **options)
            return
        for alias in connections:
            if options["verbosity"] >= 1 and len(connections.databases) > 1:
                self.stdout.write(self.style.MIGRATE_HEADING(f"Database {alias!r}:"))
            super().handle(*args, **{**options, "database": alias})

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        # Tell "no --database" apart from "--database default".
        for action in parser._actions:
            if action.dest == "database":
                action.default = None
        parser.set_defaults(database_given=False)

    def execute(self, *args: Any, **options: Any) -> Any:
        options["database_given"] = options.get("database") is not None
        if options.get("database") is None:
            options["database"] = "default"
        return super().execute(*args, **options)
