"""A local stand-in for API Gateway's IAM authorization: verify a request's SigV4 signature.

The local stack has one set of credentials (the dummy ones moto accepts). A request passes when
its ``Authorization`` header is a SigV4 signature by those credentials for ``execute-api``,
computed over the same method, path, query, signed headers and body, and made within five
minutes. Anything else is refused, as API Gateway would (403).
"""

from __future__ import annotations

import base64
import hmac
import re
from datetime import UTC, datetime, timedelta

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from digest.adapters.clock import SystemClock
from digest_tools.local.apigw import iam_authorizer

_AUTH = re.compile(
    r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
    r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})"
)


class LocalIam:
    def __init__(self, access_key: str, secret_key: str, region: str = "us-east-1", account: str = "123456789012"):
        self.credentials = Credentials(access_key, secret_key)
        self.region, self.account = region, account

    def __call__(self, event: dict) -> dict | None:
        """The caller's identity when the signature checks out, else None (denied)."""
        headers = event.get("headers") or {}
        match = _AUTH.fullmatch(headers.get("authorization", ""))
        amz_date = headers.get("x-amz-date", "")
        if not match or match.group(1) != self.credentials.access_key or match.group(4) != "execute-api":
            return None
        try:
            when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            return None
        if abs(SystemClock().now() - when) > timedelta(minutes=5):  # the signer's real clock, not the newsroom's
            return None
        signed = match.group(5).split(";")
        query = event.get("rawQueryString") or ""
        url = f"https://{headers.get('host', 'localhost')}{event.get('rawPath', '/')}" + (f"?{query}" if query else "")
        body = event.get("body") or ""
        if event.get("isBase64Encoded"):
            body = base64.b64decode(body)
        request = AWSRequest(
            event["requestContext"]["http"]["method"],
            url,
            data=body,
            headers={name: headers.get(name, "") for name in signed},
        )
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(self.credentials, "execute-api", match.group(3))
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if not hmac.compare_digest(expected, match.group(6)):
            return None
        return iam_authorizer(
            {
                "accessKey": self.credentials.access_key,
                "accountId": self.account,
                "userArn": f"arn:aws:iam::{self.account}:user/local-editor",
                "userId": "local-editor",
            }
        )
