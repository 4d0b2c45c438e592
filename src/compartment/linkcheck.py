"""Whether the sources' links still answer: the core of `compartment sources --check`.

`check` returns one `LinkResult` per distinct URL, in the order each first appears. Its
`status` is one of:

- "ok": the link answers (2xx, or a 3xx that does not redirect) at the same URL;
- "redirected": it answers after redirects at another URL, `final_url`; `permanent` when
  every hop was 301 or 308, so the citation can safely be updated;
- "blocked": the server refused the checker (401, 403, 429): a login wall, a bot filter or
  rate limiting, not a missing page; reported, never a failure;
- "dead": the server answered 4xx or 5xx (`code`; `reason` such as "404 Not Found"), or the
  redirects were too many, or the URL is malformed (a port out of range, a bad host), or it
  (or a redirect) leads to an address that is not public: loopback, private, link-local or
  otherwise reserved networks are refused unless `allow_private`, so that a hostile citation
  cannot make the checker probe the network of whoever runs it (the addresses are checked
  as resolved for the connection itself, so a name that resolves twice cannot slip by);
- "unreachable": no answer at all: DNS failure, connection refused or reset, timeout, TLS
  error. Once a host fails to connect, its other URLs are reported unreachable at once
  ("... (host already unreachable)") rather than costing one timeout each;
- "not-checked": the total deadline passed first (in flight, or not tried), or the network
  was taken to be down: when NO_NETWORK_AFTER hosts have failed to connect and not one has
  answered, the URLs not yet started are not tried ("no network: ..."), until some server
  answers again;
- "skipped": not an http(s) URL (a bare citation); nothing was fetched.

Each URL is asked with HEAD, then GET when HEAD gets an error status or the connection is
dropped without an answer: some servers refuse HEAD (405, 501) and others answer it wrongly
(403, 404, 500), so the GET's answer is the verdict. A GET stops after the headers.

`failed` is True for dead links, and for links left unchecked because the network seemed
down: a check that could not look must not pass. An unreachable host is often transient, and
a redirect still leads to the source; both are reported, neither fails the check.

Limits: `concurrency` requests at once, at most `per_host` of them to one host (host and
port, counted for the URL's own host; redirect hops are not counted again); `timeout` seconds
for each step of a request (the DNS lookup and connection, each read), and twice that for the
whole request (a server dripping its headers); `deadline` seconds in all, a hard stop (URLs
unfinished by then are "not-checked"). The resolver runs in daemon threads, so even a DNS
lookup that never returns cannot hold `check` (or the interpreter's exit) past the deadline.

httpx is an optional dependency (`pip install httpx`, or the extra `check`), imported only inside
the functions that fetch, so importing this module costs nothing. `check` runs its own event
loop, so it cannot be called from inside a running one.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import socket
import ssl
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Literal, get_args
from urllib.parse import urlsplit

from compartment import __version__, errors
from compartment.errors import UsageError, visible

if TYPE_CHECKING:
    from socket import _GetAddrInfoResult

    import httpx

Status = Literal["ok", "redirected", "blocked", "dead", "unreachable", "not-checked", "skipped"]
STATUSES: tuple[Status, ...] = get_args(Status)
# Answers that refuse the checker, not say the page is gone (a login wall, a bot filter: news
# sites answer robots 403; rate limiting): a person with a browser usually gets the page.
BLOCKED = frozenset({401, 403, 429})
# Offline (or behind a resolver that never answers), every host fails one by one, each after
# its own DNS or connect timeout: 300 hosts took a minute and more. When this many distinct
# hosts have failed to connect and not one has answered, the network is taken to be down.
NO_NETWORK_AFTER = 8
PERMANENT = frozenset({301, 308})
MAX_REDIRECTS = 5
USER_AGENT = f"compartment-linkcheck/{__version__}"
GRACE = 1.0  # seconds allowed after the deadline to cancel requests and close connections


def require() -> None:
    errors.require("httpx", "checking links", "check")


@dataclass(frozen=True, slots=True)
class LinkResult:
    url: str
    status: Status
    code: int | None = None  # the last HTTP status received, if any
    final_url: str | None = None  # where the redirects ended, when they moved the link
    permanent: bool = False  # every redirect was 301 or 308
    reason: str = ""  # short human text: "404 Not Found", "connection refused"

    @property
    def host(self) -> str:
        """The URL's host as written (lower case), "" for a URL without one."""
        try:
            return urlsplit(self.url).hostname or ""
        except ValueError:
            return ""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def summary(results: Iterable[LinkResult]) -> dict[str, int]:
    """How many results have each status; every status is present, so the shape is fixed."""
    counts = Counter(r.status for r in results)
    return {status: counts[status] for status in STATUSES}


