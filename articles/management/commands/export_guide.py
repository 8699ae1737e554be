from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.models import Guide
from articles.services import guide_zip


class Command(BaseCommand):
    help = (
        "A guide as Markdown with front matter, or as a zip of the Markdown and its images when "
        "it has images; either imports back to the same guide."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument(
            "-o",
            "--output",
            help="write to this file (or into this folder) instead of stdout; a zip needs it",
        )

    def handle(self, *args, slug: str, output: str | None, **options) -> None:
        try:
            guide = Guide.objects.select_related("track").get(slug=slug)
        except Guide.DoesNotExist:
            raise CommandError(f"No guide with slug '{slug}'.") from None
        name, content = guide_zip(guide=guide)
        if output is None:
            if name.endswith(".zip"):
                raise CommandError(f"'{slug}' has images: give -o FILE.zip (or a folder).")
            self.stdout.write(content.decode(), ending="")
            return
        target = Path(output)
        if target.is_dir():
            target /= name
        target.write_bytes(content)
        self.stdout.write(f"Wrote {target}")
