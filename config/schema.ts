/**
 * The one source of truth for every stack config key: its Pulumi type, default, allowed values
 * and description. `Pulumi.yaml`'s `config:` block and docs/config-reference.md are generated
 * from this table (`npm run docs:config`) and a unit test fails when they drift.
 *
 * Pulumi project config only knows string, integer, boolean and array<string>; structured values
 * (profiles, volumes, selectors) are arrays of small, validated strings.
 */
import {
    AUTH_TYPES,
    CALICO_MODES,
    CERT_MANAGER_ISSUER_KINDS,
    CLUSTER_SOURCES,
    DB_TYPES,
    DEPLOY_STAGES,
    PROXY_SERVICE_TYPES,
    STORAGE_BACKENDS,
    TAG_SCHEMES,
    TLS_MODES,
    TOPOLOGIES,
} from "./types";

export const PROJECT = "jupyterhub-platform";

export type KeyType = "string" | "integer" | "boolean" | "array";
export type DefaultValue = string | number | boolean | readonly string[];

export interface KeySpec {
    readonly key: string;
    readonly type: KeyType;
    readonly default: DefaultValue;
    readonly description: string;
    /** Must be set with `pulumi config set --secret`. */
    readonly secret?: boolean;
    readonly enum?: readonly string[];
}

const LETSENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";

function s(key: string, def: string, description: string, extra: Partial<KeySpec> = {}): KeySpec {
    return { key, type: "string", default: def, description, ...extra };
}
function secret(key: string, description: string): KeySpec {
    return { key, type: "string", default: "", description, secret: true };
}
function i(key: string, def: number, description: string): KeySpec {
    return { key, type: "integer", default: def, description };
}
function b(key: string, def: boolean, description: string): KeySpec {
    return { key, type: "boolean", default: def, description };
}
function a(key: string, def: readonly string[], description: string): KeySpec {
    return { key, type: "array", default: def, description };
}
function e(key: string, values: readonly string[], def: string, description: string): KeySpec {
    return { key, type: "string", default: def, description, enum: values };
}

