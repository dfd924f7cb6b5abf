"""The shared boto3 clients' configuration: what AWS itself would refuse or redirect otherwise."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from digest.adapters.aws import client


@pytest.mark.parametrize(
    ("region", "host"),
    [("eu-west-1", "digest-archive.s3.eu-west-1.amazonaws.com"), ("us-east-1", "digest-archive.s3.amazonaws.com")],
)
def test_s3_presigned_links_are_sigv4_on_the_buckets_regional_host(monkeypatch, region, host):
    """boto3 presigns S3 links with Signature V2 on the global host by default: V2 is refused by
    regions opened since 2014 and the global host redirects a bucket's first hours."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):  # the local stack's, when it runs in this session
        monkeypatch.delenv(name, raising=False)
    url = client.__wrapped__("s3", region).generate_presigned_url(
        "get_object", Params={"Bucket": "digest-archive", "Key": "k"}, ExpiresIn=60
    )
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.netloc == host and query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Credential"][0].split("/")[2] == region and query["X-Amz-Expires"] == ["60"]


def test_a_local_endpoint_keeps_path_style_links(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    local = client.__wrapped__("s3", "us-east-1", "http://127.0.0.1:5000")  # a new client, not the cached one
    url = local.generate_presigned_url("get_object", Params={"Bucket": "digest-archive", "Key": "k"}, ExpiresIn=60)
    assert url.startswith("http://127.0.0.1:5000/digest-archive/k?X-Amz-Algorithm=AWS4-HMAC-SHA256")
