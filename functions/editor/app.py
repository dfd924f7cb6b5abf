"""Editor API: the actions an editor takes on an edition before 06:00, IAM-authorized for the
digest CLI, and the same routes under /desk for the desk's editors signed in with Cognito (the
editors or admins group; anyone else is refused with 403; the audit names the person).

Quick actions (status, stories, preview, audit, approve, hold, release) answer at once. Long ones
(rebuild, story edit, title, test-send, send, resend-failures) answer 202 with an action id and its status URL,
``GET /editions/{day}/actions/{action}``: HTTP APIs cut an integration at 30 s, so this same
function, invoked asynchronously with a ``digest_action`` event, does the work. The day ``today``
is the newsroom's current edition date; a future date is refused.

The subscriber list (``/subscribers``...): counts and the edition's cost for every editor; search,
export, import and remove for admins only (the admins group, or the IAM-signed CLI), audited.
"""

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from digest.observability import lambda_entry

logger = Logger()
app = APIGatewayHttpResolver(strip_prefixes=["/desk"])  # the desk calls every route under /desk


def _container():
    from digest.bootstrap import container

    return container()


def _day(raw: str) -> str:
    """The edition date of the request (``today`` resolved with the newsroom's clock and zone)."""
    from digest.services.refusals import resolve_day

    c = _container()
    return resolve_day(raw, c.today(), c.settings.edition_timezone)


def _actor() -> str:
    """The caller: the IAM identity of the CLI, or the desk's signed-in editor (see events.py)."""
    from digest.events import editor_caller

    return editor_caller(app.current_event.raw_event)[0]


