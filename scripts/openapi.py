"""Write docs/http-api.openapi.json, the generic HTTP deploy API, from the pydantic models.

Run: python scripts/openapi.py          (rewrite the document)
     python scripts/openapi.py --check  (exit 1 when the committed document is stale)

The schemas are generated, never hand-written, so an in-house deployer reads exactly what the
`http` adapter accepts; a test fails when a model changes and the document was not regenerated.
Schemas are in validation mode: what rollwatch accepts from a deployer, sparse fields included.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydantic import BaseModel  # noqa: E402
from pydantic.json_schema import models_json_schema  # noqa: E402

from backends.http.api import (  # noqa: E402
    EVENT_STREAM,
    KEEPALIVE,
    MAX_ANSWER,
    MAX_EVENT,
    MAX_REQUEST_BODY,
    ROLLOUTS,
    WATCH,
    AbortRequest,
    ApiError,
    PromoteRequest,
    StreamEvent,
)
from backends.ids import MAX_ID, MAX_PART  # noqa: E402
from backends.model import Rollout, RolloutSummary  # noqa: E402
from tui.session.overview import RELIST  # noqa: E402

OUT = ROOT / "docs" / "http-api.openapi.json"
MODELS: tuple[type[BaseModel], ...] = (
    Rollout,
    RolloutSummary,
    PromoteRequest,
    AbortRequest,
    ApiError,
)

DESCRIPTION = f"""\
The contract an in-house deployer implements so that rollwatch can watch and move its rollouts
(`adapter = "http"`). `rollwatch sim-serve` is the reference server; it also serves Prometheus
metrics per revision at `/metrics`, which is not part of this contract.

A rollout id may hold a slash (`shop/checkout-api`): each part is sent as one path segment,
percent-encoded, the slashes between them as they are. rollwatch never sends an id with a `.`
or `..` part, an empty part, a control character, a part over {MAX_PART} characters or more than
{MAX_ID:,} in all; a server answers such a path with 400. Promote and abort carry what the user
saw when they confirmed (`expect`); a server that finds the rollout elsewhere answers 409 and
changes nothing. Errors carry an `ApiError` body whose `message` and `detail` are shown to the
user word for word (control characters made visible, rollwatch's own credentials masked).

The watch of one rollout is a `{EVENT_STREAM}` of `{StreamEvent.ROLLOUT}` events, one per
change, the current snapshot first: `event: {StreamEvent.ROLLOUT}`, `id: <version>`,
`data: <Rollout as JSON on one line>`. A server sends a `: keepalive` comment when nothing was
sent for {KEEPALIVE:g} s; rollwatch treats a stream silent for four times as long as dead and
reconnects.

The list watch, `GET {ROLLOUTS}?{WATCH}=true` (the query parameter, as in Kubernetes: a path
such as `{ROLLOUTS}/watch` would be a rollout's), is the stream the overview of every rollout
follows: first `event: {StreamEvent.LIST}` whose data is the JSON array of RolloutSummary (the
whole list, on one line), then `event: {StreamEvent.SUMMARY}` with one RolloutSummary for each
rollout added or changed; a rollout removed is told by a new `event: {StreamEvent.LIST}` without
it. Keepalives and silence as for one rollout's watch; rollwatch ignores other event names. A
server without the list watch may answer 400, 404, 405 or 501, or ignore the parameter and
answer the plain JSON list: rollwatch then re-lists every {RELIST:g} s.

Limits: rollwatch reads at most {MAX_ANSWER >> 20} MiB of a JSON answer and {MAX_EVENT >> 20} MiB
of one event (or of one line of the stream); more is an error. A server reads at most
{MAX_REQUEST_BODY >> 10} KiB of a request body and answers more with 413, before reading it
when its length is declared."""


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    meaning = {
        400: "The id is not one (a `.` or `..` part, ...), the body is not JSON or does not "
        "fit the request schema, or `watch` is neither true nor false.",
        401: "A bearer token is missing or not accepted (with WWW-Authenticate).",
        404: "No rollout has this id.",
        409: "The rollout moved on since the user looked; nothing was changed.",
        413: "The request body is larger than the server reads; nothing was changed.",
    }
    return {str(code): _json(_ref("ApiError"), meaning[code]) for code in (401, *codes)}


def _action(summary: str, request: str | None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {
            "200": _json(_ref("Rollout"), "The rollout after the action was accepted."),
            **_errors(400, 404, 409, *((413,) if request else ())),
        },
    }
    if request:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(request)}},
        }
    return {"parameters": [_ID], "post": operation}


_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "The rollout's id, e.g. namespace/name; each part one percent-encoded "
    "segment, a slash sent as it is.",
    "schema": {"type": "string"},
    "example": "shop/checkout-api",
}


_WATCH = {
    "name": WATCH,
    "in": "query",
    "required": False,
    "description": "true (or 1) for the list watch, a text/event-stream; false (or 0), or "
    "absent, for the list as JSON. Any other value is answered with 400.",
    "schema": {"type": "boolean", "default": False},
}


def document() -> dict[str, Any]:
    _, schemas = models_json_schema(
        [(model, "validation") for model in MODELS], ref_template="#/components/schemas/{model}"
    )
    one = f"{ROLLOUTS}/{{id}}"
    paths = {
        ROLLOUTS: {
            "get": {
                "summary": "Every rollout the deployer can see, finished ones included; with "
                f"`{WATCH}=true`, the list watch.",
                "parameters": [_WATCH],
                "responses": {
                    "200": {
                        "description": "The rollouts; with `watch`, an endless event stream of "
                        "them (see the API's description).",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": _ref("RolloutSummary")}
                            },
                            EVENT_STREAM: {"schema": {"type": "string"}},
                        },
                    },
                    **_errors(400),
                },
            }
        },
        one: {
            "parameters": [_ID],
            "get": {
                "summary": "One snapshot of a rollout.",
                "responses": {
                    "200": {
                        **_json(_ref("Rollout"), "The rollout now."),
                        "headers": {
                            "ETag": {
                                "description": "The rollout's `version`, quoted.",
                                "schema": {"type": "string"},
                            }
                        },
                    },
                    **_errors(400, 404),
                },
            },
        },
        f"{one}/watch": {
            "parameters": [_ID],
            "get": {
                "summary": "Rollout snapshots as server-sent events: the current one, then one "
                "per change.",
                "responses": {
                    "200": {
                        "description": "An endless event stream (see the API's description).",
                        "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
                    },
                    **_errors(400, 404),
                },
            },
        },
        f"{one}/promote": _action(
            "Move the rollout to its next step, or all the way.", "PromoteRequest"
        ),
        f"{one}/abort": _action("Send all traffic back to stable.", "AbortRequest"),
        f"{one}/retry": _action("Start an aborted rollout again from its first step.", None),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "rollwatch generic HTTP deploy API",
            "version": "1",
            "description": DESCRIPTION,
        },
        "security": [{"bearer": []}, {}],
        "paths": paths,
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run python scripts/openapi.py")
            return 1
        return 0
    OUT.write_text(text)
    print(OUT.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
