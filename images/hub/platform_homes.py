"""Per-user home provisioning for the hub's pre-spawn hook (jupyterhub-platform).

Baked into the hub image next to jupyterhub_config.py, which imports it when the config document
asks for it. Two variants, one per topology with per-user quotas:

docker-vm (DockerSpawner, btrfs on the VM)
    The VM's socket-activated root helper `jhp-homes.socket` listens on
    /run/jupyterhub-homes/homes.sock (bind-mounted into the hub container). The hook sends the
    user's escaped name (DockerSpawner's `{username}`, i.e. `spawner.escaped_name`) and a newline,
    and the helper answers one line: `ok <name>` once /srv/homes/<name> is a btrfs subvolume with
    its qgroup limit, or `error <reason>`. DockerSpawner then bind-mounts /srv/homes/{username}.

kubernetes (KubeSpawner, GlusterFS directory quotas)
    Each storage node runs `jhp-gluster-home` behind TCP port 24100. The hook sends the shared
    token (Secret `homes-provisioner`, mounted as a file) and the user's slug (KubeSpawner's
    `{username}`), one per line, and expects `ok <slug>` once /<slug> exists in the Gluster
    volume with its quota. It then creates the user's PersistentVolume from the template in the
    ConfigMap `homes-provisioner` (mounted as a directory), pre-bound to the claim KubeSpawner
    will create; an existing PV (409 Conflict) is fine.

Any other outcome raises HomeProvisionError, which fails the spawn with a readable message:
a user never gets a server without a quota-limited home.
"""

import asyncio
import json
import os
import re
from pathlib import Path

DEFAULT_TIMEOUT = 30.0

# What both helpers accept (scripts.ts): letters, digits, '.', '_', '-', not starting with a symbol.
_HELPER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class HomeProvisionError(RuntimeError):
    """The user's home could not be provisioned: the spawn must not go on."""


def _check_name(name):
    if not _HELPER_NAME.match(name):
        raise HomeProvisionError(
            f"cannot provision a home for {name!r}: the home helpers accept only letters, digits, "
            "'.', '_' and '-', starting with a letter or digit"
        )


async def _exchange(open_connection, lines, expected, where, timeout):
    """Send `lines` (one per line), read one answer line, require exactly `expected`."""
    try:
        reader, writer = await asyncio.wait_for(open_connection(), timeout)
    except (OSError, asyncio.TimeoutError) as e:
        raise HomeProvisionError(f"home helper at {where} is unreachable: {e or type(e).__name__}") from e
    try:
        writer.write("".join(line + "\n" for line in lines).encode("utf-8"))
        await asyncio.wait_for(writer.drain(), timeout)
        raw = await asyncio.wait_for(reader.readline(), timeout)
    except (OSError, asyncio.TimeoutError) as e:
        raise HomeProvisionError(f"home helper at {where} did not answer: {e or type(e).__name__}") from e
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
    answer = raw.decode("utf-8", "replace").rstrip("\r\n")
    if answer != expected:
        raise HomeProvisionError(
            f"home helper at {where} answered {answer!r} instead of {expected!r}"
            if answer
            else f"home helper at {where} closed the connection without an answer"
        )
    return answer


# ── docker-vm ───────────────────────────────────────────────────────────────────────────────


def docker_escaped_name(spawner):
    """DockerSpawner's `{username}`: the name its volume and container templates use."""
    name = getattr(spawner, "escaped_name", None)
    if name:
        return name
    # Same as DockerSpawner._escape (escapism, safe a-z0-9, escape char '-', lower-cased).
    import string

    from escapism import escape

    return escape(spawner.user.name, set(string.ascii_lowercase + string.digits), escape_char="-").lower()


async def provision_docker_home(spawner, socket_path, timeout=DEFAULT_TIMEOUT):
    """Ask the VM's btrfs helper for the user's home; returns the escaped name."""
    name = docker_escaped_name(spawner)
    _check_name(name)
    await _exchange(
        lambda: asyncio.open_unix_connection(socket_path),
        [name],
        f"ok {name}",
        socket_path,
        timeout,
    )
    spawner.log.info("home of %s provisioned by %s", name, socket_path)
    return name


# ── kubernetes ──────────────────────────────────────────────────────────────────────────────


def kube_user_slug(spawner):
    """KubeSpawner's `{username}` (its slug scheme), as in claim-{username}."""
    expand = getattr(spawner, "_expand_user_properties", None)
    if expand is not None:
        return expand("{username}")
    from kubespawner.slugs import safe_slug

    return safe_slug(spawner.user.name, max_length=48)


