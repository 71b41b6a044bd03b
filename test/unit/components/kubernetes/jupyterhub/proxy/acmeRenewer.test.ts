import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    ACME_SCHEDULE,
    CERTBOT_DIR,
    RENEWER_USER,
    acmeCronJob,
    acmeRenewer,
    acmeRole,
    acmeStateSecret,
} from "../../../../../../components/kubernetes/jupyterhub/proxy/acmeRenewer";
import { PROXY_TLS_ANNOTATION } from "../../../../../../components/kubernetes/jupyterhub/names";
import { ctx, json, PEM_CERT, PEM_KEY, type Json } from "../fixtures";

const IMAGE_DIR = path.resolve(__dirname, "../../../../../../images/acme-renewer");

describe("jupyterhub-k8s ACME renewer (letsencrypt, certbot)", () => {
    it("exists only with hub.tls.mode letsencrypt", () => {
        assert.deepStrictEqual(
            acmeRenewer(ctx()).map((o) => `${o.kind}/${o.metadata.name}`),
            [
                "ServiceAccount/acme-renewer",
                "Role/acme-renewer",
                "RoleBinding/acme-renewer",
                "Secret/acme-renewer-state",
                "CronJob/acme-renewer",
            ],
        );
        assert.deepStrictEqual(acmeRenewer(ctx({ "hub.tls.mode": "none" })), []);
        assert.deepStrictEqual(acmeRenewer(ctx({ "hub.tls.mode": "manual", "hub.tls.certificate": PEM_CERT, "hub.tls.key": PEM_KEY })), []);
        assert.deepStrictEqual(
            acmeRenewer(ctx({ "hub.tls.mode": "cert-manager", "hub.tls.certManager.issuer": "le", "hub.tls.contactEmail": "" })),
            [],
        );
    });

    it("may touch exactly the proxy's TLS Secret, certbot's state Secret and the proxy Deployment", () => {
        assert.deepStrictEqual(json(acmeRole(ctx())).rules, [
            { apiGroups: [""], resources: ["secrets"], resourceNames: ["proxy-tls", "acme-renewer-state"], verbs: ["get", "patch"] },
            { apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["proxy"], verbs: ["patch"] },
        ]);
    });

    it("keeps certbot's state in an empty, typed Secret the renewer fills", () => {
        const s = json(acmeStateSecret(ctx()));
        assert.strictEqual(s.type, "Opaque");
        assert.strictEqual(s.data, undefined);
        assert.strictEqual(s.stringData, undefined);
        assert.strictEqual(s.metadata.labels.component, "acme-renewer");
    });

    it("runs hourly in the renewer image, configured from hub.domain / hub.tls.*, reaching the proxy API", () => {
        const cj = json(acmeCronJob(ctx({ "hub.tls.acmeServer": "https://acme-staging-v02.api.letsencrypt.org/directory" })));
        assert.strictEqual(cj.spec.schedule, ACME_SCHEDULE);
        assert.strictEqual(cj.spec.concurrencyPolicy, "Forbid");
        const pod = cj.spec.jobTemplate.spec.template.spec;
        const c = pod.containers[0];
        assert.strictEqual(c.image, "registry.example.org/jupyter/acme-renewer@sha256:" + "e".repeat(64));
        assert.strictEqual(c.command, undefined, "the image's entrypoint (jhp-acme-renew) runs");
        const env = Object.fromEntries(c.env.map((e: Json) => [e.name, e.value ?? e.valueFrom]));
        assert.deepStrictEqual(
            { ...env, POD_IP: undefined, CONFIGPROXY_AUTH_TOKEN: undefined },
            {
                DOMAIN: "jupyter.example.org",
                EMAIL: "ops@example.org",
                ACME_SERVER: "https://acme-staging-v02.api.letsencrypt.org/directory",
                NAMESPACE: "jupyterhub",
                TLS_SECRET: "proxy-tls",
                STATE_SECRET: "acme-renewer-state",
                PROXY_DEPLOYMENT: "proxy",
                RESTART_ANNOTATION: PROXY_TLS_ANNOTATION,
                PROXY_API_URL: "http://proxy-api:8001",
                SOLVER_PORT: "8089",
                CERTBOT_DIR,
                POD_IP: undefined,
                CONFIGPROXY_AUTH_TOKEN: undefined,
            },
        );
        assert.deepStrictEqual(env.POD_IP, { fieldRef: { fieldPath: "status.podIP" } });
        assert.deepStrictEqual(env.CONFIGPROXY_AUTH_TOKEN, { secretKeyRef: { name: "hub-secret", key: "proxy-token" } });
        assert.deepStrictEqual(c.ports, [{ name: "acme", containerPort: 8089, protocol: "TCP" }]);
        assert.deepStrictEqual(c.volumeMounts, [{ name: "certbot", mountPath: CERTBOT_DIR }]);
        assert.ok(pod.volumes.some((v: Json) => v.name === "certbot" && v.emptyDir));
        assert.strictEqual(pod.serviceAccountName, "acme-renewer");
        assert.strictEqual(pod.restartPolicy, "Never");
        assert.strictEqual(c.securityContext.runAsNonRoot, true);
        assert.strictEqual(c.securityContext.runAsUser, RENEWER_USER.uid);
        assert.strictEqual(cj.spec.jobTemplate.spec.template.metadata.labels["hub.jupyter.org/network-access-proxy-api"], "true");
    });

    it("refuses to render without the renewer image", () => {
        assert.throws(() => acmeCronJob(ctx({}, { images: { renewer: undefined } })), /needs the ACME renewer image/);
    });

    it("the image pins certbot exactly from PyPI and runs as the user the CronJob names", () => {
        const reqs = fs.readFileSync(path.join(IMAGE_DIR, "requirements.txt"), "utf8");
        const pins = reqs.split("\n").filter((l) => l.trim() && !l.startsWith("#"));
        assert.ok(
            pins.length > 0 && pins.every((l) => /^[A-Za-z0-9_.-]+==[0-9][^\s]*$/.test(l)),
            `every line pinned with ==:\n${pins.join("\n")}`,
        );
        assert.ok(pins.some((l) => /^certbot==/.test(l)) && pins.some((l) => /^acme==/.test(l)));
        const certbot = pins.find((l) => l.startsWith("certbot=="))?.split("==")[1];
        assert.strictEqual(pins.find((l) => l.startsWith("acme=="))?.split("==")[1], certbot, "certbot and acme are released together");
        const dockerfile = fs.readFileSync(path.join(IMAGE_DIR, "Dockerfile"), "utf8");
        assert.match(dockerfile, new RegExp(`ARG RENEWER_UID=${RENEWER_USER.uid}\\b`));
        assert.match(dockerfile, new RegExp(`ARG RENEWER_GID=${RENEWER_USER.gid}\\b`));
        assert.match(dockerfile, /ENTRYPOINT \["\/usr\/local\/bin\/jhp-acme-renew"\]/);
    });
});

