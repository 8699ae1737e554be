"""RSS feed of published guides: titles and deks only, never text past a paywall."""

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet

from articles.models import Guide


class LatestGuidesFeed(Feed):
    title = "Alpha Code guides"
    link = "/guides/"
    description = "New patterns-first interview prep guides from Alpha Code."

    def items(self) -> QuerySet[Guide]:
        return Guide.objects.published().for_listing()[:30]

    def item_title(self, item: Guide) -> str:
        return item.title

    def item_description(self, item: Guide) -> str:
        # The dek is public on every guide; the body is not, so it never enters the feed.
        suffix = " (Premium guide)" if item.is_premium else ""
        return f"{item.dek}{suffix}"

    def item_pubdate(self, item: Guide):
        return item.published_at

    def item_updateddate(self, item: Guide):
        return item.updated_at

    def item_categories(self, item: Guide) -> list[str]:
        return [item.track.title]
