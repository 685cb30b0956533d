"""``make lab``: JupyterLab on the course, checked through its REST API and a kernel websocket.

The test runs the very command ``make lab`` runs (``make -n`` prints it), on a free port of
127.0.0.1 with a token and without a browser, then: lists the notebooks, reads the news
setting the course's ``.jupyter/`` overrides, opens notebook 04 in a kernel session as JupyterLab
does, runs a cell there (import helpers, load the embedded tokenizer) and shuts the server down.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from helpers.paths import NOTEBOOKS_DIR, REPO_ROOT

CELL = """\
import helpers
from helpers.models import load_tokenizer
tokenizer = load_tokenizer()
print(helpers.__file__)
print(tokenizer("Ghana votes")["input_ids"])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_command(port: int, token: str) -> str:
    """The recipe of ``make lab`` for this environment, with test-only flags in LAB_ARGS."""
    venv = Path(sys.prefix)
    assert (venv / "bin" / "activate").is_file(), f"tests must run inside a venv, not {venv}"
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    dry = subprocess.run(
        ["make", "-n", "-s", "lab", f"VENV={venv}", f"LAB_ARGS={args}"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return dry.splitlines()[-1]  # earlier lines (if any) would (re)build the venv


def api(base: str, token: str, path: str, method: str = "GET", body: dict | None = None):
    req = urllib.request.Request(
        f"{base}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        text = r.read().decode()
        return json.loads(text) if text else None


async def execute(ws_url: str, code: str, timeout: float = 60) -> tuple[dict, str]:
    """Send one execute_request over the kernel websocket; return (execute_reply, stdout)."""
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(ws_url)
    msg_id, out, reply, idle = uuid.uuid4().hex, [], None, False
    header = {"msg_id": msg_id, "msg_type": "execute_request", "username": "test"}
    header |= {"session": uuid.uuid4().hex, "version": "5.3", "date": ""}
    content = {"code": code, "silent": False, "store_history": False, "user_expressions": {}}
    content |= {"allow_stdin": False, "stop_on_error": True}
    msg = {"header": header, "parent_header": {}, "metadata": {}, "content": content}
    await conn.write_message(json.dumps({**msg, "channel": "shell", "buffers": []}))
    deadline = time.monotonic() + timeout
    while reply is None or not idle:
        raw = await asyncio.wait_for(conn.read_message(), deadline - time.monotonic())
        assert raw is not None, "the kernel websocket closed"
        m = json.loads(raw)
        if m.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = m["msg_type"]
        if kind == "stream" and m["content"]["name"] == "stdout":  # stderr: warnings
            out.append(m["content"]["text"])
        elif kind == "error":
            out.append("\n".join(m["content"]["traceback"]))
        elif kind == "execute_reply":
            reply = m["content"]
        elif kind == "status" and m["content"]["execution_state"] == "idle":
            idle = True
    conn.close()
    return reply, "".join(out)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_lab_serves_the_course_and_runs_a_cell(tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),  # connection files stay in the test
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "HF_HUB_OFFLINE": "1",
    }
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(
        ["bash", "-c", lab_command(port, token)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the finally below ends all of it
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "lab.log").read_text()[-3000:]
            try:
                api(base, token, "/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "JupyterLab did not answer within 60 s"
                time.sleep(0.5)
        with pytest.raises(urllib.error.HTTPError) as e:  # the token is required
            urllib.request.urlopen(f"{base}/api/contents/notebooks", timeout=10)
        assert e.value.code == 403

        listing = api(base, token, "/api/contents/notebooks")
        served = sorted(x["name"] for x in listing["content"] if x["type"] == "notebook")
        assert served == sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))
        assert "04_ner.ipynb" in served

        # the course's .jupyter/ overrides: no "Jupyter news?" prompt, no update check
        notif = api(base, token, "/lab/api/settings/@jupyterlab/apputils-extension:notification")
        props = notif["schema"]["properties"]
        assert props["fetchNews"]["default"] == "false"
        assert props["checkForUpdates"]["default"] is False

        # open notebook 04 in a kernel as JupyterLab does (its working directory: notebooks/)
        session = api(
            base,
            token,
            "/api/sessions",
            "POST",
            {"path": "notebooks/04_ner.ipynb", "type": "notebook", "kernel": {"name": "python3"}},
        )
        kernel = session["kernel"]["id"]
        assert kernel in [k["id"] for k in api(base, token, "/api/kernels")]
        ws = f"ws://127.0.0.1:{port}/api/kernels/{kernel}/channels?token={token}"
        reply, out = asyncio.run(execute(ws, CELL + "import os; print(os.getcwd())"))
        assert reply["status"] == "ok", out
        lines = out.splitlines()
        assert Path(lines[0]) == REPO_ROOT / "helpers" / "__init__.py"  # the course's helpers
        assert lines[1] == "[101, 9701, 4494, 102]"  # [CLS] ghana votes [SEP]
        assert Path(lines[2]) == NOTEBOOKS_DIR
        api(base, token, f"/api/sessions/{session['id']}", "DELETE")
        api(base, token, "/api/shutdown", "POST")
        server.wait(timeout=30)
        assert server.returncode == 0
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()