NO_NETWORK = "no network"  # how the reason of a link skipped for that begins


def failed(results: Iterable[LinkResult]) -> bool:
    """True if any link is dead, or was not checked because the network seemed down;
    redirects and unreachable hosts alone do not fail."""
    return any(r.status == "dead" or r.reason.startswith(NO_NETWORK) for r in results)


def check(urls: Iterable[str], *, concurrency: int = 8, per_host: int = 2, timeout: float = 10.0,
          deadline: float = 60.0, allow_private: bool = False) -> list[LinkResult]:
    """Fetch each distinct http(s) URL and say how it answered (see the module's docstring)."""
    require()
    if concurrency < 1 or per_host < 1 or timeout <= 0 or deadline <= 0:
        raise UsageError("the link checker's limits and times must be positive")
    distinct = list(dict.fromkeys(u.strip() for u in urls))
    results = {u: LinkResult(u, "skipped", reason="not an http(s) URL") for u in distinct}
    # By its prefix alone: a malformed http(s) URL is checked, to be reported as malformed.
    wanted = [u for u in distinct if u[:8].lower().startswith(("http://", "https://"))]
    if wanted:
        checker = _Checker(concurrency, per_host, timeout, allow_private)
        # Our own loop class, for its hang-proof resolver (_DaemonResolverLoop below).
        with asyncio.Runner(loop_factory=lambda: _DaemonResolverLoop(allow_private)) as runner:
            results.update(runner.run(checker.run(wanted, deadline)))
    return [results[u] for u in distinct]


def _host_key(url: httpx.URL) -> str:
    """Host and port: the unit that answers or not (one refused port says nothing of another)."""
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.host}:{port}"


def _code_text(code: int) -> str:
    # The standard phrase, never the server's: that one is remote text of any content.
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


