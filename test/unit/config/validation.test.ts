/**
 * Table-driven: each bad input must fail validation with a message that names the key (fully
 * qualified, as `pulumi config set` takes it) and says what is wrong or what is allowed.
 */
import { strict as assert } from "assert";
import { DOCKER_VM, DOCKER_VM_HOST, EXISTING, hubConfig, KUBECONFIG, KUBERNETES, LAB, LOCAL, parse, problemsOf, SSH_KEY } from "./fixtures";

interface Case {
    name: string;
    base: Record<string, string>;
    set: Record<string, string>;
    secret?: string[];
    key: string;
    says: RegExp;
}

const list = (...items: string[]): string => JSON.stringify(items);
const OAUTH_OK = { "hub.auth.oauth.clientId": "abc", "hub.auth.oauth.clientSecret": "xyz" };
const SECRETS = [
    "images.registry.password",
    "kubernetes.kubeconfig",
    "kubernetes.gluster.helperToken",
    "hub.auth.oauth.clientSecret",
    "hub.tls.certificate",
    "hub.tls.key",
    "hub.db.url",
    "hub.auth.ldap.searchPassword",
    "hub.serviceTokens",
];
const HEALTH = "name=health;scopes=admin:users,admin:servers,access:servers";
const TOKEN = "0123456789abcdef0123456789abcdef";

