import * as fs from "fs";
import * as path from "path";
import * as assert from "assert";
import { hubDbPvc } from "../../../../../../components/kubernetes/jupyterhub/hub/database";
import {
    CONFIG_CHECKSUM_ANNOTATION,
    hubCommand,
    hubDeployment,
    hubService,
} from "../../../../../../components/kubernetes/jupyterhub/hub/deployment";
import { hubRole, hubRoleBinding, hubServiceAccount } from "../../../../../../components/kubernetes/jupyterhub/hub/rbac";
import {
    HUB_SECRET_KEYS,
    hubSecret,
    hubSecretFileEnv,
    neededHubSecrets,
} from "../../../../../../components/kubernetes/jupyterhub/hub/secret";
import { hubConfigMap } from "../../../../../../components/kubernetes/jupyterhub/hub/configMap";
import { ADDONS_OFF, ctx, json, NO_CAS, PEM_CERT } from "../fixtures";

const GITHUB = { ...NO_CAS, "hub.auth.type": "github", "hub.auth.oauth.clientId": "client", "hub.auth.oauth.clientSecret": "oauth-secret" };
const EXTERNAL_DB = { "hub.db.type": "external", "hub.db.url": "postgresql://hub:pw@db.example.org/jupyterhub" };

describe("jupyterhub-k8s hub: identity and RBAC", () => {
    it("gives the hub's ServiceAccount exactly what KubeSpawner calls, in its namespace only", () => {
        const c = ctx();
        const role = json(hubRole(c));
        assert.strictEqual(role.kind, "Role");
        assert.strictEqual(role.metadata.namespace, "jupyterhub");
        assert.deepStrictEqual(role.rules, [
            {
                apiGroups: [""],
                resources: ["pods", "persistentvolumeclaims", "secrets", "services"],
                verbs: ["get", "watch", "list", "create", "delete"],
            },
            { apiGroups: [""], resources: ["events"], verbs: ["get", "watch", "list"] },
        ]);
        const binding = json(hubRoleBinding(c));
        assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: "hub", namespace: "jupyterhub" }]);
        assert.deepStrictEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "hub" });
        assert.strictEqual(json(hubServiceAccount(c)).metadata.name, "hub");
    });

    it("follows z2jh's labels (app, release, component)", () => {
        const labels = json(hubServiceAccount(ctx())).metadata.labels;
        assert.deepStrictEqual([labels.app, labels.release, labels.component], ["jupyterhub", "jupyterhub", "hub"]);
    });
});

describe("jupyterhub-k8s hub: secrets", () => {
    it("needs the cookie secret, proxy token and crypt key always, plus the authenticator's and database's", () => {
        assert.deepStrictEqual(neededHubSecrets(ctx()), ["cookieSecret", "proxyToken", "cryptKey"]);
        assert.deepStrictEqual(neededHubSecrets(ctx({ ...NO_CAS, "hub.auth.type": "dummy" })), [
            "cookieSecret",
            "proxyToken",
            "cryptKey",
            "dummyPassword",
        ]);
        assert.deepStrictEqual(neededHubSecrets(ctx({ ...GITHUB, ...EXTERNAL_DB })), [
            "cookieSecret",
            "proxyToken",
            "cryptKey",
            "oauthClientSecret",
            "dbUrl",
        ]);
    });

    it("puts each needed secret under its own key and fails when one is missing", () => {
        const c = ctx({ ...GITHUB, ...EXTERNAL_DB });
        const secret = json(hubSecret(c, { cookieSecret: "c", proxyToken: "p", cryptKey: "k", oauthClientSecret: "o", dbUrl: "d" }));
        assert.strictEqual(secret.type, "Opaque");
        assert.deepStrictEqual(secret.stringData, {
            "cookie-secret": "c",
            "proxy-token": "p",
            "crypt-key": "k",
            "oauth-client-secret": "o",
            "db-url": "d",
        });
        assert.throws(
            () => hubSecret(c, { cookieSecret: "c", proxyToken: "p", cryptKey: "k", oauthClientSecret: "o" }),
            /dbUrl.*PLATFORM_DB_URL/,
        );
    });

    it("points the hub at the mounted files with <NAME>_FILE (the names jupyterhub_config.py reads)", () => {
        assert.deepStrictEqual(hubSecretFileEnv(ctx({ ...GITHUB })), [
            { name: "PLATFORM_COOKIE_SECRET_FILE", value: "/etc/jupyterhub/secret/cookie-secret" },
            { name: "CONFIGPROXY_AUTH_TOKEN_FILE", value: "/etc/jupyterhub/secret/proxy-token" },
            { name: "PLATFORM_CRYPT_KEY_FILE", value: "/etc/jupyterhub/secret/crypt-key" },
            { name: "PLATFORM_OAUTH_CLIENT_SECRET_FILE", value: "/etc/jupyterhub/secret/oauth-client-secret" },
        ]);
        assert.strictEqual(HUB_SECRET_KEYS.ldapSearchPassword, "ldap-search-password");
    });

    it("keeps the config document and the program's hub files in a ConfigMap named hub-config", () => {
        const cm = json(hubConfigMap(ctx(), '{"schemaVersion":1}'));
        const hubDir = path.resolve(__dirname, "../../../../../../images/hub");
        assert.deepStrictEqual(Object.keys(cm.data), [
            "config.json",
            "jupyterhub_config.py",
            "platform_homes.py",
            "platform_backup.py",
            "platform_dask.py",
            "platform_check.py",
            "platform_proxy.py",
            "platform_spawn.py",
            "login.html",
            "page.html",
        ]);
        assert.strictEqual(cm.data["config.json"], '{"schemaVersion":1}');
        assert.strictEqual(cm.data["jupyterhub_config.py"], fs.readFileSync(path.join(hubDir, "jupyterhub_config.py"), "utf8"));
        assert.strictEqual(cm.data["login.html"], fs.readFileSync(path.join(hubDir, "templates/login.html"), "utf8"));
        assert.strictEqual(cm.metadata.name, "hub-config");
    });
});

