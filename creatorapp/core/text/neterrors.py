"""Network failures in words a person can act on.

requests wraps urllib3, which wraps socket and ssl errors, and its message is the whole chain:
``HTTPSConnectionPool(host='jane.example', port=443): Max retries exceeded with url: / (Caused by
NameResolutionError(...))``.  :func:`reason` walks the chain to the first cause this table
knows and says it once; :func:`describe` makes it a sentence that names the host.  Every place
that reports a failed request uses one of the two, so the same failure reads the same everywhere.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit


@dataclass(frozen=True)
class _Problem:
    matches: Callable[[BaseException], bool]
    reason: str  # without the host: follows "cannot reach HOST (...)"
    sentence: str  # the whole story: {host}, {port}, {url}, {detail}


def _is(*types: type) -> Callable[[BaseException], bool]:
    return lambda exc: isinstance(exc, types)


def _errno(*codes: int) -> Callable[[BaseException], bool]:
    return lambda exc: isinstance(exc, OSError) and exc.errno in codes


def _either(*tests: Callable[[BaseException], bool]) -> Callable[[BaseException], bool]:
    return lambda exc: any(test(exc) for test in tests)


@cache
def _table() -> tuple[_Problem, ...]:
    """Most specific first: a chain can hold a NewConnectionError whose cause is a refusal."""
    import requests.exceptions as rq
    import urllib3.exceptions as u3

    not_found = "could not be found: check the address or your connection"
    return (
        _Problem(
            _is(rq.InvalidURL, rq.MissingSchema, rq.InvalidSchema, u3.LocationParseError),
            "the address is not a valid web address",
            "{url} is not a valid web address",
        ),
        _Problem(
            _is(u3.NameResolutionError, socket.gaierror),
            f"the name {not_found}",
            f"{{host}} {not_found}",
        ),
        _Problem(
            _is(ssl.SSLCertVerificationError),
            "its TLS certificate cannot be trusted ({detail})",
            "the TLS certificate of {host} cannot be trusted ({detail})",
        ),
        _Problem(
            _either(_is(ConnectionRefusedError), _errno(errno.ECONNREFUSED)),
            "nothing answered on port {port}: is the server running, is the port right?",
            "{host} refused the connection on port {port}: is the server running, is the "
            "port right?",
        ),
        _Problem(
            _is(rq.ConnectTimeout, u3.ConnectTimeoutError),
            "it did not answer in time: check the address, or try again later",
            "{host} did not answer in time: check the address, or try again later",
        ),
        _Problem(
            _is(rq.ReadTimeout, u3.ReadTimeoutError, TimeoutError, socket.timeout),
            "it stopped answering part-way: try again later",
            "{host} stopped answering part-way: try again later",
        ),
        _Problem(
            _errno(errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN),
            "the network has no way there: check your connection",
            "{host} cannot be reached from this network: check your connection",
        ),
        _Problem(
            _is(rq.ProxyError, u3.ProxyError),
            "the proxy could not get through: check the proxy settings",
            "the proxy could not get through to {host}: check the proxy settings",
        ),
        _Problem(
            _is(ssl.SSLError, u3.SSLError, rq.SSLError),
            "the secure connection failed ({detail})",
            "the secure connection to {host} failed ({detail})",
        ),
        _Problem(
            _is(
                ConnectionResetError,
                ConnectionAbortedError,
                BrokenPipeError,
                u3.ProtocolError,
                rq.ChunkedEncodingError,
            ),
            "the connection was cut off",
            "the connection to {host} was cut off: try again",
        ),
        _Problem(
            _is(rq.TooManyRedirects),
            "it sends requests round in circles (too many redirects)",
            "{host} sends requests round in circles (too many redirects)",
        ),
    )


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps: causes, contexts, urllib3's ``reason`` and the
    exceptions requests keeps in ``args``."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = [getattr(current, "reason", None), current.__cause__, current.__context__]
        inner += list(getattr(current, "args", ()))
        todo += [e for e in inner if isinstance(e, BaseException)]


def _detail(chain: list[BaseException]) -> str:
    for exc in chain:
        if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
            return exc.verify_message
    for exc in chain:
        if isinstance(exc, ssl.SSLError) and exc.reason:
            return str(exc.reason).replace("_", " ").lower()
    return "no details"


def _first(exc: BaseException) -> tuple[_Problem | None, list[BaseException]]:
    chain = list(_chain(exc))
    for problem in _table():
        if any(problem.matches(e) for e in chain):
            return problem, chain
    return None, chain


def _fallback(chain: list[BaseException]) -> str:
    """What the deepest OS error says, else the kind of failure: never the wrapped chain."""
    for exc in reversed(chain):
        if isinstance(exc, OSError) and exc.strerror:
            return exc.strerror[0].lower() + exc.strerror[1:]
    return f"the request failed ({type(chain[0]).__name__})"


def _where(url: str) -> dict[str, object]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return {"url": url, "host": url, "port": "?"}
    default = {"https": 443, "http": 80, "ftp": 21, "sftp": 22}.get(parts.scheme, "?")
    return {"url": url, "host": parts.hostname or url, "port": port or default}


def reason(exc: BaseException, url: str = "") -> str:
    """Why a request failed, without naming the host: for messages that name it already."""
    problem, chain = _first(exc)
    if problem is None:
        return _fallback(chain)
    return problem.reason.format(detail=_detail(chain), **_where(url))


def describe(exc: BaseException, url: str) -> str:
    """One sentence saying what went wrong with the request to ``url``, naming its host."""
    problem, chain = _first(exc)
    where = _where(url)
    if problem is None:
        return f"cannot reach {where['host']}: {_fallback(chain)}"
    return problem.sentence.format(detail=_detail(chain), **where)


def may_have_arrived(exc: BaseException) -> bool:
    """Only a name that does not resolve, a refused connection or a connect timeout prove a
    request never reached the server; a reset or a read timeout after sending prove nothing."""
    import requests.exceptions as rq
    import urllib3.exceptions as u3

    never_sent = (u3.NameResolutionError, socket.gaierror, ConnectionRefusedError)
    never_sent += (rq.ConnectTimeout, u3.ConnectTimeoutError, u3.NewConnectionError)
    never_sent += (rq.InvalidURL, rq.MissingSchema, rq.InvalidSchema, u3.LocationParseError)
    return not any(isinstance(e, never_sent) for e in _chain(exc))
