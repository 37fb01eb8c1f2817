"""`arxiv` and `oai_pmh` over real HTTP against a loopback OAI-PMH repository (recorded-format pages)."""

from __future__ import annotations

from pathlib import Path

from spider_server import ReplayServer, Reply, crawl, kill_midway, oai_page, pdf_bytes, stored_keys, tarball

from geocorpus.extract.formats import detect
from geocorpus.spiders.store import read_documents, read_failures

XML = {"Content-Type": "text/xml;charset=UTF-8"}
LIST = "verb=ListRecords&metadataPrefix=arXiv&from=2024-01-01"


def test_arxiv_harvest_with_tokens_licences_eprints_and_faults(tmp_path: Path) -> None:
    pdf = pdf_bytes()
    main = (b"\\documentclass{article}\n\\title{Slab geometry}\n\\begin{document}\n\\input{sections/intro}\n"
            b"\\end{document}\n")
    intro = b"\\section{Introduction}\nIntermediate-depth earthquakes cluster along the slab.\n"
    with ReplayServer() as server:
        oai = f"{server.base}/oai"
        server.add(f"/oai?{LIST}&set=physics:physics:geo-ph",
                   Reply(200, b"<OAI-PMH><ListRecords><record>", XML),  # cut short once: asked again
                   Reply(200, oai_page("arxiv_listrecords_1.xml", oai), XML))
        server.add("/oai?verb=ListRecords&resumptionToken=6621517|1001",
                   Reply(200, oai_page("arxiv_listrecords_2.xml", oai), XML))
        server.add(f"/oai?{LIST}&set=physics:physics:ao-ph", Reply(200, b"<OAI-PMH><ListRecords", XML))
        server.add("/e-print/2401.01234", Reply(200, tarball(
            {"./main.tex": main, "./sections/intro.tex": intro, "./fig1.png": b"\x89PNG"}),
            {"Content-Type": "application/x-eprint-tar"}))
        server.add("/e-print/2401.03456", Reply(200, pdf, {"Content-Type": "application/pdf"}))
        server.add("/pdf/2401.04567", Reply(200, pdf, {"Content-Type": "application/pdf"}))  # its e-print: 404
        server.add("/e-print/2401.05678", Reply(200, tarball({"../../../home/user/.bashrc": b"rm -rf ~\n"})))
        result = crawl("arxiv", tmp_path, {"base_url": oai, "fulltext_base": server.base, "from": "2024-01-01",
                                          "sets": "physics:physics:geo-ph,physics:physics:ao-ph"})
        assert result.returncode == 0, result.stderr[-3000:]
        assert server.hits("/e-print/2401.02345") == [], "a refused licence downloads nothing"
        assert len(server.hits(f"/oai?{LIST}&set=physics:physics:ao-ph")) == 3, "malformed XML is asked for again"

    docs = {d.meta["arxiv_id"]: d for d in read_documents(tmp_path, "spider:arxiv")}
    assert sorted(docs) == ["2401.01234", "2401.03456", "2401.04567"]
    tex = docs["2401.01234"]
    assert tex.raw is not None and b"Intermediate-depth earthquakes" in tex.raw and b"\\input" not in tex.raw
    assert (tex.kind, tex.license, tex.meta["format"], tex.meta["fulltext_from"]) == \
        ("paper", "CC-BY-4.0", detect("main.tex")[0], "eprint-latex")  # the extractor for .tex files
    assert tex.title == "Slab geometry and intermediate-depth seismicity beneath a curved subduction margin"
    assert tex.meta["authors"] == ["Claire Moreau", "Chidi A. Okafor Jr"]
    assert (tex.meta["doi"], tex.meta["date"], tex.meta["categories"]) == \
        ("10.1093/gji/ggad000", "2024-01-04", ["physics.geo-ph"])
    assert tex.meta["abstract"].startswith("We relocate") and tex.url.endswith("/e-print/2401.01234")
    assert docs["2401.03456"].meta["fulltext_from"] == "eprint-pdf" and docs["2401.03456"].license == "CC-BY-SA-4.0"
    assert docs["2401.04567"].meta["fulltext_from"] == "pdf" and docs["2401.04567"].raw == pdf
    assert docs["2401.04567"].license == "CC0-1.0"

    failures = {(f["key"], f["reason"]): f for f in read_failures(tmp_path)}
    malformed = next(key for key, reason in failures if reason == "malformed_xml")
    assert malformed.startswith(f"{oai}?") and "set=physics%3Aphysics%3Aao-ph" in malformed, "the page's URL"
    assert set(failures) == {("arxiv:2401.02345", "license_not_allowed"),
                             ("arxiv:2401.05678", "archive_path_traversal"), (malformed, "malformed_xml")}
    assert failures[("arxiv:2401.02345", "license_not_allowed")]["detail"] == \
        "LicenseRef-arxiv-nonexclusive-distrib-1.0"


