from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.services import GuideImportError, guide_files, guides_import


class Command(BaseCommand):
    help = "Import (upsert by slug) guides from Markdown files or folders of .md files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="Markdown files or folders")

    def handle(self, *args, paths: list[str], **options) -> None:
        try:
            guides = guides_import(guide_files(paths))
        except GuideImportError as exc:
            raise CommandError(
                "Nothing was imported:\n" + "\n".join(f"  {e}" for e in exc.errors)
            ) from None
        for guide in guides:
            self.stdout.write(f"{guide.slug}: {guide.word_count:,} words, {guide.status}")
        self.stdout.write(self.style.SUCCESS(f"Imported {len(guides)} guide(s)."))
