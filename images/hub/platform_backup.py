"""Backups, restores and per-user storage operations of jupyterhub-platform (restic).

Baked into the hub image next to jupyterhub_config.py. It runs as the backup container of a
Docker hub (`serve`: a scheduler loop) and as the one-shot containers it starts; the operator's
commands (npm run backup / restore / user) reach it with `docker exec`.

    serve                       run a backup whenever backup.schedule matches (UTC minutes)
    run                         one backup now: hub database, every home, then forget --prune
    status                      the status file as JSON
    snapshots [--user U|--hub-db]
    restore-home --user U [--snapshot ID]
    restore-db [--snapshot ID]
    reset-home --user U         snapshot the home, then remove it (the next start re-seeds it)
    delete-home --user U        remove the home and forget the user's snapshots

What to do comes from a JSON document ($PLATFORM_BACKUP_CONFIG, rendered by
components/backup/render.ts; never a secret) and restic's own environment (RESTIC_REPOSITORY,
RESTIC_PASSWORD, AWS_*, OS_*), plus PLATFORM_BACKUP_TOKEN (the hub service token) and, with an
external hub database, PLATFORM_DB_URL.

Why one-shot containers: a container's mounts are fixed when it is created, and homes are
volumes (or VM directories) made later by DockerSpawner. So each home is read by a container
created for it, mounting that home read-only, running as root with every capability dropped
except DAC_READ_SEARCH (read any file, write nothing it does not own), no-new-privileges.
Restores add CHOWN, DAC_OVERRIDE and FOWNER to write the files back with their owners. Never
privileged.
"""

import argparse
import datetime as dt
import fcntl
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

CONFIG_PATH = os.environ.get("PLATFORM_BACKUP_CONFIG", "/etc/jupyterhub/platform/backup.json")
#: Where a home is mounted in a one-shot container; it is also the path restic records.
HOME_MOUNT = "/home-data"
HUB_DATA_MOUNT = "/hub-data"
#: The hub database snapshot's directory (a tmpfs in the one-shot container); restic's path.
DB_SNAPSHOT_DIR = "/hub-db-snapshot"
READ_CAPS = ["DAC_READ_SEARCH"]
WRITE_CAPS = ["CHOWN", "DAC_OVERRIDE", "FOWNER"]
#: Environment a one-shot container gets: restic's, the database URL (dumps).
PASS_ENV_PREFIXES = ("RESTIC_", "AWS_", "OS_", "ST_")
PASS_ENV = ("PLATFORM_DB_URL",)
ONESHOT_TIMEOUT = int(os.environ.get("PLATFORM_BACKUP_ONESHOT_TIMEOUT", "3600"))


class BackupError(RuntimeError):
    """A backup, restore or storage operation failed; the message says what and where."""