const CASES: Case[] = [
    // types and enums
    {
        name: "unknown topology",
        base: LOCAL,
        set: { topology: "swarm" },
        key: "topology",
        says: /got "swarm"; allowed: local \| docker-vm \| kubernetes \| lab/,
    },
    {
        name: "unknown authenticator",
        base: LOCAL,
        set: { "hub.auth.type": "saml" },
        key: "hub.auth.type",
        says: /unknown value; got "saml"; allowed: dummy \| native/,
    },
    {
        name: "unknown TLS mode",
        base: LOCAL,
        set: { "hub.tls.mode": "acme" },
        key: "hub.tls.mode",
        says: /got "acme"; allowed: none \| letsencrypt \| manual \| cert-manager/,
    },
    {
        name: "non-integer timeout",
        base: LOCAL,
        set: { "hub.cull.timeout": "1h" },
        key: "hub.cull.timeout",
        says: /not an integer; got "1h"/,
    },
    {
        name: "zero cull timeout",
        base: LOCAL,
        set: { "hub.cull.timeout": "0" },
        key: "hub.cull.timeout",
        says: /out of range; got 0; allowed: a positive number of seconds/,
    },
    {
        name: "negative cull interval",
        base: LOCAL,
        set: { "hub.cull.every": "-5" },
        key: "hub.cull.every",
        says: /got -5; allowed: a positive number of seconds/,
    },
    {
        name: "zero start timeout",
        base: LOCAL,
        set: { "singleuser.startTimeout": "0" },
        key: "singleuser.startTimeout",
        says: /got 0; allowed: a positive number/,
    },
    {
        name: "boolean spelled yes",
        base: LOCAL,
        set: { "hub.cull.enabled": "yes" },
        key: "hub.cull.enabled",
        says: /not a boolean; got "yes"; allowed: true \| false/,
    },
    {
        name: "list given as a string",
        base: LOCAL,
        set: { "hub.adminUsers": "alice" },
        key: "hub.adminUsers",
        says: /not a list of strings; got "alice"/,
    },
    {
        name: "negative spawn limit",
        base: LOCAL,
        set: { "hub.concurrentSpawnLimit": "-1" },
        key: "hub.concurrentSpawnLimit",
        says: /got -1; allowed: 0 \(unlimited\)/,
    },
    {
        name: "port out of range",
        base: LOCAL,
        set: { "hub.port": "70000" },
        key: "hub.port",
        says: /got 70000; allowed: an integer from 1 to 65535/,
    },
    {
        name: "hub start timeout below 10 s",
        base: LOCAL,
        set: { "hub.startTimeout": "5" },
        key: "hub.startTimeout",
        says: /got 5; allowed: a number of seconds from 10 to 3600/,
    },
    {
        name: "hub start timeout on kubernetes",
        base: KUBERNETES,
        set: { "hub.startTimeout": "600" },
        key: "hub.startTimeout",
        says: /has no effect with topology kubernetes/,
    },
    // quantities
    {
        name: "memory 2GB",
        base: LOCAL,
        set: { "singleuser.memory.limit": "2GB" },
        key: "singleuser.memory.limit",
        says: /not a size; got "2GB"; allowed: a Kubernetes quantity/,
    },
    {
        name: "memory with a space",
        base: LOCAL,
        set: { "singleuser.memory.limit": "2 G" },
        key: "singleuser.memory.limit",
        says: /got "2 G"/,
    },
    {
        name: "memory too small",
        base: LOCAL,
        set: { "singleuser.memory.limit": "32Mi" },
        key: "singleuser.memory.limit",
        says: /got "32Mi"; allowed: at least 64Mi/,
    },
    {
        name: "memory guarantee above limit",
        base: LOCAL,
        set: { "singleuser.memory.limit": "1G", "singleuser.memory.guarantee": "2Gi" },
        key: "singleuser.memory.guarantee",
        says: /guarantee above limit; got "2Gi"; allowed: at most singleuser.memory.limit \(1G\)/,
    },
    {
        name: "cpu in words",
        base: LOCAL,
        set: { "singleuser.cpu.limit": "two" },
        key: "singleuser.cpu.limit",
        says: /not a CPU amount; got "two"/,
    },
    {
        name: "cpu zero",
        base: LOCAL,
        set: { "singleuser.cpu.limit": "0" },
        key: "singleuser.cpu.limit",
        says: /got "0"; allowed: .*at least 0.001/,
    },
    {
        name: "cpu guarantee above limit",
        base: LOCAL,
        set: { "singleuser.cpu.limit": "500m", "singleuser.cpu.guarantee": "1" },
        key: "singleuser.cpu.guarantee",
        says: /guarantee above limit; got "1"/,
    },
    {
        name: "home quota GiB spelling",
        base: DOCKER_VM,
        set: { "singleuser.home.quota": "1GiB" },
        key: "singleuser.home.quota",
        says: /not a size; got "1GiB"/,
    },
    {
        name: "home quota above size",
        base: DOCKER_VM,
        set: { "singleuser.home.size": "500Mi", "singleuser.home.quota": "1Gi" },
        key: "singleuser.home.quota",
        says: /quota above the home's capacity; got "1Gi"; allowed: at most singleuser.home.size \(500Mi\)/,
    },
    {
        // issue 14: a 1.1 GB write into a 1 GB-quota local home succeeded; refused, never ignored.
        name: "home quota on local, which cannot enforce one",
        base: LOCAL,
        set: { "singleuser.home.quota": "1G" },
        key: "singleuser.home.quota",
        says: /local homes are Docker named volumes, which cannot hold a quota; .*got "1G"; allowed: no value on topology local/,
    },
    {
        name: "db volume size nonsense",
        base: LOCAL,
        set: { "hub.db.volumeSize": "big" },
        key: "hub.db.volumeSize",
        says: /not a size; got "big"/,
    },
    // single-user settings
    {
        name: "prebuilt image that is no reference",
        base: LOCAL,
        set: { "singleuser.image": "Jupyter Scipy Notebook" },
        key: "singleuser.image",
        says: /got "Jupyter Scipy Notebook"; allowed: an image reference by tag \(repo:tag\) or by digest/,
    },
    {
        name: "profile image that is no reference",
        base: LOCAL,
        set: { "singleuser.profiles": list("slug=gpu;name=GPU;image=https://registry/x") },
        key: "singleuser.profiles",
        says: /image must be an image reference by tag/,
    },
    {
        name: "prebuilt hub image that is no reference",
        base: LOCAL,
        set: { "images.hub.image": "my hub" },
        key: "images.hub.image",
        says: /got "my hub"; allowed: an image reference by tag \(repo:tag\) or by digest \(repo@sha256:<64 hex>\), or empty to build images\/hub/,
    },
    {
        name: "a logo with a prebuilt hub image",
        base: LOCAL,
        set: { "images.hub.image": "site/hub:5.3.0", "hub.logo": "test/unit/fixtures/logo.svg" },
        key: "hub.logo",
        says: /is baked into the hub image the program builds, and images.hub.image names a prebuilt one/,
    },
    {
        name: "default URL without slash",
        base: LOCAL,
        set: { "singleuser.defaultUrl": "lab" },
        key: "singleuser.defaultUrl",
        says: /got "lab"; allowed: a path starting with \//,
    },
    {
        name: "shared volume without path",
        base: LOCAL,
        set: { "singleuser.sharedVolumes": list("software") },
        key: "singleuser.sharedVolumes",
        says: /got "software"; allowed: entries `name:\/mount\/path\[;image=/,
    },
    {
        name: "shared volume with an unknown field",
        base: LOCAL,
        set: { "singleuser.sharedVolumes": list("software:/opt/software;image=site/software:1;mode=ro") },
        key: "singleuser.sharedVolumes",
        says: /unknown or repeated field "mode"; got "software:\/opt\/software;image=site\/software:1;mode=ro"/,
    },
    {
        name: "shared volume path without an image",
        base: LOCAL,
        set: { "singleuser.sharedVolumes": list("software:/opt/software;path=/opt/conda") },
        key: "singleuser.sharedVolumes",
        says: /path needs image= \(it describes how the program fills the volume\)/,
    },
    {
        name: "shared volume source path that is relative",
        base: LOCAL,
        set: { "singleuser.sharedVolumes": list("software:/opt/software;image=site/software:1;path=opt/conda") },
        key: "singleuser.sharedVolumes",
        says: /path must be an absolute directory other than \//,
    },
    {
        name: "shared volume claim size on a Docker topology",
        base: LOCAL,
        set: { "singleuser.sharedVolumes": list("software:/opt/software;image=site/software:1;size=20Gi") },
        key: "singleuser.sharedVolumes",
        says: /size applies to Kubernetes claims; it has no effect with topology local/,
    },
    {
        name: "shared volume with an unknown access mode",
        base: KUBERNETES,
        set: { "singleuser.sharedVolumes": list("software:/opt/software;image=site/software:1;access=ReadOnlyMany") },
        key: "singleuser.sharedVolumes",
        says: /access must be one of ReadWriteMany, ReadWriteOnce/,
    },
    {
        name: "shared volume with a size that is no quantity",
        base: KUBERNETES,
        set: { "singleuser.sharedVolumes": list("software:/opt/software;image=site/software:1;size=20GB") },
        key: "singleuser.sharedVolumes",
        says: /size must be a Kubernetes quantity/,
    },
    {
        name: "CA bundle that is not PEM",
        base: LOCAL,
        set: {
            "hub.auth.type": "cas",
            "hub.auth.cas.loginUrl": "https://cas.example.org/cas/login",
            "hub.auth.cas.serviceValidateUrl": "https://cas.example.org/cas/p3/serviceValidate",
            "hub.auth.caBundle": "not a certificate",
        },
        key: "hub.auth.caBundle",
        says: /got "not a certificate"; allowed: PEM certificates only/,
    },
    {
        name: "CA bundle with a broken certificate",
        base: LOCAL,
        set: {
            "hub.auth.type": "ldap",
            "hub.auth.ldap.serverAddress": "ldap.example.org",
            "hub.auth.ldap.bindDnTemplates": list("uid={username},dc=example,dc=org"),
            "hub.auth.caBundle": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        },
        key: "hub.auth.caBundle",
        says: /allowed: PEM certificates that parse as X.509/,
    },
    {
        name: "CA bundle with an authenticator that makes no TLS connection",
        base: LOCAL,
        set: { "hub.auth.caBundle": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----" },
        key: "hub.auth.caBundle",
        says: /has no effect with hub.auth.type dummy; it is for github, google, generic-oauth, cas, ldap/,
    },
    // lab
    {
        name: "lab port out of range",
        base: LAB,
        set: { "lab.port": "70000" },
        key: "lab.port",
        says: /out of range; got 70000; allowed: an integer from 1 to 65535/,
    },
    {
        name: "lab work directory given with ~",
        base: LAB,
        set: { "lab.work": "~/work" },
        key: "lab.work",
        says: /the shell's ~ and relative paths are not expanded here; got "~\/work"/,
    },
    {
        name: "lab work directory that does not exist",
        base: LAB,
        set: { "lab.work": "/nonexistent/jhp-unit-work" },
        key: "lab.work",
        says: /no directory at \/nonexistent\/jhp-unit-work; got "\/nonexistent\/jhp-unit-work"; allowed: an existing host directory/,
    },
    {
        name: "lab work volume with a bad name",
        base: LAB,
        set: { "lab.work": "my work" },
        key: "lab.work",
        says: /got "my work"; allowed: a Docker volume name/,
    },
    {
        name: "lab mounted at /",
        base: LAB,
        set: { "lab.mountPath": "/" },
        key: "lab.mountPath",
        says: /got "\/"; allowed: an absolute path other than \//,
    },
    {
        name: "lab memory below 64Mi",
        base: LAB,
        set: { "lab.memory.limit": "32Mi" },
        key: "lab.memory.limit",
        says: /got "32Mi"; allowed: at least 64Mi/,
    },
    {
        name: "lab token that is short",
        base: LAB,
        set: { "lab.token": "abc" },
        secret: ["lab.token"],
        key: "lab.token",
        says: /got \(secret value\); allowed: at least 16 characters/,
    },
    {
        name: "lab token in plaintext",
        base: LAB,
        set: { "lab.token": "a-long-enough-token-in-plaintext" },
        secret: [],
        key: "lab.token",
        says: /is stored in plaintext; set it with `pulumi config set --secret lab.token <value>`/,
    },
    {
        name: "lab image that is no reference",
        base: LAB,
        set: { "lab.image": "Jupyter Lab" },
        key: "lab.image",
        says: /got "Jupyter Lab"; allowed: an image reference by tag/,
    },
    {
        name: "hub setting with topology lab",
        base: LAB,
        set: { "hub.auth.type": "github" },
        key: "hub.auth.type",
        says: /has no effect with topology lab; remove it or change topology/,
    },
    {
        name: "single-user setting with topology lab",
        base: LAB,
        set: { "singleuser.memory.limit": "4G" },
        key: "singleuser.memory.limit",
        says: /has no effect with topology lab/,
    },
    {
        name: "prebuilt hub image with topology lab",
        base: LAB,
        set: { "images.hub.image": "site/hub:1" },
        key: "images.hub.image",
        says: /has no effect with topology lab/,
    },
    {
        name: "lab setting on a hub topology",
        base: LOCAL,
        set: { "lab.port": "9999" },
        key: "lab.port",
        says: /has no effect with topology local/,
    },
    {
        name: "shared volume over home",
        base: LOCAL,
        set: { "singleuser.sharedVolumes": list("software:/home/jovyan") },
        key: "singleuser.sharedVolumes",
        says: /allowed: a mount path other than \/ and the home/,
    },
    {
        name: "env entry without value",
        base: LOCAL,
        set: { "singleuser.env": list("DEBUG") },
        key: "singleuser.env",
        says: /got "DEBUG"; allowed: entries `NAME=value`/,
    },
    {
        name: "env reserved name",
        base: LOCAL,
        set: { "singleuser.env": list("JUPYTERHUB_API_TOKEN=x") },
        key: "singleuser.env",
        says: /reserved for JupyterHub/,
    },
    {
        name: "profile without name",
        base: LOCAL,
        set: { "singleuser.profiles": list("slug=big;memory=4G") },
        key: "singleuser.profiles",
        says: /name is required/,
    },
    {
        name: "profile unknown field",
        base: LOCAL,
        set: { "singleuser.profiles": list("slug=big;name=Big;gpu=1") },
        key: "singleuser.profiles",
        says: /unknown or repeated field "gpu"/,
    },
    {
        name: "profile duplicate slug",
        base: LOCAL,
        set: { "singleuser.profiles": list("slug=a;name=A", "slug=a;name=B") },
        key: "singleuser.profiles",
        says: /slug "a" is used twice/,
    },
    {
        name: "profile bad memory",
        base: LOCAL,
        set: { "singleuser.profiles": list("slug=a;name=A;memory=4GB") },
        key: "singleuser.profiles",
        says: /memory must be a Kubernetes quantity/,
    },
    {
        name: "git repository over ssh",
        base: LOCAL,
        set: { "singleuser.gitRepository": "git@github.com:org/course.git" },
        key: "singleuser.gitRepository",
        says: /allowed: an http\(s\) URL/,
    },
    // hub.services / hub.serviceTokens
    {
        name: "service without name",
        base: LOCAL,
        set: { "hub.services": list("scopes=admin:users") },
        key: "hub.services",
        says: /name of a-z, 0-9 and - is required/,
    },
    {
        name: "service with neither scopes nor roles",
        base: LOCAL,
        set: { "hub.services": list("name=grader") },
        key: "hub.services",
        says: /at least one scope or role is required/,
    },
    {
        name: "service with an unknown scope",
        base: LOCAL,
        set: { "hub.services": list("name=grader;scopes=admin:everything") },
        key: "hub.services",
        says: /unknown scope "admin:everything"/,
    },
    {
        name: "service with an unknown role",
        base: LOCAL,
        set: { "hub.services": list("name=grader;roles=superuser") },
        key: "hub.services",
        says: /unknown role "superuser" \(one of user, admin, server, token\)/,
    },
    {
        name: "service with an unknown field",
        base: LOCAL,
        set: { "hub.services": list("name=grader;url=http://grader") },
        key: "hub.services",
        says: /unknown or repeated field "url"/,
    },
    {
        name: "service named like the platform's culler",
        base: LOCAL,
        set: { "hub.services": list("name=idle-culler;scopes=list:users") },
        key: "hub.services",
        says: /the platform's own service/,
    },
    {
        name: "service declared twice",
        base: LOCAL,
        set: { "hub.services": list(HEALTH, "name=health;scopes=list:users") },
        key: "hub.services",
        says: /service "health" is declared twice/,
    },
    {
        name: "services without tokens",
        base: LOCAL,
        set: { "hub.services": list(HEALTH) },
        key: "hub.serviceTokens",
        says: /is required with hub.services \(health\); set it with `pulumi config set --secret hub.serviceTokens/,
    },
    {
        name: "service tokens in plaintext",
        base: LOCAL,
        set: { "hub.services": list(HEALTH), "hub.serviceTokens": JSON.stringify({ health: TOKEN }) },
        secret: [],
        key: "hub.serviceTokens",
        says: /is stored in plaintext/,
    },
    {
        name: "service tokens not JSON",
        base: LOCAL,
        set: { "hub.services": list(HEALTH), "hub.serviceTokens": "health=abc" },
        secret: ["hub.serviceTokens"],
        key: "hub.serviceTokens",
        says: /not a JSON object; got \(secret value\)/,
    },
    {
        name: "service token too short, another missing, one unknown",
        base: LOCAL,
        set: {
            "hub.services": list(HEALTH, "name=grader;scopes=list:users"),
            "hub.serviceTokens": JSON.stringify({ health: "short", dashboard: TOKEN }),
        },
        secret: ["hub.serviceTokens"],
        key: "hub.serviceTokens",
        says: /the token of "health" must be a string of at least 32 characters.*no token for service "grader".*"dashboard" is not a service of hub.services/,
    },
    {
        name: "service tokens without services",
        base: LOCAL,
        set: { "hub.serviceTokens": JSON.stringify({ health: TOKEN }) },
        secret: ["hub.serviceTokens"],
        key: "hub.serviceTokens",
        says: /is set but hub.services declares no service/,
    },
    // hub
    {
        name: "domain given as URL",
        base: LOCAL,
        set: { "hub.domain": "https://hub.example.org" },
        key: "hub.domain",
        says: /a host name, not a URL/,
    },
    {
        name: "local bound to all interfaces",
        base: LOCAL,
        set: { "hub.bindAddress": "0.0.0.0" },
        key: "hub.bindAddress",
        says: /publishes the hub on loopback only; got "0.0.0.0"/,
    },
    {
        name: "letsencrypt on local",
        base: LOCAL,
        set: { "hub.tls.mode": "letsencrypt", "hub.domain": "hub.example.org", "hub.tls.contactEmail": "a@example.org" },
        key: "hub.tls.mode",
        says: /Let's Encrypt cannot reach a hub on 127.0.0.1/,
    },
    {
        name: "letsencrypt without domain",
        base: { ...DOCKER_VM, "hub.domain": "" },
        set: { "hub.tls.mode": "letsencrypt", "hub.tls.contactEmail": "a@example.org" },
        key: "hub.domain",
        says: /is required with hub.tls.mode letsencrypt/,
    },
    {
        name: "letsencrypt without e-mail",
        base: DOCKER_VM,
        set: { "hub.tls.mode": "letsencrypt" },
        key: "hub.tls.contactEmail",
        says: /is required with hub.tls.mode letsencrypt/,
    },
    {
        name: "letsencrypt with bad e-mail",
        base: DOCKER_VM,
        set: { "hub.tls.mode": "letsencrypt", "hub.tls.contactEmail": "admin" },
        key: "hub.tls.contactEmail",
        says: /got "admin"; allowed: an e-mail address/,
    },
    {
        name: "manual TLS without certificate",
        base: DOCKER_VM,
        set: { "hub.tls.mode": "manual" },
        key: "hub.tls.certificate",
        says: /is required with hub.tls.mode manual/,
    },
    {
        name: "manual TLS key not PEM",
        base: DOCKER_VM,
        set: { "hub.tls.mode": "manual", "hub.tls.certificate": "-----BEGIN CERTIFICATE-----x", "hub.tls.key": "nope" },
        secret: SECRETS,
        key: "hub.tls.key",
        says: /not PEM; got \(secret value\)/,
    },
    {
        name: "cert-manager on a Docker VM",
        base: DOCKER_VM,
        set: { "hub.tls.mode": "cert-manager", "hub.tls.certManager.issuer": "letsencrypt" },
        key: "hub.tls.mode",
        says: /cert-manager issues certificates inside a Kubernetes cluster \(topology kubernetes\); got "cert-manager"; allowed: none, letsencrypt or manual for topology docker-vm/,
    },
    {
        name: "cert-manager on local",
        base: LOCAL,
        set: { "hub.tls.mode": "cert-manager", "hub.domain": "hub.example.org", "hub.tls.certManager.issuer": "letsencrypt" },
        key: "hub.tls.mode",
        says: /allowed: none, letsencrypt or manual for topology local/,
    },
    {
        name: "cert-manager without an issuer",
        base: KUBERNETES,
        set: { "hub.tls.mode": "cert-manager" },
        key: "hub.tls.certManager.issuer",
        says: /is required with hub.tls.mode cert-manager/,
    },
    {
        name: "cert-manager without a domain",
        base: { ...KUBERNETES, "hub.domain": "" },
        set: { "hub.tls.mode": "cert-manager", "hub.tls.certManager.issuer": "letsencrypt" },
        key: "hub.domain",
        says: /is required with hub.tls.mode cert-manager/,
    },
    {
        name: "cert-manager issuer not an object name",
        base: KUBERNETES,
        set: { "hub.tls.mode": "cert-manager", "hub.tls.certManager.issuer": "Lets_Encrypt" },
        key: "hub.tls.certManager.issuer",
        says: /got "Lets_Encrypt"; allowed: a Kubernetes object name/,
    },
    {
        name: "cert-manager issuer kind unknown",
        base: KUBERNETES,
        set: { "hub.tls.mode": "cert-manager", "hub.tls.certManager.issuer": "le", "hub.tls.certManager.issuerKind": "ClusterIsuer" },
        key: "hub.tls.certManager.issuerKind",
        says: /unknown value; got "ClusterIsuer"; allowed: Issuer \| ClusterIssuer/,
    },
    {
        name: "cert-manager issuer without cert-manager mode",
        base: KUBERNETES,
        set: { "hub.tls.mode": "letsencrypt", "hub.tls.contactEmail": "a@example.org", "hub.tls.certManager.issuer": "le" },
        key: "hub.tls.certManager.issuer",
        says: /has no effect with hub.tls.mode letsencrypt/,
    },
    {
        name: "cert-manager issuer kind without cert-manager mode",
        base: KUBERNETES,
        set: { "hub.tls.certManager.issuerKind": "Issuer" },
        key: "hub.tls.certManager.issuerKind",
        says: /has no effect with hub.tls.mode none/,
    },
    {
        name: "admin user with a space",
        base: LOCAL,
        set: { "hub.adminUsers": list("jane doe") },
        key: "hub.adminUsers",
        says: /got "jane doe"/,
    },
    {
        name: "groups with the dummy authenticator",
        base: LOCAL,
        set: { "hub.allowedGroups": list("staff") },
        key: "hub.allowedGroups",
        says: /the dummy authenticator has no groups/,
    },
    {
        name: "missing logo file",
        base: LOCAL,
        set: { "hub.logo": "branding/missing.png" },
        key: "hub.logo",
        says: /no file at .*branding\/missing.png/,
    },
    {
        name: "empty page title",
        base: LOCAL,
        set: { "hub.pageTitle": "" },
        key: "hub.pageTitle",
        says: /got ""; allowed: 1 to 100 characters/,
    },
    // authenticators
    {
        name: "github without client id",
        base: LOCAL,
        set: { "hub.auth.type": "github", "hub.auth.oauth.clientSecret": "x" },
        secret: SECRETS,
        key: "hub.auth.oauth.clientId",
        says: /is required with hub.auth.type github/,
    },
    {
        name: "github without client secret",
        base: LOCAL,
        set: { "hub.auth.type": "github", "hub.auth.oauth.clientId": "abc" },
        key: "hub.auth.oauth.clientSecret",
        says: /is required with hub.auth.type github/,
    },
    {
        name: "client secret in plaintext",
        base: LOCAL,
        set: { "hub.auth.type": "github", ...OAUTH_OK },
        secret: [],
        key: "hub.auth.oauth.clientSecret",
        says: /is stored in plaintext; set it with `pulumi config set --secret/,
    },
    {
        name: "OAuth on a VM without domain",
        base: { ...DOCKER_VM, "hub.domain": "" },
        set: { "hub.auth.type": "google", ...OAUTH_OK },
        secret: SECRETS,
        key: "hub.domain",
        says: /is required for the OAuth callback on topology docker-vm/,
    },
    {
        name: "generic OAuth without endpoints",
        base: LOCAL,
        set: { "hub.auth.type": "generic-oauth", ...OAUTH_OK },
        secret: SECRETS,
        key: "hub.auth.oauth.tokenUrl",
        says: /is required with hub.auth.type generic-oauth/,
    },
    {
        name: "generic OAuth endpoint over http",
        base: LOCAL,
        set: { "hub.auth.type": "generic-oauth", ...OAUTH_OK, "hub.auth.oauth.authorizeUrl": "http://idp/auth" },
        secret: SECRETS,
        key: "hub.auth.oauth.authorizeUrl",
        says: /got "http:\/\/idp\/auth"; allowed: a URL starting with https:\/\//,
    },
    {
        name: "CAS without login URL",
        base: DOCKER_VM,
        set: { "hub.auth.type": "cas", "hub.auth.cas.serviceValidateUrl": "https://cas.example.org/cas/p3/serviceValidate" },
        key: "hub.auth.cas.loginUrl",
        says: /is required with hub.auth.type cas/,
    },
    {
        name: "LDAP without server",
        base: LOCAL,
        set: { "hub.auth.type": "ldap", "hub.auth.ldap.bindDnTemplates": list("uid={username},dc=x") },
        key: "hub.auth.ldap.serverAddress",
        says: /is required with hub.auth.type ldap/,
    },
    {
        name: "LDAP template without placeholder",
        base: LOCAL,
        set: {
            "hub.auth.type": "ldap",
            "hub.auth.ldap.serverAddress": "ldap.example.org",
            "hub.auth.ldap.bindDnTemplates": list("uid=admin,dc=x"),
        },
        key: "hub.auth.ldap.bindDnTemplates",
        says: /allowed: DN templates containing \{username\}/,
    },
    {
        name: "LDAP lookup without search user",
        base: LOCAL,
        set: {
            "hub.auth.type": "ldap",
            "hub.auth.ldap.serverAddress": "ldap.example.org",
            "hub.auth.ldap.lookupDn": "true",
            "hub.auth.ldap.userSearchBase": "ou=people,dc=x",
        },
        key: "hub.auth.ldap.searchUser",
        says: /is required with hub.auth.ldap.lookupDn true/,
    },
    // database
    {
        name: "external database without URL",
        base: LOCAL,
        set: { "hub.db.type": "external" },
        key: "hub.db.url",
        says: /is required with hub.db.type external/,
    },
    {
        name: "external database bad URL",
        base: LOCAL,
        set: { "hub.db.type": "external", "hub.db.url": "oracle://db" },
        secret: SECRETS,
        key: "hub.db.url",
        says: /got \(secret value\); allowed: an SQLAlchemy URL/,
    },
    // images
    {
        name: "registry without password",
        base: LOCAL,
        set: { "images.registry.server": "registry.example.org", "images.registry.username": "robot" },
        key: "images.registry.password",
        says: /is required when images.registry.server is set/,
    },
    {
        name: "registry with scheme",
        base: KUBERNETES,
        set: { "images.registry.server": "https://registry.example.org" },
        key: "images.registry.server",
        says: /allowed: a registry host\[:port\]/,
    },
    {
        name: "registry password in plaintext",
        base: KUBERNETES,
        set: {},
        secret: [],
        key: "images.registry.password",
        says: /is stored in plaintext/,
    },
    {
        name: "kubernetes without registry",
        base: { ...KUBERNETES, "images.registry.server": "", "images.registry.username": "", "images.registry.password": "" },
        set: {},
        key: "images.registry.server",
        says: /is required for topology kubernetes/,
    },
    {
        name: "unknown tag scheme",
        base: LOCAL,
        set: { "images.tagScheme": "latest" },
        key: "images.tagScheme",
        says: /got "latest"; allowed: date-hash \| hash/,
    },
    {
        name: "apt package with shell syntax",
        base: LOCAL,
        set: { "images.singleuser.aptPackages": list("curl; rm -rf /") },
        key: "images.singleuser.aptPackages",
        says: /no spaces or shell syntax/,
    },
    {
        name: "uppercase repository",
        base: LOCAL,
        set: { "images.repository": "My/Images" },
        key: "images.repository",
        says: /got "My\/Images"/,
    },
    // docker-vm on an existing host
    {
        name: "dockerVm.host that is not an ssh:// URL",
        base: DOCKER_VM_HOST,
        set: { "dockerVm.host": "ubuntu@192.0.2.10" },
        key: "dockerVm.host",
        says: /got "ubuntu@192.0.2.10"; allowed: ssh:\/\/user@host or ssh:\/\/user@host:port/,
    },
    {
        name: "dockerVm.host without a user",
        base: DOCKER_VM_HOST,
        set: { "dockerVm.host": "ssh://192.0.2.10:22" },
        key: "dockerVm.host",
        says: /allowed: ssh:\/\/user@host/,
    },
    {
        name: "dockerVm.host with port 0",
        base: DOCKER_VM_HOST,
        set: { "dockerVm.host": "ssh://ubuntu@192.0.2.10:0" },
        key: "dockerVm.host",
        says: /got "ssh:\/\/ubuntu@192.0.2.10:0"/,
    },
    {
        name: "dockerVm.host without the home volume",
        base: DOCKER_VM_HOST,
        set: { "dockerVm.volumes.home": "" },
        key: "dockerVm.volumes.home",
        says: /is required with dockerVm.host/,
    },
    {
        name: "dockerVm volume ID with a slash",
        base: DOCKER_VM_HOST,
        set: { "dockerVm.volumes.docker": "../sda" },
        key: "dockerVm.volumes.docker",
        says: /got "..\/sda"; allowed: a volume ID or disk serial/,
    },
    {
        name: "dockerVm volumes the VM cannot tell apart",
        base: DOCKER_VM_HOST,
        set: {
            "dockerVm.volumes.docker": "aaaaaaaa-bbbb-cccc-dddd-000000000001",
            "dockerVm.volumes.home": "aaaaaaaa-bbbb-cccc-dddd-000000000002",
        },
        key: "dockerVm.volumes.home",
        says: /the VM would find the same disk for both/,
    },
    {
        name: "dockerVm.sshPublicKey that is a private key",
        base: DOCKER_VM_HOST,
        set: { "dockerVm.sshPublicKey": "-----BEGIN OPENSSH PRIVATE KEY-----" },
        key: "dockerVm.sshPublicKey",
        says: /allowed: one OpenSSH public key line/,
    },
    {
        name: "dockerVm.* on the local topology",
        base: LOCAL,
        set: { "dockerVm.host": "ssh://ubuntu@192.0.2.10" },
        key: "dockerVm.host",
        says: /has no effect with topology local/,
    },
    {
        name: "dockerVm volumes on a VM made on OpenStack",
        base: DOCKER_VM,
        set: { "dockerVm.volumes.home": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d" },
        key: "dockerVm.volumes.home",
        says: /has no effect with topology docker-vm without dockerVm.host/,
    },
    {
        name: "openstack.* with dockerVm.host",
        base: DOCKER_VM_HOST,
        set: { "openstack.cloud": "university" },
        key: "openstack.cloud",
        says: /has no effect with topology docker-vm with dockerVm.host/,
    },
    // OpenStack
    {
        name: "docker-vm without credentials",
        base: { ...DOCKER_VM, "openstack.cloud": "" },
        set: {},
        key: "openstack.cloud",
        says: /or openstack.authUrl is required for topology docker-vm/,
    },
    {
        name: "auth URL without password",
        base: { ...DOCKER_VM, "openstack.cloud": "" },
        set: { "openstack.authUrl": "https://keystone.example.org:5000/v3", "openstack.username": "ops" },
        key: "openstack.authUrl",
        says: /needs credentials/,
    },
    {
        name: "docker-vm without external network",
        base: { ...DOCKER_VM, "openstack.externalNetwork": "" },
        set: {},
        key: "openstack.externalNetwork",
        says: /is required for topology docker-vm/,
    },
    {
        name: "docker-vm without SSH key",
        base: { ...DOCKER_VM, "openstack.sshPublicKey": "" },
        set: {},
        key: "openstack.sshPublicKey",
        says: /is required for topology docker-vm/,
    },
    {
        name: "SSH key that is a private key",
        base: DOCKER_VM,
        set: { "openstack.sshPublicKey": "-----BEGIN OPENSSH PRIVATE KEY-----" },
        key: "openstack.sshPublicKey",
        says: /allowed: one OpenSSH public key line/,
    },
    {
        name: "no admin CIDRs",
        base: { ...DOCKER_VM, "openstack.adminCidrs": "[]" },
        set: {},
        key: "openstack.adminCidrs",
        says: /needs at least one CIDR/,
    },
    {
        name: "admin CIDR prefix 33",
        base: DOCKER_VM,
        set: { "openstack.adminCidrs": list("192.0.2.0/33") },
        key: "openstack.adminCidrs",
        says: /prefix must be 0-32; got "192.0.2.0\/33"/,
    },
    {
        name: "admin CIDR with host bits",
        base: DOCKER_VM,
        set: { "openstack.adminCidrs": list("192.0.2.7/24") },
        key: "openstack.adminCidrs",
        says: /host bits are set/,
    },
    {
        name: "even control plane",
        base: KUBERNETES,
        set: { "openstack.nodes.controlPlane": "2" },
        secret: SECRETS,
        key: "openstack.nodes.controlPlane",
        says: /etcd needs an odd number.*allowed: 1, 3 or 5/,
    },
    {
        name: "no workers",
        base: KUBERNETES,
        set: { "openstack.nodes.workers": "0" },
        secret: SECRETS,
        key: "openstack.nodes.workers",
        says: /got 0; allowed: an integer from 1 to 500/,
    },
    {
        name: "storage nodes not replica-3",
        base: KUBERNETES,
        set: { "openstack.nodes.storage": "2" },
        secret: SECRETS,
        key: "openstack.nodes.storage",
        says: /allowed: 1 \(no replication\) or a multiple of 3/,
    },
    {
        name: "tiny docker volume",
        base: DOCKER_VM,
        set: { "openstack.volumes.dockerGb": "5" },
        key: "openstack.volumes.dockerGb",
        says: /allowed: a size in GB from 10/,
    },
    // Kubernetes
    {
        name: "kubernetes version latest",
        base: KUBERNETES,
        set: { "kubernetes.version": "latest" },
        secret: SECRETS,
        key: "kubernetes.version",
        says: /got "latest"; allowed: a release x.y.z, 1.31.0 or newer/,
    },
    {
        name: "kubernetes too old",
        base: KUBERNETES,
        set: { "kubernetes.version": "1.27.3" },
        secret: SECRETS,
        key: "kubernetes.version",
        says: /got "1.27.3"/,
    },
    {
        name: "unknown calico mode",
        base: KUBERNETES,
        set: { "kubernetes.calico.mode": "flannel" },
        secret: SECRETS,
        key: "kubernetes.calico.mode",
        says: /got "flannel"; allowed: ipip \| vxlan \| bgp/,
    },
    {
        name: "pod CIDR overlaps service CIDR",
        base: KUBERNETES,
        set: { "kubernetes.podCidr": "10.96.0.0/16" },
        secret: SECRETS,
        key: "kubernetes.serviceCidr",
        says: /overlapping CIDRs; got "10.96.0.0\/12"; allowed: a range that does not overlap kubernetes.podCidr/,
    },
    {
        name: "pod CIDR overlaps node network",
        base: KUBERNETES,
        set: { "kubernetes.podCidr": "10.20.0.0/16" },
        secret: SECRETS,
        key: "kubernetes.podCidr",
        says: /does not overlap openstack.networkCidr \(10.20.0.0\/24\)/,
    },
    {
        name: "invalid pod CIDR",
        base: KUBERNETES,
        set: { "kubernetes.podCidr": "192.168.0.0" },
        secret: SECRETS,
        key: "kubernetes.podCidr",
        says: /missing \/prefix/,
    },
    {
        name: "bad node selector",
        base: KUBERNETES,
        set: { "kubernetes.userNodeSelector": list("purpose") },
        secret: SECRETS,
        key: "kubernetes.userNodeSelector",
        says: /allowed: node labels `key=value`/,
    },
    {
        name: "bad namespace",
        base: KUBERNETES,
        set: { "kubernetes.namespace": "Jupyter_Hub" },
        secret: SECRETS,
        key: "kubernetes.namespace",
        says: /allowed: a DNS label/,
    },
    // kubernetes.cluster existing
    {
        name: "unknown cluster source",
        base: KUBERNETES,
        set: { "kubernetes.cluster": "magnum" },
        secret: SECRETS,
        key: "kubernetes.cluster",
        says: /got "magnum"; allowed: openstack \| existing/,
    },
    {
        name: "existing cluster without kubeconfig",
        base: EXISTING,
        set: { "kubernetes.kubeconfig": "" },
        secret: SECRETS,
        key: "kubernetes.kubeconfig",
        says: /is required with kubernetes.cluster existing; set it with `pulumi config set --secret kubernetes.kubeconfig/,
    },
    {
        name: "kubeconfig in plaintext",
        base: EXISTING,
        set: {},
        secret: ["images.registry.password"],
        key: "kubernetes.kubeconfig",
        says: /is stored in plaintext/,
    },
    {
        name: "kubeconfig that is not one",
        base: EXISTING,
        set: { "kubernetes.kubeconfig": "hunter2" },
        secret: SECRETS,
        key: "kubernetes.kubeconfig",
        says: /not a kubeconfig; got \(secret value\); allowed: a kubeconfig document/,
    },
    {
        name: "OpenStack settings on an existing cluster",
        base: EXISTING,
        set: { "openstack.externalNetwork": "public" },
        secret: SECRETS,
        key: "openstack.externalNetwork",
        says: /has no effect with topology kubernetes with kubernetes.cluster existing/,
    },
    {
        name: "Calico settings on an existing cluster",
        base: EXISTING,
        set: { "kubernetes.calico.mode": "bgp" },
        secret: SECRETS,
        key: "kubernetes.calico.mode",
        says: /has no effect with topology kubernetes with kubernetes.cluster existing/,
    },
    {
        name: "kubeconfig on a cluster built here",
        base: KUBERNETES,
        set: { "kubernetes.kubeconfig": KUBECONFIG },
        secret: SECRETS,
        key: "kubernetes.kubeconfig",
        says: /has no effect with kubernetes.cluster openstack/,
    },
    {
        name: "storage-class homes on a cluster built here",
        base: KUBERNETES,
        set: { "kubernetes.storage": "storage-class" },
        secret: SECRETS,
        key: "kubernetes.storage",
        says: /no dynamic volume provisioner; storage-class needs an existing cluster; got "storage-class"; allowed: gluster with kubernetes.cluster openstack/,
    },
    {
        name: "gluster homes on an existing cluster without helper hosts",
        base: EXISTING,
        set: { "kubernetes.storage": "gluster", "kubernetes.gluster.helperToken": "t0ken" },
        secret: SECRETS,
        key: "kubernetes.gluster.helperHosts",
        says: /needs the storage nodes running the home helper/,
    },
    {
        name: "gluster homes on an existing cluster without the helper token",
        base: EXISTING,
        set: { "kubernetes.storage": "gluster", "kubernetes.gluster.helperHosts": list("10.0.0.21") },
        secret: SECRETS,
        key: "kubernetes.gluster.helperToken",
        says: /is required with kubernetes.storage gluster on an existing cluster/,
    },
    {
        name: "a storage class name with capitals",
        base: EXISTING,
        set: { "kubernetes.storageClass": "Fast_SSD" },
        secret: SECRETS,
        key: "kubernetes.storageClass",
        says: /allowed: a StorageClass name/,
    },
    {
        name: "a storage class with gluster homes",
        base: EXISTING,
        set: {
            "kubernetes.storage": "gluster",
            "kubernetes.storageClass": "fast",
            "kubernetes.gluster.helperHosts": list("10.0.0.21"),
            "kubernetes.gluster.helperToken": "t0ken",
        },
        secret: SECRETS,
        key: "kubernetes.storageClass",
        says: /has no effect with kubernetes.storage gluster/,
    },
    {
        name: "a LoadBalancer on the cluster built here",
        base: KUBERNETES,
        set: { "kubernetes.proxy.serviceType": "LoadBalancer" },
        secret: SECRETS,
        key: "kubernetes.proxy.serviceType",
        says: /entry node's floating IP.*got "LoadBalancer"; allowed: auto \(the default\)/,
    },
    {
        name: "a node port outside the NodePort range",
        base: EXISTING,
        set: { "kubernetes.proxy.serviceType": "NodePort", "kubernetes.proxy.httpNodePort": "8080" },
        secret: SECRETS,
        key: "kubernetes.proxy.httpNodePort",
        says: /got 8080; allowed: 0 or a port from 30000 to 32767/,
    },
    {
        name: "a node port without NodePort",
        base: EXISTING,
        set: { "kubernetes.proxy.httpNodePort": "30080" },
        secret: SECRETS,
        key: "kubernetes.proxy.httpNodePort",
        says: /has no effect with kubernetes.proxy.serviceType LoadBalancer/,
    },
    {
        name: "an external IP that is not an address",
        base: EXISTING,
        set: { "kubernetes.proxy.serviceType": "ClusterIP", "kubernetes.proxy.externalIps": list("hub.example.org") },
        secret: SECRETS,
        key: "kubernetes.proxy.externalIps",
        says: /got "hub.example.org"; allowed: IPv4 addresses of nodes/,
    },
    {
        name: "a scheduler image that is no reference",
        base: EXISTING,
        set: { "kubernetes.schedulerImage": "Kube Scheduler" },
        secret: SECRETS,
        key: "kubernetes.schedulerImage",
        says: /allowed: an image reference/,
    },
    {
        name: "letsencrypt for an IP address",
        base: DOCKER_VM,
        set: { "hub.domain": "203.0.113.7", "hub.tls.mode": "letsencrypt", "hub.tls.contactEmail": "ops@example.org" },
        key: "hub.domain",
        says: /Let's Encrypt does not issue certificates for IP addresses; got "203.0.113.7"/,
    },
    // keys
    {
        name: "misspelt key",
        base: LOCAL,
        set: { "hub.domian": "hub.example.org" },
        key: "hub.domian",
        says: /unknown key; did you mean jupyterhub-platform:hub.domain\?/,
    },
    {
        name: "key without its group",
        base: LOCAL,
        set: { adminUsers: list("alice") },
        key: "adminUsers",
        says: /did you mean jupyterhub-platform:hub.adminUsers\?/,
    },
    {
        name: "kubernetes setting on local",
        base: LOCAL,
        set: { "kubernetes.calico.mode": "bgp" },
        key: "kubernetes.calico.mode",
        says: /has no effect with topology local/,
    },
];