export const CONFIG_KEYS: readonly KeySpec[] = Object.freeze([
    // ── platform ────────────────────────────────────────────────────────────────────────────
    e(
        "topology",
        TOPOLOGIES,
        "local",
        "Where the hub runs: the local Docker engine, one OpenStack VM with Docker, or Kubernetes (on OpenStack VMs or an existing cluster); `lab`: no hub, one JupyterLab container with token login on the local Docker engine (the lab.* keys).",
    ),
    e(
        "deploy.stage",
        DEPLOY_STAGES,
        "all",
        "`all`: the cloud resources and the hub; `infrastructure`: only the cloud resources (network, VMs, volumes), without waiting for the VMs to boot and without the hub, for a first `pulumi up` in stages (docker-vm, and kubernetes on OpenStack).",
    ),
    b(
        "data.retainOnDestroy",
        true,
        "Keep user homes, the hub database and data volumes when resources are destroyed or replaced. Set false only for throw-away stacks.",
    ),

    // ── hub ─────────────────────────────────────────────────────────────────────────────────
    s("hub.domain", "", "Public DNS name of the hub (e.g. hub.example.org). Required for TLS and OAuth/CAS callbacks; empty for `local`."),
    s(
        "hub.bindAddress",
        "",
        "Address the proxy publishes on for Docker topologies; empty means 127.0.0.1 for `local` (which allows loopback only) and 0.0.0.0 for `docker-vm`.",
    ),
    i("hub.port", 8000, "Port the proxy publishes on for Docker topologies when TLS is off."),
    i(
        "hub.startTimeout",
        180,
        "Seconds `pulumi up` waits for the hub container's health check (local, docker-vm); raise it for a slow VM (a first start under emulation takes minutes).",
    ),
    e(
        "hub.tls.mode",
        TLS_MODES,
        "none",
        "`none` (plain HTTP), `letsencrypt` (ACME with certbot, renewed automatically), `manual` (certificate and key from secrets) or `cert-manager` (a Certificate issued by the cluster's own cert-manager; topology kubernetes).",
    ),
    s("hub.tls.contactEmail", "", "Contact e-mail for the Let's Encrypt account (letsencrypt)."),
    s("hub.tls.acmeServer", LETSENCRYPT, "ACME directory URL (letsencrypt). Use Let's Encrypt staging while testing."),
    secret("hub.tls.certificate", "PEM certificate chain (manual)."),
    secret("hub.tls.key", "PEM private key (manual)."),
    s(
        "hub.tls.certManager.issuer",
        "",
        "Name of the cert-manager Issuer or ClusterIssuer that issues the hub's certificate (cert-manager; required).",
    ),
    e(
        "hub.tls.certManager.issuerKind",
        CERT_MANAGER_ISSUER_KINDS,
        "ClusterIssuer",
        "Kind of hub.tls.certManager.issuer: a ClusterIssuer, or an Issuer in the hub's namespace (cert-manager).",
    ),
    a("hub.adminUsers", [], "Usernames with hub admin rights."),
    a("hub.allowedUsers", [], "Usernames allowed to log in; empty with no allowed groups means any user the authenticator accepts."),
    a(
        "hub.allowedGroups",
        [],
        "Groups allowed to log in: GitHub organizations (org or org:team), generic-oauth groups claim values, LDAP group DNs.",
    ),
    e("hub.auth.type", AUTH_TYPES, "dummy", "Authenticator."),
    secret("hub.auth.dummyPassword", "Shared password for the dummy authenticator; generated (RandomPassword) when empty."),
    s("hub.auth.oauth.clientId", "", "OAuth client ID (github, google, generic-oauth)."),
    secret("hub.auth.oauth.clientSecret", "OAuth client secret (github, google, generic-oauth)."),
    s("hub.auth.oauth.callbackUrl", "", "OAuth callback URL; defaults to https://<hub.domain>/hub/oauth_callback."),
    s("hub.auth.oauth.authorizeUrl", "", "Authorization endpoint (generic-oauth)."),
    s("hub.auth.oauth.tokenUrl", "", "Token endpoint (generic-oauth)."),
    s("hub.auth.oauth.userdataUrl", "", "User-info endpoint (generic-oauth)."),
    s("hub.auth.oauth.usernameClaim", "preferred_username", "Claim used as the JupyterHub username (generic-oauth)."),
    s("hub.auth.oauth.groupsClaim", "groups", "Claim that lists the user's groups (generic-oauth, used with hub.allowedGroups)."),
    a("hub.auth.oauth.scopes", [], "OAuth scopes to request; the authenticator's defaults when empty."),
    a("hub.auth.google.hostedDomains", [], "Restrict Google logins to these hosted domains."),
    s("hub.auth.cas.loginUrl", "", "CAS login URL, e.g. https://cas.example.org/cas/login (cas)."),
    s("hub.auth.cas.serviceValidateUrl", "", "CAS serviceValidate URL, e.g. https://cas.example.org/cas/p3/serviceValidate (cas)."),
    s("hub.auth.cas.serviceUrl", "", "Service URL CAS redirects back to; defaults to https://<hub.domain>/hub/login."),
    s(
        "hub.auth.caBundle",
        "",
        "PEM certificate(s) of a private CA that signs the identity provider's TLS certificate (CAS, LDAP, OAuth servers), trusted by the hub in addition to the hub image's CAs. Not secret: a CA certificate is public. Set it from a file: `pulumi config set hub.auth.caBundle < ca.pem`.",
    ),
    s("hub.auth.ldap.serverAddress", "", "LDAP server host name (ldap)."),
    i("hub.auth.ldap.serverPort", 636, "LDAP server port (ldap)."),
    b("hub.auth.ldap.useSsl", true, "Use LDAPS (ldap)."),
    a("hub.auth.ldap.bindDnTemplates", [], "DN templates with {username}, e.g. uid={username},ou=people,dc=example,dc=org (ldap)."),
    b("hub.auth.ldap.lookupDn", false, "Look the user's DN up with a search instead of DN templates (ldap)."),
    s("hub.auth.ldap.userSearchBase", "", "Search base for DN look-up (ldap with lookupDn)."),
    s("hub.auth.ldap.userAttribute", "uid", "Attribute that holds the username (ldap)."),
    s("hub.auth.ldap.searchUser", "", "DN of the account used for DN look-up (ldap with lookupDn)."),
    secret("hub.auth.ldap.searchPassword", "Password of hub.auth.ldap.searchUser."),
    e("hub.db.type", DB_TYPES, "sqlite", "`sqlite` on its own volume, or an `external` database URL."),
    secret("hub.db.url", "SQLAlchemy URL of the external hub database, e.g. postgresql://user:pw@db/jupyterhub (external)."),
    s("hub.db.volumeSize", "1Gi", "Size of the hub database volume (sqlite on Kubernetes)."),
    b("hub.cull.enabled", true, "Stop idle single-user servers with jupyterhub-idle-culler."),
    i("hub.cull.timeout", 3600, "Seconds of inactivity before a server is stopped."),
    i("hub.cull.every", 300, "Seconds between culler runs."),
    i("hub.cull.maxAge", 0, "Stop servers older than this many seconds even when active; 0 disables."),
    i("hub.concurrentSpawnLimit", 64, "Maximum servers starting at once; 0 means unlimited."),
    i("hub.activeServerLimit", 0, "Maximum running servers; 0 means unlimited."),
    s("hub.pageTitle", "JupyterHub", "Title shown on the hub's pages."),
    a(
        "hub.services",
        [],
        "JupyterHub API services (graders, dashboards, the health check `npm run health`), each `name=<a-z0-9->;scopes=<scope>,<scope>[;roles=<role>,...]`, e.g. `name=health;scopes=admin:users,admin:servers,access:servers`. Tokens: hub.serviceTokens.",
    ),
    secret(
        "hub.serviceTokens",
        'Tokens of hub.services, one JSON object `{"<service>": "<token>"}` (each token 32+ characters, e.g. `openssl rand -hex 32`); required when hub.services is set.',
    ),
    s("hub.logo", "", "Path (relative to the project) of a PNG or SVG logo baked into the hub image; JupyterHub's logo when empty."),

    // ── single-user servers ─────────────────────────────────────────────────────────────────
    s(
        "singleuser.image",
        "",
        "Prebuilt single-user image, by tag (repo:tag, resolved to its digest at every `pulumi up`; the preview shows which) or by digest (repo@sha256:...). Empty: build images/singleuser.",
    ),
    s("singleuser.defaultUrl", "/lab", "Page a user lands on."),
    s("singleuser.memory.guarantee", "", "Memory reserved per user (Kubernetes request), e.g. 512Mi; empty for none."),
    s("singleuser.memory.limit", "2G", "Memory limit per user; Kubernetes quantity (2G, 2Gi, 512Mi) or Docker size (2g, 512m)."),
    s("singleuser.cpu.guarantee", "", "CPU reserved per user, e.g. 0.5 or 500m; empty for none."),
    s("singleuser.cpu.limit", "1", "CPU limit per user, e.g. 1, 0.5 or 500m."),
    s("singleuser.home.size", "1Gi", "Capacity of each user's home volume (Kubernetes PVC claim-<user>)."),
    s(
        "singleuser.home.quota",
        "",
        "Filesystem quota of each user's home; empty: singleuser.home.size. A btrfs qgroup on the Docker VM, a Gluster directory quota on Kubernetes with gluster homes (with storage-class homes the claim's size is the limit, as the storage driver enforces it). Not enforceable on local (Docker named volumes), where setting it is refused.",
    ),
    s("singleuser.home.mountPath", "/home/jovyan", "Where the home volume is mounted in the user's container."),
    a(
        "singleuser.sharedVolumes",
        [],
        "Read-only volumes mounted into every user server, each `name:/mount/path[;image=<ref>][;path=/dir][;size=<quantity>][;access=ReadWriteMany|ReadWriteOnce]`. With `image`, the program fills the volume with the tree at `path` of that image (default: the mount path), once per image digest (a tag is resolved at every `up`, so a rebuilt tag refreshes the content); without it the volume is the operator's to fill. `size` (default 10Gi) and `access` (default ReadWriteMany) are the claim's on Kubernetes, with `image` only. Example: `software:/opt/software;image=registry.example.org/software:2025.1;path=/opt/software`.",
    ),
    s("singleuser.gitRepository", "", "Git repository pulled into each home with nbgitpuller on every start (e.g. a course repository)."),
    s("singleuser.gitBranch", "main", "Branch of singleuser.gitRepository."),
    s("singleuser.postStartCommand", "", "Shell command run in the user's container after it starts."),
    a("singleuser.env", [], "Extra environment variables, each `NAME=value`."),
    a(
        "singleuser.profiles",
        [],
        "Server options offered at spawn, each `slug=...;name=...;description=...;image=...;memory=...;cpu=...;default=true` (slug and name required; image by tag, resolved to its digest at deploy time, or by digest).",
    ),
    i("singleuser.startTimeout", 300, "Seconds a server may take to start."),

    // ── images ──────────────────────────────────────────────────────────────────────────────
    s(
        "images.registry.server",
        "",
        "Registry the built images are pushed to (e.g. registry.example.org); empty keeps them on the engine that builds them.",
    ),
    s("images.registry.username", "", "Registry user name."),
    secret("images.registry.password", "Registry password or token."),
    s("images.repository", "jupyterhub-platform", "Repository prefix for built images (<prefix>/hub, <prefix>/singleuser)."),
    e(
        "images.tagScheme",
        TAG_SCHEMES,
        "date-hash",
        "Tag built images with YYYY-MM-DD-<content hash> or just the content hash. Deployments always use the digest.",
    ),
    s("images.hub.baseImage", "quay.io/jupyterhub/jupyterhub:5.3.0", "Base image of the hub image, and of the proxy image."),
    s(
        "images.hub.image",
        "",
        "A prebuilt hub image used as-is instead of building images/hub, by tag (resolved to its digest at every `up`) or digest. Any image with JupyterHub and the packages the config needs (dockerspawner or jupyterhub-kubespawner, the authenticator's package, jupyterhub-idle-culler when culling) works: the program mounts its jupyterhub_config.py, templates and config document into it; a missing package stops `pulumi up` with its name. Empty: build images/hub.",
    ),
    s("images.singleuser.baseImage", "quay.io/jupyter/minimal-notebook:2025-06-30", "Base image of the single-user image."),
    a("images.singleuser.aptPackages", [], "Debian packages added to the single-user image."),
    a("images.singleuser.condaPackages", [], "conda-forge packages added to the single-user image (name or name=version)."),
    a("images.singleuser.pipPackages", [], "PyPI packages added to the single-user image (name or name==version)."),

    // ── backups ─────────────────────────────────────────────────────────────────────────────
    b("backup.enabled", false, "Back up the hub database and every user home with restic on backup.schedule."),
    s(
        "backup.repository",
        "",
        "restic repository: a Docker volume / PVC name, an absolute directory on the Docker host (Docker topologies), `s3:http(s)://host[:port]/bucket[/prefix]` (S3-compatible) or `swift:<container>:/<path>` (OpenStack Swift). Empty: the volume jupyterhub-<stack>-backups (Docker) or the PVC `backups` (Kubernetes), on the same machine as the data.",
    ),
    secret(
        "backup.password",
        "restic repository password (encrypts every backup; keep a copy outside the stack, without it nothing can be restored).",
    ),
    s("backup.s3.accessKeyId", "", "Access key of an s3: backup.repository."),
    secret("backup.s3.secretAccessKey", "Secret key of an s3: backup.repository."),
    s("backup.swift.authUrl", "", "Keystone URL for a swift: backup.repository; empty: the stack's openstack.authUrl and credentials."),
    s("backup.swift.region", "", "Region of the Swift endpoint (swift:)."),
    s("backup.swift.applicationCredentialId", "", "Application credential ID for a swift: backup.repository."),
    secret("backup.swift.applicationCredentialSecret", "Application credential secret for a swift: backup.repository."),
    s("backup.schedule", "17 3 * * *", "When backups run: a five-field cron expression in UTC (numbers, *, a-b, /n, lists)."),
    i("backup.keep.daily", 7, "Daily snapshots kept by `restic forget --prune` after each backup."),
    i("backup.keep.weekly", 4, "Weekly snapshots kept."),
    i("backup.keep.monthly", 6, "Monthly snapshots kept."),
    // ── Dask ────────────────────────────────────────────────────────────────────────────────
    b(
        "dask.enabled",
        false,
        "Dask beside the hub: on local/docker-vm a shared scheduler and dask.workers worker containers on the hub's network (user servers get DASK_SCHEDULER_ADDRESS); on kubernetes Dask Gateway, a JupyterHub service where each user starts their own clusters.",
    ),
    i("dask.workers", 2, "Worker containers beside the scheduler (local, docker-vm)."),
    s(
        "dask.worker.memory",
        "2G",
        "Memory of one Dask worker: the container limit and the worker's memory_limit (local, docker-vm); the default worker size of gateway clusters (kubernetes).",
    ),
    s(
        "dask.worker.cpu",
        "1",
        "CPU of one Dask worker, e.g. 1 or 500m: the container limit, threads = whole cores, at least 1 (local, docker-vm); worker cores of gateway clusters (kubernetes).",
    ),
    s("dask.scheduler.memory", "1G", "Memory limit of the Dask scheduler (a container, or each gateway cluster's scheduler pod)."),
    s("dask.scheduler.cpu", "1", "CPU limit of the Dask scheduler (a container, or each gateway cluster's scheduler pod)."),
    s(
        "dask.gateway.traefikImage",
        "docker.io/traefik:3.3.5",
        "traefik image of Dask Gateway's proxy (kubernetes), the version the dask-gateway chart runs; pushed nowhere, so it must be pullable by the nodes.",
    ),
    i("dask.gateway.maxClustersPerUser", 2, "Gateway clusters one user may run at once (kubernetes); 0 means unlimited."),
    s(
        "dask.gateway.maxCoresPerCluster",
        "",
        "CPU cores one gateway cluster may hold, scheduler included (dask-gateway's cluster_max_cores; kubernetes); empty for unlimited.",
    ),
    s(
        "dask.gateway.maxMemoryPerCluster",
        "",
        "Memory one gateway cluster may hold, scheduler included (dask-gateway's cluster_max_memory; kubernetes); empty for unlimited.",
    ),
    i(
        "dask.gateway.maxWorkersPerCluster",
        0,
        "Workers one gateway cluster may have (dask-gateway's cluster_max_workers; kubernetes); 0 means unlimited.",
    ),
    i(
        "dask.gateway.idleTimeout",
        1800,
        "Seconds before an idle gateway cluster is shut down (kubernetes); 0 never. A user's clusters also stop when their server stops or is culled.",
    ),
    // ── lab: one JupyterLab container, no hub ─────────────────────────────────────────────────
    s(
        "lab.image",
        "",
        "Image of the lab (topology lab), by tag (resolved to its digest at every `up`) or digest; it must follow the docker-stacks contract (start-notebook.py, user jovyan). Empty: build images/singleuser (with the images.singleuser.* packages).",
    ),
    i("lab.port", 8888, "Port JupyterLab is published on, on 127.0.0.1 only (topology lab)."),
    s(
        "lab.work",
        "",
        "The work directory (topology lab), as with `docker run -v`: an absolute path of an existing host directory (bind mount; it must be writable by uid 1000, the container's user), or a Docker volume name. Empty: the volume jupyterlab-<stack>-work. Either survives `pulumi destroy` (a volume unless data.retainOnDestroy is false).",
    ),
    s(
        "lab.mountPath",
        "/home/jovyan/work",
        "Where the work directory is mounted in the container; JupyterLab opens there (its root directory).",
    ),
    s("lab.memory.limit", "2G", "Memory limit of the lab container; Kubernetes quantity (2G, 2Gi) or Docker size (2g)."),
    s("lab.cpu.limit", "1", "CPU limit of the lab container, e.g. 1, 0.5 or 500m."),
    secret("lab.token", "Login token of the lab; generated (RandomPassword, stack output `token`) when empty."),

    // ── OpenStack ───────────────────────────────────────────────────────────────────────────
    s("openstack.cloud", "", "Entry of clouds.yaml to use; alternatively set openstack.authUrl and credentials."),
    s("openstack.authUrl", "", "Keystone URL, e.g. https://keystone.example.org:5000/v3."),
    s("openstack.region", "", "Region name."),
    s("openstack.username", "", "User name (password auth)."),
    secret("openstack.password", "Password (password auth)."),
    s("openstack.projectName", "", "Project (tenant) name."),
    s("openstack.userDomainName", "Default", "User domain."),
    s("openstack.projectDomainName", "Default", "Project domain."),
    s("openstack.applicationCredentialId", "", "Application credential ID (instead of a password)."),
    secret("openstack.applicationCredentialSecret", "Application credential secret."),
    s("openstack.externalNetwork", "", "Name of the external (provider) network for the router and floating IP."),
    s("openstack.image", "Ubuntu 24.04", "Glance image name for every VM (Ubuntu 22.04/24.04 or Debian 12 with cloud-init)."),
    s("openstack.flavors.docker", "m1.xlarge", "Flavor of the Docker VM (docker-vm), e.g. 8 vCPU / 32 GB."),
    s("openstack.flavors.controlPlane", "m1.large", "Flavor of control-plane VMs."),
    s("openstack.flavors.worker", "m1.xlarge", "Flavor of worker VMs."),
    s("openstack.flavors.storage", "m1.medium", "Flavor of GlusterFS storage VMs."),
    s("openstack.sshPublicKey", "", "SSH public key installed for the admin user on every VM."),
    a("openstack.adminCidrs", [], "CIDRs allowed to reach SSH and the Kubernetes API."),
    s("openstack.networkCidr", "10.20.0.0/24", "CIDR of the private network."),
    a("openstack.dnsServers", [], "DNS servers for the private subnet; the cloud's defaults when empty."),
    i("openstack.volumes.bootGb", 40, "Boot volume size in GB for every VM."),
    i("openstack.volumes.homeGb", 500, "Home volume size in GB (docker-vm)."),
    i("openstack.volumes.dockerGb", 200, "/var/lib/docker volume size in GB (docker-vm)."),
    i("openstack.volumes.brickGb", 500, "GlusterFS brick volume size in GB per storage node (kubernetes)."),
    i("openstack.nodes.controlPlane", 1, "Control-plane VMs (1, 3 or 5)."),
    i("openstack.nodes.workers", 2, "Worker VMs."),
    i("openstack.nodes.storage", 3, "GlusterFS storage VMs (a replica-3 volume needs a multiple of 3)."),

    // ── docker-vm on an existing host ───────────────────────────────────────────────────────
    s(
        "dockerVm.host",
        "",
        "docker-vm: an existing VM prepared by this stack's user-data (`pulumi stack output userData --show-secrets`), as ssh://user@host[:port]; no OpenStack resources are created and the hub is deployed onto its Docker engine over SSH. Empty: the program creates the VM on OpenStack (the openstack.* keys).",
    ),
    s(
        "dockerVm.sshPublicKey",
        "",
        "docker-vm with dockerVm.host: the SSH public key the user-data authorizes for the admin user (the user of dockerVm.host); its private key must be in ssh-agent or ~/.ssh/config of the machine running Pulumi.",
    ),
    s(
        "dockerVm.volumes.docker",
        "",
        "docker-vm with dockerVm.host: ID of the disk for /var/lib/docker, as the VM sees it: the Cinder volume ID, or the disk serial (its first 20 characters name /dev/disk/by-id/virtio-<serial>). Required with dockerVm.host.",
    ),
    s(
        "dockerVm.volumes.home",
        "",
        "docker-vm with dockerVm.host: ID of the disk for the btrfs homes (/srv/homes), like dockerVm.volumes.docker. Required with dockerVm.host.",
    ),

    // ── Kubernetes ──────────────────────────────────────────────────────────────────────────
    e(
        "kubernetes.cluster",
        CLUSTER_SOURCES,
        "openstack",
        "`openstack`: build a kubeadm cluster on OpenStack VMs (the openstack.* keys); `existing`: deploy onto a cluster the site already runs, given by kubernetes.kubeconfig (no OpenStack settings).",
    ),
    secret(
        "kubernetes.kubeconfig",
        "Kubeconfig of the existing cluster (kubernetes.cluster existing), with rights to create namespaces, cluster roles and priority classes.",
    ),
    s(
        "kubernetes.version",
        "1.33.5",
        "Kubernetes version: installed by kubeadm on a cluster built here; on an existing cluster, its version (the user scheduler's default image follows it).",
    ),
    s("kubernetes.namespace", "jupyterhub", "Namespace of the hub and user pods."),
    s("kubernetes.podCidr", "192.168.0.0/16", "Pod network CIDR (Calico IP pool)."),
    s("kubernetes.serviceCidr", "10.96.0.0/12", "Service CIDR."),
    e(
        "kubernetes.calico.mode",
        CALICO_MODES,
        "vxlan",
        "Calico encapsulation: ipip, vxlan, or bgp (no encapsulation; needs allowed address pairs).",
    ),
    s("kubernetes.calico.version", "3.29.3", "Calico release installed by the operator manifest."),
    e(
        "kubernetes.storage",
        STORAGE_BACKENDS,
        "gluster",
        "Backend of user homes and the hub database: `gluster` (a directory with a quota per user on a GlusterFS volume mounted on every node) or `storage-class` (dynamic PVCs `claim-{username}` from kubernetes.storageClass; existing clusters only).",
    ),
    s(
        "kubernetes.storageClass",
        "",
        "StorageClass of the homes and the hub database with kubernetes.storage storage-class; empty: the cluster's default class.",
    ),
    a(
        "kubernetes.gluster.helperHosts",
        [],
        "Existing cluster with gluster homes: addresses of the storage nodes running the home helper (jhp-gluster-home); the volume must be mounted at /mnt/homes on every node, with its directory /.hub-db owned by the hub (10001:10001; jhp-gluster-form creates it).",
    ),
    secret("kubernetes.gluster.helperToken", "Existing cluster with gluster homes: the home helper's token."),
    e(
        "kubernetes.proxy.serviceType",
        PROXY_SERVICE_TYPES,
        "auto",
        "Type of the proxy-public Service: `auto` is ClusterIP with the entry node's address on a cluster built here and LoadBalancer on an existing cluster.",
    ),
    a("kubernetes.proxy.externalIps", [], "External IPs of the proxy-public Service (addresses of nodes users' traffic arrives at)."),
    i("kubernetes.proxy.httpNodePort", 0, "NodePort of HTTP with serviceType NodePort; 0: the cluster picks one."),
    i("kubernetes.proxy.httpsNodePort", 0, "NodePort of HTTPS with serviceType NodePort and TLS on; 0: the cluster picks one."),
    s(
        "kubernetes.nodeCidr",
        "",
        "Existing cluster: the nodes' network, which user pods may not reach (openstack.networkCidr on a cluster built here).",
    ),
    s(
        "kubernetes.schedulerImage",
        "",
        "kube-scheduler image of the user scheduler; empty: registry.k8s.io/kube-scheduler:v<kubernetes.version>.",
    ),
    s("kubernetes.pauseImage", "", "A pause image for user placeholders and the image puller; empty: `sleep` in the single-user image."),
    i("kubernetes.userPlaceholders", 0, "Placeholder pods that keep room for this many users."),
    b("kubernetes.imagePuller", true, "Pre-pull the single-user image on every node (continuous image puller)."),
    b("kubernetes.userScheduler", true, "Pack user pods onto the fewest nodes (user scheduler)."),
    b("kubernetes.networkPolicies", true, "Restrict traffic of the hub, proxy and user pods with NetworkPolicies."),
    a("kubernetes.coreNodeSelector", [], "Node labels (`key=value`) for the hub, proxy and scheduler pods."),
    a("kubernetes.userNodeSelector", [], "Node labels (`key=value`) for user pods."),

    // ── capacity planning (warnings only) ─────────────────────────────────────────────────────
    i(
        "capacity.expectedUsers",
        0,
        "Servers expected to run at the same time. With it, `preview` and `up` warn when they (plus kubernetes.userPlaceholders) do not fit the memory of the nodes that run user servers (docs/capacity.md); 0: no such check.",
    ),
    s(
        "capacity.nodeMemory",
        "",
        "Memory of one node that runs user servers (the docker-vm VM, each Kubernetes worker), e.g. 32Gi; empty: this machine's memory on local, otherwise unknown (capacity not checked).",
    ),
    i(
        "capacity.nodes",
        0,
        "Nodes that run user servers; 0: from the topology (1 on local and docker-vm, openstack.nodes.workers on a cluster built here). Required for capacity checks on an existing cluster.",
    ),
]);

export const KEY_INDEX: ReadonlyMap<string, KeySpec> = new Map(CONFIG_KEYS.map((k) => [k.key, k]));

export function spec(key: string): KeySpec {
    const found = KEY_INDEX.get(key);
    if (!found) {
        throw new Error(`internal: config key ${key} is not declared in config/schema.ts`);
    }
    return found;
}
