/**
 * Every rule of policy/rules.ts with fake resources: what passes and what is reported (naming the
 * resource and the property, never a value). The pack itself runs for real in `npm run test:policy`.
 */
import { strict as assert } from "assert";
import { HUB_DOCUMENT_PATH } from "../../../components/hub/contract";
import {
    adminPortsClosed,
    imagesByDigest,
    nonRoot,
    type PolicyResource,
    type Rule,
    RULES,
    secretsAreSecret,
    STACK_TYPE,
    type StackContext,
    T,
    tlsForPublicDomain,
    userDataKept,
    userMemoryLimit,
} from "../../../policy/rules";

const DIGEST = "sha256:" + "a".repeat(64);
const NO_CONFIG: StackContext = { config: {} };

function res(
    type: string,
    props: Record<string, unknown>,
    o: { protect?: boolean; secret?: string[]; project?: string; name?: string } = {},
): PolicyResource {
    const name = o.name ?? "r";
    return {
        type,
        name,
        urn: `urn:pulumi:test::${o.project ?? "jhp-policy-fixture"}::${type}::${name}`,
        props,
        protect: o.protect ?? false,
        secretPaths: new Set(o.secret ?? []),
    };
}

const run = (rule: Rule, r: PolicyResource, stack: StackContext = NO_CONFIG) => rule.check(r, stack);

function hubDoc(over: { uid?: number; mem?: number; publicUrl?: string | null; image?: string; profiles?: unknown[] } = {}): string {
    return JSON.stringify({
        schemaVersion: 1,
        hub: { publicUrl: over.publicUrl ?? null },
        singleuser: { uid: over.uid ?? 1000, memLimitBytes: over.mem ?? 2e9, image: over.image ?? DIGEST, profiles: over.profiles ?? [] },
    });
}
const hubContainer = (doc: string, extra: Record<string, unknown> = {}) =>
    res(T.dockerContainer, {
        image: DIGEST,
        user: "10001:10001",
        securityOpts: ["no-new-privileges"],
        uploads: [{ file: HUB_DOCUMENT_PATH, content: doc }],
        ...extra,
    });

