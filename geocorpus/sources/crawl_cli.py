"""`geocorpus crawl SPIDER -o DIR`: run one spider into a crawl store (also `python -m` this module).

Scrapy's reactor cannot be restarted within a process, so a crawl is one process: the CLI runs it in
place and the `spider` recipe source starts this module as a subprocess. Rerunning the same command on
the same DIR resumes: whatever is stored is skipped (see geocorpus.spiders.store).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

#: Exit codes: 0 finished (or stopped at --limit), 1 stopped early (rerun resumes), 2 bad input.
COMPLETE = ("finished", "limit")


def crawl_settings(overrides: dict[str, Any] | None = None) -> Any:
    """geocorpus.spiders.settings with command-line overrides on top."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("geocorpus.spiders.settings", priority="project")
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


def spider_names() -> list[str]:
    from scrapy.spiderloader import get_spider_loader

    return sorted(get_spider_loader(crawl_settings()).list())


def pairs(values: tuple[str, ...] | list[str], option: str) -> dict[str, str]:
    """KEY=VALUE strings → dict; a value may itself contain '='."""
    result = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {value!r}", param_hint=option)
        result[key] = rest
    return result


def run_crawl(spider: str, args: dict[str, str], output: Path, limit: int | None = None,
              overrides: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Run the crawl to its end in this process; returns the crawl summary (crawl.json) or None."""
    from scrapy.crawler import CrawlerProcess

    from geocorpus.spiders.store import read_summary

    known = spider_names()
    if spider not in known:
        raise click.BadParameter(f"unknown spider {spider!r}; known: {', '.join(known)}", param_hint="SPIDER")
    settings = crawl_settings(overrides)
    settings.set("GEOCORPUS_OUTPUT", str(output), priority="cmdline")
    if limit is not None:
        settings.set("GEOCORPUS_LIMIT", limit, priority="cmdline")
    process = CrawlerProcess(settings)
    errors: list[str] = []
    process.crawl(spider, **args).addErrback(lambda failure: errors.append(failure.getErrorMessage()))
    process.start()
    if errors:
        raise click.UsageError(f"the crawl could not start: {errors[0]}")
    return read_summary(output)


@click.command("crawl")
@click.argument("spider")
@click.option("-a", "arguments", multiple=True, metavar="KEY=VALUE", help="Spider argument (repeatable).")
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting override (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Stop once N documents are stored.")
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Crawl store directory; rerun on the same one to resume.")
def crawl(spider: str, arguments: tuple[str, ...], settings: tuple[str, ...], limit: int | None,
          output: Path) -> None:
    """Run SPIDER (pypi_gis, arxiv, oai_pmh, ...) into OUTPUT: documents.jsonl + files/ + failures.jsonl.

    Politeness (robots.txt, AutoThrottle, retries with backoff, size caps) comes from
    geocorpus.spiders.settings; set GEOCORPUS_CONTACT to put your contact in the User-Agent.
    """
    summary = run_crawl(spider, pairs(arguments, "-a"), output, limit, pairs(settings, "-s"))
    if summary is None:
        click.echo(f"error: the crawl wrote no summary into {output}", err=True)
        sys.exit(1)
    failures = ", ".join(f"{reason}: {n}" for reason, n in sorted(summary["new_failures"].items())) or "none"
    click.echo(f"{spider}: {summary['reason']}; {summary['documents']} documents stored "
               f"({summary['new_documents']} new); new failures: {failures}", err=True)
    sys.exit(0 if summary["reason"] in COMPLETE else 1)


if __name__ == "__main__":
    crawl()
