"""digest_tools.local.bridge: real HTTP in, API Gateway HTTP API (payload 2.0) events out, and back."""

from __future__ import annotations

import base64
import doctest
import http.client
import json
import re
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from digest_tools.local import bridge as bridge_module
from digest_tools.local.apigw import iam_authorizer
from digest_tools.local.bridge import ApiBridge, Route, load_handler

ROOT = Path(__file__).resolve().parents[2]
CALLS: list[str] = []


def echo(event, context):
    CALLS.append(event["rawPath"])
    seen = {
        "event": event,
        "context": {
            "function_name": context.function_name,
            "remaining": context.get_remaining_time_in_millis(),
            "arn": context.invoked_function_arn,
            "request": context.aws_request_id,
        },
    }
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(seen)}


def styled(event, context):
    return {
        "statusCode": 201,
        "headers": {"content-type": "text/plain", "x-custom": "yes"},
        "multiValueHeaders": {"x-multi": ["1", "2"]},
        "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
        "body": "created",
    }


def png(event, context):
    return {
        "statusCode": 200,
        "headers": {"content-type": "image/png"},
        "isBase64Encoded": True,
        "body": base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\xff").decode(),
    }


def boom(event, context):
    raise RuntimeError("handler blew up")


def bare(event, context):
    return {"ok": True}


def injected(event, context):
    return {"statusCode": 200, "headers": {"location": "/x\r\nSet-Cookie: evil=1"}, "body": ""}


def editor_only(event):
    """An authorizer: the requestContext.authorizer of the caller it lets in, or None."""
    if event["headers"].get("authorization") != "AWS4-HMAC-SHA256 good":
        return None
    return iam_authorizer({"userArn": "arn:aws:iam::123456789012:user/editor", "accessKey": "AKIDEXAMPLE"})


def unsubscribe_page(event, context):
    """A page like the public function's unsubscribe page, without the stack it renders with."""
    token = event["pathParameters"]["token"]
    body = f'<form method="post" action="/unsubscribe/{token}"><button>Unsubscribe</button></form>'
    return {"statusCode": 200, "headers": {"Content-Type": "text/html; charset=utf-8"}, "body": body}


@pytest.fixture(scope="module")
def unsubscribe():
    return unsubscribe_page


@pytest.fixture(scope="module")
def api(unsubscribe):
    routes = [
        Route("GET", "/unsubscribe/{token}", unsubscribe, name="morning-digest-unsubscribe"),
        Route("ANY", "/echo/{id}", echo, name="echo"),
        Route("GET", "/files/{proxy+}", echo),
        Route("GET", "/files/readme", styled),
        Route("GET", "/styled", styled),
        Route("GET", "/png", png),
        Route("GET", "/boom", boom),
        Route("GET", "/bare", bare),
        Route("GET", "/injected", injected),
        Route("ANY", "/editor/{proxy+}", echo, authorizer=editor_only),
    ]
    with ApiBridge(routes) as running:
        yield running


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()


