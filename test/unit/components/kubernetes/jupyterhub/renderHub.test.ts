import * as assert from "assert";
import { checksum, hubDocumentJson } from "../../../../../components/kubernetes/jupyterhub/hub/document";
import type { HubRenderContext } from "../../../../../components/kubernetes/jupyterhub/context";
import { CLUSTER_SCOPED } from "../../../../../components/kubernetes/jupyterhub/objects";
import { renderHubObjects, WORKLOAD_KINDS } from "../../../../../components/kubernetes/jupyterhub/renderHub";
import { ADDONS_OFF, ctx, IMAGES, kinds, NO_CAS, PEM_CERT, PEM_KEY } from "./fixtures";

const SECRETS = {
    cookieSecret: "S3CRET-cookie",
    proxyToken: "S3CRET-token",
    cryptKey: "S3CRET-crypt",
    dummyPassword: "S3CRET-dummy",
    dbUrl: "S3CRET-db",
};

function render(c: HubRenderContext) {
    const doc = hubDocumentJson(c, IMAGES.singleuser as string);
    const tls = c.config.hub.tls.mode === "none" ? undefined : { certificate: "S3CRET-cert", key: "S3CRET-key" };
    return renderHubObjects(c, {
        documentJson: doc,
        documentChecksum: checksum(doc),
        secrets: SECRETS,
        tls,
        registryDockerConfig: "S3CRET-registry",
    });
}

describe("jupyterhub-k8s all objects", () => {
    it("prod example: hub, proxy, puller, placeholders, user scheduler, policies, ACME renewer", () => {
        assert.deepStrictEqual(kinds(render(ctx())), [
            "PriorityClass/jupyterhub-default-priority",
            "PriorityClass/jupyterhub-user-placeholder-priority",
            "ServiceAccount/hub",
            "ServiceAccount/acme-renewer",
            "ServiceAccount/user-scheduler",
            "Role/hub",
            "Role/acme-renewer",
            "Role/user-scheduler",
            "RoleBinding/hub",
            "RoleBinding/acme-renewer",
            "RoleBinding/user-scheduler",
            "ClusterRoleBinding/jupyterhub-user-scheduler-kube-scheduler",
            "ClusterRoleBinding/jupyterhub-user-scheduler-volume-scheduler",
            "ConfigMap/hub-config",
            "ConfigMap/user-scheduler",
            "Secret/hub-secret",
            "Secret/image-pull-secret",
            "Secret/proxy-tls",
            "Secret/acme-renewer-state",
            "PersistentVolumeClaim/hub-db-dir",
            "NetworkPolicy/hub",
            "NetworkPolicy/proxy",
            "NetworkPolicy/singleuser",
            "NetworkPolicy/acme-renewer",
            "Service/hub",
            "Service/proxy-api",
            "Service/proxy-public",
            "DaemonSet/continuous-image-puller",
            "Deployment/hub",
            "Deployment/proxy",
            "Deployment/user-scheduler",
            "StatefulSet/user-placeholder",
            "CronJob/acme-renewer",
        ]);
    });

    it("every add-on off, plain HTTP, external database: just the hub and the proxy", () => {
        const c = ctx({
            ...ADDONS_OFF,
            ...NO_CAS,
            "hub.tls.mode": "none",
            "hub.auth.type": "dummy",
            "hub.db.type": "external",
            "hub.db.url": "postgresql://h:p@db/j",
        });
        assert.deepStrictEqual(kinds(render(c)), [
            "ServiceAccount/hub",
            "Role/hub",
            "RoleBinding/hub",
            "ConfigMap/hub-config",
            "Secret/hub-secret",
            "Secret/image-pull-secret",
            "Service/hub",
            "Service/proxy-api",
            "Service/proxy-public",
            "Deployment/hub",
            "Deployment/proxy",
        ]);
    });

    it("workloads come after everything they use", () => {
        const order = render(ctx()).map((o) => o.kind);
        const firstWorkload = order.findIndex((k) => WORKLOAD_KINDS.includes(k));
        assert.ok(order.slice(firstWorkload).every((k) => WORKLOAD_KINDS.includes(k)));
    });

    it("namespaces every namespaced object and no cluster-scoped one", () => {
        for (const o of render(ctx({ "kubernetes.namespace": "course-a" }))) {
            const ns = o.metadata.namespace;
            assert.strictEqual(ns, CLUSTER_SCOPED.includes(o.kind) ? undefined : "course-a", `${o.kind}/${o.metadata.name}`);
        }
    });

    it("never puts a secret value outside the Secrets", () => {
        for (const c of [
            ctx(),
            ctx({ "hub.tls.mode": "manual", "hub.tls.certificate": PEM_CERT, "hub.tls.key": PEM_KEY }),
            ctx({ ...NO_CAS, "hub.auth.type": "dummy" }),
        ]) {
            for (const o of render(c)) {
                const text = JSON.stringify(o);
                if (o.kind === "Secret") {
                    continue;
                }
                assert.ok(!text.includes("S3CRET"), `${o.kind}/${o.metadata.name} carries a secret value`);
                assert.ok(!text.includes("BEGIN PRIVATE KEY"), `${o.kind}/${o.metadata.name} carries a key`);
            }
        }
    });

    it("uses only images pinned by digest, except kube-scheduler at the cluster's release tag", () => {
        const images = new Set<string>();
        const visit = (v: unknown, key?: string) => {
            if (key === "image" && typeof v === "string") images.add(v);
            else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) visit(x, k);
        };
        render(ctx()).forEach((o) => visit(o));
        for (const image of images) {
            assert.ok(/@sha256:[0-9a-f]{64}$/.test(image) || image === "registry.k8s.io/kube-scheduler:v1.33.5", image);
        }
        assert.ok(images.has("registry.k8s.io/kube-scheduler:v1.33.5"));
    });

    it("labels every object with app=jupyterhub, release and component", () => {
        for (const o of render(ctx())) {
            const labels = o.metadata.labels as Record<string, string>;
            assert.strictEqual(labels.app, "jupyterhub", `${o.kind}/${o.metadata.name}`);
            assert.strictEqual(labels.release, "jupyterhub");
            assert.ok(labels.component);
        }
    });

    it("runs every container non-root without privilege escalation (the restricted Pod Security level)", () => {
        for (const o of render(ctx()).filter((x) => WORKLOAD_KINDS.includes(x.kind))) {
            const spec = JSON.parse(JSON.stringify(o)).spec;
            const pod = o.kind === "CronJob" ? spec.jobTemplate.spec.template.spec : spec.template.spec;
            assert.strictEqual(pod.securityContext.runAsNonRoot, true, o.metadata.name);
            assert.strictEqual(pod.hostNetwork, undefined);
            for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
                assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false, `${o.metadata.name}/${c.name}`);
                assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
                assert.ok(c.securityContext.runAsUser > 0);
                assert.ok(!(c.ports ?? []).some((p: { hostPort?: number }) => p.hostPort !== undefined));
            }
        }
    });
});
