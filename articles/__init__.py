"""Articles: the content (tracks, guides, sections, blocks), its pages, search, feeds, sitemaps
and the Markdown authoring format."""