# ── cron ────────────────────────────────────────────────────────────────────────────────────
# The same grammar as config/cron.ts (the program validates it before deploying).
_CRON_FIELDS = [("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7)]


def _cron_field(text, name, lo_limit, hi_limit):
    values = set()
    for part in text.split(","):
        step = 1
        stepped = "/" in part
        if stepped:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) < 1:
                raise ValueError(f"{name}: bad step in {text!r}")
            step = int(step_text)
        if part == "*":
            lo, hi = lo_limit, hi_limit
        elif "-" in part:
            a, b = part.split("-", 1)
            if not (a.isdigit() and b.isdigit()):
                raise ValueError(f"{name}: bad range in {text!r}")
            lo, hi = int(a), int(b)
        elif part.isdigit():
            lo = int(part)
            hi = hi_limit if stepped else lo
        else:
            raise ValueError(f"{name}: {part!r} is not a number, * or a range")
        if lo < lo_limit or hi > hi_limit or lo > hi:
            raise ValueError(f"{name}: {text!r} is outside {lo_limit}-{hi_limit}")
        values.update(range(lo, hi + 1, step))
    return values


class Cron:
    """A five-field cron expression, matched against UTC minutes."""

    def __init__(self, expression):
        fields = expression.split()
        if len(fields) != 5:
            raise ValueError(f"{expression!r}: a cron expression has 5 fields")
        sets = [_cron_field(f, *spec) for f, spec in zip(fields, _CRON_FIELDS)]
        self.minutes, self.hours, self.days, self.months = sets[:4]
        self.weekdays = {d % 7 for d in sets[4]}
        self.day_restricted = fields[2] != "*"
        self.weekday_restricted = fields[4] != "*"

    def matches(self, t):
        if t.minute not in self.minutes or t.hour not in self.hours or t.month not in self.months:
            return False
        dom = t.day in self.days
        dow = (t.isoweekday() % 7) in self.weekdays  # Sunday 0
        if self.day_restricted and self.weekday_restricted:
            return dom or dow
        return (dom or not self.day_restricted) and (dow or not self.weekday_restricted)


# ── status (the hub's admin banner reads it) ─────────────────────────────────────────────────


def utcnow():
    return dt.datetime.now(dt.timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def read_status(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_status(path, status):
    """Atomically: the hub may read it at any moment."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(status, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.chmod(tmp, 0o644)
    os.replace(tmp, p)


def status_warning(status, now=None, max_age=None):
    """The admin banner's text, or "" when the last backup succeeded recently enough."""
    now = now or utcnow()
    if status is None:
        return "No backup status has been written: the backup runner is not running."
    max_age = max_age or status.get("maxAgeSeconds") or 2 * 86400
    if status.get("ok") is False:
        when = status.get("lastAttempt", "?")
        return f"The last backup ({when}) failed: {status.get('error') or 'unknown error'}"
    last = status.get("lastSuccess") or status.get("startedAt")
    if last is None:
        return ""
    age = (now - parse_iso(last)).total_seconds()
    if age > max_age:
        what = "The last successful backup" if status.get("lastSuccess") else "No backup has succeeded since the runner started; it"
        return f"{what} was {age / 3600:.1f} hours ago, longer than twice the schedule ({max_age / 3600:.1f} h)."
    return ""


# ── restic ──────────────────────────────────────────────────────────────────────────────────


def restic(args, check=True, capture=True, cwd=None):
    """Run restic with the repository from the environment; raise BackupError on failure."""
    cmd = ["restic", "--no-cache", *args]
    proc = subprocess.run(cmd, capture_output=capture, text=True, cwd=cwd, timeout=ONESHOT_TIMEOUT)
    if check and proc.returncode != 0:
        raise BackupError(f"restic {args[0]} failed ({proc.returncode}): {(proc.stderr or '').strip()[-800:]}")
    return proc


def ensure_repository():
    """`restic init` once: a repository that answers `cat config` exists."""
    probe = restic(["cat", "config"], check=False)
    if probe.returncode == 0:
        return False
    restic(["init"])
    return True


def snapshots(tags, host=None):
    args = ["snapshots", "--json"]
    for t in tags:
        args += ["--tag", t]
    if host:
        args += ["--host", host]
    out = restic(args).stdout
    return sorted(json.loads(out or "[]"), key=lambda s: s["time"])


def forget_args(keep, host):
    """`restic forget --prune` per home and for the database: each has its own history."""
    args = ["forget", "--prune", "--group-by", "host,tags", "--host", host]
    for name in ("daily", "weekly", "monthly"):
        if keep.get(name):
            args += [f"--keep-{name}", str(keep[name])]
    return args


def restic_environment(environ=None):
    environ = os.environ if environ is None else environ
    return {k: v for k, v in environ.items() if k.startswith(PASS_ENV_PREFIXES) or k in PASS_ENV}


def user_tag(escaped):
    return f"user={escaped}"


# ── the hub database ────────────────────────────────────────────────────────────────────────


def sqlite_snapshot(source, target):
    """A consistent copy of a live sqlite database: the online backup API from a read-only
    open (never a file copy, which can catch a half-written page), then an integrity check."""
    if not Path(source).is_file():
        raise BackupError(f"no hub database at {source}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        result = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"integrity check of the database snapshot failed: {result}")
    finally:
        dst.close()
        src.close()
    return target


def dump_command(url):
    """pg_dump / mysqldump for an external hub database URL (SQLAlchemy form)."""
    u = urllib.parse.urlsplit(url)
    scheme = u.scheme.split("+", 1)[0]
    if scheme in ("postgresql", "postgres"):
        plain = urllib.parse.urlunsplit(("postgresql", u.netloc, u.path, u.query, ""))
        return ["pg_dump", "--no-owner", "--clean", "--if-exists", "--dbname", plain], "hub-db.sql"
    if scheme in ("mysql", "mariadb"):
        args = ["mysqldump", "--single-transaction", "--routines", "-h", u.hostname or "localhost"]
        if u.port:
            args += ["-P", str(u.port)]
        if u.username:
            args += ["-u", urllib.parse.unquote(u.username)]
        return args + [u.path.lstrip("/")], "hub-db.sql"
    raise BackupError(f"cannot dump a {scheme} database")


# ── the hub API (service token) ─────────────────────────────────────────────────────────────


class Hub:
    def __init__(self, api_url, token, timeout=15):
        self.api = api_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.api + path, data=data, method=method)
        req.add_header("Authorization", f"token {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                raw = res.read()
                return res.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            return e.code, None

    def user(self, name):
        status, model = self.request("GET", f"/users/{urllib.parse.quote(name, safe='')}")
        if status == 404:
            return None
        if status != 200:
            raise BackupError(f"hub API: GET user {name}: HTTP {status}")
        return model

    def running(self, name):
        model = self.user(name)
        return bool(model and model.get("servers"))

    def stop_server(self, name, timeout=120):
        """Stop the user's default server and wait until the hub reports none."""
        quoted = urllib.parse.quote(name, safe="")
        status, _ = self.request("DELETE", f"/users/{quoted}/server")
        if status not in (202, 204, 400, 404):
            raise BackupError(f"hub API: stop the server of {name}: HTTP {status}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running(name):
                return
            time.sleep(1)
        raise BackupError(f"the server of {name} did not stop within {timeout}s")


# ── Docker: one-shot containers through the Docker API ──────────────────────────────────────


def docker_escape(name):
    """DockerSpawner's {username}: the name in its volume and container templates."""
    import string

    from escapism import escape

    return escape(name, set(string.ascii_lowercase + string.digits), escape_char="-").lower()


class DockerTarget:
    """Homes and the hub database on one Docker engine (local, docker-vm)."""

    def __init__(self, cfg, client=None):
        self.cfg = cfg
        self.d = cfg["docker"]
        if client is None:
            import docker

            client = docker.from_env(timeout=120)
        self.client = client

    # names
    def home_volume(self, escaped):
        return self.d["userVolumePrefix"] + escaped

    def user_container(self, escaped):
        return f"{self.d['userContainerPrefix']}-{escaped}"

    def home_mount(self, escaped, read_only):
        """The mount of a user's home: the named volume, or the VM's directory (hostHomes)."""
        from docker.types import Mount

        if self.d.get("homesRoot"):
            return Mount(HOME_MOUNT, f"{self.d['homesRoot'].rstrip('/')}/{escaped}", type="bind", read_only=read_only)
        return Mount(HOME_MOUNT, self.home_volume(escaped), type="volume", read_only=read_only)

    def repo_mounts(self):
        from docker.types import Mount

        repo = self.d.get("repositoryMount")
        if not repo:
            return []
        return [Mount(repo["target"], repo["source"], type=repo["type"], read_only=False)]

    def homes(self):
        """Escaped names of every home of this stack."""
        root = self.d.get("homesRoot")
        if root:
            # The VM's homes directory is mounted read-only into this container at the same path.
            return sorted(p.name for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith("."))
        prefix = self.d["userVolumePrefix"]
        names = [v.name for v in self.client.volumes.list(filters={"name": prefix})]
        return sorted(n[len(prefix) :] for n in names if n.startswith(prefix))

    def home_exists(self, escaped):
        if self.d.get("homesRoot"):
            return Path(self.d["homesRoot"], escaped).is_dir()
        import docker

        try:
            self.client.volumes.get(self.home_volume(escaped))
            return True
        except docker.errors.NotFound:
            return False

    def server_container_exists(self, escaped):
        import docker

        try:
            self.client.containers.get(self.user_container(escaped))
            return True
        except docker.errors.NotFound:
            return False

    def oneshot(self, role, command, mounts, caps, tmpfs=None, timeout=ONESHOT_TIMEOUT):
        """Run `command` in a new container of this image; return its output, raise on failure."""
        name = f"{self.d['containerPrefix']}-{role}-{os.getpid()}-{int(time.time())}"
        labels = dict(self.d.get("labels") or {})
        container = self.client.containers.create(
            self.d["image"],
            command=command,
            entrypoint=[],
            name=name,
            user="0:0",
            cap_drop=["ALL"],
            cap_add=caps,
            security_opt=["no-new-privileges"],
            environment=restic_environment(),
            mounts=[*mounts, *self.repo_mounts()],
            tmpfs=tmpfs or {},
            network=self.d["network"],
            labels=labels,
            working_dir="/",
            detach=True,
        )
        try:
            container.start()
            result = container.wait(timeout=timeout)
            logs = container.logs().decode("utf-8", "replace")
        finally:
            container.remove(force=True)
        if result.get("StatusCode") != 0:
            raise BackupError(f"{role}: exit {result.get('StatusCode')}: {logs.strip()[-1200:]}")
        return logs

    def _self(self, *args):
        return ["python3", "/etc/jupyterhub/platform_backup.py", *args]

    # backups
    def backup_home(self, escaped, host, extra_tags=()):
        tags = ["home", user_tag(escaped), *extra_tags]
        return self.oneshot(
            f"backup-{escaped}",
            self._self("_inner-backup-path", HOME_MOUNT, "--host", host, *[a for t in tags for a in ("--tag", t)]),
            [self.home_mount(escaped, read_only=True)],
            READ_CAPS,
        )

    def backup_db(self, host):
        from docker.types import Mount

        if self.cfg.get("db", {}).get("type") == "external":
            return self.oneshot("backup-db", self._self("_inner-dump-db", "--host", host), [], READ_CAPS, tmpfs={DB_SNAPSHOT_DIR: ""})
        return self.oneshot(
            "backup-db",
            self._self("_inner-sqlite", f"{HUB_DATA_MOUNT}/{self.cfg['db']['sqliteFile']}", "--host", host),
            [Mount(HUB_DATA_MOUNT, self.d["hubDataVolume"], type="volume", read_only=True)],
            READ_CAPS,
            tmpfs={DB_SNAPSHOT_DIR: ""},
        )

    # restores
    def ensure_home(self, escaped):
        """docker-vm: the VM's helper makes the subvolume and its quota; a volume is made by mounting it."""
        if self.d.get("homesSocket"):
            helper_call(self.d["homesSocket"], escaped, f"ok {escaped}")

    def restore_home(self, escaped, snapshot_id):
        self.ensure_home(escaped)
        return self.oneshot(
            f"restore-{escaped}",
            self._self("_inner-restore-path", snapshot_id, HOME_MOUNT),
            [self.home_mount(escaped, read_only=False)],
            WRITE_CAPS,
            tmpfs={"/tmp": ""},
        )

    def restore_db(self, snapshot_id):
        from docker.types import Mount

        if self.cfg.get("db", {}).get("type") == "external":
            return self.oneshot("restore-db", self._self("_inner-load-db", snapshot_id), [], READ_CAPS, tmpfs={"/tmp": ""})
        volume = self.d["hubDataVolume"]
        import docker

        try:
            self.client.volumes.get(volume)
        except docker.errors.NotFound:
            # The same name and labels Pulumi gave it, so the stack's hub mounts it again.
            self.client.volumes.create(volume, labels=self.d.get("hubDataLabels") or {})
        return self.oneshot(
            "restore-db",
            self._self("_inner-restore-sqlite", snapshot_id, f"{HUB_DATA_MOUNT}/{self.cfg['db']['sqliteFile']}", str(self.cfg["db"]["owner"])),
            [Mount(HUB_DATA_MOUNT, volume, type="volume", read_only=False)],
            WRITE_CAPS,
            tmpfs={"/tmp": ""},
        )

    def hub_container(self):
        import docker

        try:
            return self.client.containers.get(self.d["hubContainer"])
        except docker.errors.NotFound:
            return None

    def stop_hub(self):
        """Stop the hub container; returns what start_hub needs, None when there is no hub."""
        hub = self.hub_container()
        if hub is not None and hub.status == "running":
            hub.stop(timeout=30)
        return hub

    def start_hub(self, hub):
        hub.start()

    def publish_status(self, status):
        """Docker: the status file in the volume the hub mounts is all there is."""

    # user storage
    def remove_home(self, escaped):
        if self.d.get("homesSocket"):
            helper_call(self.d["homesSocket"], f"delete {escaped}", f"deleted {escaped}")
            return
        import docker

        try:
            self.client.volumes.get(self.home_volume(escaped)).remove()
        except docker.errors.NotFound:
            pass


def helper_call(socket_path, line, expected, timeout=60):
    """One request to the docker-vm's root home helper (jhp-homes.socket): a line, an answer."""
    import socket as socketlib

    with socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(socket_path)
        s.sendall((line + "\n").encode())
        answer = s.makefile("r", encoding="utf-8").readline().rstrip("\r\n")
    if answer != expected:
        raise BackupError(f"home helper answered {answer!r} to {line!r}")
    return answer


# ── Kubernetes: per-claim Jobs through the Kubernetes API ───────────────────────────────────


def kube_job(k, role, slug_or_claim, command, caps, claim=None, read_only=True, mount=HOME_MOUNT):
    """A Job manifest for one home (or the hub database claim): the hub image, the claim mounted
    at `mount`, restic's Secret as environment, root with only `caps`, no privilege escalation."""
    name = f"{k['jobPrefix']}{role}-{slug_or_claim}"[:52].rstrip("-.") + f"-{int(time.time()) % 100000}"
    volumes, mounts = [], []
    if claim:
        volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": claim, "readOnly": read_only}})
        mounts.append({"name": "data", "mountPath": mount, "readOnly": read_only})
    if k.get("repositoryPvc"):
        volumes.append({"name": "repository", "persistentVolumeClaim": {"claimName": k["repositoryPvc"]}})
        mounts.append({"name": "repository", "mountPath": "/repo"})
    volumes.append({"name": "tmp", "emptyDir": {}})
    mounts.append({"name": "tmp", "mountPath": "/tmp"})
    labels = dict(k.get("labels") or {})
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": k["namespace"], "labels": labels},
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": ONESHOT_TIMEOUT,
            "ttlSecondsAfterFinished": 600,
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "restartPolicy": "Never",
                    "serviceAccountName": k["serviceAccount"],
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "nodeSelector": dict(k.get("nodeSelector") or {}),
                    "imagePullSecrets": [{"name": n} for n in k.get("imagePullSecrets") or []],
                    "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                    "volumes": volumes,
                    "containers": [
                        {
                            "name": "restic",
                            "image": k["image"],
                            "command": command,
                            "envFrom": [{"secretRef": {"name": k["secretName"]}}],
                            "volumeMounts": mounts,
                            "securityContext": {
                                "runAsUser": 0,
                                "runAsGroup": 0,
                                "allowPrivilegeEscalation": False,
                                "capabilities": {"drop": ["ALL"], "add": list(caps)},
                            },
                        }
                    ],
                },
            },
        },
    }


class KubeTarget:
    """Homes are the claims `claim-<slug>` in the hub's namespace (KubeSpawner); the runner is the
    CronJob's pod, which mounts the hub database claim read-only next to the hub."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.k = cfg["kubernetes"]
        self.ns = self.k["namespace"]

    def _api(self, fn):
        import asyncio

        from kubernetes_asyncio import client, config

        async def go():
            config.load_incluster_config()
            async with client.ApiClient() as api:
                return await fn(client, api)

        return asyncio.run(go())

    def homes(self):
        prefix = self.k["claimPrefix"]

        async def fn(client, api):
            claims = await client.CoreV1Api(api).list_namespaced_persistent_volume_claim(self.ns)
            return sorted(c.metadata.name[len(prefix) :] for c in claims.items if c.metadata.name.startswith(prefix))

        return self._api(fn)

    def _exists(self, kind, name):
        from kubernetes_asyncio.client.rest import ApiException

        async def fn(client, api):
            core = client.CoreV1Api(api)
            try:
                if kind == "pvc":
                    await core.read_namespaced_persistent_volume_claim(name, self.ns)
                else:
                    await core.read_namespaced_pod(name, self.ns)
                return True
            except ApiException as e:
                if e.status == 404:
                    return False
                raise

        return self._api(fn)

    def home_exists(self, slug):
        return self._exists("pvc", self.k["claimPrefix"] + slug)

    def server_container_exists(self, slug):
        return self._exists("pod", self.k["podPrefix"] + slug)

    def run_job(self, manifest, timeout=ONESHOT_TIMEOUT):
        """Create the Job, wait for it to succeed or fail, return its log, delete it."""
        name = manifest["metadata"]["name"]

        async def fn(client, api):
            import asyncio

            batch, core = client.BatchV1Api(api), client.CoreV1Api(api)
            await batch.create_namespaced_job(self.ns, manifest)
            try:
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    # The Job itself carries its status (jobs/status would need a right of its own).
                    job = await batch.read_namespaced_job(name, self.ns)
                    if job.status.succeeded or job.status.failed:
                        break
                    await asyncio.sleep(3)
                pods = await core.list_namespaced_pod(self.ns, label_selector=f"job-name={name}")
                log = ""
                for p in pods.items:
                    log += await core.read_namespaced_pod_log(p.metadata.name, self.ns)
                if not job.status.succeeded:
                    raise BackupError(f"job {name} did not succeed: {log.strip()[-1200:]}")
                return log
            finally:
                await batch.delete_namespaced_job(name, self.ns, propagation_policy="Background")

        return self._api(fn)

    def _self(self, *args):
        return ["python3", "/etc/jupyterhub/platform_backup.py", *args]

    def backup_home(self, slug, host, extra_tags=()):
        tags = ["home", user_tag(slug), *extra_tags]
        cmd = self._self("_inner-backup-path", HOME_MOUNT, "--host", host, *[a for t in tags for a in ("--tag", t)])
        # Pod Security baseline refuses DAC_READ_SEARCH: DAC_OVERRIDE on a read-only mount (backup.ts).
        caps = self.k.get("readCapabilities") or READ_CAPS
        return self.run_job(kube_job(self.k, "home", slug, cmd, caps, claim=self.k["claimPrefix"] + slug))

    def backup_db(self, host):
        # In this pod: the CronJob mounts the hub database claim read-only next to the hub.
        if self.cfg.get("db", {}).get("type") == "external":
            return inner_dump_db(host)
        return inner_sqlite(f"{self.k['hubDataMount']}/{self.cfg['db']['sqliteFile']}", host)

    def restore_home(self, slug, snapshot_id):
        if not self.home_exists(slug):
            raise BackupError(f"claim {self.k['claimPrefix']}{slug} is gone: start and stop the user's server once to re-create it, then restore")
        cmd = self._self("_inner-restore-path", snapshot_id, HOME_MOUNT)
        return self.run_job(kube_job(self.k, "restore", slug, cmd, WRITE_CAPS, claim=self.k["claimPrefix"] + slug, read_only=False))

    def _scale(self, replicas):
        async def fn(client, api):
            apps = client.AppsV1Api(api)
            scale = await apps.read_namespaced_deployment_scale(self.k["hubDeployment"], self.ns)
            before = scale.spec.replicas
            await apps.patch_namespaced_deployment_scale(self.k["hubDeployment"], self.ns, {"spec": {"replicas": replicas}})
            return before

        return self._api(fn)

    def stop_hub(self):
        before = self._scale(0)
        deadline = time.monotonic() + 300

        async def hub_pods(client, api):
            pods = await client.CoreV1Api(api).list_namespaced_pod(self.ns, label_selector="component=hub")
            return len(pods.items)

        while self._api(hub_pods) and time.monotonic() < deadline:
            time.sleep(3)
        return before or 1

    def start_hub(self, token):
        self._scale(token)

    def restore_db(self, snapshot_id):
        if self.cfg.get("db", {}).get("type") == "external":
            return inner_load_db(snapshot_id)
        cmd = self._self("_inner-restore-sqlite", snapshot_id, f"{HUB_DATA_MOUNT}/{self.cfg['db']['sqliteFile']}", str(self.cfg["db"]["owner"]))
        return self.run_job(kube_job(self.k, "restore", "hub-db", cmd, WRITE_CAPS, claim=self.k["hubDbPvc"], read_only=False, mount=HUB_DATA_MOUNT))

    def remove_home(self, slug):
        from kubernetes_asyncio.client.rest import ApiException

        async def fn(client, api):
            try:
                await client.CoreV1Api(api).delete_namespaced_persistent_volume_claim(self.k["claimPrefix"] + slug, self.ns)
            except ApiException as e:
                if e.status != 404:
                    raise

        self._api(fn)

    def publish_status(self, status):
        """The status as the ConfigMap the hub mounts (created on the first run)."""
        from kubernetes_asyncio.client.rest import ApiException

        body = {
            "metadata": {"name": self.k["statusConfigMap"], "namespace": self.ns, "labels": dict(self.k.get("labels") or {})},
            "data": {"status.json": json.dumps(status, indent=2, sort_keys=True) + "\n"},
        }

        async def fn(client, api):
            core = client.CoreV1Api(api)
            try:
                await core.replace_namespaced_config_map(self.k["statusConfigMap"], self.ns, body)
            except ApiException as e:
                if e.status != 404:
                    raise
                await core.create_namespaced_config_map(self.ns, body)

        self._api(fn)


# ── inner commands (run inside one-shot containers) ─────────────────────────────────────────


def inner_backup_path(path, host, tags):
    ensure_repository()
    args = ["backup", "--host", host]
    for t in tags:
        args += ["--tag", t]
    restic([*args, path])


def inner_sqlite(source, host):
    ensure_repository()
    Path(DB_SNAPSHOT_DIR).mkdir(exist_ok=True)
    target = Path(DB_SNAPSHOT_DIR) / Path(source).name
    sqlite_snapshot(source, str(target))
    restic(["backup", "--host", host, "--tag", "hub-db", DB_SNAPSHOT_DIR])


def inner_dump_db(host):
    ensure_repository()
    url = os.environ["PLATFORM_DB_URL"]
    cmd, filename = dump_command(url)
    env = dict(os.environ)
    u = urllib.parse.urlsplit(url)
    if u.password:
        env["PGPASSWORD" if cmd[0] == "pg_dump" else "MYSQL_PWD"] = urllib.parse.unquote(u.password)
    Path(DB_SNAPSHOT_DIR).mkdir(exist_ok=True)
    with open(Path(DB_SNAPSHOT_DIR) / filename, "wb") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, env=env, timeout=ONESHOT_TIMEOUT)
    if proc.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {proc.stderr.decode(errors='replace')[-800:]}")
    restic(["backup", "--host", host, "--tag", "hub-db", DB_SNAPSHOT_DIR])


def _empty_dir(path):
    for child in Path(path).iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def inner_restore_path(snapshot_id, path):
    """Replace the contents of `path` with the snapshot's (restic records the mount path)."""
    _empty_dir(path)
    restic(["restore", snapshot_id, "--target", "/", "--include", path])


def inner_restore_sqlite(snapshot_id, dest, owner):
    work = Path("/tmp/restore")
    restic(["restore", snapshot_id, "--target", str(work)])
    restored = work / DB_SNAPSHOT_DIR.lstrip("/") / Path(dest).name
    if not restored.is_file():
        raise BackupError(f"snapshot {snapshot_id} has no {Path(dest).name}")
    tmp = Path(dest).with_name(Path(dest).name + ".restoring")
    shutil.copyfile(restored, tmp)
    uid, _, gid = owner.partition(":")
    os.chown(tmp, int(uid), int(gid or uid))
    os.chmod(tmp, 0o600)
    for suffix in ("-journal", "-wal", "-shm"):
        Path(dest + suffix).unlink(missing_ok=True)
    os.replace(tmp, dest)
    os.chown(Path(dest).parent, int(uid), int(gid or uid))


def inner_load_db(snapshot_id):
    work = Path("/tmp/restore")
    restic(["restore", snapshot_id, "--target", str(work)])
    dump = work / DB_SNAPSHOT_DIR.lstrip("/") / "hub-db.sql"
    url = os.environ["PLATFORM_DB_URL"]
    u = urllib.parse.urlsplit(url)
    scheme = u.scheme.split("+", 1)[0]
    env = dict(os.environ)
    if scheme.startswith("postgres"):
        cmd = ["psql", "--set", "ON_ERROR_STOP=1", "--dbname", urllib.parse.urlunsplit(("postgresql", u.netloc, u.path, u.query, ""))]
        if u.password:
            env["PGPASSWORD"] = urllib.parse.unquote(u.password)
    else:
        cmd = ["mysql", "-h", u.hostname or "localhost", *(["-P", str(u.port)] if u.port else []), *(["-u", u.username] if u.username else []), u.path.lstrip("/")]
        if u.password:
            env["MYSQL_PWD"] = urllib.parse.unquote(u.password)
    with open(dump, "rb") as f:
        proc = subprocess.run(cmd, stdin=f, capture_output=True, env=env, timeout=ONESHOT_TIMEOUT)
    if proc.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {proc.stderr.decode(errors='replace')[-800:]}")


# ── operations ──────────────────────────────────────────────────────────────────────────────


class Runner:
    def __init__(self, cfg, target, hub=None, log=print):
        self.cfg = cfg
        self.target = target
        self.hub = hub
        self.log = log
        self.host = cfg["host"]

    def backup_all(self):
        """The hub database, then every home; then the retention policy. Raises on any failure
        after trying every home, so one broken home does not leave the others unsaved."""
        started = time.monotonic()
        ensure_repository()
        self.log("backing up the hub database")
        self.target.backup_db(self.host)
        failures = []
        homes = self.target.homes()
        for escaped in homes:
            self.log(f"backing up the home of {escaped}")
            try:
                self.target.backup_home(escaped, self.host)
            except BackupError as e:
                failures.append(f"{escaped}: {e}")
        restic(forget_args(self.cfg["keep"], self.host))
        if failures:
            raise BackupError(f"{len(failures)} of {len(homes)} homes failed: " + "; ".join(failures))
        return {"homes": len(homes), "durationSeconds": round(time.monotonic() - started, 1)}

    def latest(self, tags):
        found = snapshots(tags, host=self.host)
        if not found:
            raise BackupError(f"no snapshot tagged {', '.join(tags)}")
        return found[-1]["id"]

    def _refuse_if_running(self, user, escaped):
        if self.hub is not None and self.hub.running(user):
            raise BackupError(f"the server of {user} is running; stop it first (or use restore, which stops it)")
        if self.target.server_container_exists(escaped):
            raise BackupError(f"the container of {user} exists; stop the server first")

    def restore_home(self, user, snapshot_id=None):
        escaped = self.escape(user)
        snapshot_id = snapshot_id or self.latest([user_tag(escaped)])
        if self.hub is not None:
            self.log(f"stopping the server of {user} through the hub API")
            self.hub.stop_server(user)
        if self.target.server_container_exists(escaped):
            raise BackupError(f"the container of {user} is still there after the server stopped")
        if self.target.home_exists(escaped):
            self.log(f"snapshot of the current home of {escaped} first (tag pre-restore)")
            self.target.backup_home(escaped, self.host, extra_tags=["pre-restore"])
        self.log(f"restoring snapshot {snapshot_id} into the home of {escaped}")
        self.target.restore_home(escaped, snapshot_id)
        return snapshot_id

    def restore_db(self, snapshot_id=None):
        snapshot_id = snapshot_id or self.latest(["hub-db"])
        self.log("stopping the hub")
        hub = self.target.stop_hub()
        try:
            self.log(f"restoring the hub database from snapshot {snapshot_id}")
            self.target.restore_db(snapshot_id)
        finally:
            if hub is not None:
                self.log("starting the hub")
                self.target.start_hub(hub)
        if hub is None:
            self.log("the hub container does not exist: run `pulumi up --refresh` to recreate it")
        return snapshot_id

    def reset_home(self, user):
        escaped = self.escape(user)
        self._refuse_if_running(user, escaped)
        if not self.target.home_exists(escaped):
            raise BackupError(f"{user} has no home to reset")
        self.log(f"snapshot of the home of {escaped} before the reset (tag reset)")
        self.target.backup_home(escaped, self.host, extra_tags=["reset"])
        snap = self.latest([user_tag(escaped), "reset"])
        self.target.remove_home(escaped)
        self.log(f"removed the home of {escaped}; the next start seeds it from the template")
        return snap

    def delete_home(self, user):
        escaped = self.escape(user)
        self._refuse_if_running(user, escaped)
        self.target.remove_home(escaped)
        ensure_repository()
        ids = [s["id"] for s in snapshots([user_tag(escaped)], host=self.host)]
        if ids:
            restic(["forget", "--prune", *ids])
        self.log(f"deleted the home of {escaped} and its snapshots")

    def escape(self, user):
        if self.cfg["platform"] == "docker":
            return docker_escape(user)
        from kubespawner.slugs import safe_slug

        # KubeSpawner's {username} in claim-{username} (its default slug scheme).
        return safe_slug(user, max_length=48)


def record(status_path, cfg, fn, publish=None):
    """Run one backup, write the outcome to the status file (and `publish` it: the ConfigMap the
    hub mounts on Kubernetes); return the exit status."""
    status = read_status(status_path) or {}
    now = utcnow()
    status.update({"lastAttempt": iso(now), "maxAgeSeconds": cfg["maxAgeSeconds"], "schedule": cfg["schedule"]})
    try:
        result = fn()
    except Exception as e:  # noqa: BLE001 -- every failure must reach the status file
        status.update({"ok": False, "error": str(e)[:2000]})
        write_status(status_path, status)
        if publish:
            publish(status)
        print(f"backup FAILED: {e}", file=sys.stderr)
        return 1
    status.update({"ok": True, "error": None, "lastSuccess": iso(utcnow()), **result})
    write_status(status_path, status)
    if publish:
        publish(status)
    print(f"backup ok: {json.dumps(result)}")
    return 0


class _Lock:
    """One operation at a time per stack (a scheduled run and an operator's command)."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.f = open(self.path, "w")
        deadline = time.monotonic() + 3600
        while True:
            try:
                fcntl.flock(self.f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise BackupError("another backup operation holds the lock for an hour") from None
                time.sleep(2)

    def __exit__(self, *exc):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


def load_config(path=CONFIG_PATH):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def make_runner(cfg):
    token = os.environ.get("PLATFORM_BACKUP_TOKEN")
    hub = Hub(cfg["hubApiUrl"], token) if token else None
    target = KubeTarget(cfg) if cfg["platform"] == "kubernetes" else DockerTarget(cfg)
    return Runner(cfg, target, hub)


def serve(cfg):
    cron = Cron(cfg["schedule"])
    status_path = cfg["statusFile"]
    status = read_status(status_path) or {}
    status.update({"startedAt": iso(utcnow()), "maxAgeSeconds": cfg["maxAgeSeconds"], "schedule": cfg["schedule"]})
    write_status(status_path, status)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    last = None
    print(f"backup runner: schedule {cfg['schedule']!r} (UTC), repository {os.environ.get('RESTIC_REPOSITORY')}", flush=True)
    while not stop:
        minute = utcnow().replace(second=0, microsecond=0)
        if minute != last and cron.matches(minute):
            last = minute
            with _Lock(cfg["lockFile"]):
                runner = make_runner(cfg)
                record(status_path, cfg, runner.backup_all, runner.target.publish_status)
        # Wake just after the next minute starts (or on SIGTERM within a second).
        for _ in range(int(61 - utcnow().second)):
            if stop:
                break
            time.sleep(1)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="platform_backup")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("serve")
    sub.add_parser("run")
    sub.add_parser("status")
    s = sub.add_parser("snapshots")
    s.add_argument("--user")
    s.add_argument("--hub-db", action="store_true")
    for name in ("restore-home", "reset-home", "delete-home"):
        s = sub.add_parser(name)
        s.add_argument("--user", required=True)
        if name == "restore-home":
            s.add_argument("--snapshot")
    s = sub.add_parser("restore-db")
    s.add_argument("--snapshot")
    s = sub.add_parser("_inner-backup-path")
    s.add_argument("path")
    s.add_argument("--host", required=True)
    s.add_argument("--tag", action="append", default=[])
    s = sub.add_parser("_inner-sqlite")
    s.add_argument("source")
    s.add_argument("--host", required=True)
    s = sub.add_parser("_inner-dump-db")
    s.add_argument("--host", required=True)
    s = sub.add_parser("_inner-restore-path")
    s.add_argument("snapshot")
    s.add_argument("path")
    s = sub.add_parser("_inner-restore-sqlite")
    s.add_argument("snapshot")
    s.add_argument("dest")
    s.add_argument("owner")
    s = sub.add_parser("_inner-load-db")
    s.add_argument("snapshot")
    a = p.parse_args(argv)

    try:
        if a.cmd == "_inner-backup-path":
            return inner_backup_path(a.path, a.host, a.tag) or 0
        if a.cmd == "_inner-sqlite":
            return inner_sqlite(a.source, a.host) or 0
        if a.cmd == "_inner-dump-db":
            return inner_dump_db(a.host) or 0
        if a.cmd == "_inner-restore-path":
            return inner_restore_path(a.snapshot, a.path) or 0
        if a.cmd == "_inner-restore-sqlite":
            return inner_restore_sqlite(a.snapshot, a.dest, a.owner) or 0
        if a.cmd == "_inner-load-db":
            return inner_load_db(a.snapshot) or 0

        cfg = load_config()
        if a.cmd == "serve":
            return serve(cfg)
        if a.cmd == "status":
            status = read_status(cfg["statusFile"])
            print(json.dumps({"status": status, "warning": status_warning(status) or None}, indent=2))
            return 0 if not status_warning(status) else 3
        with _Lock(cfg["lockFile"]):
            runner = make_runner(cfg)
            if a.cmd == "run":
                return record(cfg["statusFile"], cfg, runner.backup_all, runner.target.publish_status)
            if a.cmd == "snapshots":
                tags = ["hub-db"] if a.hub_db else [user_tag(runner.escape(a.user))] if a.user else []
                for snap in snapshots(tags, host=runner.host):
                    print(f"{snap['short_id']}  {snap['time'][:19]}  {','.join(snap.get('tags') or [])}  {' '.join(snap['paths'])}")
                return 0
            if a.cmd == "restore-home":
                print(f"restored {a.user} from {runner.restore_home(a.user, a.snapshot)}")
            elif a.cmd == "restore-db":
                print(f"restored the hub database from {runner.restore_db(a.snapshot)}")
            elif a.cmd == "reset-home":
                print(f"reset the home of {a.user}; its previous content is snapshot {runner.reset_home(a.user)}")
            elif a.cmd == "delete-home":
                runner.delete_home(a.user)
                print(f"deleted the home of {a.user} and its snapshots")
            return 0
    except BackupError as e:
        print(f"platform_backup: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
