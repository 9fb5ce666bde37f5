#!/usr/bin/env python3
"""core.http_request: one HTTP(S) request with the standard library.

Parameters arrive as one JSON object on stdin (see actions/http_request.yaml). The response is printed
as one JSON object on stdout. An HTTP error status is a result (success: false, exit 0); a request that
gets no response at all (bad URL, refused connection, timeout, TLS failure) exits non-zero with the
reason on stderr.
"""
import base64
import http.client
import json
import socket
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
USER_AGENT = "packsmith-core-http/1.0"
EXIT_INVALID = 2
EXIT_NO_RESPONSE = 1


def fail(message, code):
    print("ERROR: " + message, file=sys.stderr)
    sys.exit(code)


def read_params():
    raw = sys.stdin.read()
    if not raw.strip():
        return {}
    try:
        params = json.loads(raw)
    except json.JSONDecodeError as exc:
        fail("parameters on stdin are not valid JSON (%s at line %d)" % (exc.msg, exc.lineno), EXIT_INVALID)
    if not isinstance(params, dict):
        fail("parameters on stdin must be a JSON object", EXIT_INVALID)
    return params


def redact_url(url):
    """The URL without credentials or query string, safe for error messages."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        if parts.port is not None:
            host = "%s:%d" % (host, parts.port)
        return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:
        return "<invalid url>"


def as_bool(value, name):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    fail("parameter '%s' must be a boolean" % name, EXIT_INVALID)


def as_int(value, name, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        fail("parameter '%s' must be an integer" % name, EXIT_INVALID)
    try:
        number = int(value)
    except ValueError:
        fail("parameter '%s' must be an integer" % name, EXIT_INVALID)
    if not low <= number <= high:
        fail("parameter '%s' must be between %d and %d" % (name, low, high), EXIT_INVALID)
    return number


def build_request(params):
    url = params.get("url")
    if not isinstance(url, str) or not url:
        fail("parameter 'url' is required", EXIT_INVALID)
    parts = urllib.parse.urlsplit(url)
    # urllib also opens file:// and ftp:// URLs; this action is for HTTP only.
    if parts.scheme not in ("http", "https") or not parts.hostname:
        fail("parameter 'url' must be an absolute http:// or https:// URL", EXIT_INVALID)
    userinfo = None
    if parts.username is not None:
        # urllib would treat user:pass@ as part of the host name; send it as Basic auth instead.
        userinfo = urllib.parse.unquote(parts.username) + ":" + urllib.parse.unquote(parts.password or "")
        url = urllib.parse.urlunsplit(
            (parts.scheme, parts.netloc.rsplit("@", 1)[1], parts.path, parts.query, parts.fragment)
        )

    method = params.get("method") or "GET"
    if not isinstance(method, str) or method.upper() not in METHODS:
        fail("parameter 'method' must be one of " + ", ".join(METHODS), EXIT_INVALID)
    method = method.upper()

    headers = params.get("headers") or {}
    if not isinstance(headers, dict):
        fail("parameter 'headers' must be an object", EXIT_INVALID)
    request_headers = {}
    for name, value in headers.items():
        if value is None:
            continue
        if isinstance(value, (dict, list)):
            fail("header '%s' must be a string" % name, EXIT_INVALID)
        request_headers[str(name)] = value if isinstance(value, str) else json.dumps(value)
    lowered = {name.lower() for name in request_headers}

    body = params.get("body")
    json_body = params.get("json_body")
    if body is not None and json_body is not None:
        fail("give either 'body' or 'json_body', not both", EXIT_INVALID)
    data = None
    if body is not None:
        if not isinstance(body, str):
            fail("parameter 'body' must be a string", EXIT_INVALID)
        data = body.encode("utf-8")
    elif json_body is not None:
        data = json.dumps(json_body, separators=(",", ":")).encode("utf-8")
        if "content-type" not in lowered:
            request_headers["Content-Type"] = "application/json"
    if data is not None and method == "HEAD":
        fail("a HEAD request cannot carry a body", EXIT_INVALID)

    token = params.get("auth_token")
    if token:
        if not isinstance(token, str):
            fail("parameter 'auth_token' must be a string", EXIT_INVALID)
        if "authorization" not in lowered:
            request_headers["Authorization"] = "Bearer " + token
    elif userinfo is not None and "authorization" not in lowered:
        request_headers["Authorization"] = "Basic " + base64.b64encode(userinfo.encode("utf-8")).decode("ascii")
    if "user-agent" not in lowered:
        request_headers["User-Agent"] = USER_AGENT

    timeout = as_int(params.get("timeout", 30), "timeout", 1, 300)
    verify_ssl = as_bool(params.get("verify_ssl", True), "verify_ssl")
    request = urllib.request.Request(url, data=data, headers=request_headers, method=method)
    return request, timeout, verify_ssl


def opener_for(verify_ssl):
    context = ssl.create_default_context()
    if not verify_ssl:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))


def decode_body(raw, headers):
    charset = headers.get_content_charset() or "utf-8"
    try:
        return raw.decode(charset, errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def collect_headers(headers):
    merged = {}
    for name, value in headers.items():
        key = name.lower()
        merged[key] = merged[key] + ", " + value if key in merged else value
    return merged


def main():
    params = read_params()
    request, timeout, verify_ssl = build_request(params)
    target = redact_url(request.full_url)
    started = time.monotonic()
    try:
        with opener_for(verify_ssl).open(request, timeout=timeout) as response:
            status, headers, raw, final_url = response.status, response.headers, response.read(), response.geturl()
    except urllib.error.HTTPError as exc:
        status, headers, final_url = exc.code, exc.headers, exc.geturl()
        raw = exc.read() if exc.fp is not None else b""
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            fail("%s %s timed out after %ds" % (request.get_method(), target, timeout), EXIT_NO_RESPONSE)
        fail("%s %s failed: %s" % (request.get_method(), target, reason), EXIT_NO_RESPONSE)
    except (socket.timeout, TimeoutError):
        fail("%s %s timed out after %ds" % (request.get_method(), target, timeout), EXIT_NO_RESPONSE)
    except (http.client.HTTPException, OSError) as exc:
        fail("%s %s failed: %s" % (request.get_method(), target, exc.__class__.__name__), EXIT_NO_RESPONSE)
    elapsed_ms = int(round((time.monotonic() - started) * 1000))

    text = decode_body(raw, headers) if raw else ""
    parsed = None
    if text and "json" in (headers.get("Content-Type") or "").lower():
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
    result = {
        "status_code": status,
        "headers": collect_headers(headers),
        "body": text,
        "json": parsed,
        "elapsed_ms": elapsed_ms,
        "url": final_url,
        "success": 200 <= status < 300,
    }
    sys.stdout.write(json.dumps(result, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
