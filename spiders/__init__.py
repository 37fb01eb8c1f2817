"""Scrapy spiders for the real sources, installed as `geocorpus.spiders` (see the spiders issue)."""
