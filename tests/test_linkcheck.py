"""The link checker behind `compartment sources --check`, against a local server only.

A threaded HTTP server on 127.0.0.1 plays every kind of answer; a port where nothing listens
refuses; a patched resolver that never answers stands in for a dead DNS. No test needs the
internet, and none may wait for it.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from compartment import linkcheck
from compartment.errors import CompartmentError, MissingExtra, UsageError
from compartment.linkcheck import LinkResult

SLOW = 3.0  # seconds the server takes on /slow, well over the tests' small timeouts
STOP = threading.Event()  # set at the end, so no handler thread outlives the tests for long
SEEN: list[tuple[str, str]] = []  # (method, path) of every request, in order

# path -> (status, Location); /no-head, /slow and /reset are handled below.
ROUTES = {
    "/ok": (200, None),
    "/moved": (301, "/ok"),
    "/temp": (302, "/ok"),
    "/missing": (404, None),
    "/gone": (410, None),
    "/error": (500, None),
    "/moved-to-missing": (308, "/missing"),
    "/temp-then-moved": (302, "/moved"),
    "/loop": (302, "/loop"),
    "/robots-go-away": (403, None),
    "/slow-down": (429, None),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

    def do_HEAD(self) -> None:
        self.answer()

    def do_GET(self) -> None:
        self.answer()

    def answer(self) -> None:
        path = urlsplit(self.path).path
        SEEN.append((self.command, path))
        if path == "/no-head":
            self.reply(405 if self.command == "HEAD" else 200)
        elif path == "/slow":
            STOP.wait(SLOW)
            self.reply(200)
        elif path == "/reset":
            # Linger 0: close() sends a TCP reset instead of an orderly end.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        else:
            status, location = ROUTES.get(path, (404, None))
            self.reply(status, location)

    def reply(self, status: int, location: str | None = None) -> None:
        body = b"" if self.command == "HEAD" else b"hello\n"
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "6")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: pytest shows stderr of a failing test


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up on /slow leaves a broken pipe; that is the point


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    STOP.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx honours proxy variables; through a proxy, 127.0.0.1 and .invalid are not ours.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def hanging_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Lookups of *.hang.invalid never answer (until the test ends); others resolve. Yields
    the names looked up."""
    release = threading.Event()
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else str(host)  # anyio passes bytes
        asked.append(name)
        if name.endswith(".hang.invalid"):
            release.wait(30)
            raise socket.gaierror(socket.EAI_NONAME, "released")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield asked
    release.set()


def check(urls: list[str], **options: object) -> list[LinkResult]:
    """The checker as these tests need it: their servers are on 127.0.0.1, which a real run
    refuses (see test_a_private_address_is_refused_unless_allowed)."""
    return linkcheck.check(urls, allow_private=True, **options)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed(urls: list[str], **options: float) -> tuple[list[LinkResult], float]:
    start = time.monotonic()
    results = check(urls, **options)  # type: ignore[arg-type]
    return results, time.monotonic() - start