def test_generic_oai_dc_repository(tmp_path: Path) -> None:
    pdf = pdf_bytes()
    with ReplayServer() as server:
        oai = f"{server.base}/api/oai/"
        server.add("/api/oai/?verb=ListRecords&metadataPrefix=oai_dc&set=preprints",
                   Reply(200, oai_page("oai_dc_listrecords_1.xml", server.base), XML))
        server.add("/api/oai/?verb=ListRecords&resumptionToken=cD0yJmY9b2FpX2Rj",
                   Reply(200, oai_page("oai_dc_listrecords_2.xml", server.base), XML))
        server.add("/api/oai/?verb=ListRecords&metadataPrefix=oai_dc&set=empty",
                   Reply(200, oai_page("oai_no_records.xml", server.base), XML))
        server.add("/api/oai/?verb=ListRecords&metadataPrefix=oai_dc&set=expired",
                   Reply(200, oai_page("oai_bad_token.xml", server.base), XML))
        server.add("/repository/object/7001/download/pdf/", Reply(200, pdf, {"Content-Type": "application/pdf"}))
        server.add("/repository/object/7003/download/html/", Reply(
            200, b"<html><head><title>Permafrost</title></head><body><p>Active layer.</p></body></html>",
            {"Content-Type": "text/html; charset=utf-8"}))
        result = crawl("oai_pmh", tmp_path, {"base_url": oai, "sets": "preprints,empty,expired"})
        assert result.returncode == 0, result.stderr[-3000:]
        assert server.hits("/repository/object/7002/download/pdf/") == []

    docs = {d.meta["oai_identifier"]: d for d in read_documents(tmp_path, "spider:oai_pmh")}
    assert sorted(docs) == ["oai:eartharxiv.org:id:7001", "oai:eartharxiv.org:id:7003"]
    paper = docs["oai:eartharxiv.org:id:7001"]
    assert (paper.license, paper.meta["format"], paper.kind, paper.raw) == ("CC-BY-4.0", "pdf", "paper", pdf)
    assert paper.meta["authors"] == ["Ortiz, Lucia", "Becker, Jonas"] and paper.meta["doi"] == "10.31223/X5ABCD"
    assert paper.title == "Sediment transport in braided rivers under changing discharge"
    page = docs["oai:eartharxiv.org:id:7003"]
    assert (page.license, page.meta["format"]) == ("CC0-1.0", "html")
    reasons = {(f["key"], f["reason"]) for f in read_failures(tmp_path)}
    assert reasons == {("oai:oai:eartharxiv.org:id:7002", "license_not_allowed"),
                       ("oai:oai:eartharxiv.org:id:7004", "no_fulltext"),
                       (f"{oai}?verb=ListRecords&metadataPrefix=oai_dc&set=expired", "oai_badResumptionToken")}


