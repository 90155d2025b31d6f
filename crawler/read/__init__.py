"""The read side: the search language, queries, snippets, show, stats, timeline, export, browse."""
