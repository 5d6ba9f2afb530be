"""The OpenAPI 3.1 description of the device API, served at ``/api/v1/openapi.json``.

Kept next to the views and checked against them by schemathesis in the test suite
(tests/test_api_schema.py): every response the API can give is described here.
"""

from functools import cache

IMEI = {
    "type": "string",
    "pattern": "^[0-9]{15}$",
    "description": "15 digits with a valid Luhn check digit (dial *#06#).",
    "examples": ["490154203237518"],
}
NONCE = {
    "type": "string",
    "maxLength": 64,
    "description": "Optional; echoed in the signed answer so it cannot be replayed.",
}
SIGNATURE = {
    "Signature": {
        "description": 'Ed25519 signature of the body: keyid="...", alg="ed25519", '
        'sig="<base64>". Public keys at /api/v1/keys.',
        "required": True,
        "schema": {"type": "string"},
    }
}


def _error(*names, extra=None, required=("error",)):
    return {
        "type": "object",
        "required": list(required),
        "properties": {
            "error": {"type": "string", "enum": list(names)},
            "message": {"type": "string"},
            "nonce": {"type": "string"},
            **(extra or {}),
        },
    }


def _json(description, schema, headers=None):
    return {
        "description": description,
        "headers": {**SIGNATURE, **(headers or {})},
        "content": {"application/json": {"schema": schema}},
    }


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
RATE_LIMITED = _json(
    "Too many requests from this client, or too many wrong codes from this client or for "
    "this phone; try again after Retry-After. Only wrong codes are refused for too many "
    "wrong codes: the phone's right code is never refused because of other people's.",
    _error("rate_limited", extra={"retry_after": {"type": "integer", "minimum": 1}}),
    headers=RETRY_AFTER,
)
UNAVAILABLE = _json(
    "The shared rate-limit store is unreachable: nothing was checked or changed; retry "
    "after Retry-After.",
    _error(
        "unavailable",
        extra={"message": {"type": "string"}, "retry_after": {"type": "integer", "minimum": 1}},
    ),
    headers=RETRY_AFTER,
)
INVALID_REQUEST = _json(
    "Not a JSON object with the fields, an IMEI failing its check digit, or a body over 1 KiB.",
    _error("invalid_request"),
)


def _post(summary, description, body_schema, responses):
    return {
        "post": {
            "summary": summary,
            "description": description,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": body_schema}},
            },
            "responses": responses,
        }
    }


def _get(summary, schema):
    return {
        "get": {
            "summary": summary,
            "responses": {"200": _json(summary, schema)},
        }
    }


@cache
def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Device activation API",
            "version": "1.0.0",
            "description": "What Windows Phones call to activate with a code (KB2431699).",
        },
        "paths": {
            "/api/v1/activations": _post(
                "Activate a phone with its code",
                "Repeating a successful activation on the same phone (after a factory "
                "reset) succeeds again and counts as a reactivation. Wrong codes are "
                "limited per client address and per phone (429 with Retry-After), and "
                "cost only whoever sends them: the phone's right code activates it "
                "whatever others sent, and wrong codes never lock a phone. Only support "
                "locks a phone (reported stolen); then every code gets 403.",
                {
                    "type": "object",
                    "required": ["imei", "code"],
                    "properties": {
                        "imei": IMEI,
                        "code": {
                            "type": "string",
                            "maxLength": 100,
                            "description": "25 symbols; case, spaces and dashes are ignored.",
                        },
                        "nonce": NONCE,
                    },
                },
                {
                    "200": _json(
                        "Activated.",
                        {
                            "type": "object",
                            "required": ["status", "imei", "reactivation", "activated_at"],
                            "properties": {
                                "status": {"type": "string", "const": "activated"},
                                "imei": IMEI,
                                "reactivation": {"type": "boolean"},
                                "activated_at": {"type": "string", "format": "date-time"},
                                "nonce": {"type": "string"},
                            },
                        },
                    ),
                    "400": _json(
                        "invalid_request (see the body), or malformed_code: the code has a "
                        "typo caught by its check symbol or a character codes never have "
                        "(position counts from 1). A malformed code is not a failed guess.",
                        {
                            "oneOf": [
                                _error("invalid_request"),
                                _error(
                                    "malformed_code",
                                    extra={"position": {"type": "integer", "minimum": 1}},
                                    required=("error", "message"),
                                ),
                            ]
                        },
                    ),
                    "403": _json(
                        "The code cannot activate this phone (one answer for every reason).",
                        _error("invalid_code"),
                    ),
                    "429": RATE_LIMITED,
                    "503": UNAVAILABLE,
                },
            ),
            "/api/v1/deferrals": _post(
                "Skip activation for now",
                "The phone asks again when a feature needs the account. Answers 204 for "
                "any valid IMEI, known or not, so the API never tells which phones exist.",
                {
                    "type": "object",
                    "required": ["imei"],
                    "properties": {"imei": IMEI},
                },
                {
                    "204": {"description": "Recorded.", "headers": SIGNATURE},
                    "400": INVALID_REQUEST,
                    "429": RATE_LIMITED,
                    "503": UNAVAILABLE,
                },
            ),
            "/api/v1/keys": _get(
                "Public keys that sign API responses",
                {
                    "type": "object",
                    "required": ["keys"],
                    "properties": {
                        "keys": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "alg", "public_key", "current"],
                                "properties": {
                                    "id": {"type": "string"},
                                    "alg": {"type": "string", "const": "ed25519"},
                                    "public_key": {
                                        "type": "string",
                                        "description": "32 raw bytes, base64.",
                                    },
                                    "current": {"type": "boolean"},
                                },
                            },
                        }
                    },
                },
            ),
            "/api/v1/openapi.json": _get("This document", {"type": "object"}),
        },
    }