describe("policy rules", () => {
    it("every rule has a name, a description and an enforcement level; only images-by-digest is advisory", () => {
        assert.deepEqual(
            RULES.map((r) => [r.name, r.enforcementLevel]),
            [
                ["secrets-are-secret", "mandatory"],
                ["user-data-kept", "mandatory"],
                ["non-root", "mandatory"],
                ["user-memory-limit", "mandatory"],
                ["admin-ports-closed", "mandatory"],
                ["tls-for-public-domain", "mandatory"],
                ["images-by-digest", "advisory"],
            ],
        );
        for (const r of RULES) assert.ok(r.description.length > 30, r.name);
    });

    describe("secrets-are-secret", () => {
        it("container env: secret-named variables must be secret; the value is never in the message", () => {
            const envs = ["PLATFORM_COOKIE_SECRET=hunter2cookie", "CONFIGPROXY_AUTH_TOKEN=hunter2proxy", "HOME=/tmp", "GRADER_API_KEY=k"];
            const v = run(secretsAreSecret, res(T.dockerContainer, { envs }));
            assert.equal(v.length, 3, v.join("\n"));
            assert.match(v[0], /environment variable PLATFORM_COOKIE_SECRET \(envs\[0\]\) is not a Pulumi secret/);
            assert.ok(!v.join("").includes("hunter2"));
            assert.deepEqual(run(secretsAreSecret, res(T.dockerContainer, { envs }, { secret: ["envs"] })), []);
            assert.equal(run(secretsAreSecret, res(T.dockerContainer, { envs }, { secret: ["envs[0]", "envs[1]"] })).length, 1);
        });
        it("registry passwords (provider registryAuth, JSON-encoded as provider inputs are; image builds)", () => {
            const auth = JSON.stringify([{ address: "registry.example.org", username: "u", password: "p" }]);
            assert.match(
                run(secretsAreSecret, res(T.dockerProvider, { registryAuth: auth }))[0],
                /password of registry registry.example.org \(registryAuth\)/,
            );
            assert.deepEqual(run(secretsAreSecret, res(T.dockerProvider, { registryAuth: auth }, { secret: ["registryAuth"] })), []);
            assert.deepEqual(run(secretsAreSecret, res(T.dockerProvider, { host: "unix:///var/run/docker.sock" })), []);
            assert.equal(run(secretsAreSecret, res(T.dockerImage, { registry: { server: "r", password: "p" } })).length, 1);
        });
        it("kubeconfig, OpenStack credentials, every key of a Kubernetes Secret", () => {
            assert.equal(run(secretsAreSecret, res(T.k8sProvider, { kubeconfig: "apiVersion: v1" })).length, 1);
            assert.deepEqual(run(secretsAreSecret, res(T.k8sProvider, { kubeconfig: "apiVersion: v1" }, { secret: ["kubeconfig"] })), []);
            assert.deepEqual(run(secretsAreSecret, res(T.k8sProvider, { renderYamlToDirectory: "/tmp/x" })), []);
            assert.equal(run(secretsAreSecret, res(T.openstackProvider, { password: "p", authUrl: "http://k" })).length, 1);
            const pull = res(
                T.k8sSecret,
                { stringData: { ".dockerconfigjson": "{}" }, data: { "cookie-secret": "eA==" } },
                { secret: ["data"] },
            );
            const v = run(secretsAreSecret, pull);
            assert.equal(v.length, 1);
            assert.match(v[0], /key \.dockerconfigjson/);
        });
        it("private keys in user-data or uploads", () => {
            const pem = "#cloud-config\nwrite_files:\n- content: |\n    -----BEGIN PRIVATE KEY-----\n    MIIB\n";
            assert.match(run(secretsAreSecret, res(T.osInstance, { userData: pem }))[0], /user-data holding a private key/);
            assert.deepEqual(run(secretsAreSecret, res(T.osInstance, { userData: pem }, { secret: ["userData"] })), []);
            assert.deepEqual(run(secretsAreSecret, res(T.osInstance, { userData: "#cloud-config\n" })), []);
            const upload = res(T.dockerContainer, { uploads: [{ file: "/etc/tls/key.pem", content: "-----BEGIN EC PRIVATE KEY-----\n" }] });
            assert.equal(run(secretsAreSecret, upload).length, 1);
        });
    });

    describe("user-data-kept", () => {
        it("any project: volumes, PVCs, PVs, Namespaces and Cinder volumes must be protected", () => {
            for (const type of [T.dockerVolume, T.k8sPvc, T.k8sPv, T.k8sNamespace, T.osVolume]) {
                assert.match(run(userDataKept, res(type, {}))[0], /neither protected nor retained/, type);
                assert.deepEqual(run(userDataKept, res(type, {}, { protect: true })), [], type);
            }
            assert.deepEqual(run(userDataKept, res(T.dockerContainer, {})), []);
        });
        it("this project: retained through data.retainOnDestroy (default true; flat or nested as the engine passes it)", () => {
            const ours = res(T.dockerVolume, {}, { project: "jupyterhub-platform", name: "hub-hub-data" });
            assert.deepEqual(run(userDataKept, ours), []);
            assert.deepEqual(run(userDataKept, ours, { config: { "jupyterhub-platform:data.retainOnDestroy": "true" } }), []);
            const off = run(userDataKept, ours, { config: { "jupyterhub-platform:data.retainOnDestroy": "false" } });
            assert.match(off[0], /Volume 'hub-hub-data' holds user data and data.retainOnDestroy is false/);
            assert.equal(run(userDataKept, ours, { config: { "jupyterhub-platform:data": '{"retainOnDestroy":false}' } }).length, 1);
            assert.deepEqual(
                run(userDataKept, { ...ours, protect: true }, { config: { "jupyterhub-platform:data.retainOnDestroy": "false" } }),
                [],
            );
        });
    });

    describe("non-root", () => {
        it("Docker: a non-root user, no-new-privileges, not privileged", () => {
            const ok = res(T.dockerContainer, { user: "10001:10001", securityOpts: ["no-new-privileges"] });
            assert.deepEqual(run(nonRoot, ok), []);
            assert.deepEqual(run(nonRoot, res(T.dockerContainer, { user: "65534", securityOpts: ["no-new-privileges:true"] })), []);
            const v = run(nonRoot, res(T.dockerContainer, { user: "0:0", privileged: true }));
            assert.equal(v.length, 3, v.join("\n"));
            assert.match(v[0], /runs as root/);
            assert.match(run(nonRoot, res(T.dockerContainer, { securityOpts: ["no-new-privileges"] }))[0], /no `user`/);
            assert.equal(run(nonRoot, res(T.dockerContainer, { user: "root", securityOpts: ["no-new-privileges"] })).length, 1);
        });
        it("Kubernetes: runAsNonRoot or runAsUser > 0 (pod or container), allowPrivilegeEscalation false, for every workload kind", () => {
            const good = { securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false } };
            const dep = (c: Record<string, unknown>, pod: Record<string, unknown> = {}) =>
                res("kubernetes:apps/v1:Deployment", {
                    spec: { template: { spec: { securityContext: pod, containers: [{ name: "c", ...c }] } } },
                });
            assert.deepEqual(run(nonRoot, dep(good)), []);
            assert.deepEqual(run(nonRoot, dep({ securityContext: { allowPrivilegeEscalation: false } }, { runAsUser: 1000 })), []);
            const v = run(nonRoot, dep({ securityContext: { runAsUser: 0, privileged: true } }));
            assert.equal(v.length, 3, v.join("\n"));
            assert.match(v[0], /container 'c' \(containers\[0\]\): runAsUser 0/);
            assert.match(run(nonRoot, dep({}))[0], /neither runAsNonRoot nor a runAsUser > 0/);
            const cron = res("kubernetes:batch/v1:CronJob", {
                spec: { jobTemplate: { spec: { template: { spec: { initContainers: [{ name: "i" }] } } } } },
            });
            assert.equal(run(nonRoot, cron).length, 2);
            const pod = res("kubernetes:core/v1:Pod", {
                spec: { containers: [{ name: "p", securityContext: { runAsUser: 5, allowPrivilegeEscalation: false } }] },
            });
            assert.deepEqual(run(nonRoot, pod), []);
        });
        it("hub document: user servers run with a uid > 0", () => {
            assert.deepEqual(run(nonRoot, hubContainer(hubDoc())), []);
            assert.match(run(nonRoot, hubContainer(hubDoc({ uid: 0 })))[0], /runs user servers as uid 0/);
            const cm = res(T.k8sConfigMap, { data: { "config.json": hubDoc({ uid: 0 }) } });
            assert.equal(run(nonRoot, cm).length, 1);
        });
    });

    describe("user-memory-limit", () => {
        it("hub document: memLimitBytes > 0 and every profile's", () => {
            assert.deepEqual(
                run(userMemoryLimit, hubContainer(hubDoc({ profiles: [{ slug: "a" }, { slug: "b", memLimitBytes: 4e9 }] }))),
                [],
            );
            assert.match(run(userMemoryLimit, hubContainer(hubDoc({ mem: 0 })))[0], /gives user servers no memory limit/);
            assert.match(run(userMemoryLimit, hubContainer(hubDoc({ profiles: [{ slug: "big", memLimitBytes: 0 }] })))[0], /profile 'big'/);
        });
        it("Docker user containers (role label user-server) set memory; other containers need not", () => {
            const labels = [{ label: "org.jupyterhub-platform.role", value: "user-server" }];
            assert.match(run(userMemoryLimit, res(T.dockerContainer, { labels }))[0], /a user container without a memory limit/);
            assert.deepEqual(run(userMemoryLimit, res(T.dockerContainer, { labels, memory: 512 })), []);
            assert.deepEqual(
                run(userMemoryLimit, res(T.dockerContainer, { labels: [{ label: "org.jupyterhub-platform.role", value: "hub" }] })),
                [],
            );
        });
        it("user and placeholder pods set resources.limits.memory", () => {
            const sts = (limits: Record<string, unknown>) =>
                res("kubernetes:apps/v1:StatefulSet", {
                    spec: {
                        template: {
                            metadata: { labels: { component: "user-placeholder" } },
                            spec: { containers: [{ name: "pause", resources: { limits } }] },
                        },
                    },
                });
            assert.deepEqual(run(userMemoryLimit, sts({ memory: "2G" })), []);
            assert.match(run(userMemoryLimit, sts({ cpu: "1" }))[0], /a user-placeholder pod without resources.limits.memory/);
            const hubPod = res("kubernetes:core/v1:Pod", {
                metadata: { labels: { component: "hub" } },
                spec: { containers: [{ name: "hub" }] },
            });
            assert.deepEqual(run(userMemoryLimit, hubPod), []);
        });
    });

    describe("admin-ports-closed", () => {
        const rule = (p: Record<string, unknown>) =>
            run(adminPortsClosed, res(T.osSecGroupRule, { direction: "ingress", protocol: "tcp", ...p }));
        it("SSH and the Kubernetes API open to the world are reported; admin CIDRs, other ports and egress are not", () => {
            assert.match(
                rule({ portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0" })[0],
                /opens port 22 \(SSH\) to 0.0.0.0\/0/,
            );
            assert.match(rule({ portRangeMin: 6443, portRangeMax: 6443, remoteIpPrefix: "::/0" })[0], /6443 \(Kubernetes API\)/);
            assert.equal(rule({ portRangeMin: 1, portRangeMax: 65535, remoteIpPrefix: "0.0.0.0/0" }).length, 2);
            assert.equal(rule({ protocol: "", remoteIpPrefix: "0.0.0.0/0" }).length, 2, "any protocol, all ports");
            assert.equal(rule({ portRangeMin: 22, portRangeMax: 22 }).length, 1, "no prefix and no remote group: any source");
            assert.deepEqual(rule({ portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "192.0.2.0/24" }), []);
            assert.deepEqual(rule({ portRangeMin: 22, portRangeMax: 22, remoteGroupId: "sg-nodes" }), []);
            assert.deepEqual(rule({ portRangeMin: 443, portRangeMax: 443, remoteIpPrefix: "0.0.0.0/0" }), []);
            assert.deepEqual(rule({ portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0", direction: "egress" }), []);
            assert.deepEqual(rule({ portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0", protocol: "udp" }), []);
        });
    });

    describe("tls-for-public-domain", () => {
        it("a hub document publishing a domain over http is reported; https and local (no publicUrl) pass", () => {
            assert.match(run(tlsForPublicDomain, hubContainer(hubDoc({ publicUrl: "http://hub.example.org" })))[0], /without TLS/);
            assert.deepEqual(run(tlsForPublicDomain, hubContainer(hubDoc({ publicUrl: "https://hub.example.org" }))), []);
            assert.deepEqual(run(tlsForPublicDomain, hubContainer(hubDoc())), []);
        });
        it("the stack config: hub.domain with hub.tls.mode none, checked once on the stack resource", () => {
            const stackRes = res(STACK_TYPE, {}, { project: "jupyterhub-platform" });
            const cfg = (mode?: string): StackContext => ({
                config: {
                    "jupyterhub-platform:hub.domain": "hub.example.org",
                    ...(mode ? { "jupyterhub-platform:hub.tls.mode": mode } : {}),
                },
            });
            assert.match(run(tlsForPublicDomain, stackRes, cfg())[0], /hub.domain is hub.example.org but hub.tls.mode is none/);
            assert.deepEqual(run(tlsForPublicDomain, stackRes, cfg("letsencrypt")), []);
            assert.deepEqual(run(tlsForPublicDomain, res(STACK_TYPE, {}), cfg()), [], "another project's stack");
        });
    });

    describe("images-by-digest (advisory)", () => {
        it("tags are reported; digests and local image IDs pass", () => {
            assert.deepEqual(run(imagesByDigest, res(T.dockerContainer, { image: DIGEST })), []);
            assert.deepEqual(
                run(imagesByDigest, res(T.dockerContainer, { image: `registry.example.org/hub@sha256:${"b".repeat(64)}` })),
                [],
            );
            assert.match(run(imagesByDigest, res(T.dockerContainer, { image: "nginx:1.27" }))[0], /tag reference nginx:1.27/);
            const dep = res("kubernetes:apps/v1:Deployment", {
                spec: { template: { spec: { containers: [{ name: "s", image: "registry.k8s.io/kube-scheduler:v1.33.5" }] } } },
            });
            assert.equal(run(imagesByDigest, dep).length, 1);
            assert.equal(run(imagesByDigest, hubContainer(hubDoc({ image: "quay.io/jupyter/minimal-notebook:latest" }))).length, 1);
        });
    });
});
