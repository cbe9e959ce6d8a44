"""Static files: the public folder at `/` and library content at `/_content/{Name}/`.

Files get a content type from their extension, an ETag, `Cache-Control: no-cache` and
conditional GET (304). A path with `..` in it, in any encoding, is refused. These tests talk
HTTP with http.client, which sends the path exactly as given (no normalization of `..`).
"""

from __future__ import annotations

import http.client
import socket
from urllib.parse import urlsplit

import pytest

# What a traversal that succeeded would return: the start of Package.swift or of /etc/passwd.
LEAK_MARKERS = (b"swift-tools-version", b"PackageDescription", b"root:x:0:0", b"root:")


def _request(server: str, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """(status, headers, body) of one request, the path sent byte for byte as given."""
    parts = urlsplit(server)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, resp.headers, body
    finally:
        conn.close()


def _raw_request(server: str, path: str) -> tuple[int, bytes]:
    """One GET over a bare socket, for paths http.client would refuse to send (backslashes)."""
    parts = urlsplit(server)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        s.sendall(
            b"GET " + path.encode("latin-1") + b" HTTP/1.1\r\nHost: " + parts.netloc.encode()
            + b"\r\nConnection: close\r\n\r\n"
        )
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status_line = data.split(b"\r\n", 1)[0]
    return int(status_line.split()[1]), data.partition(b"\r\n\r\n")[2]


def _media_type(headers) -> str:
    return (headers.get("Content-Type") or "").split(";")[0].strip().lower()


# --------------------------------------------------------------------------- headers


def test_js_file_has_content_type_etag_and_no_cache(server):
    status, headers, body = _request(server, "/js/lab.js")
    assert status == 200, f"/js/lab.js -> {status}"
    assert _media_type(headers) == "text/javascript", f"Content-Type was {headers.get('Content-Type')!r}"
    assert headers.get("ETag"), f"no ETag on /js/lab.js; headers: {dict(headers)}"
    cache_control = (headers.get("Cache-Control") or "").lower()
    assert "no-cache" in cache_control, f"Cache-Control was {headers.get('Cache-Control')!r}"
    assert body.strip(), "/js/lab.js was empty"


def test_conditional_get_with_matching_etag_gets_304(server):
    status, headers, _ = _request(server, "/js/lab.js")
    assert status == 200
    etag = headers.get("ETag")
    assert etag, "no ETag to revalidate with"

    status, headers304, body = _request(server, "/js/lab.js", {"If-None-Match": etag})
    assert status == 304, f"If-None-Match: {etag} -> {status}, expected 304 Not Modified"
    assert body == b"", f"a 304 carried a body of {len(body)} bytes"
    assert headers304.get("ETag") == etag, "the 304 should repeat the ETag"

    # A different tag is not a match: the full file comes back.
    status, _, body = _request(server, "/js/lab.js", {"If-None-Match": 'W/"not-the-etag"'})
    assert status == 200, f"a non-matching If-None-Match -> {status}, expected 200"
    assert body.strip()


def test_html_file_is_text_html(server):
    status, headers, body = _request(server, "/manual-start.html")
    assert status == 200, f"/manual-start.html -> {status}"
    assert _media_type(headers) == "text/html", f"Content-Type was {headers.get('Content-Type')!r}"
    assert b'id="status"' in body


def test_library_content_serves_collocated_module(server):
    status, headers, body = _request(server, "/_content/DemoApp/ScriptsPage.js")
    assert status == 200, f"/_content/DemoApp/ScriptsPage.js -> {status}"
    assert _media_type(headers) == "text/javascript", f"Content-Type was {headers.get('Content-Type')!r}"
    assert b"export function status" in body
    assert headers.get("ETag"), "library content should get an ETag too"
    assert "no-cache" in (headers.get("Cache-Control") or "").lower()


def test_missing_static_file_is_404(server):
    status, _, _ = _request(server, "/js/does-not-exist.js")
    assert status == 404, f"a missing file -> {status}"


# --------------------------------------------------------------------------- traversal


def _ups(n: int, sep: str = "../") -> str:
    return sep * n


# The public folder and the library root sit a few levels below the repository inside .build;
# several depths make sure one of them would reach the repository root's Package.swift, and
# many `..` reach / for /etc/passwd.
TRAVERSALS = [
    "/js/../../Package.swift",
    "/js/%2e%2e/%2e%2e/etc/passwd",
    "/_content/DemoApp/%2e%2e/%2e%2e/Package.swift",
    "/js/..%2f..%2fPackage.swift",
    "/js/..%2F..%2FPackage.swift",
    "/_content/DemoApp/..%2f..%2fPackage.swift",
    "/js/%2e%2e%2f%2e%2e%2fPackage.swift",
    "/_content/DemoApp/%2E%2E/%2E%2E/Package.swift",
    "/_content/DemoApp/.%2e/.%2e/Package.swift",
    "/" + _ups(12) + "etc/passwd",
    "/js/" + _ups(12, "%2e%2e/") + "etc/passwd",
    "/_content/DemoApp/" + _ups(12, "..%2f") + "etc/passwd",
    "/js/" + _ups(12, "%2e%2e%2f") + "etc/passwd",
    *[f"/js/{_ups(n)}Package.swift" for n in range(3, 8)],
    *[f"/_content/DemoApp/{_ups(n, '..%2f')}Package.swift" for n in range(1, 7)],
    *[f"/_content/DemoApp/{_ups(n, '%2e%2e/')}Package.swift" for n in range(1, 7)],
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_dot_dot_paths_are_refused(server, path):
    status, headers, body = _request(server, path)
    leaked = [m.decode() for m in LEAK_MARKERS if m in body]
    assert status in (400, 404), f"GET {path} -> {status}, expected 400 or 404 (body starts {body[:80]!r})"
    assert not leaked, f"GET {path} -> {status} leaked file contents ({leaked})"


@pytest.mark.parametrize(
    "path",
    [
        "/js/..\\..\\Package.swift",
        "/js/..%5c..%5cPackage.swift",
        "/_content/DemoApp/..%5C..%5C..%5CPackage.swift",
    ],
)
def test_backslash_traversals_are_refused(server, path):
    status, body = _raw_request(server, path)
    assert status != 200 or not any(m in body for m in LEAK_MARKERS), f"GET {path} -> {status} leaked a file"
    assert status in (400, 404), f"GET {path} -> {status}, expected 400 or 404"


def test_a_legitimate_file_reached_through_encoded_characters_is_still_served(server):
    # The refusal is about `..`, not about percent-encoding: an encoded ordinary letter still works.
    status, _, body = _request(server, "/js/l%61b.js")
    assert status == 200, f"/js/l%61b.js -> {status}"
    assert body.strip()
