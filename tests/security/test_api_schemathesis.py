"""schemathesis against the OpenAPI schema of a real running server: no 500 on any input.

The server is ``distretto serve`` (waitress) in its own process, on the backend the suite
runs on (a fresh SQLite file, or a fresh PostgreSQL database: ``tests/file_database.py``), with
the Mirandola dataset and the records of ``api_world.py``, so paths with identifiers
reach real records. schemathesis generates requests for every operation (schema
examples, boundary values, then random data) with a facilitator's write token.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.file_database import FileDatabase, file_database

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXAMPLES_PER_OPERATION = 10

pytestmark = pytest.mark.xdist_group("schemathesis")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with file_database(tmp_path_factory.mktemp("schemathesis")) as db:
        yield from _serve(db)


def _serve(db: FileDatabase):
    port = _free_port()
    data_dir = db.data_dir
    env = {
        **db.environment,
        "DISTRETTO_PORT": str(port),
        "DISTRETTO_SERVE_WORKER": "0",
        # Background work (embeddings) waits in the database queue: no worker runs it.
        "DISTRETTO_TASKS_BACKEND": "database",
        # schemathesis sends thousands of requests from one address on purpose.
        "DISTRETTO_API_RATE_ANONYMOUS": "1000000/min",
        "DISTRETTO_API_RATE_USER": "1000000/min",
    }
    subprocess.run([BIN / "distretto", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    world = subprocess.run(
        [sys.executable, ROOT / "tests" / "security" / "api_world.py"],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    records = json.loads(world.stdout.strip().splitlines()[-1])
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [BIN / "distretto", "serve"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=5):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.5)
        yield base, records, data_dir
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _config(records: dict, path: Path) -> Path:
    """schemathesis.toml: each path parameter set to a real record's identifier."""
    by_path = {
        r"^/api/v1/organisations/\{slug\}": {"slug": records["organisation"]},
        r"^/api/v1/taxonomies/\{slug\}": {"slug": "process_step"},
        r"^/api/v1/events/\{slug\}": {
            "slug": records["event"],
            "registration_id": records["registration_id"],
            "run_id": 1,
        },
        r"^/api/v1/event-meetings/": {"meeting_id": records["meeting_id"]},
        r"^/api/v1/profiles/": {"profile_id": records["profile_id"]},
        r"^/api/v1/interests/": {"interest_id": records["interest_id"]},
        r"^/api/v1/saved-searches/": {"saved_id": records["saved_id"]},
        r"^/api/v1/calls/\{slug\}": {"slug": "distretti-tecnologici-1"},
        r"^/api/v1/indicators/\{slug\}": {"slug": "employees"},
    }
    lines = []
    for regex, parameters in by_path.items():
        values = ", ".join(f"{name} = {json.dumps(value)}" for name, value in parameters.items())
        lines += [
            "[[operations]]",
            f"include-path-regex = {json.dumps(regex)}",
            f"parameters = {{ {values} }}",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_no_server_error_on_any_generated_request(server):
    base, records, data_dir = server
    config = _config(records, data_dir / "schemathesis.toml")
    with urllib.request.urlopen(f"{base}/api/v1/openapi.json") as response:  # noqa: S310
        operations = sum(len(methods) for methods in json.load(response)["paths"].values())

    run = subprocess.run(
        [
            BIN / "schemathesis",
            "--config-file",
            config,
            "run",
            f"{base}/api/v1/openapi.json",
            "--checks",
            "not_a_server_error",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            str(EXAMPLES_PER_OPERATION),
            "--seed",
            "20261130",
            "--workers",
            "2",
            "--header",
            f"Authorization: Bearer {records['key']}",
            "--request-timeout",
            "60",
        ],
        capture_output=True,
        text=True,
        cwd=data_dir,
        timeout=1200,
    )
    output = run.stdout + run.stderr
    server_log = (data_dir / "server.log").read_text(encoding="utf-8", errors="replace")

    tested = re.search(r"Tested: (\d+)", output)
    cases = re.search(r"(\d+) generated, (\d+) passed", output)
    assert run.returncode == 0, output[-6000:]
    assert tested and int(tested.group(1)) == operations, output[-3000:]
    assert cases and int(cases.group(1)) >= operations * 5, output[-3000:]
    assert cases.group(1) == cases.group(2)
    assert "Traceback" not in server_log, server_log[-6000:]
