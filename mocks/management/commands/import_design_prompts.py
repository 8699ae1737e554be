"""manage.py import_design_prompts [--new-only] PATH...: create or update system design prompts
from Markdown files and folders (content/design-prompts/), all or none."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mocks.prompts import PromptImportError, prompts_import
from practice.services import problem_files


class Command(BaseCommand):
    help = "Import system design prompts from Markdown files or folders (all or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+")
        parser.add_argument(
            "--new-only",
            action="store_true",
            help="Leave prompts that exist as they are (an editor's change is kept).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            imported = prompts_import(problem_files(options["paths"]), new_only=options["new_only"])
        except (PromptImportError, OSError) as exc:
            message = "\n".join(exc.errors) if isinstance(exc, PromptImportError) else str(exc)
            raise CommandError(message) from None
        self.stdout.write(f"Imported {len(imported)} design prompt(s).")
