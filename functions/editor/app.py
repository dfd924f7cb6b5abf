"""Editor API (HTTP API, IAM-authorized): the actions an editor takes on an edition before 06:00."""

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from digest.observability import traced

logger = Logger()
app = APIGatewayHttpResolver()


def _editor():
    from digest.bootstrap import container

    return container().editor


def _actor() -> str:
    """The caller's IAM identity (API Gateway's IAM authorizer put it there)."""
    iam = (app.current_event.request_context.authorizer.iam or {}) if app.current_event.request_context.authorizer else {}
    return getattr(iam, "user_arn", None) or (iam.get("userArn") if isinstance(iam, dict) else None) or "unknown"


def _body() -> dict:
    try:
        data = json.loads(app.current_event.decoded_body or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@app.exception_handler(Exception)
def refused(exc: Exception) -> Response:
    from digest.errors import DigestError
    from digest.services.editor import Refused

    if isinstance(exc, Refused):  # the edition's state or the request does not allow it
        return Response(409, "application/json", json.dumps({"error": str(exc)}))
    if isinstance(exc, DigestError):  # storage, mail or configuration: not the editor's doing
        logger.exception("editor action failed")
        return Response(503, "application/json", json.dumps({"error": f"the action failed: {exc}"}))
    raise exc


@app.get("/editions/<day>")
def status(day: str) -> dict:
    return _editor().status(day)


@app.get("/editions/<day>/preview")
def preview(day: str) -> Response:
    return Response(200, "text/html; charset=utf-8", _editor().preview(day))


@app.get("/editions/<day>/audit")
def audit(day: str) -> dict:
    return {"entries": _editor().audit(day)}


@app.post("/editions/<day>/rebuild")
def rebuild(day: str) -> dict:
    return _editor().rebuild(day, _actor(), note=_body().get("note"))


@app.post("/editions/<day>/stories/<story>")
def edit_story(day: str, story: str) -> dict:
    body = _body()
    fields = {k: body[k] for k in ("headline", "summary", "pin", "drop", "position") if k in body}
    return _editor().edit_story(day, story, _actor(), correction=bool(body.get("correction")), **fields)


@app.post("/editions/<day>/test-send")
def test_send(day: str) -> dict:
    to = _body().get("to") or []
    return _editor().test_send(day, _actor(), [str(a) for a in to] if isinstance(to, list) else [str(to)])


@app.post("/editions/<day>/approve")
def approve(day: str) -> dict:
    return _editor().approve(day, _actor())


@app.post("/editions/<day>/hold")
def hold(day: str) -> dict:
    return _editor().hold(day, _actor(), str(_body().get("reason", "")))


@app.post("/editions/<day>/release")
def release(day: str) -> dict:
    return _editor().release(day, _actor())


@app.post("/editions/<day>/send")
def send(day: str) -> dict:
    return _editor().send_now(day, _actor())


@app.post("/editions/<day>/resend-failures")
def resend_failures(day: str) -> dict:
    return _editor().resend_failures(day, _actor())


@logger.inject_lambda_context(clear_state=True)
@traced
def handler(event, context):
    return app.resolve(event, context)
