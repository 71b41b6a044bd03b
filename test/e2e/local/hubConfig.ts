/**
 * The hub configuration loaded by a real JupyterHub, for every authenticator and both spawners:
 * documents rendered by renderHubDocument() are fed to images/hub/jupyterhub_config.py inside the
 * built hub image, which loads them with JupyterHub's own config loader and instantiates the
 * authenticator. Part of `npm run e2e:local` (needs Docker and the hub image).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerSpawnerBlock } from "../../../components/docker/render";
import { renderHubDocument, serializeHubDocument } from "../../../components/hub/hubDocument";
import { renderContext } from "../../../components/kubernetes/jupyterhub/context";
import { hubDocumentJson } from "../../../components/kubernetes/jupyterhub/hub/document";
import { config as k8sConfig, NO_CAS } from "../../unit/components/kubernetes/jupyterhub/fixtures";
import type { HubTopologyConfig } from "../../../config/types";
import { platformConfig } from "../../unit/fixtures/config";
import { docker } from "../common/lib";

interface Variant {
    name: string;
    config: HubTopologyConfig;
    env: Record<string, string>;
    expect: { authenticator: string; spawner: string; extra?: (r: Loaded) => string | undefined };
}

interface Loaded {
    name: string;
    ok: boolean;
    error?: string;
    authenticator?: string;
    spawner?: string;
    services?: string[];
    roles?: string[];
    allowAll?: boolean;
    volumes?: Record<string, unknown>;
    readOnlyVolumes?: Record<string, unknown>;
    memLimit?: number;
    cpuLimit?: number;
    kubeVolumes?: { name: string }[];
    profiles?: number;
    scheduler?: string;
    priorityClass?: string;
    casHandlers?: string[];
}

const OPENSTACK = {
    "openstack.cloud": "unit",
    "openstack.externalNetwork": "public",
    "openstack.sshPublicKey": "ssh-ed25519 AAAA check",
    "openstack.adminCidrs": JSON.stringify(["192.0.2.0/24"]),
};
const BASE_ENV = {
    PLATFORM_COOKIE_SECRET: "cookie-secret-for-check",
    CONFIGPROXY_AUTH_TOKEN: "proxy-token-for-check",
    PLATFORM_CRYPT_KEY: "crypt-key",
};

function variants(): Variant[] {
    const vm = (extra: Record<string, string>) => {
        const oauth = ["github", "google", "generic-oauth"].includes(extra["hub.auth.type"] ?? "");
        return platformConfig(
            {
                topology: "docker-vm",
                "hub.domain": "hub.example.org",
                ...OPENSTACK,
                ...(oauth ? { "hub.auth.oauth.clientSecret": "not-in-the-document" } : {}),
                ...extra,
            },
            { secretKeys: oauth ? ["hub.auth.oauth.clientSecret"] : [] },
        );
    };
    return [
        {
            name: "local-dummy",
            config: platformConfig({
                "singleuser.sharedVolumes": JSON.stringify(["software:/opt/software"]),
                "singleuser.memory.limit": "1G",
                "singleuser.cpu.limit": "0.5",
            }),
            env: { PLATFORM_DUMMY_PASSWORD: "long-enough-password" },
            expect: {
                authenticator: "DummyAuthenticator",
                spawner: "PlatformDockerSpawner",
                extra: (r) =>
                    r.allowAll !== true
                        ? "allow_all should be on without allow-lists"
                        : JSON.stringify(r.readOnlyVolumes) !== JSON.stringify({ software: "/opt/software" })
                          ? `read-only volumes ${JSON.stringify(r.readOnlyVolumes)}`
                          : r.memLimit !== 1_000_000_000 || r.cpuLimit !== 0.5
                            ? `limits ${r.memLimit} ${r.cpuLimit}`
                            : !r.services?.includes("idle-culler")
                              ? "no idle-culler service"
                              : undefined,
            },
        },
        {
            name: "api-services",
            config: platformConfig(
                {
                    "hub.services": JSON.stringify([
                        "name=grader;scopes=list:users,read:users,access:servers!group=students;roles=user",
                        "name=health;scopes=admin:users,admin:servers,access:servers",
                    ]),
                    "hub.serviceTokens": JSON.stringify({ grader: "g".repeat(40), health: "h".repeat(40) }),
                },
                { secretKeys: ["hub.serviceTokens"] },
            ),
            env: {
                PLATFORM_DUMMY_PASSWORD: "long-enough-password",
                PLATFORM_SERVICE_TOKENS: JSON.stringify({ grader: "g".repeat(40), health: "h".repeat(40) }),
            },
            expect: {
                authenticator: "DummyAuthenticator",
                spawner: "PlatformDockerSpawner",
                extra: (r) =>
                    JSON.stringify(r.services) !== JSON.stringify(["idle-culler", "grader", "health"])
                        ? `services ${JSON.stringify(r.services)}`
                        : JSON.stringify(r.roles) !==
                            JSON.stringify(["idle-culler", "platform-service-grader", "platform-service-health", "user"])
                          ? `roles ${JSON.stringify(r.roles)}`
                          : undefined,
            },
        },
        {
            name: "dummy-short-password",
            config: platformConfig(),
            env: { PLATFORM_DUMMY_PASSWORD: "short" },
            expect: { authenticator: "DummyAuthenticator", spawner: "PlatformDockerSpawner" },
        },
        {
            name: "native",
            config: platformConfig({ "hub.auth.type": "native", "hub.adminUsers": JSON.stringify(["teacher"]) }),
            env: {},
            expect: { authenticator: "NativeAuthenticator", spawner: "PlatformDockerSpawner" },
        },
        {
            name: "github-org",
            config: vm({
                "hub.auth.type": "github",
                "hub.auth.oauth.clientId": "id",
                "hub.allowedGroups": JSON.stringify(["physics-dept"]),
            }),
            env: { PLATFORM_OAUTH_CLIENT_SECRET: "oauth-secret" },
            expect: {
                authenticator: "GitHubOAuthenticator",
                spawner: "PlatformDockerSpawner",
                extra: (r) => (r.allowAll ? "allow_all must be off with allowed groups" : undefined),
            },
        },
        {
            name: "google",
            config: vm({
                "hub.auth.type": "google",
                "hub.auth.oauth.clientId": "id",
                "hub.auth.google.hostedDomains": JSON.stringify(["example.org"]),
            }),
            env: { PLATFORM_OAUTH_CLIENT_SECRET: "oauth-secret" },
            expect: { authenticator: "GoogleOAuthenticator", spawner: "PlatformDockerSpawner" },
        },
        {
            name: "generic-oauth",
            config: vm({
                "hub.auth.type": "generic-oauth",
                "hub.auth.oauth.clientId": "id",
                "hub.auth.oauth.authorizeUrl": "https://idp.example.org/authorize",
                "hub.auth.oauth.tokenUrl": "https://idp.example.org/token",
                "hub.auth.oauth.userdataUrl": "https://idp.example.org/userinfo",
                "hub.allowedGroups": JSON.stringify(["students"]),
            }),
            env: { PLATFORM_OAUTH_CLIENT_SECRET: "oauth-secret" },
            expect: { authenticator: "GenericOAuthenticator", spawner: "PlatformDockerSpawner" },
        },
        {
            name: "cas",
            config: vm({
                "hub.auth.type": "cas",
                "hub.auth.cas.loginUrl": "https://cas.example.org/cas/login",
                "hub.auth.cas.serviceValidateUrl": "https://cas.example.org/cas/p3/serviceValidate",
            }),
            env: {},
            expect: {
                authenticator: "PlatformCASAuthenticator",
                spawner: "PlatformDockerSpawner",
                extra: (r) =>
                    r.casHandlers?.[0] !== "PlatformCASLoginHandler" ? `login handler ${JSON.stringify(r.casHandlers)}` : undefined,
            },
        },
        {
            name: "ldap",
            config: vm({
                "hub.auth.type": "ldap",
                "hub.auth.ldap.serverAddress": "ldap.example.org",
                "hub.auth.ldap.bindDnTemplates": JSON.stringify(["uid={username},ou=people,dc=example,dc=org"]),
            }),
            env: {},
            expect: { authenticator: "LDAPAuthenticator", spawner: "PlatformDockerSpawner" },
        },
        {
            name: "kubernetes",
            config: k8sConfig({
                ...NO_CAS,
                "hub.auth.type": "dummy",
                "singleuser.profiles": JSON.stringify(["slug=small;name=Small;default=true", "slug=big;name=Big;memory=4G;cpu=2"]),
            }),
            env: { PLATFORM_DUMMY_PASSWORD: "long-enough-password" },
            expect: {
                authenticator: "DummyAuthenticator",
                spawner: "KubeSpawner",
                extra: (r) =>
                    r.kubeVolumes?.[0]?.name !== "home"
                        ? "no home PVC volume"
                        : r.profiles !== 2
                          ? `profiles ${r.profiles}`
                          : r.scheduler !== "jupyterhub-user-scheduler" || r.priorityClass !== "jupyterhub-default-priority"
                            ? `scheduler ${r.scheduler}, priority class ${r.priorityClass}`
                            : undefined,
            },
        },
    ];
}

/** Runs inside the hub image: load each document with JupyterHub's loader in a fresh interpreter. */
const CHECK_PY = String.raw`
import json, os, subprocess, sys
LOAD = r'''
import json, os
from jupyterhub.app import JupyterHub
app = JupyterHub()
app.load_config_file("/etc/jupyterhub/jupyterhub_config.py")
app.init_db()  # NativeAuthenticator creates its table at construction
auth = app.authenticator_class(parent=app, db=app.db)
c = app.config
spawner_cls = app.spawner_class
out = {
    "ok": True,
    "authenticator": type(auth).__name__,
    "spawner": spawner_cls.__name__,
    "services": [s["name"] for s in app.services],
    "roles": [r["name"] for r in app.load_roles],
    "allowAll": bool(getattr(auth, "allow_all", False)),
    "memLimit": c.Spawner.get("mem_limit"),
    "cpuLimit": c.Spawner.get("cpu_limit"),
}
from dockerspawner import DockerSpawner
if issubclass(spawner_cls, DockerSpawner):  # PlatformDockerSpawner (platform_spawn.py) on Docker
    out["volumes"] = dict(c.DockerSpawner.volumes)
    out["readOnlyVolumes"] = dict(c.DockerSpawner.read_only_volumes)
else:
    out["kubeVolumes"] = list(c.KubeSpawner.volumes)
    out["profiles"] = len(c.KubeSpawner.get("profile_list", []))
    out["scheduler"] = c.KubeSpawner.get("scheduler_name")
    out["priorityClass"] = c.KubeSpawner.get("priority_class_name")
if type(auth).__name__ == "PlatformCASAuthenticator":
    out["casHandlers"] = [h.__name__ for _, h in auth.get_handlers(app)]
print("RESULT " + json.dumps(out))
'''
for name in sorted(os.listdir("/check")):
    if not name.endswith(".json"):
        continue
    spec = json.load(open(os.path.join("/check", name)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLATFORM_") and k != "CONFIGPROXY_AUTH_TOKEN"}
    env.update(spec["env"])
    env["PLATFORM_CONFIG"] = os.path.join("/check", name[:-5] + ".doc")
    p = subprocess.run([sys.executable, "-c", LOAD], env=env, capture_output=True, text=True, timeout=120)
    line = next((l for l in p.stdout.splitlines() if l.startswith("RESULT ")), None)
    result = json.loads(line[7:]) if line else {"ok": False, "error": (p.stderr or p.stdout)[-800:]}
    result["name"] = name[:-5]
    print(json.dumps(result), flush=True)
`;