class _Checker:
    """The state of one run: limits, hosts found unreachable, URLs started."""

    def __init__(self, concurrency: int, per_host: int, timeout: float,
                 allow_private: bool) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self.slots = asyncio.Semaphore(concurrency)
        self.host_slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(per_host))
        self.down: dict[str, str] = {}  # host key -> why it could not be reached
        self.answered = False  # some server answered: the network works
        self.no_network: str | None = None  # why the network is taken to be down
        self.started: set[str] = set()

    async def run(self, urls: list[str], deadline: float) -> dict[str, LinkResult]:
        import httpx

        client = httpx.AsyncClient(
            headers={"User-Agent": USER_AGENT, "Accept": "*/*"},
            timeout=httpx.Timeout(self.timeout),
            # The semaphores limit the connections; the pool only keeps them for reuse.
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=20),
            follow_redirects=False,  # followed by hand, to count hops and see each host
        )
        tasks = {url: asyncio.create_task(self.one(client, url)) for url in urls}
        try:
            _, pending = await asyncio.wait(tasks.values(), timeout=deadline)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=GRACE)
        finally:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(GRACE):
                    await client.aclose()
        out: dict[str, LinkResult] = {}
        for url, task in tasks.items():
            if task.done() and not task.cancelled():
                out[url] = task.result()  # a bug inside one() surfaces here
            else:
                when = "stopped at" if url in self.started else "not tried before"
                out[url] = LinkResult(url, "not-checked", reason=f"{when} the deadline")
        return out

    async def one(self, client: httpx.AsyncClient, url: str) -> LinkResult:
        import httpx

        try:
            first = httpx.URL(url)
        except httpx.InvalidURL:
            first = None
        if first is None or not first.host or not _port_in_range(first):
            return LinkResult(url, "dead", reason="malformed URL")
        # The host's slots first, then a global one: a URL waiting for its host holds no
        # global slot, so one slow host cannot occupy them all.
        async with self.host_slots[_host_key(first)], self.slots:
            self.started.add(url)
            return await self.follow(client, url, first)

    async def follow(self, client: httpx.AsyncClient, url: str, first: httpx.URL) -> LinkResult:
        import httpx

        current = first
        codes: list[int] = []  # the redirect codes, hop by hop
        while True:
            key = _host_key(current)
            moved = str(current) if codes else None
            if key in self.down:
                reason = f"{self.down[key]} (host already unreachable)"
                return LinkResult(url, "unreachable", None, moved, False, reason)
            if self.no_network is not None:
                return LinkResult(url, "not-checked", None, moved, False, self.no_network)
            if not _port_in_range(current):
                return LinkResult(url, "dead", None, moved, False, "malformed URL")
            literal = current.host.strip("[]")
            if not self.allow_private and _address(literal) is not None and not _public(literal):
                # An address in the URL is connected to without a lookup: checked here.
                reason = (f"refused: {visible(literal)} is not a public address "
                          "(--allow-private checks it)")
                return LinkResult(url, "dead", None, moved, False, reason)
            try:
                code, target = await self.fetch(client, current)
            except (httpx.HTTPError, httpx.InvalidURL, TimeoutError, ValueError) as exc:
                status, reason, host_down = _describe(exc, self.timeout)
                if host_down:
                    self.down.setdefault(key, reason)
                    if not self.answered and len(self.down) >= NO_NETWORK_AFTER:
                        self.no_network = (f"{NO_NETWORK}: none of the first {len(self.down)} "
                                           "hosts could be reached; not tried")
                return LinkResult(url, status, None, moved, False, reason)
            self.answered = True
            self.no_network = None  # a server answered: the network works after all
            if target is None:
                break
            codes.append(code)
            if len(codes) > MAX_REDIRECTS:
                reason = f"more than {MAX_REDIRECTS} redirects"
                return LinkResult(url, "dead", code, str(target), False, reason)
            current = target
        final = str(current) if str(current) != str(first) else None
        permanent = bool(codes) and all(c in PERMANENT for c in codes)
        if code in BLOCKED:
            return LinkResult(url, "blocked", code, final, permanent, _code_text(code))
        if code >= 400:
            return LinkResult(url, "dead", code, final, permanent, _code_text(code))
        if final is None:
            return LinkResult(url, "ok", code, None, False, _code_text(code))
        return LinkResult(url, "redirected", code, final, permanent, _code_text(codes[0]))

    async def fetch(self, client: httpx.AsyncClient,
                    url: httpx.URL) -> tuple[int, httpx.URL | None]:
        """One hop: the status code and where it redirects, HEAD first and GET if need be."""
        import httpx

        # httpx times each step; the cap on the whole request is longer so that httpx's own
        # timeouts come first and say which step failed (a failed connect condemns the host).
        whole = 2 * self.timeout
        try:
            async with asyncio.timeout(whole):
                head = await client.head(url)
            if head.status_code < 400:
                return head.status_code, _next(head)
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            pass  # the connection dropped on HEAD: some servers do that; try GET
        async with asyncio.timeout(whole), client.stream("GET", url) as got:
            return got.status_code, _next(got)  # closed unread: the body is not wanted


def _next(response: httpx.Response) -> httpx.URL | None:
    request = response.next_request  # set by httpx for a 3xx with a Location
    return request.url if request is not None else None


