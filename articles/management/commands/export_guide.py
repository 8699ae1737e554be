from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.models import Guide
from articles.services import guide_export


class Command(BaseCommand):
    help = "Print a guide as Markdown with front matter (imports back to the same guide)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")

    def handle(self, *args, slug: str, output: str | None, **options) -> None:
        try:
            guide = Guide.objects.select_related("track").get(slug=slug)
        except Guide.DoesNotExist:
            raise CommandError(f"No guide with slug '{slug}'.") from None
        text = guide_export(guide=guide)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