def test_every_kind_of_answer(base: str) -> None:
    paths = [
        "/ok",
        "/moved",
        "/temp",
        "/temp-then-moved",
        "/missing",
        "/gone",
        "/error",
        "/moved-to-missing",
        "/loop",
        "/no-head",
        "/slow",
        "/reset",
    ]
    # Only two at a time (one host), /slow holding one slot for its timeout.
    results, elapsed = timed([base + p for p in paths], timeout=1)
    got = [(r.status, r.code, r.final_url, r.permanent, r.reason) for r in results]
    assert got == [
        ("ok", 200, None, False, "200 OK"),
        ("redirected", 200, f"{base}/ok", True, "301 Moved Permanently"),
        ("redirected", 200, f"{base}/ok", False, "302 Found"),
        ("redirected", 200, f"{base}/ok", False, "302 Found"),  # one temporary hop: temporary
        ("dead", 404, None, False, "404 Not Found"),
        ("dead", 410, None, False, "410 Gone"),
        ("dead", 500, None, False, "500 Internal Server Error"),
        ("dead", 404, f"{base}/missing", True, "404 Not Found"),
        ("dead", 302, f"{base}/loop", False, "more than 5 redirects"),
        ("ok", 200, None, False, "200 OK"),
        ("unreachable", None, None, False, "timed out after 1 s"),
        ("unreachable", None, None, False, "connection reset"),
    ]
    assert [r.url for r in results] == [base + p for p in paths]
    assert elapsed < 2.5
    # HEAD first; GET only where HEAD was refused (405) or answered an error.
    assert [m for m, p in SEEN if p == "/ok"].count("GET") == 0
    assert [m for m, p in SEEN if p == "/no-head"] == ["HEAD", "GET"]
    assert [m for m, p in SEEN if p == "/gone"] == ["HEAD", "GET"]
    assert [m for m, p in SEEN if p == "/reset"] == ["HEAD", "GET"]  # dropped HEAD, then GET