def call(api, path, data=None, headers=None, method=None):
    """(status, headers, body) over real HTTP; HTTP errors are answers too."""
    request = urllib.request.Request(api.url + path, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def event_of(api, path, **kwargs) -> dict:
    status, _, body = call(api, path, **kwargs)
    assert status == 200, body
    return json.loads(body)["event"]


def raw_request(api, method, path, headers, body=None, chunked=False):
    connection = http.client.HTTPConnection(urlsplit(api.url).netloc, timeout=10)
    connection.putrequest(method, path)
    for name, value in headers:
        connection.putheader(name, value)
    if chunked:
        connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    if chunked:
        for piece in body:
            connection.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        connection.send(b"0\r\n\r\n")
    reply = connection.getresponse()
    result = reply.status, json.loads(reply.read())
    connection.close()
    return result


def test_doctests_pass():
    assert doctest.testmod(bridge_module).failed == 0


def test_unsubscribe_post_has_no_route_here(api):
    assert call(api, "/unsubscribe/abc", data=b"List-Unsubscribe=One-Click")[0] == 404


def test_event_has_the_http_api_v2_shape(api):
    event = event_of(api, "/echo/42", headers={"User-Agent": "curl/8.5.0"})
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /echo/{id}"
    assert event["rawPath"] == "/echo/42" and event["rawQueryString"] == ""
    assert event["pathParameters"] == {"id": "42"}
    assert event["isBase64Encoded"] is False
    assert not {"body", "cookies", "queryStringParameters"} & set(event)  # left out when empty
    context = event["requestContext"]
    host = urlsplit(api.url).netloc
    assert context["accountId"] == "123456789012" and context["apiId"] == "local"
    assert context["domainName"] == host == event["headers"]["host"]
    assert context["http"] == {
        "method": "GET",
        "path": "/echo/42",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "curl/8.5.0",
    }
    assert context["routeKey"] == "ANY /echo/{id}" and context["stage"] == "$default"
    uuid.UUID(context["requestId"])
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", context["time"])
    assert abs(context["timeEpoch"] - time.time() * 1000) < 60_000
    assert "authorizer" not in context
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert event["headers"]["x-forwarded-proto"] == "http"


def test_handler_gets_a_lambda_context(api):
    status, _, body = call(api, "/echo/1")
    context = json.loads(body)["context"]
    assert context["function_name"] == "echo"
    assert context["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:echo"
    assert 0 < context["remaining"] <= 30_000
    uuid.UUID(context["request"])


def test_path_parameters_are_decoded_and_greedy_paths_take_the_rest(api):
    event = event_of(api, "/echo/hello%20w%C3%B6rld")
    assert event["pathParameters"] == {"id": "hello wörld"}
    assert event["rawPath"] == "/echo/hello wörld"  # HTTP APIs hand over the decoded path
    event = event_of(api, "/files/a/b/c.txt")
    assert event["routeKey"] == "GET /files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}
    # A literal route wins over a greedy one.
    assert call(api, "/files/readme")[0] == 201


def test_query_strings_join_repeated_keys(api):
    event = event_of(api, "/echo/q?tag=a&tag=b&text=x%20y&plus=1+2&empty=")
    assert event["rawQueryString"] == "tag=a&tag=b&text=x%20y&plus=1+2&empty="
    assert event["queryStringParameters"] == {"tag": "a,b", "text": "x y", "plus": "1 2", "empty": ""}


def test_headers_are_lower_cased_and_repeats_joined(api):
    status, body = raw_request(
        api, "GET", "/echo/h", [("X-Team", "news"), ("X-Team", "sport"), ("Accept-Language", "en-GB")]
    )
    headers = body["event"]["headers"]
    assert status == 200
    assert headers["x-team"] == "news,sport" and headers["accept-language"] == "en-GB"
    assert all(name == name.lower() for name in headers)


def test_cookies_move_out_of_the_headers(api):
    event = event_of(api, "/echo/c", headers={"Cookie": "session=abc; theme=dark"})
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert "cookie" not in event["headers"]


def test_json_body_arrives_as_text(api):
    payload = json.dumps({"email": "ada@example.com", "name": "Adá"}).encode()
    event = event_of(api, "/echo/j", data=payload, headers={"Content-Type": "application/json"})
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["isBase64Encoded"] is False
    assert json.loads(event["body"]) == {"email": "ada@example.com", "name": "Adá"}
    assert event["headers"]["content-length"] == str(len(payload))


def test_form_body_arrives_base64_encoded_as_http_apis_send_it(api):
    event = event_of(
        api,
        "/echo/f",
        data=b"email=ada%40example.com&role=faculty",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"email=ada%40example.com&role=faculty"


def test_form_body_as_text_when_asked():
    with ApiBridge([Route("POST", "/f", echo)], binary_by_type=False) as api:
        event = event_of(
            api, "/f", data=b"email=ada%40example.com", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert event["isBase64Encoded"] is False and event["body"] == "email=ada%40example.com"
        event = event_of(api, "/f", data=b"\xff\xfe\x00", headers={"Content-Type": "text/plain"})
        assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\xff\xfe\x00"


def test_binary_body_arrives_base64_encoded(api):
    blob = bytes(range(256))
    event = event_of(api, "/echo/b", data=blob, method="PUT", headers={"Content-Type": "application/octet-stream"})
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == blob
    event = event_of(api, "/echo/t", data=b"\xff\xfe not utf-8", headers={"Content-Type": "text/plain"})
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\xff\xfe not utf-8"


def test_chunked_request_bodies_are_reassembled(api):
    status, body = raw_request(
        api, "POST", "/echo/chunked", [("Content-Type", "text/plain")], body=[b"good ", b"morning"], chunked=True
    )
    assert status == 200 and body["event"]["body"] == "good morning"


def test_status_headers_and_cookies_come_back(api):
    status, headers, body = call(api, "/styled")
    assert status == 201 and body == b"created"
    assert headers["content-type"] == "text/plain" and headers["x-custom"] == "yes"
    assert headers.get_all("x-multi") == ["1", "2"]
    assert headers.get_all("set-cookie") == ["a=1; Path=/", "b=2; HttpOnly"]
    uuid.UUID(headers["apigw-requestid"])


def test_base64_responses_are_decoded(api):
    status, headers, body = call(api, "/png")
    assert status == 200 and headers["content-type"] == "image/png"
    assert body == b"\x89PNG\r\n\x1a\n\x00\xff"


def test_a_result_without_status_code_is_a_json_200(api):
    status, headers, body = call(api, "/bare")
    assert status == 200 and headers["content-type"] == "application/json" and json.loads(body) == {"ok": True}


@pytest.mark.parametrize(
    "method, path",
    [("GET", "/nowhere"), ("GET", "/"), ("DELETE", "/styled"), ("POST", "/files/readme"), ("GET", "/echo/a/b")],
)
def test_unknown_routes_and_wrong_methods_are_404(api, method, path):
    status, headers, body = call(api, path, method=method)
    assert status == 404 and json.loads(body) == {"message": "Not Found"}
    assert headers["content-type"] == "application/json"
    assert CALLS == []


def test_authorizer_none_is_403_and_the_handler_is_never_called(api):
    status, _, body = call(api, "/editor/stories", headers={"Authorization": "AWS4-HMAC-SHA256 bad"})
    assert status == 403 and json.loads(body) == {"message": "Forbidden"}
    assert call(api, "/editor/stories")[0] == 403
    assert CALLS == []


def test_authorizer_identity_lands_in_the_request_context(api):
    event = event_of(api, "/editor/stories/7", headers={"Authorization": "AWS4-HMAC-SHA256 good"})
    iam = event["requestContext"]["authorizer"]["iam"]
    assert iam["userArn"] == "arn:aws:iam::123456789012:user/editor" and iam["accessKey"] == "AKIDEXAMPLE"
    assert iam["accountId"] == "123456789012" and "principalOrgId" in iam
    assert CALLS == ["/editor/stories/7"]


def test_handler_exception_is_500_with_the_traceback_on_stderr(api, capsys):
    status, _, body = call(api, "/boom")
    assert status == 500 and json.loads(body) == {"message": "Internal Server Error"}
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: handler blew up" in err


def test_header_injection_from_a_handler_is_500(api, capsys):
    status, headers, body = call(api, "/injected")
    assert status == 500 and "evil" not in (headers.get("set-cookie") or "")
    assert "line break" in capsys.readouterr().err


def test_bodies_over_1_mb_are_413_and_never_reach_the_handler(api):
    status, _, body = call(
        api, "/echo/big", data=b"x" * (2 * 1024 * 1024), headers={"Content-Type": "application/octet-stream"}
    )
    assert status == 413 and json.loads(body) == {"message": "Request Entity Too Large"}
    assert CALLS == []
    assert call(api, "/echo/small", data=b"x" * (1024 * 1024))[0] == 200  # the limit itself is allowed


def test_concurrent_requests_all_succeed_without_mixing_events(api):
    def one(i: int) -> tuple[int, bool]:
        if i % 2:  # the real Powertools handler: its resolver state must not leak between requests
            status, _, body = call(api, f"/unsubscribe/token-{i}")
            return status, f'action="/unsubscribe/token-{i}"' in body.decode()
        status, _, body = call(api, f"/echo/{i}?n={i}")
        event = json.loads(body)["event"]
        return status, event["pathParameters"]["id"] == event["queryStringParameters"]["n"] == str(i)

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(one, range(10)))
    assert results == [(200, True)] * 10


def test_start_stop_and_url(unsubscribe):
    bridge = ApiBridge([Route("GET", "/unsubscribe/{token}", unsubscribe)])
    with pytest.raises(RuntimeError):
        _ = bridge.url
    url = bridge.start()
    assert url == bridge.url and re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    assert urllib.request.urlopen(url + "/unsubscribe/x", timeout=10).status == 200
    bridge.stop()
    bridge.stop()  # idempotent
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/unsubscribe/x", timeout=2)


def test_load_handler_gives_each_load_its_own_module(tmp_path):
    (tmp_path / "app.py").write_text(
        "STATE = []\ndef handler(event, context):\n    STATE.append(1)\n    return len(STATE)\n"
    )
    first, second = load_handler(tmp_path), load_handler(tmp_path)
    assert first({}, None) == 1 and first({}, None) == 2 and second({}, None) == 1
    assert first.__module__ != second.__module__
