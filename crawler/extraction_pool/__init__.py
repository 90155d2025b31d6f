"""Extraction off the reactor: a pebble process pool that extracts, scores and reads the links
of each page (``pool``), its warm fork server (``warm_worker``), and Scrapy's scheduler held
while pages wait for a worker (``pacing``)."""
