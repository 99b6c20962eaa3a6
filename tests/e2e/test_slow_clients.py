"""Slow and huge clients against a real ``flashsale serve``: raw sockets, so that a test can
send half a request, a header that never ends, or nothing at all.

The server runs with deadlines of DEADLINE seconds (settings, through the environment), so the
tests take seconds; the margins allow for a machine busy with other work.
"""

from __future__ import annotations

import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from flashsale.lab.devtools.server_process import LOOPBACK, ServerProcess, running_server
from tests.contract.conftest import migrated_postgres_database
from tests.e2e.live import ADMIN, server_env
from tests.e2e.test_scaleout_faults import scaleout_env

pytestmark = pytest.mark.slow

DEADLINE = 1.5  # the header and the body deadline the server runs with
MARGIN = 3.0  # how late past a deadline a busy machine may close
HEADER_LIMIT = 16 * 1024  # the default: no setting names it below
CONNECTION_CAP = 24


def limited_env(tmp_path: Path) -> dict[str, str]:
    return server_env(
        tmp_path / "sale.db",
        FLASHSALE_HTTP_HEADER_TIMEOUT_SECONDS=str(DEADLINE),
        FLASHSALE_HTTP_BODY_TIMEOUT_SECONDS=str(DEADLINE),
        FLASHSALE_HTTP_MAX_CONNECTIONS=str(CONNECTION_CAP),
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp_path = tmp_path_factory.mktemp("slow-clients")
    with running_server(limited_env(tmp_path), log_path=tmp_path / "server.log") as server:
        india = {"code": "IN", "name": "India", "currency": "INR", "locale": "en_IN"}
        add = urllib.request.Request(
            f"{server.url}/api/v1/admin/markets",
            data=orjson.dumps(india),
            headers={**ADMIN, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(add, timeout=10) as answer:
            assert answer.status in (200, 201)
        yield server


def connect(server: ServerProcess, timeout: float = DEADLINE + MARGIN) -> socket.socket:
    sock = socket.create_connection((LOOPBACK, server.port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset counts as closed);
    raises TimeoutError if it keeps the connection open past the socket's timeout."""
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One response off a kept-alive connection: status, headers, body (by content-length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection mid-response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection mid-body"
        body += chunk
    return int(status_line.split()[1]), headers, body


def status_and_problem(answer: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"application/problem+json" in head.lower(), answer
    return int(head.split()[1]), orjson.loads(body)


def healthy(server: ServerProcess) -> bool:
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\n\r\n")
        status, _, _ = read_response(sock)
        return status == 200


def test_a_header_block_over_the_limit_is_answered_431_and_closed(server: ServerProcess) -> None:
    cookie = b"c" * (HEADER_LIMIT + 1024)
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\nCookie: " + cookie + b"\r\n\r\n")
        answer = until_closed(sock)
    status, problem = status_and_problem(answer)
    assert status == 431, answer[:300]
    assert problem["type"] == "/problems/request-header-fields-too-large", problem
    assert healthy(server)


def test_an_endless_header_is_cut_off_and_the_server_stays_healthy(server: ServerProcess) -> None:
    """The server stops reading past the limit: it does not buffer a header of any size."""
    endless = 32 * 1024 * 1024
    piece = b"a" * 65536
    sent = 0
    started = time.monotonic()
    with connect(server) as sock:
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\nX-Endless: ")
            while sent < endless:
                sock.sendall(piece)
                sent += len(piece)
        except OSError:  # reset or broken pipe: the server closed the connection
            pass
        else:
            until_closed(sock)  # everything sent: at least it must not keep the socket
    assert sent < endless, "the server read a 32 MiB header to its end"
    assert time.monotonic() - started < MARGIN
    assert healthy(server)


def test_endless_trailer_fields_are_cut_off_like_a_header(server: ServerProcess) -> None:
    """The fields after a chunked body's last chunk are buffered as headers are."""
    endless = 32 * 1024 * 1024
    piece = b"a" * 65536
    sent = 0
    with connect(server) as sock:
        try:
            sock.sendall(
                b"POST /api/v1/customers HTTP/1.1\r\nHost: shop\r\n"
                b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"2\r\n{}\r\n0\r\nX-Endless: "
            )
            while sent < endless:
                sock.sendall(piece)
                sent += len(piece)
        except OSError:
            pass
    assert sent < endless, "the server read a 32 MiB trailer to its end"
    assert healthy(server)


def test_a_chunked_body_with_chunks_larger_than_the_header_limit_is_served(
    server: ServerProcess,
) -> None:
    """Chunk data is body, not header: only what follows the last chunk counts as fields."""
    body = orjson.dumps({"email": "chunked@example.com", "note": "n" * (HEADER_LIMIT * 2)})
    half = len(body) // 2
    chunks = b"".join(
        f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:half], body[half:])
    )
    with connect(server) as sock:
        sock.sendall(
            b"POST /api/v1/customers HTTP/1.1\r\nHost: shop\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        for at in range(0, len(chunks), 7000):  # size lines and data split across reads
            sock.sendall(chunks[at : at + 7000])
            time.sleep(0.01)
        sock.sendall(b"0\r\nX-Checksum: fine\r\n\r\n")
        status, _, answer = read_response(sock)
    # The whole JSON arrived and was parsed: the app refuses the padding field by its name.
    assert status == 422, answer
    assert ["note"] in [error["loc"] for error in orjson.loads(answer)["errors"]], answer


def test_a_header_just_under_the_limit_is_served(server: ServerProcess) -> None:
    cookie = b"c" * (HEADER_LIMIT - 1024)
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\nCookie: " + cookie + b"\r\n\r\n")
        status, _, _ = read_response(sock)
    assert status == 200


def test_half_a_header_then_silence_is_disconnected_at_the_deadline(
    server: ServerProcess,
) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\nUser-Agent: slow")
        answer = until_closed(sock)
        elapsed = time.monotonic() - started
    assert DEADLINE - 0.1 <= elapsed <= DEADLINE + MARGIN, elapsed
    status, problem = status_and_problem(answer)
    assert status == 408 and problem["type"] == "/problems/request-timeout", problem


def test_a_header_trickled_byte_by_byte_gets_no_longer_than_the_deadline(
    server: ServerProcess,
) -> None:
    """Every byte arrives well within any idle timeout; the deadline is for the whole head."""
    trickle = b"GET /healthz HTTP/1.1\r\nHost: shop\r\n" + b"X-Slow: " + b"s" * 1000
    with connect(server, timeout=0.1) as sock:
        started = time.monotonic()
        closed = False
        for byte in trickle:
            try:
                sock.sendall(bytes([byte]))
                closed = sock.recv(65536) == b""
            except TimeoutError:
                continue
            except OSError:
                closed = True
            if closed or time.monotonic() - started > DEADLINE + MARGIN:
                break
        elapsed = time.monotonic() - started
    assert closed, f"still open after {elapsed:.1f} s of trickling"
    assert DEADLINE - 0.1 <= elapsed <= DEADLINE + MARGIN, elapsed


def test_a_connection_that_sends_nothing_is_closed_at_the_deadline(
    server: ServerProcess,
) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        until_closed(sock)
        elapsed = time.monotonic() - started
    assert elapsed <= DEADLINE + MARGIN, elapsed


@pytest.mark.parametrize(
    ("path", "content_type", "part"),
    [
        ("/api/v1/customers", "application/json", b'{"email": "slow@example.com", '),
        ("/signup", "application/x-www-form-urlencoded", b"email=slow%40example.com&"),
    ],
    ids=["json-api", "html-form"],
)
def test_a_body_that_stalls_gets_408_within_the_deadline(
    server: ServerProcess, path: str, content_type: str, part: bytes
) -> None:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: shop\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(part) * 4}\r\n\r\n"
    ).encode()
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(head + part)
        answer = until_closed(sock)
        elapsed = time.monotonic() - started
    assert DEADLINE - 0.1 <= elapsed <= DEADLINE + MARGIN, elapsed
    status, problem = status_and_problem(answer)
    assert status == 408, answer[:300]
    assert problem["type"] == "/problems/request-timeout", problem
    assert healthy(server)


def test_a_well_behaved_client_is_served_across_the_deadlines(server: ServerProcess) -> None:
    """A kept-alive connection idle for longer than the deadlines, then a body in two parts,
    each within its deadline: served as before."""
    body = orjson.dumps(
        {"email": f"patient{time.time_ns()}@example.com", "password": "mi-fan-2015"}
        | {"market": "IN"}
    )
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\n\r\n")
        assert read_response(sock)[0] == 200
        time.sleep(DEADLINE + 0.5)  # idle between requests: the keep-alive timeout's business
        sock.sendall(
            b"POST /api/v1/customers HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        time.sleep(DEADLINE / 3)
        sock.sendall(body[10:])
        status, _, answer = read_response(sock)
        assert status == 201, answer
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\n\r\n")
        assert read_response(sock)[0] == 200


def test_connections_past_the_cap_are_answered_503(server: ServerProcess) -> None:
    idle = [connect(server) for _ in range(CONNECTION_CAP)]
    try:
        with connect(server) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\n\r\n")
            status, _, _ = read_response(sock)
        assert status == 503
    finally:
        for sock in idle:
            sock.close()
    deadline = time.monotonic() + MARGIN
    while not healthy(server):  # the server notices the closes a moment later
        assert time.monotonic() < deadline, "the server did not recover below its cap"
        time.sleep(0.05)


@pytest.mark.postgres
@pytest.mark.redis
async def test_every_worker_process_enforces_the_limits(
    tmp_path: Path, postgres_server_url: str, redis_server_url: str
) -> None:
    """``serve --workers 2`` hands the limits to processes it spawns: both enforce them."""
    async with migrated_postgres_database(postgres_server_url) as database_url:
        env = scaleout_env(tmp_path, database_url, redis_server_url)
        env["FLASHSALE_HTTP_HEADER_TIMEOUT_SECONDS"] = str(DEADLINE)
        server = ServerProcess(env, log_path=tmp_path / "server.log", extra_args=("--workers", "2"))
        server.start()
        try:
            # Several connections, so that both workers take some.
            socks = [connect(server) for _ in range(6)]
            started = time.monotonic()
            for sock in socks:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\nX-Half: ")
            for sock in socks:
                with sock:
                    status, _ = status_and_problem(until_closed(sock))
                    assert status == 408
            assert time.monotonic() - started <= DEADLINE + MARGIN
            with connect(server) as sock:
                cookie = b"c" * (HEADER_LIMIT + 1024)
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: s\r\nCookie: " + cookie + b"\r\n\r\n")
                assert status_and_problem(until_closed(sock))[0] == 431
        finally:
            server.stop()