def _describe(exc: Exception, timeout: float) -> tuple[Status, str, bool]:
    """A failure as (status, reason, whether the host itself is unreachable)."""
    import httpx

    if isinstance(exc, httpx.ConnectTimeout):  # also a DNS lookup that does not return
        return "unreachable", f"no connection after {timeout:g} s", True
    if isinstance(exc, httpx.TimeoutException):
        return "unreachable", f"timed out after {timeout:g} s", False
    if isinstance(exc, TimeoutError):  # our cap on the whole request
        return "unreachable", f"no full answer after {2 * timeout:g} s", False
    private = next((e for e in _chain(exc) if isinstance(e, PrivateAddress)), None)
    if private is not None:
        return "dead", str(private), False
    if isinstance(exc, httpx.ConnectError):
        return "unreachable", _connect_failure(exc), True
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "dead", "redirects to a URL that is not http(s)", False
    if isinstance(exc, httpx.InvalidURL | ValueError):
        return "dead", "malformed URL", False
    if any(isinstance(e, ConnectionResetError) for e in _chain(exc)):
        return "unreachable", "connection reset", False
    if isinstance(exc, httpx.RemoteProtocolError):
        if "disconnected" in str(exc):
            return "unreachable", "connection closed without an answer", False
        return "unreachable", "invalid HTTP response", False
    if isinstance(exc, httpx.TransportError):
        return "unreachable", "connection lost", False
    return "unreachable", "request failed", False


def _connect_failure(exc: BaseException) -> str:
    for cause in _chain(exc):
        if isinstance(cause, socket.gaierror):
            return "DNS lookup failed"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS error: {visible(cause.verify_message or 'certificate not trusted')}"
        if isinstance(cause, ssl.SSLError):
            return "TLS error"
        if isinstance(cause, OSError) and cause.errno == errno.ENETUNREACH:
            return "network unreachable"
        if isinstance(cause, OSError) and cause.errno == errno.EHOSTUNREACH:
            return "no route to host"
    return "connection failed"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and the members of exception groups: httpx
    wraps httpcore's error, which wraps anyio's, which groups one OSError per address."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        if isinstance(e, BaseExceptionGroup):
            todo.extend(e.exceptions)
        todo.extend(x for x in (e.__cause__, e.__context__) if x is not None)


def _port_in_range(url: httpx.URL) -> bool:
    return url.port is None or 0 < url.port < 65536


class PrivateAddress(OSError):
    """A host resolved to an address that is not on the public internet."""


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 zone is not an address
    except ValueError:
        return None


def _public(address: str) -> bool:
    ip = _address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip is not None and ip.is_global and not ip.is_multicast


class _DaemonResolverLoop(asyncio.SelectorEventLoop):
    """An event loop whose DNS lookups run in daemon threads, and refuse addresses that are
    not public unless `allow_private`.

    The stock loop resolves in its default executor, whose threads are joined when the loop
    and the interpreter shut down: one lookup that never returns would hang both, deadline
    or not. Here a lookup that is given up on is simply abandoned. The connection is made
    to the addresses this lookup returns, so checking them here checks what is connected to.
    """

    def __init__(self, allow_private: bool = False) -> None:
        super().__init__()
        self.allow_private = allow_private

    async def getaddrinfo(self, host: bytes | str | None, port: bytes | str | int | None, *,
                          family: int = 0, type: int = 0, proto: int = 0,
                          flags: int = 0) -> _GetAddrInfoResult:
        answer: asyncio.Future[_GetAddrInfoResult] = self.create_future()

        def settle(result: _GetAddrInfoResult | None, error: BaseException | None) -> None:
            if answer.done():  # cancelled meanwhile: nobody is waiting
                return
            if error is not None:
                answer.set_exception(error)
            else:
                answer.set_result(result or [])

        def resolve() -> None:
            try:
                result = socket.getaddrinfo(host, port, family, type, proto, flags)
                hidden = [] if self.allow_private else [
                    str(info[4][0]) for info in result if not _public(str(info[4][0]))]
                if hidden:
                    name = visible(host.decode() if isinstance(host, bytes) else str(host))
                    raise PrivateAddress(
                        f"refused: {name} resolves to {hidden[0]}, not a public address "
                        "(--allow-private checks it)")
                outcome: tuple[_GetAddrInfoResult | None, BaseException | None] = (result, None)
            except OSError as error:
                outcome = (None, error)
            with contextlib.suppress(RuntimeError):  # the loop closed while we waited
                self.call_soon_threadsafe(settle, *outcome)

        threading.Thread(target=resolve, name="linkcheck-dns", daemon=True).start()
        return await answer
