from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.services import GuideImportError, guide_files, guides_import


class Command(BaseCommand):
    help = (
        "Import (upsert by slug) guides from Markdown files, folders of .md files (images beside "
        "them) or zips. A guide changed since its last import is not overwritten without --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="Markdown files, folders or zips")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace guides even if they were changed since their last import",
        )
        parser.add_argument(
            "--new-only",
            action="store_true",
            help="import only guides the database does not have yet; leave the others alone",
        )

    def handle(self, *args, paths: list[str], force: bool, new_only: bool, **options) -> None:
        warnings: list[str] = []
        try:
            guides = guides_import(
                guide_files(paths), force=force, new_only=new_only, warnings=warnings
            )
        except GuideImportError as exc:
            raise CommandError(
                "Nothing was imported:\n" + "\n".join(f"  {e}" for e in exc.errors)
            ) from None
        for warning in warnings:
            self.stderr.write(self.style.WARNING(warning))
        for guide in guides:
            self.stdout.write(f"{guide.slug}: {guide.word_count:,} words, {guide.status}")
        self.stdout.write(self.style.SUCCESS(f"Imported {len(guides)} guide(s)."))
