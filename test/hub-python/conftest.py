"""Fixtures for the hub's home-provisioning hooks (images/hub/platform_homes.py).

The helpers on the other end are the real scripts cloud-init installs (the files of
components/openstack/cloud-init/, written by render_helpers.ts into $JHP_HELPERS_DIR with the VM's
homes.env), served the way systemd's `Accept=yes` sockets serve them: one process per connection
with the connection as its stdin and stdout. Only the storage commands underneath (`btrfs`, `gluster`, `mountpoint`) are stubs
that log their arguments; btrfs qgroups and Gluster quotas themselves are exercised by
`npm run test:real`. The Kubernetes API is a small HTTP server speaking the PV endpoint, reached
through the real kubernetes_asyncio client.
"""

import json
import logging
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]
# The module under test: the copy baked into the hub image (/etc/jupyterhub) when run there.
sys.path.insert(0, os.environ.get("PLATFORM_HOMES_DIR", str(REPO / "images" / "hub")))


@pytest.fixture(scope="session")
def helpers_dir(tmp_path_factory):
    given = os.environ.get("JHP_HELPERS_DIR")
    if given:
        d = Path(given)
    else:
        d = tmp_path_factory.mktemp("helpers")
        subprocess.run(
            ["npx", "ts-node", "--transpile-only", str(REPO / "test/hub-python/render_helpers.ts"), str(d)],
            cwd=REPO,
            check=True,
        )
    for name in ("jhp-home-provision", "homes.env", "jhp-gluster-home", "pv-template.json", "doc-cas.json", "ca.pem"):
        assert (d / name).is_file(), f"{name} missing in {d} (run test/hub-python/run.sh)"
    return d


STUBS = {
    # Subvolumes are directories holding a marker; every call is logged.
    "btrfs": r"""#!/bin/bash
echo "btrfs $*" >>"$STUB_LOG"
case "$1 $2" in
"subvolume show") [ -f "$3/.stub-subvolume" ] ;;
"subvolume create") mkdir "$3" && touch "$3/.stub-subvolume" ;;
"qgroup limit")
    if [ -n "${STUB_FAIL:-}" ]; then echo "ERROR: quota rescan in progress" >&2; exit 1; fi
    [ -f "$4/.stub-subvolume" ] ;;
*) exit 1 ;;
esac
""",
    "gluster": r"""#!/bin/bash
echo "gluster $*" >>"$STUB_LOG"
if [ -n "${STUB_FAIL:-}" ]; then echo "quota command failed" >&2; exit 1; fi
""",
    # The admin mount is a plain directory here.
    "mountpoint": "#!/bin/sh\nexit 0\n",
    "mount": "#!/bin/sh\necho \"mount $*\" >>\"$STUB_LOG\"\nexit 1\n",
}


