"""The :class:`Emulator`: a running opending emulator and its control API."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

SeedInput = Union[str, "os.PathLike[str]", Mapping[str, Any]]

_LISTENING = re.compile(r"opending listening on (http://\S+)")


class EmulatorError(Exception):
    """The control API answered an error, or the emulator could not be started.

    ``status`` is the HTTP status (0 when none), ``body`` the decoded answer when it was JSON.
    """

    def __init__(self, message: str, status: int = 0, body: Any = None):
        super().__init__(message)
        self.status = status
        self.body = body


class Emulator:
    """A running opending emulator.

    Use :meth:`start` to run one (the binary, or the container image), or the constructor to
    attach to one that already runs (``Emulator("http://127.0.0.1:8080")``).
    """

    def __init__(self, base_url: str, *, _process: Optional[subprocess.Popen] = None,
                 _container: Optional[Sequence[str]] = None, _tmpdir: Optional[str] = None):
        self.base_url = base_url.rstrip("/")
        self._process = _process
        self._container = _container  # (runtime, container id)
        self._tmpdir = _tmpdir
        self.output: List[str] = []  # what the binary printed (stdout and stderr), for failures

    # ------------------------------------------------------------------ starting and stopping

    @classmethod
    def start(cls, *, binary: Optional[str] = None, image: Optional[str] = None,
              seed: Optional[SeedInput] = None, deterministic: Optional[int] = None,
              demo: bool = False, args: Sequence[str] = (), runtime: Optional[str] = None,
              timeout: float = 30.0) -> "Emulator":
        """Starts an emulator on a free loopback port, everything in memory.

        ``binary``: the ``opending`` binary (default ``$OPENDING_BINARY``, else ``opending`` on
        the PATH). ``image``: run this container image instead (default ``$OPENDING_IMAGE``
        when no binary is given), with ``runtime`` (``$OPENDING_CONTAINER_RUNTIME``, else
        ``docker``, else ``podman``). ``seed``: a seed document — a file path, YAML/JSON text,
        or a dict — applied at start and restored by :meth:`reset`. ``deterministic``: derive
        every id, secret and token from this number and freeze the clock. ``args``: more flags
        for ``opending serve``.
        """
        tmpdir = tempfile.mkdtemp(prefix="opending-emulator-")
        seed_path = _write_seed(seed, tmpdir) if seed is not None else None
        flags = ["--emulator", "--memory"]
        if deterministic is not None:
            flags += ["--deterministic", str(deterministic)]
        if demo:
            flags.append("--demo")
        flags += list(args)
        binary = binary or os.environ.get("OPENDING_BINARY")
        image = image or (None if binary else os.environ.get("OPENDING_IMAGE"))
        try:
            if image:
                emu = cls._start_image(image, runtime, seed_path, flags, tmpdir, timeout)
            else:
                emu = cls._start_binary(binary, seed_path, flags, tmpdir, timeout)
        except BaseException:
            shutil.rmtree(tmpdir, ignore_errors=True)
            raise
        return emu

    @classmethod
    def _start_binary(cls, binary, seed_path, flags, tmpdir, timeout) -> "Emulator":
        exe = binary or shutil.which("opending")
        if not exe:
            raise EmulatorError("no opending binary: set OPENDING_BINARY, pass binary=, or put it on PATH")
        cmd = [exe, "serve", "--listen", "127.0.0.1:0", "--log-level", "warn"] + flags
        if seed_path:
            cmd += ["--seed", seed_path]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                encoding="utf-8", errors="replace")
        output: List[str] = []
        found: Dict[str, str] = {}
        ready = threading.Event()

        def drain():
            # Reads every line so the pipe never fills; notes the address line.
            for line in proc.stdout:  # type: ignore[union-attr]
                if len(output) < 10_000:
                    output.append(line.rstrip("\n"))
                m = _LISTENING.search(line)
                if m and not ready.is_set():
                    found["url"] = m.group(1)
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        if not ready.wait(timeout) or "url" not in found:
            proc.kill()
            proc.wait()
            raise EmulatorError("opending did not start:\n" + "\n".join(output[-40:]))
        emu = cls(found["url"], _process=proc, _tmpdir=tmpdir)
        emu.output = output
        return emu

    @classmethod
    def _start_image(cls, image, runtime, seed_path, flags, tmpdir, timeout) -> "Emulator":
        rt = runtime or os.environ.get("OPENDING_CONTAINER_RUNTIME") or (
            "docker" if shutil.which("docker") else "podman")
        cmd = [rt, "run", "-d", "--rm", "-p", "127.0.0.1::8080"]
        serve = ["serve"] + flags
        if seed_path:
            os.chmod(tmpdir, 0o755)
            os.chmod(seed_path, 0o644)
            cmd += ["-v", f"{seed_path}:/seed/seed.yaml:ro"]
            serve += ["--seed", "/seed/seed.yaml"]
        out = _run([*cmd, image, *serve])
        cid = out.strip().splitlines()[-1]
        try:
            port_line = _run([rt, "port", cid, "8080/tcp"]).strip().splitlines()[0]
            port = port_line.rsplit(":", 1)[1]
            emu = cls(f"http://127.0.0.1:{port}", _container=(rt, cid), _tmpdir=tmpdir)
            emu._wait_ready(timeout)
        except BaseException:
            subprocess.run([rt, "rm", "-f", cid], capture_output=True)
            raise
        return emu

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise EmulatorError(f"no answer from {self.base_url}/healthz after {timeout} s")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stops the emulator this object started (SIGTERM; the container is removed)."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._container is not None:
            rt, cid = self._container
            subprocess.run([rt, "stop", "-t", "10", cid], capture_output=True)
            subprocess.run([rt, "rm", "-f", cid], capture_output=True)
            self._container = None
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> "Emulator":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ where the SDKs go

    @property
    def endpoint(self) -> str:
        """``host:port``, what DingTalk's official SDKs take as ``endpoint`` (with
        ``protocol="http"``)."""
        return urllib.parse.urlsplit(self.base_url).netloc

    # ------------------------------------------------------------------ the control API

    def reset(self) -> Dict[str, Any]:
        """Wipes everything and re-applies the start seed; resets clock, journal and faults."""
        return self._call("POST", "/_opending/reset")

    def apply_seed(self, seed: SeedInput) -> Dict[str, Any]:
        """Applies a seed document now (idempotent); answers the apply report."""
        return self._call("POST", "/_opending/seed", raw=_seed_text(seed).encode("utf-8"),
                          content_type="application/yaml")

    def mint_code(self, client_id: str, union_id: str, scopes: Sequence[str],
                  corp_id: Optional[str] = None, redirect_uri: Optional[str] = None) -> str:
        """An authorization code as if the user had consented; answers the code."""
        body: Dict[str, Any] = {"clientId": client_id, "unionId": union_id, "scopes": list(scopes)}
        if corp_id:
            body["corpId"] = corp_id
        if redirect_uri:
            body["redirectUri"] = redirect_uri
        return self._call("POST", "/_opending/codes", body)["authCode"]

    def login_code(self, client_id: str, corp_id: str, *, union_id: Optional[str] = None,
                   userid: Optional[str] = None) -> str:
        """An in-app login (免登) code, as ``dd.requestAuthCode`` would give the app's page."""
        body: Dict[str, Any] = {"clientId": client_id, "corpId": corp_id}
        if union_id:
            body["unionId"] = union_id
        if userid:
            body["userid"] = userid
        return self._call("POST", "/_opending/login-codes", body)["code"]

    def sso_code(self, client_id: str, corp_id: str, union_id: str) -> Dict[str, Any]:
        """An SSO code for an org admin opening the app's admin backend: ``{"url","code"}``."""
        return self._call("POST", "/_opending/sso-codes",
                          {"clientId": client_id, "corpId": corp_id, "unionId": union_id})

    def tokens(self) -> List[Dict[str, Any]]:
        """Every app token, user token and code the server holds."""
        return self._call("GET", "/_opending/tokens")

    def expire_token(self, token_id: str) -> Dict[str, Any]:
        """Makes a token or code (its ``id`` from :meth:`tokens`) expire now."""
        return self._call("POST", f"/_opending/tokens/{_seg(token_id)}/expire")

    def requests(self, **filters: Any) -> List[Dict[str, Any]]:
        """The request journal, newest last; filters: ``method``, ``pathPrefix``, ``route``,
        ``status``, ``clientId``, ``since``, ``limit``."""
        return self._call("GET", "/_opending/requests" + _query(filters))

    def request_counts(self) -> Any:
        """Requests per (method, route) since start or the last :meth:`clear_requests`."""
        return self._call("GET", "/_opending/requests/counts")

    def clear_requests(self) -> None:
        """Clears the journal and its counters."""
        self._call("DELETE", "/_opending/requests")

    def clock(self) -> Dict[str, Any]:
        """``{"now", "offsetSeconds"}``."""
        return self._call("GET", "/_opending/clock")

    def advance_clock(self, seconds: int) -> Dict[str, Any]:
        """Moves the server's clock forward (tokens and codes expire by it)."""
        return self._call("POST", "/_opending/clock", {"advanceSeconds": int(seconds)})

    def raise_event(self, event_type: str, *, corp_id: Optional[str] = None,
                    client_id: Optional[str] = None, data: Optional[Mapping[str, Any]] = None
                    ) -> Dict[str, Any]:
        """Raises an event to every app that receives it (docs/events.md)."""
        body: Dict[str, Any] = {"eventType": event_type}
        if corp_id:
            body["corpId"] = corp_id
        if client_id:
            body["clientId"] = client_id
        if data is not None:
            body["data"] = dict(data)
        return self._call("POST", "/_opending/events", body)

    def events(self, **filters: Any) -> Any:
        """Events with their delivery attempts; filters: ``clientId``, ``eventType``, ``state``,
        ``since``, ``limit``."""
        return self._call("GET", "/_opending/events" + _query(filters))

    def add_fault(self, rule: Mapping[str, Any]) -> Dict[str, Any]:
        """Adds a fault-injection rule (docs/emulator.md); answers it with its ``id``."""
        return self._call("POST", "/_opending/faults", dict(rule))

    def clear_faults(self) -> None:
        """Removes every fault rule."""
        self._call("DELETE", "/_opending/faults")

    # ------------------------------------------------------------------ plumbing

    def _call(self, method: str, path: str, body: Any = None, *, raw: Optional[bytes] = None,
              content_type: str = "application/json") -> Any:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                text = r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            try:
                decoded = json.loads(text)
            except ValueError:
                decoded = text
            raise EmulatorError(f"{method} {path}: HTTP {e.code}: {text[:500]}", e.code, decoded) from None
        return json.loads(text) if text else None


def _run(cmd: Sequence[str]) -> str:
    p = subprocess.run(list(cmd), capture_output=True, text=True)
    if p.returncode != 0:
        raise EmulatorError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()[:2000]}")
    return p.stdout


def _seg(s: str) -> str:
    return urllib.parse.quote(s, safe="")


def _query(filters: Mapping[str, Any]) -> str:
    items = {k: v for k, v in filters.items() if v is not None}
    return ("?" + urllib.parse.urlencode(items)) if items else ""


def _seed_text(seed: SeedInput) -> str:
    if isinstance(seed, Mapping):
        return json.dumps(seed)
    s = os.fspath(seed)
    if "\n" not in s and os.path.isfile(s):
        with open(s, encoding="utf-8") as f:
            return f.read()
    return s


def _write_seed(seed: SeedInput, tmpdir: str) -> str:
    path = os.path.join(tmpdir, "seed.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(_seed_text(seed))
    return path
