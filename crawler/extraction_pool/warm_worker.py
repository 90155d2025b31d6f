"""Imported by the extraction pool's fork server: extraction loaded and its language model
read once, before any worker forks, so every worker starts warm and shares those pages."""

from crawler.extraction import metadata

metadata.warm_up()
