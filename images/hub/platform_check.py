"""Which Python packages a hub config document needs, and which of them this hub image lacks.

The program mounts its jupyterhub_config.py into whichever hub image the stack names (the one it
builds from images/hub, or a prebuilt images.hub.image), so an image may lack what the config
needs: the spawner, the authenticator, the idle culler. jupyterhub_config.py calls
`missing_message(doc)` first and exits with it; the program runs this file on its own in the hub
image before starting the hub, so `pulumi up` stops with the same message:

    python3 platform_check.py /etc/jupyterhub/platform/config.json
    python3 - '{"spawner": "docker", ...}' < platform_check.py

Only `importlib.util.find_spec` is used: nothing is imported, so a check costs no start-up time.
"""

import importlib.util
import json
import sys

PREFIX = "jupyterhub_config"

# (module, PyPI package) per authenticator type of the document.
AUTHENTICATORS = {
    "native": ("nativeauthenticator", "jupyterhub-nativeauthenticator"),
    "github": ("oauthenticator", "oauthenticator"),
    "google": ("oauthenticator", "oauthenticator"),
    "generic-oauth": ("oauthenticator", "oauthenticator"),
    "cas": ("jhub_cas_authenticator", "jhub_cas_authenticator"),
    "ldap": ("ldapauthenticator", "jupyterhub-ldapauthenticator"),
}
SPAWNERS = {
    "docker": ("dockerspawner", "dockerspawner"),
    "kubernetes": ("kubespawner", "jupyterhub-kubespawner"),
}


def required_packages(doc):
    """[(module, package, why)] the document needs, in a stable order."""
    needed = [("jupyterhub", "jupyterhub", "the hub itself")]
    spawner = doc.get("spawner")
    if spawner in SPAWNERS:
        module, package = SPAWNERS[spawner]
        needed.append((module, package, f"spawner {spawner}"))
    auth_type = (doc.get("auth") or {}).get("type")
    if auth_type in AUTHENTICATORS:
        module, package = AUTHENTICATORS[auth_type]
        needed.append((module, package, f"hub.auth.type {auth_type}"))
    if (doc.get("cull") or {}).get("enabled"):
        needed.append(("jupyterhub_idle_culler", "jupyterhub-idle-culler", "hub.cull.enabled"))
    if spawner == "docker" and (doc.get("docker") or {}).get("homesSocket"):
        needed.append(("escapism", "escapism", "per-user homes on the Docker VM"))
    if spawner == "kubernetes" and (doc.get("kubernetes") or {}).get("homesProvisioner"):
        needed.append(("kubernetes_asyncio", "kubernetes_asyncio", "Gluster homes on Kubernetes"))
    return needed


def _has(module):
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing_message(doc, has=_has):
    """One line per missing package, or None when the image has everything the document needs."""
    lines = []
    for module, package, why in required_packages(doc):
        if not has(module):
            named = package if package == module else f"{package} (module {module})"
            lines.append(f"{PREFIX}: this hub image lacks the python package {named} (needed for {why})")
    return "\n".join(lines) or None


def main(argv):
    if len(argv) != 1:
        print("usage: platform_check.py CONFIG.json | '<document JSON>'", file=sys.stderr)
        return 2
    arg = argv[0]
    if arg.lstrip().startswith("{"):
        doc = json.loads(arg)
    else:
        with open(arg, encoding="utf-8") as f:
            doc = json.load(f)
    message = missing_message(doc)
    if message:
        print(message, file=sys.stderr)
        return 1
    print(f"{PREFIX}: the hub image has every package the config needs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
