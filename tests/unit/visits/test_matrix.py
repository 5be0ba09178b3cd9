"""Travel-time providers: haversine by default, an OSRM table service (a local fake server here)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

from arrears.visits.matrix import UNREACHABLE, HaversineMatrix, OsrmTableMatrix, TravelTimeError

GUANGZHOU = (23.129, 113.264)
ONE_KM_NORTH = (23.129 + 1 / 111.2, 113.264)  # 0.99996 km


class TestHaversine:
    def test_one_km_at_25_kmh_with_a_detour_of_1_3(self) -> None:
        matrix = HaversineMatrix().durations([GUANGZHOU, ONE_KM_NORTH])

        assert matrix[0][0] == matrix[1][1] == 0
        assert matrix[0][1] == matrix[1][0] == 188  # 1.3 km / 25 km/h = 187.2 s, rounded up

    def test_the_factors_are_parameters(self) -> None:
        assert HaversineMatrix(detour=1.0, speed_kmh=36).durations([GUANGZHOU, ONE_KM_NORTH])[0][1] == 100


class FakeOsrm(BaseHTTPRequestHandler):
    answer: ClassVar[dict[str, Any]] = {}
    status: ClassVar[int] = 200
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        FakeOsrm.paths.append(self.path)
        body = json.dumps(FakeOsrm.answer).encode()
        self.send_response(FakeOsrm.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def osrm() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeOsrm.paths.clear()
    FakeOsrm.status = 200
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


class TestOsrm:
    def test_asks_the_table_service_and_rounds_up(self, osrm: str) -> None:
        FakeOsrm.answer = {
            "code": "Ok",
            "durations": [[0, 61.2], [None, 0]],
            "distances": [[0, 900], [None, 0]],
        }

        matrix = OsrmTableMatrix(osrm).durations([GUANGZHOU, ONE_KM_NORTH])

        assert matrix == [[0, 62], [UNREACHABLE, 0]]
        assert FakeOsrm.paths == [
            "/table/v1/driving/113.264000,23.129000;113.264000,23.137993?annotations=duration,distance"
        ]

    def test_an_error_code_is_reported(self, osrm: str) -> None:
        FakeOsrm.answer = {"code": "InvalidQuery", "message": "Query string malformed"}

        with pytest.raises(TravelTimeError, match="code 'InvalidQuery', message 'Query string malformed'"):
            OsrmTableMatrix(osrm).durations([GUANGZHOU, ONE_KM_NORTH])

    def test_a_wrong_shape_is_reported(self, osrm: str) -> None:
        FakeOsrm.answer = {"code": "Ok", "durations": [[0, 1]]}

        with pytest.raises(TravelTimeError, match="durations is not a 2 x 2 matrix"):
            OsrmTableMatrix(osrm).durations([GUANGZHOU, ONE_KM_NORTH])

    def test_an_http_error_is_reported(self, osrm: str) -> None:
        FakeOsrm.answer, FakeOsrm.status = {"code": "TooBig"}, 400

        with pytest.raises(TravelTimeError, match="answered HTTP 400"):
            OsrmTableMatrix(osrm).durations([GUANGZHOU, ONE_KM_NORTH])

    def test_a_service_that_is_not_there_is_reported(self) -> None:
        server = HTTPServer(("127.0.0.1", 0), FakeOsrm)
        port = server.server_port
        server.server_close()

        with pytest.raises(TravelTimeError, match="cannot be reached"):
            OsrmTableMatrix(f"http://127.0.0.1:{port}", timeout_seconds=2).durations(
                [GUANGZHOU, ONE_KM_NORTH]
            )