def _body() -> dict:
    try:
        data = json.loads(app.current_event.decoded_body or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _json(status: int, payload: dict, headers: dict | None = None) -> Response:
    return Response(status, "application/json", json.dumps(payload, ensure_ascii=False), headers=headers)


def _started(day: str, kind: str, request: dict) -> Response:
    """202 Accepted: the action is queued; its status URL says how it goes."""
    view = _container().actions.start(_day(day), kind, _actor(), request)
    return _json(202, view, {"Location": view["status_url"]})


@app.exception_handler(Exception)
def refused(exc: Exception) -> Response:
    from digest.errors import DigestError, FutureEdition
    from digest.services.actions import UnknownAction
    from digest.services.editor import UnknownStory
    from digest.services.refusals import BadRequest, Refused
    from digest.services.subscriber_admin import NotAdmin, UnknownSubscriber

    if isinstance(exc, NotAdmin):  # an editor on the admins' subscriber list routes
        logger.warning("subscriber list refused", extra={"caller": _actor()})
        return _json(403, {"error": str(exc)})
    if isinstance(exc, UnknownSubscriber):  # remove named no reader the list has
        return _json(404, {"error": str(exc)})
    if isinstance(exc, UnknownStory):  # a story id the edition does not have: the closest ones it has
        return _json(404, {"error": str(exc), "suggestions": exc.suggestions})
    if isinstance(exc, BadRequest):  # the request itself is malformed
        return _json(400, {"error": str(exc)})
    if isinstance(exc, (Refused, FutureEdition)):  # the edition's state or its date does not allow it
        return _json(409, {"error": str(exc)})
    if isinstance(exc, UnknownAction):
        return _json(404, {"error": str(exc)})
    if isinstance(exc, DigestError):  # storage or configuration, in a quick action: nothing goes on
        logger.exception("editor action failed")
        return _json(503, {"error": f"the action failed: {exc}"})
    raise exc


@app.get("/editions/<day>")
def status(day: str) -> dict:
    return _container().editor.status(_day(day))


@app.get("/editions/<day>/stories")
def stories(day: str) -> dict:
    return _container().editor.stories(_day(day))


@app.get("/editions/<day>/reads")
def reads(day: str) -> dict:
    from digest.services.reads import edition_reads

    c = _container()
    return c.call(edition_reads, _day(day), tracking=c.settings.read_tracking)


@app.get("/editions/<day>/preview")
def preview(day: str) -> Response:
    return Response(200, "text/html; charset=utf-8", _container().editor.preview(_day(day)))


@app.get("/editions/<day>/audit")
def audit(day: str) -> dict:
    resolved, c = _day(day), _container()
    return {"edition_date": resolved, "timezone": c.settings.edition_timezone, "entries": c.editor.audit(resolved)}


@app.get("/editions/<day>/actions/<action>")
def action_status(day: str, action: str) -> dict:
    return _container().actions.status(_day(day), action)


@app.post("/editions/<day>/rebuild")
def rebuild(day: str) -> Response:
    note = _body().get("note")
    return _started(day, "rebuild", {"note": str(note)[:2000] if note else None})


@app.post("/editions/<day>/stories/<story>")
def edit_story(day: str, story: str) -> Response:
    body = _body()
    fields = {k: body[k] for k in ("headline", "summary", "pin", "drop", "position") if k in body}
    note = str(body["note"])[:2000] if body.get("note") else None
    request = {"story": story, "fields": fields, "correction": bool(body.get("correction")), "note": note}
    return _started(day, "story edit", request)


@app.post("/editions/<day>/title")
def title(day: str) -> Response:
    body = _body()
    note = str(body["note"])[:2000] if body.get("note") else None
    return _started(day, "title", {"title": body.get("title"), "note": note})


@app.post("/editions/<day>/test-send")
def test_send(day: str) -> Response:
    to = _body().get("to") or []
    return _started(day, "test-send", {"to": [str(a) for a in to][:50] if isinstance(to, list) else [str(to)]})


@app.post("/editions/<day>/approve")
def approve(day: str) -> dict:
    return _container().editor.approve(_day(day), _actor())


@app.post("/editions/<day>/hold")
def hold(day: str) -> dict:
    return _container().editor.hold(_day(day), _actor(), str(_body().get("reason", "")))


@app.post("/editions/<day>/release")
def release(day: str) -> dict:
    return _container().editor.release(_day(day), _actor())


@app.post("/editions/<day>/send")
def send(day: str) -> Response:
    return _started(day, "send", {})


@app.post("/editions/<day>/resend-failures")
def resend_failures(day: str) -> Response:
    return _started(day, "resend-failures", {"unknown": str(_body().get("unknown", "keep"))})


def _list_admin(needs_admin: bool = True):
    """The subscriber list service; NotAdmin (403) for a caller outside the admins group (the
    IAM-signed CLI counts as an admin) when ``needs_admin``."""
    from digest.events import editor_role
    from digest.services.subscriber_admin import NotAdmin

    if needs_admin and editor_role(app.current_event.raw_event) != "admin":
        raise NotAdmin(f"{_actor()} may not manage subscribers: ask an admin to add you to the admins group")
    return _container().subscriber_admin


@app.get("/subscribers/counts")
def subscriber_counts() -> dict:
    from digest.events import editor_role

    may = editor_role(app.current_event.raw_event) == "admin"  # the desk shows its admin tools only to admins
    return {**_list_admin(needs_admin=False).counts(), "can_manage": may}


@app.get("/subscribers")
def subscriber_search() -> dict:
    q, limit = (app.current_event.get_query_string_value(k, "") or "" for k in ("q", "limit"))
    return _list_admin().search(q, limit, _actor())


@app.post("/subscribers/export")
def subscriber_export() -> Response:
    return _json(200, _list_admin().export(_actor()), {"Cache-Control": "no-store"})


@app.post("/subscribers/import")
def subscriber_import() -> dict:
    return _list_admin().import_csv(_body().get("csv"), _actor())


@app.post("/subscribers/<subscriber>/remove")
def subscriber_remove(subscriber: str) -> dict:
    return _list_admin().remove(subscriber, _actor())


@app.get("/editions/<day>/cost")
def edition_cost(day: str) -> dict:
    from digest.services.edition_cost import edition_cost

    return _container().call(edition_cost, _day(day))


@lambda_entry
def handler(event, context):
    from digest.services.actions import MalformedAction, is_action_event

    if is_action_event(event):  # the asynchronous half of a long action this function started
        return _container().actions.run(event, context.get_remaining_time_in_millis())
    if not isinstance(event, dict) or "requestContext" not in event or "routeKey" not in event:
        keys = ", ".join(sorted(map(str, event))[:8]) if isinstance(event, dict) else type(event).__name__
        raise MalformedAction(f"neither an HTTP API request nor an editor action event (got {keys})")
    from digest.events import editor_caller

    person, allowed = editor_caller(event)
    if not allowed:  # signed in to the desk, but in neither the editors nor the admins group
        logger.warning("desk caller refused", extra={"caller": person})
        body = json.dumps({"error": f"{person} may not act on editions: ask an admin to add you to the editors group"})
        return {"statusCode": 403, "headers": {"Content-Type": "application/json"}, "body": body}
    return app.resolve(event, context)
