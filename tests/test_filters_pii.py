"""PII and secrets: typed placeholders, counts in scores, no redaction of look-alikes."""

from __future__ import annotations

from geocorpus.document import Document
from geocorpus.filters.pii import PiiParams, PiiRedact

LEAKY = """Contact jane.doe@univ.edu or +1 415-555-0132, (415) 555-0199, 13812345678.
Server at 8.8.8.8 and 2001:4860:4860::8888.
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"; slack = "xoxb-123456789012-abcdefABCDEF"
key = "AIzaSyA1234567890abcdefghijklmnopqrstuv"
engine = create_engine("postgresql://geo:s3cr3tPass@db.example.org:5432/gis")
conn = "Server=x;Database=y;User Id=u;Password=Pa55word;"
password = "hunter22"
jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAx4kq
-----END RSA PRIVATE KEY-----
"""
HARMLESS = """Version 1.2.3.4 of the tool; local server 192.168.0.1 and 127.0.0.1.
Slices a[1::2]; years 2020-2021; at 12:30:45; coordinates 45.123, -122.456; EPSG:4326.
def connect(password: str) -> None: ...
"""


def redact(text: str, **params: object) -> Document:
    return PiiRedact(PiiParams.model_validate(params)).process(Document(id="p", text=text, kind="code",
                                                                         source="t"))


def test_every_type_is_replaced_by_its_placeholder_and_counted() -> None:
    done = redact(LEAKY)
    for secret in ("jane.doe@", "415-555", "13812345678", "8.8.8.8", "4860::8888", "AKIAIOSFODNN7", "wJalrXUt",
                   "ghp_abc", "xoxb-", "AIzaSy", "s3cr3tPass", "Pa55word", "hunter22", "eyJhbGci", "MIIEowIB"):
        assert secret not in done.text, secret
    assert "postgresql://geo:<PASSWORD>@db.example.org" in done.text  # only the password goes
    assert "<PRIVATE_KEY>" in done.text and "<AWS_SECRET_KEY>" in done.text and "<JWT>" in done.text
    scores = done.scores
    assert scores["pii_email"] == 1 and scores["pii_phone"] == 3 and scores["pii_ip_address"] == 2
    assert scores["pii_password"] == 3 and scores["pii_aws_access_key"] == 1 and scores["pii_api_key"] == 1
    assert scores["pii_total"] == sum(v for k, v in scores.items() if k != "pii_total")


def test_look_alikes_are_left_alone() -> None:
    done = redact(HARMLESS)
    assert done.text == HARMLESS and done.scores["pii_total"] == 0
    assert "<IP_ADDRESS>" in redact(HARMLESS, redact_private_ips=True).text


def test_only_chosen_types_and_a_drop_limit() -> None:
    emails_only = redact(LEAKY, types=["EMAIL"])
    assert "<EMAIL>" in emails_only.text and "AKIAIOSFODNN7EXAMPLE" in emails_only.text
    assert set(emails_only.scores) == {"pii_email", "pii_total"}
    dump = redact(LEAKY, max_redactions=3)
    assert dump.rejection[0] == "pii_redact:too_many_redactions"
