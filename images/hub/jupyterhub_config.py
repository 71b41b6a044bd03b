"""One jupyterhub_config.py for every topology of jupyterhub-platform.

Everything deployment-specific comes from a JSON document the Pulumi program renders
(components/hub/hubDocument.ts) and hands to the hub read-only at $PLATFORM_CONFIG:
uploaded root-owned into the container on Docker, a ConfigMap mount on Kubernetes. The document
never holds a secret; secrets come from environment variables, or from files named by
`<NAME>_FILE` (Kubernetes / Docker secrets mounted as files):

    PLATFORM_COOKIE_SECRET     cookie signing secret (any string; used as bytes)
    CONFIGPROXY_AUTH_TOKEN     token shared with configurable-http-proxy
    PLATFORM_CRYPT_KEY         auth-state encryption; SHA-256 of it is the 32-byte key
    PLATFORM_DUMMY_PASSWORD    shared password of the dummy authenticator
    PLATFORM_OAUTH_CLIENT_SECRET  github / google / generic-oauth
    PLATFORM_LDAP_SEARCH_PASSWORD ldap with lookup_dn and a search user
    PLATFORM_DB_URL            external database URL (hub.dbUrl null in the document)
    PLATFORM_SERVICE_TOKENS    JSON object service name -> API token of hub.services (the
                               document lists the services and their scopes, never a token)
    PLATFORM_BACKUP_TOKEN      with backups on: the API token of the `platform-backup` service
    PLATFORM_HOMES_TOKEN_FILE  kubernetes with kubernetes.homesProvisioner: the storage nodes'
                               home-helper token (Secret homes-provisioner), re-read per spawn
    PLATFORM_DASK_GATEWAY_API_TOKEN  kubernetes with dask.enabled: the dask-gateway service's token

Topology-specific parts are small: `spawner` picks DockerSpawner (local, docker-vm) or
KubeSpawner (kubernetes); everything else is shared. Per-user homes with a quota (docker-vm:
`docker.homesSocket`; kubernetes: `kubernetes.homesProvisioner`) are provisioned by a
pre-spawn hook from platform_homes.py, installed next to this file.

This file, platform_homes.py, platform_spawn.py, platform_check.py and templates/ are mounted next to the document
by every deployment (uploads on Docker, the ConfigMap on Kubernetes), so any hub image with
JupyterHub and the packages the document needs works (images.hub.image); platform_check.py names
a missing package before anything else happens. The hub image built from images/hub also carries
copies in /etc/jupyterhub, for running it on its own.
"""

import hashlib
import json
import os
import shlex
import sys
from pathlib import Path

# platform_homes.py is installed next to this file (images/hub/Dockerfile); appended, so it can
# never shadow an installed module.
_CONFIG_DIR = os.path.dirname(os.path.abspath(globals().get("__file__") or "/etc/jupyterhub/jupyterhub_config.py"))
if _CONFIG_DIR not in sys.path:
    sys.path.append(_CONFIG_DIR)

import platform_check  # noqa: E402 -- next to this file, see above
import platform_proxy  # noqa: E402

SCHEMA_VERSION = 1
DOC_PATH = os.environ.get("PLATFORM_CONFIG", "/etc/jupyterhub/platform/config.json")


