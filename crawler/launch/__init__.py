"""What a crawl is asked to do and how it starts: one description of a crawl (``crawl_spec``,
used by the CLI, the scheduler and the tests), the re-visit policy an incremental crawl
applies (``revisit_policy``), one crawl in this process (``runner``) and ``scrapy crawl`` with
the run's outcome as its exit status (``scrapy_commands``)."""