/** Returns [name, error-or-undefined] per variant. */
export function checkHubConfig(hubImage: string): [string, string | undefined][] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hub-config-check-"));
    try {
        const all = variants();
        for (const v of all) {
            const image = "sha256:" + "0".repeat(64);
            const document =
                v.config.topology === "kubernetes"
                    ? // As HubOnKubernetes renders it (user scheduler and placeholders on by default).
                      hubDocumentJson(renderContext(v.config, { images: { hub: "h", proxy: "p", singleuser: image } }), image)
                    : serializeHubDocument(
                          renderHubDocument(v.config, {
                              singleuserImage: image,
                              hubHost: "hub",
                              proxyApiUrl: "http://proxy:8001",
                              sqlitePath: "/tmp/jupyterhub.sqlite",
                              docker: dockerSpawnerBlock(v.config),
                          }),
                      );
            fs.writeFileSync(path.join(dir, `${v.name}.doc`), document);
            fs.writeFileSync(path.join(dir, `${v.name}.json`), JSON.stringify({ env: { ...BASE_ENV, ...v.env } }));
        }
        fs.writeFileSync(path.join(dir, "check.py"), CHECK_PY);
        fs.chmodSync(dir, 0o755);
        for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o644);
        const r = docker([
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            `${dir}:/check:ro`,
            "--workdir",
            "/tmp",
            hubImage,
            "python3",
            "/check/check.py",
        ]);
        const results = new Map<string, Loaded>();
        for (const line of r.out.split("\n")) {
            if (line.startsWith("{")) {
                const loaded = JSON.parse(line) as Loaded;
                results.set(loaded.name, loaded);
            }
        }
        return all.map((v) => {
            const got = results.get(v.name);
            if (!got) return [v.name, `no result (docker run exit ${r.code}): ${r.out.slice(-600)}`];
            if (!got.ok) return [v.name, got.error ?? "failed"];
            if (got.authenticator !== v.expect.authenticator)
                return [v.name, `authenticator ${got.authenticator}, expected ${v.expect.authenticator}`];
            if (got.spawner !== v.expect.spawner) return [v.name, `spawner ${got.spawner}, expected ${v.expect.spawner}`];
            return [v.name, v.expect.extra?.(got)];
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
