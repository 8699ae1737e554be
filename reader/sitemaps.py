"""Sitemaps: guides, tracks, problems, patterns and the static pages. URLs and dates only."""

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from articles.models import Guide, Pattern, Track
from practice.models import Problem


class GuideSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self) -> QuerySet[Guide]:
        return Guide.objects.published().only("slug", "updated_at").order_by("slug")

    def lastmod(self, item: Guide):
        return item.updated_at


class TrackSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self) -> QuerySet[Track]:
        return Track.objects.all()


class ProblemSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self) -> QuerySet[Problem]:
        return Problem.objects.published().only("slug", "updated_at").order_by("slug")

    def lastmod(self, item: Problem):
        return item.updated_at


class PatternSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self) -> QuerySet[Pattern]:
        return Pattern.objects.all()


class StaticSitemap(Sitemap):
    priority = 0.5

    def items(self) -> list[str]:
        return ["reader:home", "reader:guide_list", "billing:pricing"]

    def location(self, item: str) -> str:
        return reverse(item)


sitemaps = {
    "guides": GuideSitemap,
    "tracks": TrackSitemap,
    "problems": ProblemSitemap,
    "patterns": PatternSitemap,
    "pages": StaticSitemap,
}