def load_document(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except FileNotFoundError:
        sys.exit(f"jupyterhub_config: config document {path} not found (set PLATFORM_CONFIG)")
    if doc.get("schemaVersion") != SCHEMA_VERSION:
        sys.exit(
            f"jupyterhub_config: {path} has schemaVersion {doc.get('schemaVersion')!r}, "
            f"this image understands {SCHEMA_VERSION}"
        )
    return doc


def secret(name, required=True):
    """A secret from $NAME_FILE (a mounted file) or $NAME; exits when required and missing."""
    file_path = os.environ.get(name + "_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    value = os.environ.get(name, "")
    if value:
        return value
    if required:
        sys.exit(f"jupyterhub_config: secret {name} is not set (environment {name} or {name}_FILE)")
    return None


c = get_config()  # noqa: F821 -- provided by JupyterHub when it loads this file
doc = load_document(DOC_PATH)
# Fail fast, naming the package, rather than with an ImportError deep in JupyterHub's start-up.
_missing = platform_check.missing_message(doc)
if _missing:
    sys.exit(_missing)
hub = doc["hub"]
su = doc["singleuser"]
auth = doc["auth"]

# ── hub process, proxy, database ─────────────────────────────────────────────────────────────
c.JupyterHub.hub_bind_url = hub["bindUrl"]
c.JupyterHub.hub_connect_url = hub["connectUrl"]
if hub.get("publicUrl"):
    c.JupyterHub.public_url = hub["publicUrl"]

# configurable-http-proxy runs in its own container / pod so a hub restart keeps user sessions;
# the hub only talks to its REST API.
c.ConfigurableHTTPProxy.should_start = False
c.ConfigurableHTTPProxy.api_url = doc["proxy"]["apiUrl"]
c.ConfigurableHTTPProxy.auth_token = secret("CONFIGPROXY_AUTH_TOKEN")
# A replaced or restarted proxy starts with an empty routing table; the hub re-adds every route
# on each activity sweep, so keep the sweep short.
c.JupyterHub.last_activity_interval = hub.get("lastActivityInterval", 60)
# Docker topologies: the hub knows its proxy's container (PLATFORM_PROXY_CONTAINER) and holds the
# engine's socket, so it re-adds every route the moment that container starts again instead of
# waiting for the sweep (images/hub/platform_proxy.py).
if doc["spawner"] == "docker" and os.environ.get("PLATFORM_PROXY_CONTAINER"):
    c.JupyterHub.proxy_class = platform_proxy.DockerWatchedProxy
    c.DockerWatchedProxy.container = os.environ["PLATFORM_PROXY_CONTAINER"]
# Kubernetes: no engine socket in the hub pod; a replaced proxy pod answers on the same Service, so
# the hub polls the proxy's table and re-adds every route when it finds it empty.
elif doc["spawner"] == "kubernetes":
    c.JupyterHub.proxy_class = platform_proxy.PolledProxy
# Servers outlive the hub process: restarting or replacing the hub must not stop them.
c.JupyterHub.cleanup_servers = False

c.JupyterHub.cookie_secret = secret("PLATFORM_COOKIE_SECRET").encode("utf-8")
# A random password of any alphabet becomes a valid 32-byte Fernet key through SHA-256.
c.CryptKeeper.keys = [hashlib.sha256(secret("PLATFORM_CRYPT_KEY").encode("utf-8")).digest()]

c.JupyterHub.db_url = hub.get("dbUrl") or secret("PLATFORM_DB_URL")
# sqlite: a newer JupyterHub in a new hub image finds an older schema and upgrades it at start
# instead of refusing to start (the Kubernetes hub also passes --upgrade-db, z2jh's default).
# JupyterHub's upgrade (dbutil.upgrade_if_needed, the code behind `jupyterhub upgrade-db`) first
# copies the file next to itself as jupyterhub.sqlite.<timestamp>, safe because the hub has not
# opened it yet. An external database is upgraded by its operator after `npm run backup` (its
# dump), since JupyterHub copies nothing there (README, Upgrades).
c.JupyterHub.upgrade_db = bool(hub.get("dbUrl"))  # non-null only for sqlite
c.JupyterHub.concurrent_spawn_limit = hub["concurrentSpawnLimit"]
c.JupyterHub.active_server_limit = hub["activeServerLimit"]
c.JupyterHub.log_level = hub.get("logLevel", "INFO")
# Log event-loop stalls from a quarter second (JupyterHub: 1 s), half the platform's 0.5 s target
# (docs/performance.md), so they show in the log before users feel them; `npm run bench` reads them.
c.PeriodicMetricsCollector.event_loop_interval_log_threshold = 0.25

# ── pages ────────────────────────────────────────────────────────────────────────────────────
templates = doc["templates"]
c.JupyterHub.template_paths = [os.path.join(_CONFIG_DIR, "templates")]
c.JupyterHub.template_vars = {"platform_title": templates["pageTitle"]}
if templates.get("logoFile"):
    c.JupyterHub.logo_file = templates["logoFile"]

# ── authentication ───────────────────────────────────────────────────────────────────────────
c.Authenticator.admin_users = set(hub["adminUsers"])
if hub["allowedUsers"]:
    c.Authenticator.allowed_users = set(hub["allowedUsers"])
# JupyterHub 5 admits nobody unless something allows them: with no allow-list configured, the
# platform's documented meaning is "anyone the authenticator accepts".
c.Authenticator.allow_all = not hub["allowedUsers"] and not hub["allowedGroups"]


def trusted_ca_bundle(private_ca_file):
    """The image's CA certificates plus the identity provider's private CA, in one file.

    Authenticators take one CA file for their TLS connections; the private CA alone would break
    every public endpoint (an OAuth provider's API), so the image's own bundle comes first.
    """
    import ssl
    import tempfile

    candidates = []
    try:
        import certifi

        candidates.append(certifi.where())
    except ImportError:
        pass
    paths = ssl.get_default_verify_paths()
    candidates += [paths.cafile, paths.openssl_cafile, "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"]
    system = next((p for p in candidates if p and os.path.isfile(p)), None)
    parts = [Path(system).read_text(encoding="utf-8")] if system else []
    parts.append(Path(private_ca_file).read_text(encoding="utf-8"))
    fd, combined = tempfile.mkstemp(prefix="platform-ca-", suffix=".pem")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(p.strip() + "\n" for p in parts))
    return combined


# hub.auth.caBundle: the identity provider's certificate is signed by a private CA. Each
# authenticator gets the combined bundle through its own option; the environment covers what
# else the hub runs with requests or OpenSSL defaults.
ca_bundle = trusted_ca_bundle(auth["caBundleFile"]) if auth.get("caBundleFile") else None
if ca_bundle:
    os.environ["REQUESTS_CA_BUNDLE"] = ca_bundle
    os.environ["SSL_CERT_FILE"] = ca_bundle

auth_type = auth["type"]
if auth_type == "dummy":
    # "dummy" in the platform's config means one shared password for every user, admins
    # included (DEV_MODE-style logins). JupyterHub 5.3's SharedPasswordAuthenticator would require
    # admins to use a second, different password, so this stays on DummyAuthenticator (its
    # `password` option is deprecated in 5.3 but supported).
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = secret("PLATFORM_DUMMY_PASSWORD")
elif auth_type == "native":
    c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"
    # Sign-ups wait for an admin's approval; admins can sign up right away.
    c.NativeAuthenticator.open_signup = False
    c.NativeAuthenticator.enable_signup = True
    c.Authenticator.allow_all = True
    if hub["adminUsers"]:
        # Admin sign-ups are authorized on creation so the first admin can approve others.
        c.NativeAuthenticator.allowed_users = set(hub["adminUsers"]) | set(hub["allowedUsers"])
elif auth_type in ("github", "google", "generic-oauth"):
    oauth = auth["oauth"]
    cls = {
        "github": "oauthenticator.github.GitHubOAuthenticator",
        "google": "oauthenticator.google.GoogleOAuthenticator",
        "generic-oauth": "oauthenticator.generic.GenericOAuthenticator",
    }[auth_type]
    c.JupyterHub.authenticator_class = cls
    c.OAuthenticator.client_id = oauth["clientId"]
    c.OAuthenticator.client_secret = secret("PLATFORM_OAUTH_CLIENT_SECRET")
    c.OAuthenticator.oauth_callback_url = oauth["callbackUrl"]
    c.OAuthenticator.enable_auth_state = True
    if ca_bundle:
        c.OAuthenticator.http_request_kwargs = {"ca_certs": ca_bundle}
    if oauth.get("scopes"):
        c.OAuthenticator.scope = list(oauth["scopes"])
    if auth_type == "github" and hub["allowedGroups"]:
        c.GitHubOAuthenticator.allowed_organizations = set(hub["allowedGroups"])
        c.GitHubOAuthenticator.populate_teams_in_auth_state = True
        if not oauth.get("scopes"):
            c.OAuthenticator.scope = ["read:org"]
    if auth_type == "google" and auth.get("googleHostedDomains"):
        c.GoogleOAuthenticator.hosted_domain = list(auth["googleHostedDomains"])
    if auth_type == "generic-oauth":
        c.GenericOAuthenticator.authorize_url = oauth["authorizeUrl"]
        c.GenericOAuthenticator.token_url = oauth["tokenUrl"]
        c.GenericOAuthenticator.userdata_url = oauth["userdataUrl"]
        c.GenericOAuthenticator.username_claim = oauth["usernameClaim"]
        if hub["allowedGroups"]:
            c.GenericOAuthenticator.manage_groups = True
            c.GenericOAuthenticator.auth_state_groups_key = (
                f"oauth_user.{oauth.get('groupsClaim') or 'groups'}"
            )
            c.GenericOAuthenticator.allowed_groups = set(hub["allowedGroups"])
elif auth_type == "cas":
    cas = auth["cas"]
    from jhub_cas_authenticator.cas_auth import CASAuthenticator, CASLoginHandler, CASLogoutHandler
    from tornado import web

    class PlatformCASLoginHandler(CASLoginHandler):
        """jhub_cas_authenticator's handler logs users in directly, skipping JupyterHub's
        allow-list and admin checks (it predates them). Keep its ticket validation, then go
        through login_user() like every other authenticator."""

        async def get(self):
            ticket = self.get_argument("ticket", None)
            if ticket is None:
                return await super().get()  # redirect to the CAS login page
            is_valid, username, attributes = await self.validate_service_ticket(ticket)
            if not is_valid:
                raise web.HTTPError(401, "CAS ticket was not valid")
            required = self.authenticator.cas_required_attribs
            if not required.issubset(attributes):
                raise web.HTTPError(403, "missing required CAS attributes")
            user = await self.login_user(
                {"name": username, "auth_state": {"cas_attributes": sorted(map(list, attributes))}}
            )
            if user is None:
                raise web.HTTPError(403, "not allowed")
            self.redirect(self.get_next_url(user))

    class PlatformCASAuthenticator(CASAuthenticator):
        def get_handlers(self, app):
            return [(r"/login", PlatformCASLoginHandler), (r"/logout", CASLogoutHandler)]

        async def authenticate(self, handler, data):
            # Only PlatformCASLoginHandler calls this, with a name from a validated ticket.
            return data

    c.JupyterHub.authenticator_class = PlatformCASAuthenticator
    c.CASAuthenticator.cas_login_url = cas["loginUrl"]
    c.CASAuthenticator.cas_service_validate_url = cas["serviceValidateUrl"]
    c.CASAuthenticator.cas_service_url = cas["serviceUrl"]
    c.CASAuthenticator.cas_logout_url = cas.get("logoutUrl") or cas["loginUrl"].replace("/login", "/logout")
    if ca_bundle:
        c.CASAuthenticator.cas_client_ca_certs = ca_bundle
elif auth_type == "ldap":
    ldap = auth["ldap"]
    c.JupyterHub.authenticator_class = "ldapauthenticator.LDAPAuthenticator"
    c.LDAPAuthenticator.server_address = ldap["serverAddress"]
    c.LDAPAuthenticator.server_port = ldap["serverPort"]
    c.LDAPAuthenticator.tls_strategy = "on_connect" if ldap["useSsl"] else "before_bind"
    c.LDAPAuthenticator.bind_dn_template = list(ldap["bindDnTemplates"])
    c.LDAPAuthenticator.lookup_dn = ldap["lookupDn"]
    c.LDAPAuthenticator.user_attribute = ldap["userAttribute"]
    if ca_bundle:
        c.LDAPAuthenticator.tls_kwargs = {"ca_certs_file": ca_bundle}
    if ldap.get("userSearchBase"):
        c.LDAPAuthenticator.user_search_base = ldap["userSearchBase"]
    if ldap.get("searchUser"):
        c.LDAPAuthenticator.lookup_dn_search_user = ldap["searchUser"]
        c.LDAPAuthenticator.lookup_dn_search_password = secret("PLATFORM_LDAP_SEARCH_PASSWORD")
    if hub["allowedGroups"]:
        c.LDAPAuthenticator.allowed_groups = list(hub["allowedGroups"])
else:
    sys.exit(f"jupyterhub_config: unknown auth type {auth_type!r}")

# ── single-user servers: shared by both spawners ─────────────────────────────────────────────
environment = dict(su.get("env") or {})
if su.get("gitRepository"):
    # images/singleuser's start hook runs nbgitpuller with these on every start.
    environment["PLATFORM_GIT_REPOSITORY"] = su["gitRepository"]
    environment["PLATFORM_GIT_BRANCH"] = su.get("gitBranch") or "main"
# Dask beside the hub (dask.enabled): the shared scheduler's address and dashboard link (Docker),
# or Dask Gateway's addresses (Kubernetes). Set after singleuser.env: the platform's values win.
dask = doc.get("dask") or {}
environment.update(dask.get("env") or {})
c.Spawner.environment = environment
c.Spawner.default_url = su["defaultUrl"]
c.Spawner.cmd = list(su.get("cmd") or ["jupyterhub-singleuser"])
c.Spawner.start_timeout = su["startTimeoutSeconds"]
# The server's first answer after its container starts counts against the same budget: under
# emulation (the dev VM booted by QEMU without KVM) a server took over 120 s to answer, and a
# cap of 120 s failed spawns that singleuser.startTimeout allowed.
c.Spawner.http_timeout = su["startTimeoutSeconds"]
c.Spawner.mem_limit = su["memLimitBytes"]
c.Spawner.cpu_limit = su["cpuLimit"]
if su.get("memGuaranteeBytes"):
    c.Spawner.mem_guarantee = su["memGuaranteeBytes"]
if su.get("cpuGuarantee"):
    c.Spawner.cpu_guarantee = su["cpuGuarantee"]

profiles = su.get("profiles") or []
# Run in order before every spawn (profile choice, then the user's home); composed below.
pre_spawn_hooks = []

spawner = doc["spawner"]


def user_host_config(mem_limit_bytes):
    """Docker host config of a user container, on top of DockerSpawner's.

    No swap beyond the memory limit: the limit is what the user gets. Restart policy
    unless-stopped, so a restart of the Docker engine brings running servers back with the hub
    (which keeps them: cleanup_servers is off); stopping a server (the hub, the culler) is a
    `docker stop`, which the policy honours; a server process that exits by itself is restarted.
    Docker refuses a restart policy on an AutoRemove container, so AutoRemove (which
    DockerSpawner.remove turns on) is off: DockerSpawner still removes the container when the
    server stops and before the next start, so containers stay disposable.
    """
    return {"memswap_limit": mem_limit_bytes, "restart_policy": {"Name": "unless-stopped"}, "auto_remove": False}

if spawner == "docker":
    d = doc["docker"]
    # DockerSpawner with parallel Docker API calls, a fast readiness wait and the container's
    # current address after an engine restart (platform_spawn.py); every c.DockerSpawner setting
    # below applies to it.
    c.JupyterHub.spawner_class = "platform_spawn.PlatformDockerSpawner"
    c.DockerSpawner.image = su["image"]
    # Images are referenced by digest / image ID and exist on the engine already; a registry
    # digest is still pulled when missing.
    c.DockerSpawner.pull_policy = d.get("pullPolicy", "ifnotpresent")
    c.DockerSpawner.network_name = d["network"]
    c.DockerSpawner.use_internal_ip = True
    c.DockerSpawner.prefix = d["containerPrefix"]
    # Containers are disposable (homes are volumes): a new spawn picks up a new image.
    c.DockerSpawner.remove = d.get("removeContainers", True)
    c.DockerSpawner.notebook_dir = su["homeMountPath"]
    # {username} is DockerSpawner's escaped user name (escapism, '-' escape, lower case).
    if d.get("homeBindTemplate"):
        # docker-vm: the home is a host directory (a btrfs subvolume with a qgroup limit that the
        # VM's helper creates in the pre-spawn hook below), bind-mounted into the container.
        c.DockerSpawner.volumes = {d["homeBindTemplate"]: su["homeMountPath"]}
    else:
        # Docker creates the named volume on first spawn, outside Pulumi's state, so
        # `pulumi destroy` never deletes it.
        c.DockerSpawner.volumes = {d["homeVolumeTemplate"]: su["homeMountPath"]}
    c.DockerSpawner.read_only_volumes = {v["name"]: v["mountPath"] for v in d.get("sharedVolumes", [])}
    c.DockerSpawner.extra_create_kwargs = {"labels": dict(d.get("labels") or {})}
    # No swap beyond the memory limit: the limit is what the user gets.
    c.DockerSpawner.extra_host_config = user_host_config(su["memLimitBytes"])
    if su.get("postStartCommand"):
        c.DockerSpawner.post_start_cmd = "sh -c " + shlex.quote(su["postStartCommand"])

    if profiles:
        # DockerSpawner has no profile list; offer one with JupyterHub's options form and apply
        # the chosen profile's image and limits before the container is created.
        by_slug = {p["slug"]: p for p in profiles}
        default_slug = next((p["slug"] for p in profiles if p.get("default")), profiles[0]["slug"])

        def _profile_form(spawner_):
            rows = []
            for p in profiles:
                checked = " checked" if p["slug"] == default_slug else ""
                rows.append(
                    f'<label class="d-block"><input type="radio" name="profile" value="{p["slug"]}"{checked}> '
                    f'<strong>{p["displayName"]}</strong> <span class="text-muted">{p.get("description", "")}</span></label>'
                )
            return "\n".join(rows)

        def _profile_options(formdata):
            slug = (formdata.get("profile") or [default_slug])[0]
            if slug not in by_slug:
                raise ValueError(f"unknown profile {slug!r}")
            return {"profile": slug}

        def _apply_profile(spawner_):
            p = by_slug.get(spawner_.user_options.get("profile", default_slug), by_slug[default_slug])
            if p.get("image"):
                spawner_.image = p["image"]
            if p.get("memLimitBytes"):
                spawner_.mem_limit = p["memLimitBytes"]
                spawner_.extra_host_config = user_host_config(p["memLimitBytes"])
            if p.get("cpuLimit"):
                spawner_.cpu_limit = p["cpuLimit"]
            if p.get("memGuaranteeBytes"):
                spawner_.mem_guarantee = p["memGuaranteeBytes"]
            if p.get("cpuGuarantee"):
                spawner_.cpu_guarantee = p["cpuGuarantee"]

        c.DockerSpawner.options_form = _profile_form
        c.DockerSpawner.options_from_form = _profile_options
        pre_spawn_hooks.append(_apply_profile)

    if d.get("homesSocket"):
        import platform_homes

        _homes_socket = d["homesSocket"]
        _homes_timeout = platform_homes.env_timeout()

        async def _provision_home(spawner_):
            # Fails the spawn unless the VM's helper answers `ok <escaped name>`.
            await platform_homes.provision_docker_home(spawner_, _homes_socket, _homes_timeout)

        pre_spawn_hooks.append(_provision_home)

elif spawner == "kubernetes":
    k = doc["kubernetes"]
    c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
    c.KubeSpawner.namespace = k["namespace"]
    c.KubeSpawner.image = su["image"]
    c.KubeSpawner.image_pull_policy = k.get("imagePullPolicy", "IfNotPresent")
    if k.get("imagePullSecrets"):
        c.KubeSpawner.image_pull_secrets = list(k["imagePullSecrets"])
    c.KubeSpawner.uid = su.get("uid", 1000)
    c.KubeSpawner.fs_gid = su.get("gid", 100)
    c.KubeSpawner.common_labels = dict(k.get("labels") or {})
    c.KubeSpawner.node_selector = dict(k.get("nodeSelector") or {})
    if k.get("schedulerName"):
        c.KubeSpawner.scheduler_name = k["schedulerName"]
    if k.get("priorityClassName"):
        c.KubeSpawner.priority_class_name = k["priorityClassName"]
    c.KubeSpawner.storage_pvc_ensure = True
    c.KubeSpawner.pvc_name_template = k["homePvcTemplate"]
    c.KubeSpawner.storage_capacity = str(k["homeSizeBytes"])
    c.KubeSpawner.storage_access_modes = list(k.get("storageAccessModes") or ["ReadWriteOnce"])
    if k.get("storageClass"):
        c.KubeSpawner.storage_class = k["storageClass"]
    volumes = [{"name": "home", "persistentVolumeClaim": {"claimName": k["homePvcTemplate"]}}]
    mounts = [{"name": "home", "mountPath": su["homeMountPath"]}]
    for i, v in enumerate(k.get("sharedVolumes", [])):
        volumes.append({"name": f"shared-{i}", "persistentVolumeClaim": {"claimName": v["name"], "readOnly": True}})
        mounts.append({"name": f"shared-{i}", "mountPath": v["mountPath"], "readOnly": True})
    c.KubeSpawner.volumes = volumes
    c.KubeSpawner.volume_mounts = mounts
    if su.get("postStartCommand"):
        c.KubeSpawner.lifecycle_hooks = {
            "postStart": {"exec": {"command": ["sh", "-c", su["postStartCommand"]]}}
        }
    if profiles:
        overrides = []
        for p in profiles:
            override = {}
            if p.get("image"):
                override["image"] = p["image"]
            if p.get("memLimitBytes"):
                override["mem_limit"] = p["memLimitBytes"]
            if p.get("cpuLimit"):
                override["cpu_limit"] = p["cpuLimit"]
            if p.get("memGuaranteeBytes"):
                override["mem_guarantee"] = p["memGuaranteeBytes"]
            if p.get("cpuGuarantee"):
                override["cpu_guarantee"] = p["cpuGuarantee"]
            overrides.append(
                {
                    "slug": p["slug"],
                    "display_name": p["displayName"],
                    "description": p.get("description", ""),
                    "default": bool(p.get("default")),
                    "kubespawner_override": override,
                }
            )
        c.KubeSpawner.profile_list = overrides
    homes = k.get("homesProvisioner")
    if homes:
        import platform_homes

        _homes_token = os.environ.get("PLATFORM_HOMES_TOKEN_FILE")
        if not _homes_token:
            sys.exit("jupyterhub_config: kubernetes.homesProvisioner needs PLATFORM_HOMES_TOKEN_FILE")
        _homes_config = homes["configDir"]
        _homes_timeout = platform_homes.env_timeout()

        async def _provision_home(spawner_):
            # Gluster directory + quota on a storage node, then the user's PV bound to claim-{username}.
            await platform_homes.provision_kube_home(spawner_, _homes_config, _homes_token, timeout=_homes_timeout)

        pre_spawn_hooks.append(_provision_home)
        # The pod only once its claim is bound to that PV (see platform_homes.wait_claim_bound).
        c.KubeSpawner.modify_pod_hook = platform_homes.wait_claim_bound
else:
    sys.exit(f"jupyterhub_config: unknown spawner {spawner!r}")

if len(pre_spawn_hooks) == 1:
    c.Spawner.pre_spawn_hook = pre_spawn_hooks[0]
elif pre_spawn_hooks:
    import platform_homes

    c.Spawner.pre_spawn_hook = platform_homes.chain_hooks(*pre_spawn_hooks)

# ── services ─────────────────────────────────────────────────────────────────────────────────
cull = doc["cull"]
services = []
roles = []
if cull["enabled"]:
    services.append(
        {
            "name": "idle-culler",
            "command": [
                sys.executable,
                "-m",
                "jupyterhub_idle_culler",
                f"--timeout={cull['timeoutSeconds']}",
                f"--cull-every={cull['everySeconds']}",
                f"--max-age={cull['maxAgeSeconds']}",
            ],
        }
    )
    roles.append(
        {
            "name": "idle-culler",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["idle-culler"],
        }
    )

# hub.services: API services the operator declared (graders, dashboards, the platform's health
# check). Externally managed: the hub only knows their tokens and what the tokens may do.
declared = hub.get("services") or []
if declared:
    try:
        tokens = json.loads(secret("PLATFORM_SERVICE_TOKENS"))
    except ValueError:
        sys.exit("jupyterhub_config: PLATFORM_SERVICE_TOKENS is not a JSON object")
    if not isinstance(tokens, dict):
        sys.exit("jupyterhub_config: PLATFORM_SERVICE_TOKENS is not a JSON object")
    builtin_members = {}
    for svc in declared:
        name = svc["name"]
        token = tokens.get(name)
        if not isinstance(token, str) or not token:
            sys.exit(f"jupyterhub_config: no token for service {name!r} in PLATFORM_SERVICE_TOKENS")
        services.append({"name": name, "api_token": token})
        role = {"name": f"platform-service-{name}", "scopes": list(svc.get("scopes") or []), "services": [name]}
        if role["scopes"]:
            roles.append(role)
        for builtin in svc.get("roles") or []:
            builtin_members.setdefault(builtin, []).append(name)
    for builtin, members in builtin_members.items():
        # A built-in role (admin, user, ...) granted to services, on top of their scopes; one entry
        # per role, since load_roles refuses a role defined twice.
        roles.append({"name": builtin, "services": members})

backup = doc.get("backup")
if backup:
    # The backup runner stops a user's server before restoring the home and asks whether one
    # runs before a reset or delete: a service with only those scopes and a generated token.
    services.append({"name": backup["serviceName"], "api_token": secret("PLATFORM_BACKUP_TOKEN")})
    roles.append(
        {
            "name": backup["serviceName"],
            "scopes": ["list:users", "read:users", "read:servers", "delete:servers"],
            "services": [backup["serviceName"]],
        }
    )
    import platform_backup

    _backup_status_file = backup["statusFile"]

    def _backup_warning(user):
        # Shown to admins on every page (templates/page.html) when the last backup failed or is
        # older than twice the schedule; read per page view, so it follows the runner.
        if user is None or not getattr(user, "admin", False):
            return ""
        return platform_backup.status_warning(platform_backup.read_status(_backup_status_file), max_age=backup.get("maxAgeSeconds"))

    c.JupyterHub.template_vars["platform_backup_warning"] = _backup_warning

gateway = dask.get("gateway")
if gateway:
    # Dask Gateway (kubernetes, dask.enabled): a hub service whose route /services/dask-gateway/
    # reaches the gateway's traefik (cluster dashboards); users authenticate to it with their hub
    # token. A user's clusters stop with their server (stopped or culled).
    import platform_dask

    services.append(platform_dask.gateway_service(gateway, secret("PLATFORM_DASK_GATEWAY_API_TOKEN")))
    if gateway.get("stopClustersWithServer"):
        c.Spawner.post_stop_hook = platform_dask.post_stop_hook(gateway["apiUrl"])
c.JupyterHub.services = services
c.JupyterHub.load_roles = roles