describe("jupyterhub-k8s hub: database volume", () => {
    it("sqlite: a ReadWriteOnce PVC hub-db-dir sized by hub.db.volumeSize", () => {
        const pvc = json(hubDbPvc(ctx({ "hub.db.volumeSize": "2Gi" })));
        assert.strictEqual(pvc.metadata.name, "hub-db-dir");
        assert.deepStrictEqual(pvc.spec.accessModes, ["ReadWriteOnce"]);
        assert.strictEqual(pvc.spec.resources.requests.storage, "2Gi");
        assert.strictEqual(pvc.spec.storageClassName, undefined);
    });

    it("binds to the storage the cluster provides when told (class and pre-created volume)", () => {
        const pvc = json(hubDbPvc(ctx({}, { storageClassName: "gluster-homes", hubDbVolumeName: "hub-db-jupyterhub" })));
        assert.strictEqual(pvc.spec.storageClassName, "gluster-homes");
        assert.strictEqual(pvc.spec.volumeName, "hub-db-jupyterhub");
    });

    it("external database: no PVC", () => {
        assert.strictEqual(hubDbPvc(ctx(EXTERNAL_DB)), undefined);
    });
});

describe("jupyterhub-k8s hub: Deployment and Service", () => {
    it("runs one non-root hub with the Recreate strategy", () => {
        const d = json(hubDeployment(ctx(), "sum"));
        assert.strictEqual(d.spec.replicas, 1);
        assert.deepStrictEqual(d.spec.strategy, { type: "Recreate" });
        const pod = d.spec.template.spec;
        assert.strictEqual(pod.securityContext.runAsNonRoot, true);
        assert.strictEqual(pod.securityContext.fsGroup, 10001);
        const c = pod.containers[0];
        assert.deepStrictEqual(
            [c.securityContext.runAsUser, c.securityContext.runAsGroup, c.securityContext.allowPrivilegeEscalation],
            [10001, 10001, false],
        );
        assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
        assert.strictEqual(c.image, "registry.example.org/jupyter/hub@sha256:" + "a".repeat(64));
        assert.strictEqual(pod.serviceAccountName, "hub");
        assert.strictEqual(pod.automountServiceAccountToken, true);
    });

    it("mounts the document, the secrets and (sqlite) the database, and restarts on a new document", () => {
        const d = json(hubDeployment(ctx(), "abc123"));
        const pod = d.spec.template.spec;
        assert.deepStrictEqual(pod.volumes, [
            {
                name: "config",
                configMap: {
                    name: "hub-config",
                    defaultMode: 0o444,
                    items: [
                        { key: "config.json", path: "config.json" },
                        { key: "jupyterhub_config.py", path: "jupyterhub_config.py" },
                        { key: "platform_homes.py", path: "platform_homes.py" },
                        { key: "platform_backup.py", path: "platform_backup.py" },
                        { key: "platform_dask.py", path: "platform_dask.py" },
                        { key: "platform_check.py", path: "platform_check.py" },
                        { key: "platform_proxy.py", path: "platform_proxy.py" },
                        { key: "platform_spawn.py", path: "platform_spawn.py" },
                        { key: "login.html", path: "templates/login.html" },
                        { key: "page.html", path: "templates/page.html" },
                    ],
                },
            },
            { name: "secret", secret: { secretName: "hub-secret", defaultMode: 0o440 } },
            { name: "db", persistentVolumeClaim: { claimName: "hub-db-dir" } },
        ]);
        const c = pod.containers[0];
        assert.deepStrictEqual(
            c.volumeMounts.map((m: { mountPath: string }) => m.mountPath),
            ["/etc/jupyterhub/platform", "/etc/jupyterhub/secret", "/srv/jupyterhub/data"],
        );
        assert.ok(
            c.env.some(
                (e: { name: string; value: string }) => e.name === "PLATFORM_CONFIG" && e.value === "/etc/jupyterhub/platform/config.json",
            ),
        );
        assert.strictEqual(d.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION], "abc123");
        assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 8081 }]);
        assert.strictEqual(c.readinessProbe.httpGet.path, "/hub/health");
        assert.strictEqual(c.livenessProbe, undefined);
        // No secret value in the environment: only file paths.
        assert.ok(c.env.every((e: { name: string; valueFrom?: unknown }) => e.valueFrom === undefined));
    });

    it("upgrades a sqlite database on start; leaves an external one to its operator", () => {
        // The program's jupyterhub_config.py from the ConfigMap, not the image's copy.
        assert.deepStrictEqual(hubCommand(ctx()), [
            "jupyterhub",
            "--config",
            "/etc/jupyterhub/platform/jupyterhub_config.py",
            "--upgrade-db",
        ]);
        assert.deepStrictEqual(hubCommand(ctx(EXTERNAL_DB)), ["jupyterhub", "--config", "/etc/jupyterhub/platform/jupyterhub_config.py"]);
        const pod = json(hubDeployment(ctx(EXTERNAL_DB), "x")).spec.template.spec;
        assert.ok(!pod.volumes.some((v: { name: string }) => v.name === "db"));
        assert.ok(pod.containers[0].env.some((e: { name: string }) => e.name === "PLATFORM_DB_URL_FILE"));
    });

    it("labels the hub pod for the proxy API, the proxy and user servers (network access)", () => {
        const labels = json(hubDeployment(ctx(), "x")).spec.template.metadata.labels;
        assert.strictEqual(labels["hub.jupyter.org/network-access-proxy-api"], "true");
        assert.strictEqual(labels["hub.jupyter.org/network-access-proxy-http"], "true");
        assert.strictEqual(labels["hub.jupyter.org/network-access-singleuser"], "true");
        assert.strictEqual(labels.component, "hub");
    });

    it("places the hub by kubernetes.coreNodeSelector and gives it the default priority only with placeholders", () => {
        const withSel = json(
            hubDeployment(ctx({ "kubernetes.coreNodeSelector": JSON.stringify(["hub.jupyter.org/node-purpose=core"]) }), "x"),
        );
        assert.deepStrictEqual(withSel.spec.template.spec.nodeSelector, { "hub.jupyter.org/node-purpose": "core" });
        assert.strictEqual(withSel.spec.template.spec.priorityClassName, "jupyterhub-default-priority");
        const plain = json(hubDeployment(ctx(ADDONS_OFF), "x"));
        assert.deepStrictEqual(plain.spec.template.spec.nodeSelector, {});
        assert.strictEqual(plain.spec.template.spec.priorityClassName, undefined);
    });

    it("exposes the hub as Service hub on 8081", () => {
        const s = json(hubService(ctx()));
        assert.strictEqual(s.metadata.name, "hub");
        assert.deepStrictEqual(s.spec.ports, [{ name: "http", protocol: "TCP", port: 8081, targetPort: "http" }]);
        assert.deepStrictEqual(s.spec.selector, { app: "jupyterhub", release: "jupyterhub", component: "hub" });
    });

    it("uses the manual TLS certificate only in the proxy, never in the hub", () => {
        const c = ctx({
            "hub.tls.mode": "manual",
            "hub.tls.certificate": PEM_CERT,
            "hub.tls.key": PEM_CERT.replace(/CERTIFICATE/g, "PRIVATE KEY"),
        });
        assert.ok(!JSON.stringify(hubDeployment(c, "x")).includes("BEGIN"));
    });
});