@pytest.fixture
def stub_env(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in STUBS.items():
        p = bin_dir / name
        p.write_text(text)
        p.chmod(0o755)
    log = tmp_path / "stub.log"
    log.touch()
    env = {
        "PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "STUB_LOG": str(log),
        "LANG": "C.UTF-8",
    }
    return SimpleNamespace(env=env, log=log, calls=lambda: log.read_text().splitlines())


class _PerConnection(socketserver.BaseRequestHandler):
    """systemd Accept=yes: the helper runs with the connection as stdin and stdout."""

    def handle(self):
        srv = self.server
        srv.connections += 1
        if srv.command is None:
            srv.respond(self.request)
            return
        with open(srv.stderr_path, "ab") as err:
            subprocess.run(
                srv.command,
                stdin=self.request.fileno(),
                stdout=self.request.fileno(),
                stderr=err,
                env=srv.env,
                timeout=30,
                check=False,
            )


class _Unix(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class _Tcp(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(server, command, env, stderr_path, respond=None):
    server.command = command
    server.env = env
    server.stderr_path = stderr_path
    server.respond = respond
    server.connections = 0
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    return server


@pytest.fixture
def unix_helper(tmp_path):
    """start(command=None, env=None, respond=None) -> server listening on tmp/run/homes.sock."""
    servers = []

    def start(command=None, env=None, respond=None):
        run_dir = tmp_path / "run"
        run_dir.mkdir(exist_ok=True)
        path = run_dir / "homes.sock"
        srv = _serve(_Unix(str(path), _PerConnection), command, env, tmp_path / "helper.err", respond)
        srv.path = str(path)
        servers.append(srv)
        return srv

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


@pytest.fixture
def tcp_helper(tmp_path):
    """start(command=None, env=None, respond=None) -> server on 127.0.0.1:<free port>."""
    servers = []

    def start(command=None, env=None, respond=None):
        srv = _serve(_Tcp(("127.0.0.1", 0), _PerConnection), command, env, tmp_path / "helper.err", respond)
        srv.port = srv.server_address[1]
        servers.append(srv)
        return srv

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _KubeApi(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self, status, answer):
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        # GET of a claim: the next of .claim_phases (the last one repeats).
        srv = self.server
        srv.requests.append((self.path, None))
        if "/persistentvolumeclaims/" not in self.path or not srv.claim_phases:
            status, answer = 404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404}
        else:
            phase = srv.claim_phases.pop(0) if len(srv.claim_phases) > 1 else srv.claim_phases[0]
            name = self.path.rsplit("/", 1)[1]
            status = 200
            answer = {
                "kind": "PersistentVolumeClaim",
                "apiVersion": "v1",
                "metadata": {"name": name},
                "spec": {},
                "status": {"phase": phase},
            }
        self._answer(status, answer)

    def do_POST(self):
        srv = self.server
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        srv.requests.append((self.path, body))
        if self.path != "/api/v1/persistentvolumes":
            status, answer = 404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404}
        elif srv.status == 201:
            status, answer = 201, body
        else:
            reasons = {409: "AlreadyExists", 403: "Forbidden"}
            status = srv.status
            answer = {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "reason": reasons.get(status, "InternalError"),
                "message": f"persistentvolumes {body.get('metadata', {}).get('name')!r}: {reasons.get(status)}",
                "code": status,
            }
        self._answer(status, answer)


@pytest.fixture
def kube_api():
    """A Kubernetes API stand-in: POST /api/v1/persistentvolumes (.status picks the answer) and
    GET of a claim (.claim_phases gives its phases in turn)."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _KubeApi)
    srv.requests = []
    srv.status = 201
    srv.claim_phases = []
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def core_v1(kube_api):
    """A real kubernetes_asyncio CoreV1Api pointed at kube_api (what KubeSpawner's spawner.api is)."""
    from kubernetes_asyncio import client

    cfg = client.Configuration()
    cfg.host = f"http://127.0.0.1:{kube_api.server_address[1]}"
    holder = {}

    def make():
        holder["client"] = client.ApiClient(cfg)
        return client.CoreV1Api(holder["client"])

    return SimpleNamespace(make=make, holder=holder)


def fake_spawner(name, **extra):
    return SimpleNamespace(user=SimpleNamespace(name=name), log=logging.getLogger("test-spawner"), **extra)


@pytest.fixture
def spawner():
    return fake_spawner


@pytest.fixture
def tool_copy(tmp_path):
    """Copy a rendered helper into tmp (the env overrides point it at tmp paths)."""

    def copy(src):
        dst = tmp_path / Path(src).name
        shutil.copy(src, dst)
        dst.chmod(0o755)
        return str(dst)

    return copy


@pytest.fixture
def vm(tmp_path, stub_env, helpers_dir, tool_copy, unix_helper):
    """The VM's btrfs helper, socket-activated, with homes under tmp and a 123456-byte quota."""
    homes = tmp_path / "homes"
    homes.mkdir()
    env = dict(
        stub_env.env,
        JHP_HOMES_ENV=str(helpers_dir / "homes.env"),
        JHP_HOMES_ROOT=str(homes),
        JHP_HOME_QUOTA="123456",
        JHP_HOME_OWNER=f"{os.getuid()}:{os.getgid()}",
    )
    script = tool_copy(helpers_dir / "jhp-home-provision")

    def start(**extra):
        return unix_helper([script, "--stdin"], dict(env, **extra))

    return SimpleNamespace(homes=homes, start=start, stub=stub_env)


@pytest.fixture
def gluster(tmp_path, stub_env, helpers_dir, tool_copy, tcp_helper):
    """A storage node's helper on 127.0.0.1 with token `s3cret`, and the hub's mounted ConfigMap."""
    admin = tmp_path / "admin-mount"
    admin.mkdir()
    env_file = tmp_path / "gluster.env"
    env_file.write_text(
        "VOLUME=homes\nPEERS=127.0.0.1\nBRICK_DIR=/unused\nREPLICA=1\nQUOTA_BYTES=524288000\n"
        f"ADMIN_MOUNT={admin}\nOWNER={os.getuid()}:{os.getgid()}\n"
    )
    token_file = tmp_path / "node-token"
    token_file.write_text("s3cret\n")
    env = dict(stub_env.env, JHP_GLUSTER_ENV=str(env_file), JHP_HOMES_TOKEN=str(token_file))
    srv = tcp_helper([tool_copy(helpers_dir / "jhp-gluster-home"), "--stdin"], env)

    config_dir = tmp_path / "homes-provisioner"  # the ConfigMap mount: one file per key
    config_dir.mkdir()
    (config_dir / "helperHosts").write_text("127.0.0.1")
    (config_dir / "helperPort").write_text(str(srv.port))
    (config_dir / "pv-template.json").write_text((helpers_dir / "pv-template.json").read_text())
    hub_token = tmp_path / "hub-token"  # the Secret mount's `token`
    hub_token.write_text("s3cret")
    return SimpleNamespace(admin=admin, srv=srv, config=config_dir, token=hub_token, stub=stub_env)