/** The glue's pure parts, run by the machine's Python (standard library only, like the image's). */
describe("jupyterhub-k8s jhp_acme_renew.py (certbot glue)", function () {
    this.timeout(30000);

    function python(code: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
        const run = spawnSync("python3", ["-c", code], {
            encoding: "utf8",
            env: { ...process.env, PYTHONPATH: IMAGE_DIR, PYTHONDONTWRITEBYTECODE: "1", ...env },
        });
        return { status: run.status, stdout: run.stdout.trim(), stderr: run.stderr };
    }

    it("round-trips certbot's config directory, relative live/ links included, and ignores lock files", () => {
        const run = python(`
import os, tempfile
import jhp_acme_renew as g
src, dst = tempfile.mkdtemp(), tempfile.mkdtemp()
os.makedirs(f"{src}/archive/hub.example.org"); os.makedirs(f"{src}/live/hub.example.org"); os.makedirs(f"{src}/accounts/a")
open(f"{src}/archive/hub.example.org/cert1.pem", "w").write("CERT")
os.chmod(f"{src}/archive/hub.example.org/cert1.pem", 0o600)
os.symlink("../../archive/hub.example.org/cert1.pem", f"{src}/live/hub.example.org/cert.pem")
open(f"{src}/accounts/a/private_key.json", "w").write("{}")
before = g.tree_digest(src)
open(f"{src}/.certbot.lock", "w").write("")
assert g.tree_digest(src) == before, "a lock file is not state"
g.unpack(g.pack(src), dst)
assert not os.path.exists(f"{dst}/.certbot.lock")
assert g.tree_digest(dst) == before, "restored tree differs"
assert open(f"{dst}/live/hub.example.org/cert.pem").read() == "CERT"
assert os.readlink(f"{dst}/live/hub.example.org/cert.pem") == "../../archive/hub.example.org/cert1.pem"
open(f"{dst}/archive/hub.example.org/cert1.pem", "w").write("CERT2")
assert g.tree_digest(dst) != before, "a changed file changes the digest"
print("ok")
`);
        assert.strictEqual(run.status, 0, run.stderr);
        assert.strictEqual(run.stdout, "ok");
    });

    it("refuses state that would land outside the config directory", () => {
        const run = python(`
import io, os, tarfile, tempfile
import jhp_acme_renew as g
def blob(*members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, kind, target in members:
            info = tarfile.TarInfo(name)
            if kind == "link":
                info.type, info.linkname = tarfile.SYMTYPE, target
                t.addfile(info)
            elif kind == "dev":
                info.type = tarfile.CHRTYPE
                t.addfile(info)
            else:
                info.size = 1
                t.addfile(info, io.BytesIO(b"x"))
    return buf.getvalue()
for case in ([("../escape", "file", "")], [("/etc/escape", "file", "")], [("live/x", "link", "/etc/passwd")],
             [("live/y", "link", "../../../etc/passwd")], [("dev", "dev", "")]):
    d = tempfile.mkdtemp()
    try:
        g.unpack(blob(*case), d)
        print("accepted", case)
    except ValueError as e:
        print("refused")
`);
        assert.strictEqual(run.status, 0, run.stderr);
        assert.deepStrictEqual(run.stdout.split("\n"), ["refused", "refused", "refused", "refused", "refused"]);
    });

    it("runs certbot certonly with its own renewal window, standalone HTTP-01 on the solver port and the route hooks", () => {
        const run = python(
            `
import json, jhp_acme_renew as g
print(json.dumps(g.certbot_command({"config": "/s/config", "work": "/s/work", "logs": "/s/logs"}, "/usr/local/bin/jhp-acme-renew")))
`,
            { DOMAIN: "hub.example.org", EMAIL: "ops@example.org", ACME_SERVER: "https://acme.example/dir", SOLVER_PORT: "8089" },
        );
        assert.strictEqual(run.status, 0, run.stderr);
        const argv = JSON.parse(run.stdout) as string[];
        const after = (flag: string) => argv[argv.indexOf(flag) + 1];
        assert.deepStrictEqual(argv.slice(0, 2), ["certbot", "certonly"]);
        for (const flag of ["--non-interactive", "--agree-tos", "--standalone", "--keep-until-expiring"]) {
            assert.ok(argv.includes(flag), flag);
        }
        assert.ok(!argv.includes("--force-renewal"));
        assert.strictEqual(after("--email"), "ops@example.org");
        assert.strictEqual(after("--server"), "https://acme.example/dir");
        assert.strictEqual(after("--http-01-port"), "8089");
        assert.strictEqual(after("--preferred-challenges"), "http");
        assert.strictEqual(after("--cert-name"), "hub.example.org");
        assert.strictEqual(after("-d"), "hub.example.org");
        assert.strictEqual(after("--config-dir"), "/s/config");
        assert.strictEqual(after("--work-dir"), "/s/work");
        assert.strictEqual(after("--logs-dir"), "/s/logs");
        assert.strictEqual(after("--pre-hook"), "/usr/local/bin/jhp-acme-renew route-add");
        assert.strictEqual(after("--post-hook"), "/usr/local/bin/jhp-acme-renew route-del");
        const anonymous = python(
            `import json, jhp_acme_renew as g; print(json.dumps(g.certbot_command({"config": "c", "work": "w", "logs": "l"}, "x")))`,
            { DOMAIN: "hub.example.org", EMAIL: "", ACME_SERVER: "https://acme.example/dir", SOLVER_PORT: "8089" },
        );
        assert.ok((JSON.parse(anonymous.stdout) as string[]).includes("--register-unsafely-without-email"));
    });

    it("compares chains by their leaf certificate", () => {
        const run = python(`
import jhp_acme_renew as g
a = "-----BEGIN CERTIFICATE-----\\nAAA\\n-----END CERTIFICATE-----\\n"
b = "-----BEGIN CERTIFICATE-----\\nBBB\\n-----END CERTIFICATE-----\\n"
print(g.first_certificate((a + b).encode()) == g.first_certificate(a), g.first_certificate(b + a) == g.first_certificate(a), repr(g.first_certificate(b"")))
`);
        assert.strictEqual(run.status, 0, run.stderr);
        assert.strictEqual(run.stdout, "True False ''");
    });

    it("has no ACME protocol code of its own", () => {
        const source = fs.readFileSync(path.join(IMAGE_DIR, "jhp_acme_renew.py"), "utf8");
        for (const word of [/\bjws\b/i, /\bjwk\b/i, /thumbprint/i, /newOrder/, /newAccount/, /Replay-Nonce/i, /\bcryptography\b/]) {
            assert.doesNotMatch(source, word);
        }
    });
});