describe("config validation: bad inputs", () => {
    it("has at least 40 cases", () => {
        assert.ok(CASES.length >= 40, `only ${CASES.length} cases`);
    });

    for (const c of CASES) {
        it(`rejects ${c.name}`, () => {
            const problems = problemsOf(parse({ ...c.base, ...c.set }, c.secret));
            const fq = `jupyterhub-platform:${c.key}:`;
            const match = problems.find((p) => p.startsWith(fq) && c.says.test(p));
            assert.ok(match, `expected a problem for ${fq} matching ${c.says}; got:\n${problems.join("\n") || "(valid)"}`);
        });
    }

    it("reports every problem of a stack at once", () => {
        const problems = problemsOf(
            parse({ "hub.tls.mode": "acme", "hub.cull.timeout": "0", "singleuser.memory.limit": "2GB", "hub.domian": "x" }),
        );
        assert.equal(problems.length, 4, problems.join("\n"));
    });

    it("accepts hub.startTimeout at its default on kubernetes (Pulumi passes Pulumi.yaml's default as set)", () => {
        assert.deepStrictEqual(problemsOf(parse({ ...KUBERNETES, "hub.startTimeout": "180" })), []);
    });
    it("reports an unknown topology alone, without follow-on problems of a fallback topology", () => {
        const problems = problemsOf(parse({ ...KUBERNETES, topology: "swarm", "kubernetes.calico.mode": "bgp", "hub.domian": "x" }));
        assert.deepEqual(problems, [
            "jupyterhub-platform:hub.domian: unknown key; did you mean jupyterhub-platform:hub.domain? (see docs/config-reference.md for every key)",
            'jupyterhub-platform:topology: unknown value; got "swarm"; allowed: local | docker-vm | kubernetes | lab',
        ]);
    });

    it("names both keys and both values when CIDRs overlap", () => {
        const problems = problemsOf(
            parse({ ...KUBERNETES, "kubernetes.podCidr": "10.96.0.0/16", "kubernetes.serviceCidr": "10.96.0.0/12" }),
        );
        const p = problems.find((x) => x.includes("overlapping CIDRs"));
        assert.ok(p, problems.join("\n"));
        for (const text of ["kubernetes.serviceCidr", "10.96.0.0/12", "kubernetes.podCidr", "10.96.0.0/16"]) {
            assert.ok(p.includes(text), `${text} missing from: ${p}`);
        }
    });

    it("checks each profile's limits against its own guarantees, or the server-wide ones it inherits", () => {
        const ok = parse({
            "singleuser.memory.limit": "2G",
            "singleuser.memory.guarantee": "1G",
            "singleuser.profiles": list("slug=big;name=Big;memory=8G;memoryGuarantee=4G;cpu=2;cpuGuarantee=1"),
        });
        assert.ok(ok.ok, problemsOf(ok).join("\n"));
        assert.equal(hubConfig(ok.config).singleuser.profiles[0].memGuaranteeBytes, 4e9);
        assert.equal(hubConfig(ok.config).singleuser.profiles[0].cpuGuarantee, 1);
        const own = problemsOf(parse({ "singleuser.profiles": list("slug=odd;name=Odd;memory=1G;memoryGuarantee=2G") }));
        assert.match(
            own.join("\n"),
            /singleuser.profiles: its memory guarantee 2G = 2000000000 bytes is above its memory limit 1G = 1000000000 bytes/,
        );
        const inherited = problemsOf(
            parse({
                "singleuser.memory.limit": "4G",
                "singleuser.memory.guarantee": "2G",
                "singleuser.profiles": list("slug=small;name=Small;memory=1G"),
            }),
        );
        assert.match(
            inherited.join("\n"),
            /its memory guarantee \(singleuser.memory.guarantee\) = 2000000000 bytes is above its memory limit 1G/,
        );
        const cpu = problemsOf(
            parse({ "singleuser.cpu.guarantee": "1", "singleuser.cpu.limit": "2", "singleuser.profiles": list("slug=s;name=S;cpu=0.5") }),
        );
        assert.match(cpu.join("\n"), /its CPU guarantee \(singleuser.cpu.guarantee\) = 1 is above its CPU limit 0.5 = 0.5/);
    });

    it("accepts services with scopes, filters and roles, their tokens secret, and never echoes a token", () => {
        const tokens = { health: TOKEN, grader: TOKEN.split("").reverse().join("") };
        const result = parse(
            {
                "hub.services": list(HEALTH, "name=grader;scopes=list:users,access:servers!group=students;roles=user"),
                "hub.serviceTokens": JSON.stringify(tokens),
            },
            ["hub.serviceTokens"],
        );
        assert.ok(result.ok, problemsOf(result).join("\n"));
        assert.deepEqual(
            hubConfig(result.config).hub.services.map((s) => [s.name, s.scopes, s.roles]),
            [
                ["health", ["admin:users", "admin:servers", "access:servers"], []],
                ["grader", ["list:users", "access:servers!group=students"], ["user"]],
            ],
        );
        assert.ok(hubConfig(result.config).hub.serviceTokens, "tokens kept as a secret");
        const bad = problemsOf(
            parse({ "hub.services": list(HEALTH), "hub.serviceTokens": JSON.stringify({ health: "x" + TOKEN.slice(0, 8) }) }, [
                "hub.serviceTokens",
            ]),
        );
        assert.equal(bad.length, 1);
        assert.ok(!bad[0].includes(TOKEN.slice(0, 8)), bad[0]);
    });

    it("never echoes a secret value", () => {
        const problems = problemsOf(parse({ "hub.db.type": "external", "hub.db.url": "oracle://user:hunter2@db" }, ["hub.db.url"]));
        assert.equal(problems.length, 1);
        assert.ok(!problems[0].includes("hunter2"), problems[0]);
    });

    it("accepts the fixture stacks as they are", () => {
        for (const [name, values] of Object.entries({ LOCAL, DOCKER_VM, KUBERNETES })) {
            const result = parse(values);
            assert.ok(result.ok, `${name}: ${problemsOf(result).join("\n")}`);
        }
    });

    it("accepts an existing cluster without any OpenStack setting, LoadBalancer by default", () => {
        const result = parse(EXISTING);
        assert.ok(result.ok, problemsOf(result).join("\n"));
        const c = result.config;
        assert.ok(c.topology === "kubernetes" && c.cluster === "existing");
        assert.ok(!("openstack" in c));
        assert.equal(c.kubernetes.storage, "storage-class");
        assert.equal(c.kubernetes.storageClass, undefined);
        assert.deepEqual(c.kubernetes.proxy, { serviceType: "LoadBalancer", externalIps: [] });
    });

    it("accepts an existing cluster with Gluster homes, a NodePort on a fixed port and a scheduler image", () => {
        const result = parse({
            ...EXISTING,
            "kubernetes.storage": "gluster",
            "kubernetes.gluster.helperHosts": list("10.0.0.21", "10.0.0.22"),
            "kubernetes.gluster.helperToken": "t0ken",
            "kubernetes.proxy.serviceType": "NodePort",
            "kubernetes.proxy.httpNodePort": "30080",
            "kubernetes.nodeCidr": "10.0.0.0/24",
            "kubernetes.schedulerImage": "registry.example.org/kube-scheduler:v1.33.5",
        });
        assert.ok(result.ok, problemsOf(result).join("\n"));
        const c = result.config;
        assert.ok(c.topology === "kubernetes" && c.cluster === "existing");
        assert.deepEqual(c.gluster?.helperHosts, ["10.0.0.21", "10.0.0.22"]);
        assert.equal(c.kubernetes.proxy.httpNodePort, 30080);
        assert.equal(c.kubernetes.nodeCidr, "10.0.0.0/24");
        assert.equal(c.hub.publicUrl, "http://127.0.0.1:30080");
    });

    it("the cluster built here keeps the OpenStack node network for the NetworkPolicies", () => {
        const result = parse(KUBERNETES);
        assert.ok(result.ok && result.config.topology === "kubernetes" && result.config.cluster === "openstack");
        assert.equal(result.config.kubernetes.nodeCidr, "10.20.0.0/24");
        assert.deepEqual(result.config.kubernetes.proxy, { serviceType: "ClusterIP", externalIps: [] });
    });

    it("accepts docker-vm on an existing host without any OpenStack setting, and its infrastructure stage", () => {
        for (const stage of ["all", "infrastructure"]) {
            const r = parse({ ...DOCKER_VM_HOST, "deploy.stage": stage });
            assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
            assert.ok(r.config.topology === "docker-vm" && r.config.vm === "existing");
            assert.strictEqual(r.config.stage, stage);
            assert.deepStrictEqual(r.config.existingHost, {
                url: "ssh://ubuntu@192.0.2.10:2222",
                user: "ubuntu",
                host: "192.0.2.10",
                port: 2222,
                sshPublicKey: SSH_KEY,
                volumeIds: { docker: "0f6c1d2e-3a4b-4c5d-9e8f-7a6b5c4d3e2f", home: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d" },
            });
        }
        const noPort = parse({ ...DOCKER_VM_HOST, "dockerVm.host": "ssh://admin@vm.example.org" });
        assert.ok(noPort.ok && noPort.config.topology === "docker-vm" && noPort.config.vm === "existing");
        assert.strictEqual(noPort.config.existingHost.port, undefined);
        assert.strictEqual(noPort.config.existingHost.host, "vm.example.org");
    });

    it("accepts OpenStack credentials from the environment", () => {
        const result = parse({ ...DOCKER_VM, "openstack.cloud": "" }, [], { OS_CLOUD: "university" });
        assert.ok(result.ok, problemsOf(result).join("\n"));
    });

    it("reads cert-manager mode: the issuer, ClusterIssuer by default, an Issuer on request", () => {
        const cluster = parse({ ...KUBERNETES, "hub.tls.mode": "cert-manager", "hub.tls.certManager.issuer": "letsencrypt-prod" });
        assert.ok(cluster.ok, problemsOf(cluster).join("\n"));
        assert.deepEqual(hubConfig(cluster.config).hub.tls.certManager, { issuer: "letsencrypt-prod", issuerKind: "ClusterIssuer" });
        assert.equal(hubConfig(cluster.config).hub.publicUrl, `https://${KUBERNETES["hub.domain"]}`);
        const ns = parse({
            ...KUBERNETES,
            "hub.tls.mode": "cert-manager",
            "hub.tls.certManager.issuer": "site-ca",
            "hub.tls.certManager.issuerKind": "Issuer",
        });
        assert.ok(ns.ok, problemsOf(ns).join("\n"));
        assert.deepEqual(hubConfig(ns.config).hub.tls.certManager, { issuer: "site-ca", issuerKind: "Issuer" });
        const none = parse(KUBERNETES);
        assert.ok(none.ok && hubConfig(none.config).hub.tls.certManager === undefined);
    });

    it("accepts a complete production-like stack", () => {
        const result = parse(
            {
                ...KUBERNETES,
                "hub.auth.type": "cas",
                "hub.auth.cas.loginUrl": "https://cas.example.org/cas/login",
                "hub.auth.cas.serviceValidateUrl": "https://cas.example.org/cas/p3/serviceValidate",
                "hub.tls.mode": "letsencrypt",
                "hub.tls.contactEmail": "ops@example.org",
                "singleuser.memory.limit": "128M",
                "singleuser.memory.guarantee": "128M",
                "singleuser.cpu.limit": "0.5",
                "singleuser.home.size": "500Mi",
                "singleuser.home.quota": "500Mi",
                "hub.cull.timeout": "300",
                "openstack.sshPublicKey": SSH_KEY,
                "singleuser.profiles": list("slug=small;name=Small;memory=1G;cpu=1;default=true", "slug=large;name=Large;memory=4Gi;cpu=2"),
            },
            ["images.registry.password"],
        );
        assert.ok(result.ok, problemsOf(result).join("\n"));
    });
});