def read_provisioner_config(config_dir):
    """The ConfigMap `homes-provisioner` mounted as a directory (one file per key)."""
    d = Path(config_dir)
    try:
        hosts = [h.strip() for h in (d / "helperHosts").read_text(encoding="utf-8").split(",") if h.strip()]
        port = int((d / "helperPort").read_text(encoding="utf-8").strip())
        template = json.loads((d / "pv-template.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise HomeProvisionError(f"the homes-provisioner config at {config_dir} is missing or invalid: {e}") from e
    if not hosts:
        raise HomeProvisionError(f"the homes-provisioner config at {config_dir} lists no helper host")
    return {"hosts": hosts, "port": port, "template": template}


def render_pv(template, slug, claim_name=None, namespace=None):
    """The template with every `{username}` replaced; the claimRef follows KubeSpawner's claim."""

    def sub(value):
        if isinstance(value, str):
            return value.replace("{username}", slug)
        if isinstance(value, list):
            return [sub(v) for v in value]
        if isinstance(value, dict):
            return {k: sub(v) for k, v in value.items()}
        return value

    pv = sub(template)
    claim_ref = pv.setdefault("spec", {}).setdefault("claimRef", {})
    if claim_name:
        claim_ref["name"] = claim_name
    if namespace:
        claim_ref["namespace"] = namespace
    return pv


async def call_gluster_helper(hosts, port, token, slug, timeout=DEFAULT_TIMEOUT):
    """Try each storage node in turn (any one can serve the shared volume)."""
    errors = []
    for host in hosts:
        try:
            await _exchange(
                lambda: asyncio.open_connection(host, port),
                [token, slug],
                f"ok {slug}",
                f"{host}:{port}",
                timeout,
            )
            return host
        except HomeProvisionError as e:
            errors.append(str(e))
    raise HomeProvisionError("no storage node provisioned the home: " + "; ".join(errors))


async def create_pv(api, pv):
    """Create the PersistentVolume; one that exists already (409) is the user's, from before."""
    from kubernetes_asyncio.client.rest import ApiException

    try:
        await api.create_persistent_volume(body=pv)
        return "created"
    except ApiException as e:
        if e.status == 409:
            return "exists"
        raise HomeProvisionError(
            f"cannot create PersistentVolume {pv.get('metadata', {}).get('name')}: {e.status} {e.reason}"
        ) from e


async def provision_kube_home(spawner, config_dir, token_file, api=None, timeout=DEFAULT_TIMEOUT):
    """Gluster directory + quota via the storage helper, then the user's PV. Returns the PV name."""
    slug = kube_user_slug(spawner)
    _check_name(slug)
    cfg = read_provisioner_config(config_dir)
    try:
        token = Path(token_file).read_text(encoding="utf-8").strip()
    except OSError as e:
        raise HomeProvisionError(f"the homes-provisioner token {token_file} is unreadable: {e}") from e
    if not token:
        raise HomeProvisionError(f"the homes-provisioner token {token_file} is empty")
    host = await call_gluster_helper(cfg["hosts"], cfg["port"], token, slug, timeout)
    pv = render_pv(cfg["template"], slug, getattr(spawner, "pvc_name", None), getattr(spawner, "namespace", None))
    outcome = await create_pv(api if api is not None else spawner.api, pv)
    spawner.log.info("home of %s provisioned by %s; PersistentVolume %s %s", slug, host, pv["metadata"]["name"], outcome)
    return pv["metadata"]["name"]


# How long a Gluster home's claim may take to bind to its pre-bound PersistentVolume (the PV
# controller binds it within seconds), and how often the hub looks.
CLAIM_BOUND_TIMEOUT = 120.0
CLAIM_BOUND_POLL = 0.5


async def wait_claim_bound(spawner, pod, api=None, timeout=CLAIM_BOUND_TIMEOUT, poll=CLAIM_BOUND_POLL):
    """KubeSpawner's modify_pod_hook for Gluster homes: the pod is created only once its claim is Bound.

    KubeSpawner creates the claim, then the pod, at once. The claim's class binds immediately
    (the hub pre-binds the user's PV), but while the PV controller has not bound it yet the
    scheduler finds "unbound immediate PersistentVolumeClaims" and parks the pod; on the local
    cluster (1.33) it was not retried when the claim bound, and the first start of a second user
    waited past its start timeout (e2e:k8s [15]). Waiting here costs the binding's few seconds.
    """
    api = api if api is not None else spawner.api
    name, namespace = spawner.pvc_name, spawner.namespace
    deadline = asyncio.get_running_loop().time() + timeout
    phase = None
    while True:
        try:
            claim = await api.read_namespaced_persistent_volume_claim(name=name, namespace=namespace)
            phase = claim.status.phase if claim.status else None
        except Exception as e:  # an API hiccup: look again until the deadline
            phase = f"unreadable ({e.__class__.__name__})"
        if phase == "Bound":
            return pod
        if asyncio.get_running_loop().time() >= deadline:
            raise HomeProvisionError(
                f"claim {namespace}/{name} is not Bound after {timeout:.0f} s (phase {phase}): "
                "check its PersistentVolume (kubectl get pv) and the hub's log"
            )
        await asyncio.sleep(poll)


# ── composition ─────────────────────────────────────────────────────────────────────────────


def chain_hooks(*hooks):
    """One pre_spawn_hook running the given ones in order (sync or async; None entries skipped)."""
    hooks = [h for h in hooks if h is not None]

    async def hook(spawner):
        for h in hooks:
            result = h(spawner)
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                await result

    return hook


def env_timeout(default=DEFAULT_TIMEOUT):
    try:
        return float(os.environ.get("PLATFORM_HOMES_TIMEOUT", default))
    except ValueError:
        return default
