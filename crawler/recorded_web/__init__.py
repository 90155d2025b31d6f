"""The recorded web: replaying recorded pages to Scrapy, and recording new ones."""
