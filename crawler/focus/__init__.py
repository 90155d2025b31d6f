"""Focused crawling: how close a text is to the seeds, and which link to fetch first.

Pure functions and models; no Scrapy, no archive.
"""