def test_a_refused_port_condemns_its_host_not_its_neighbours(base: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    urls = [f"{dead}/a", f"{dead}/b", f"{base}/ok", f"{dead}/c"]
    results, elapsed = timed(urls, per_host=1)
    assert [(r.status, r.reason) for r in results] == [
        ("unreachable", "connection refused"),
        ("unreachable", "connection refused (host already unreachable)"),
        ("ok", "200 OK"),  # same address, another port: still checked
        ("unreachable", "connection refused (host already unreachable)"),
    ]
    assert elapsed < 2
    assert {r.host for r in results if r.status == "unreachable"} == {"127.0.0.1"}
    assert linkcheck.failed(results) is False  # unreachable alone does not fail


def test_a_host_that_cannot_resolve_ends_quickly(base: str) -> None:
    # .invalid never resolves; whether the resolver says so at once or never answers, the
    # connect timeout (and at worst the deadline) ends it.
    results, elapsed = timed(["http://nonexistent.invalid/"], timeout=1, deadline=2)
    assert [r.status for r in results] == ["unreachable"]
    assert results[0].reason in ("DNS lookup failed", "no connection after 1 s")
    assert elapsed < 3


def test_an_unreachable_host_costs_one_timeout_not_one_per_url(hanging_dns: list[str]) -> None:
    urls = [f"http://blackhole.hang.invalid/{i}" for i in range(10)]
    results, elapsed = timed(urls, timeout=0.3, per_host=2, deadline=5)
    reasons = Counter(r.reason for r in results)
    assert reasons == {
        "no connection after 0.3 s": 2,  # the two tried at once
        "no connection after 0.3 s (host already unreachable)": 8,  # not waited on
    }
    assert {r.status for r in results} == {"unreachable"}
    assert hanging_dns == ["blackhole.hang.invalid"] * 2  # the other 8 were not tried
    assert elapsed < 1.2  # five rounds of timeouts would be 1.5 s
    assert {r.host for r in results} == {"blackhole.hang.invalid"}


def test_the_deadline_is_hard(base: str) -> None:
    urls = [f"{base}/ok"] + [f"{base}/slow?{i}" for i in range(20)]
    results, elapsed = timed(urls, timeout=10, deadline=1)
    assert elapsed < 3
    assert results[0].status == "ok"
    assert linkcheck.summary(results) == {
        "ok": 1,
        "redirected": 0,
        "blocked": 0,
        "dead": 0,
        "unreachable": 0,
        "not-checked": 20,
        "skipped": 0,
    }
    assert Counter(r.reason for r in results[1:]) == {
        "stopped at the deadline": 2,  # per_host=2: two were in flight
        "not tried before the deadline": 18,
    }


def test_a_hanging_resolver_cannot_outlive_the_deadline(hanging_dns: list[str]) -> None:
    # The stock event loop resolves in its default executor and joins that thread on
    # closing: this would then take as long as the lookup (here, until the test ends).
    results, elapsed = timed(["https://a.hang.invalid/"], timeout=30, deadline=0.5)
    assert [(r.status, r.reason) for r in results] == [("not-checked", "stopped at the deadline")]
    assert elapsed < 2


def test_one_result_per_distinct_url_in_order_and_citations_skipped(base: str) -> None:
    urls = [
        f" {base}/ok ",
        "Kommersant, 12 March 2014, p. 3",
        f"{base}/ok",
        "ftp://example.org/x",
        f"{base}/missing",
        "http://[::1",
        "HTTPS://",
        "Kommersant, 12 March 2014, p. 3",
    ]
    results = check(urls)
    assert [(r.url, r.status, r.reason) for r in results] == [
        (f"{base}/ok", "ok", "200 OK"),
        ("Kommersant, 12 March 2014, p. 3", "skipped", "not an http(s) URL"),
        ("ftp://example.org/x", "skipped", "not an http(s) URL"),
        (f"{base}/missing", "dead", "404 Not Found"),
        ("http://[::1", "dead", "malformed URL"),
        ("HTTPS://", "dead", "malformed URL"),
    ]
    assert linkcheck.summary(results) == {
        "ok": 1,
        "redirected": 0,
        "blocked": 0,
        "dead": 3,
        "unreachable": 0,
        "not-checked": 0,
        "skipped": 2,
    }
    assert linkcheck.failed(results) is True
    assert linkcheck.failed(results[:3]) is False
    assert check(["no links here"]) == [
        LinkResult("no links here", "skipped", reason="not an http(s) URL")
    ]


def test_to_dict() -> None:
    result = LinkResult("http://a.test/x", "redirected", 200, "https://a.test/x", True, "301")
    assert result.to_dict() == {
        "url": "http://a.test/x",
        "status": "redirected",
        "code": 200,
        "final_url": "https://a.test/x",
        "permanent": True,
        "reason": "301",
    }
    assert result.host == "a.test"


def test_limits_must_be_positive() -> None:
    with pytest.raises(UsageError, match="must be positive"):
        check([], concurrency=0)


def test_without_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httpx", None)  # `import httpx` now fails
    hint = (
        "checking links needs httpx: pip install httpx (or install compartment-ledger[check])"
    )
    with pytest.raises(CompartmentError) as caught:
        linkcheck.require()
    assert caught.value.message == hint
    assert caught.value.exit_code == 1
    with pytest.raises(MissingExtra):
        check(["http://a.test/"])


def test_importing_the_module_does_not_import_httpx() -> None:
    code = "import sys, compartment.linkcheck; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "False\n"


def test_refusals_are_blocked_not_dead(base: str) -> None:
    results = check([f"{base}/robots-go-away", f"{base}/slow-down"], timeout=5)
    assert [(r.status, r.code, r.reason) for r in results] == [
        ("blocked", 403, "403 Forbidden"), ("blocked", 429, "429 Too Many Requests")]
    assert not linkcheck.failed(results)  # a bot filter is no dead link


def test_no_network_ends_at_once_after_enough_hosts_fail() -> None:
    # Twelve "hosts" (closed ports), none answering: after NO_NETWORK_AFTER of them the rest
    # are reported at once, the way an offline machine would see every real host.
    ports = [free_port() for _ in range(12)]
    urls = [f"http://127.0.0.1:{port}/x" for port in ports]
    results = check(urls, concurrency=1, timeout=2)
    reasons = [r.reason for r in results]
    tried = linkcheck.NO_NETWORK_AFTER
    assert reasons[:tried] == ["connection refused"] * tried
    assert reasons[tried:] == [f"no network: none of the first {tried} hosts could be "
                               "reached; not tried"] * (12 - tried)
    assert [r.status for r in results] == ["unreachable"] * tried + ["not-checked"] * (12 - tried)
    assert linkcheck.failed(results)  # a check that could not look does not pass


def test_a_dead_link_after_the_unreachable_hosts_never_passes(base: str) -> None:
    """Attack: eight unreachable hosts listed first tripped the no-network rule, and a 404
    later in the file went unreported with exit 0."""
    ports = [free_port() for _ in range(linkcheck.NO_NETWORK_AFTER)]
    urls = [f"http://127.0.0.1:{port}/x" for port in ports] + [f"{base}/gone"]
    results = check(urls, concurrency=1, timeout=2)
    assert results[-1].status in ("dead", "not-checked")
    assert linkcheck.failed(results)


def test_a_port_out_of_range_is_a_malformed_url_not_a_crash() -> None:
    """Attack: one URL with port 99999 aborted the check with an OverflowError (exit 70)."""
    results = check(["http://example.org:99999/x", "http://[::1/x"], timeout=2)
    assert [(r.status, r.reason) for r in results] == [("dead", "malformed URL")] * 2


def test_a_private_address_is_refused_unless_allowed(base: str) -> None:
    """A hostile citation must not make the checker probe the network of whoever runs it:
    loopback, private and link-local addresses are refused by default."""
    refused = linkcheck.check([f"{base}/ok"], timeout=2)
    assert refused[0].status == "dead"
    assert refused[0].reason == ("refused: 127.0.0.1 is not a public address "
                                 "(--allow-private checks it)")
    assert check([f"{base}/ok"], timeout=2)[0].status == "ok"
    named = linkcheck.check([f"{base.replace('127.0.0.1', 'localhost')}/ok"], timeout=2)
    assert named[0].status == "dead" and "not a public address" in named[0].reason


def test_a_name_that_resolves_to_a_private_address_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The addresses are checked as resolved for the connection itself: one private address
    among public ones (DNS rebinding) is enough to refuse, redirect hops included, since each
    connection resolves through the same loop."""
    def getaddrinfo(host: object, port: object, *args: object, **kwargs: object) -> object:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 80))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    results = linkcheck.check(["http://metadata.test/latest"], timeout=2)
    assert results[0].status == "dead"
    assert "169.254.169.254, not a public address" in results[0].reason


@pytest.mark.parametrize(("address", "public"), [
    ("93.184.216.34", True), ("127.0.0.1", False), ("10.1.2.3", False), ("192.168.0.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("::1", False), ("fe80::1%eth0", False),
    ("::ffff:127.0.0.1", False), ("2606:4700::1111", True), ("0.0.0.0", False),
    ("224.0.0.1", False),
])
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert linkcheck._public(address) is public


def test_one_answering_host_keeps_the_network_up(base: str) -> None:
    ports = [free_port() for _ in range(12)]
    urls = [f"{base}/ok"] + [f"http://127.0.0.1:{port}/x" for port in ports]
    results = check(urls, concurrency=1, timeout=2)
    assert results[0].status == "ok"
    assert {r.reason for r in results[1:]} == {"connection refused"}  # each one tried


def test_the_command_refuses_private_addresses_unless_allowed(run, write_dataset, base: str) -> None:
    path = write_dataset(f"""\
        actors: {{russia: {{name: Russia, bloc: russia}}}}
        dossiers:
          - id: d
            title: D
            domain: arctic
            parties: [russia]
            status: active
            broken_off_by: null
            summary: S.
            events:
              - date: '2000'
                actor: russia
                action: began
                status: active
                summary: Began.
                sources: ['{base}/ok', '{base}/gone']
        """)
    refused = run("--data", str(path), "sources", "--check", "-f", "csv", ok=False)
    assert refused.exit_code == 1
    assert refused.stdout.count("refused: 127.0.0.1 is not a public address") == 2
    allowed = run("--data", str(path), "sources", "--check", "--allow-private", "-f", "csv",
                  ok=False)
    assert allowed.exit_code == 1  # the dead link
    assert "410 Gone" in allowed.stdout and "refused" not in allowed.stdout