def test_arxiv_keeps_the_abstract_when_no_full_text_can_be_had(tmp_path: Path) -> None:
    pdf = pdf_bytes()
    with ReplayServer() as server:
        oai = f"{server.base}/oai"
        server.add(f"/oai?{LIST}&set=physics:physics:geo-ph",
                   Reply(200, oai_page("arxiv_listrecords_1.xml", oai), XML))
        server.add("/oai?verb=ListRecords&resumptionToken=6621517|1001",
                   Reply(200, oai_page("arxiv_listrecords_2.xml", oai), XML))
        # 2401.01234: no PDF (404); 2401.03456: cut short every time (transient); 2401.05678: an HTML error page
        server.add("/pdf/2401.03456", Reply(200, pdf, {"Content-Type": "application/pdf"}, truncate=40))
        server.add("/pdf/2401.04567", Reply(200, pdf, {"Content-Type": "application/pdf"}))
        server.add("/pdf/2401.05678", Reply(200, b"<html>Service unavailable</html>", {"Content-Type": "text/html"}))
        args = {"base_url": oai, "fulltext_base": server.base, "from": "2024-01-01", "sets": "physics:physics:geo-ph"}
        result = crawl("arxiv", tmp_path, {**args, "fulltext": "pdf"})
        assert result.returncode == 0, result.stderr[-3000:]
        metadata_only = tmp_path / "abstracts"
        assert crawl("arxiv", metadata_only, {**args, "fulltext": "none"}).returncode == 0
        assert len(server.hits("/pdf/2401.04567")) == 1, "fulltext=none downloads no full text"

    docs = {d.meta["arxiv_id"]: d for d in read_documents(tmp_path, "spider:arxiv")}
    assert sorted(docs) == ["2401.01234", "2401.04567", "2401.05678"]
    gone = docs["2401.01234"]
    assert (gone.meta["fulltext_from"], gone.raw, gone.kind, gone.license) == ("abstract", None, "paper", "CC-BY-4.0")
    assert gone.text.startswith(f"{gone.title}\n\nWe relocate") and gone.meta["fulltext_error"].startswith("http_404")
    assert gone.url == "https://arxiv.org/abs/2401.01234"
    assert docs["2401.05678"].meta["fulltext_error"] == "not_a_pdf: text/html"
    assert docs["2401.04567"].meta["fulltext_from"] == "pdf"
    assert {(f["key"], f["reason"]) for f in read_failures(tmp_path)} == {
        ("arxiv:2401.02345", "license_not_allowed"), ("arxiv:2401.03456", "truncated")}, "a rerun retries it"
    abstracts = {d.meta["arxiv_id"]: d for d in read_documents(metadata_only, "spider:arxiv")}
    assert sorted(abstracts) == ["2401.01234", "2401.03456", "2401.04567", "2401.05678"]
    assert {d.meta["fulltext_from"] for d in abstracts.values()} == {"abstract"}


def _oai_records(numbers: range, base: str, token: str | None) -> bytes:
    """An oai_dc ListRecords page in the same shape as the recorded EarthArXiv pages, one CC-BY PDF per record."""
    records = "".join(
        f"<record><header><identifier>oai:example.org:id:{n}</identifier><datestamp>2024-11-2{n % 9}T08:00:00Z"
        f"</datestamp></header><metadata><oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "
        f"xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>Groundwater recharge study {n}</dc:title>"
        f"<dc:creator>Author, {n}</dc:creator><dc:identifier>{base}/object/{n}/download/pdf/</dc:identifier>"
        f"<dc:rights>https://creativecommons.org/licenses/by/4.0</dc:rights></oai_dc:dc></metadata></record>"
        for n in numbers)
    resumption = f"<resumptionToken cursor=\"0\">{token}</resumptionToken>" if token else ""
    return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">"
            f"<responseDate>2025-02-11T14:03:27Z</responseDate><ListRecords>{records}{resumption}</ListRecords>"
            f"</OAI-PMH>").encode()


def test_a_killed_harvest_resumes_without_duplicates_or_losses(tmp_path: Path) -> None:
    pdf = pdf_bytes()
    with ReplayServer() as server:
        oai = f"{server.base}/api/oai/"
        server.add("/api/oai/?verb=ListRecords&metadataPrefix=oai_dc&set=preprints",
                   Reply(200, _oai_records(range(0, 5), server.base, "page2"), XML))
        server.add("/api/oai/?verb=ListRecords&resumptionToken=page2",
                   Reply(200, _oai_records(range(5, 10), server.base, None), XML))
        for n in range(10):  # slow full texts, so the kill lands between them
            server.add(f"/object/{n}/download/pdf/", Reply(200, pdf, {"Content-Type": "application/pdf"}, delay=0.4))
        args = {"base_url": oai, "sets": "preprints"}
        stored_before = kill_midway("oai_pmh", tmp_path, args)
        assert 3 <= stored_before < 10, "the kill landed in the middle of the harvest"
        result = crawl("oai_pmh", tmp_path, args)
        assert result.returncode == 0, result.stderr[-3000:]
    keys = stored_keys(tmp_path)
    assert len(keys) == len(set(keys)), "no document stored twice"
    assert set(keys) == {f"oai:oai:example.org:id:{n}" for n in range(10)}, "nothing lost"
