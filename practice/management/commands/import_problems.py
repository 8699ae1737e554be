"""manage.py import_problems PATH...: create or update problems from Markdown files and folders,
all or none; each solution is checked against its own tests with CPython first."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from practice.services import ProblemImportError, problem_files, problems_import


class Command(BaseCommand):
    help = "Import practice problems from Markdown files or folders (all or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+")
        parser.add_argument(
            "--new-only", action="store_true", help="Leave problems that exist as they are."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            imported = problems_import(
                problem_files(options["paths"]), new_only=options["new_only"]
            )
        except ProblemImportError as exc:
            raise CommandError("\n".join(exc.errors)) from None
        self.stdout.write(f"Imported {len(imported)} problem(s).")
