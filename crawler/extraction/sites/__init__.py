"""Per-site extraction code, one module per site; each registers itself with
:func:`crawler.extraction.registry.site_rules`. Only for what a profile cannot say."""
