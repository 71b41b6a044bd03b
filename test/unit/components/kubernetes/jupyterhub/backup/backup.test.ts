/** Backups on Kubernetes: the CronJob next to the hub, its rights, the runner document and the hub's status mount. */
import * as assert from "assert";
import {
    BASELINE_CAPABILITIES,
    backupCronJob,
    backupObjects,
    backupRole,
    backupSecret,
    kubeRunnerDocument,
} from "../../../../../../components/kubernetes/jupyterhub/backup/backup";
import { hubDeployment } from "../../../../../../components/kubernetes/jupyterhub/hub/deployment";
import { valueOf } from "../../../../harness";
import { ctx, json, kinds } from "../fixtures";

const ON = { "backup.enabled": "true", "backup.password": "correct horse battery" };
const S3 = {
    ...ON,
    "backup.repository": "s3:https://s3.example.org/hub",
    "backup.s3.accessKeyId": "AK",
    "backup.s3.secretAccessKey": "SK",
};

describe("jupyterhub-k8s backups", () => {
    it("nothing unless backup.enabled; a volume repository adds its PVC", () => {
        assert.deepStrictEqual(backupObjects(ctx(), undefined), []);
        assert.deepStrictEqual(kinds(backupObjects(ctx(ON), "tok")), [
            "ServiceAccount/backup",
            "Role/backup",
            "RoleBinding/backup",
            "ConfigMap/backup-config",
            "Secret/backup-env",
            "PersistentVolumeClaim/backups",
            "CronJob/backup",
        ]);
        assert.ok(!kinds(backupObjects(ctx(S3), "tok")).includes("PersistentVolumeClaim/backups"));
    });

    it("the CronJob: schedule in UTC, one at a time, pinned next to the hub pod, hub database read-only", () => {
        const c = json(backupCronJob(ctx({ ...S3, "backup.schedule": "30 2 * * *" })));
        assert.strictEqual(c.spec.schedule, "30 2 * * *");
        assert.strictEqual(c.spec.timeZone, "Etc/UTC");
        assert.strictEqual(c.spec.concurrencyPolicy, "Forbid");
        const pod = c.spec.jobTemplate.spec.template.spec;
        assert.deepStrictEqual(pod.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution, [
            {
                labelSelector: { matchLabels: { app: "jupyterhub", release: "jupyterhub", component: "hub" } },
                topologyKey: "kubernetes.io/hostname",
            },
        ]);
        assert.deepStrictEqual(
            pod.volumes.find((v: { name: string }) => v.name === "hub-db"),
            { name: "hub-db", persistentVolumeClaim: { claimName: "hub-db-dir", readOnly: true } },
        );
        const container = pod.containers[0];
        assert.deepStrictEqual(container.command, ["python3", "/etc/jupyterhub/platform_backup.py", "run"]);
        assert.deepStrictEqual(container.envFrom, [{ secretRef: { name: "backup-env" } }]);
        assert.deepStrictEqual(container.securityContext.capabilities, { drop: ["ALL"], add: ["DAC_OVERRIDE"] });
        for (const cap of container.securityContext.capabilities.add) {
            assert.ok(
                (BASELINE_CAPABILITIES as readonly string[]).includes(cap),
                `${cap} is refused by the namespace's baseline Pod Security`,
            );
        }
        assert.strictEqual(container.securityContext.allowPrivilegeEscalation, false);
        assert.notStrictEqual(container.securityContext.privileged, true);
        assert.strictEqual(c.spec.jobTemplate.spec.template.metadata.labels["hub.jupyter.org/network-access-hub"], "true");
    });

    it("an external database: no claim and no affinity (the runner dumps it)", () => {
        const c = json(
            backupCronJob(ctx({ ...S3, "hub.db.type": "external", "hub.db.url": "postgresql://hub:pw@db.example.org/jupyterhub" })),
        );
        const pod = c.spec.jobTemplate.spec.template.spec;
        assert.strictEqual(pod.affinity, undefined);
        assert.ok(!pod.volumes.some((v: { name: string }) => v.name === "hub-db"));
    });

    it("its rights: claims, Jobs, their pods and logs, the status ConfigMap, scaling the hub; nothing cluster-wide", () => {
        const role = json(backupRole(ctx(ON)));
        assert.deepStrictEqual(
            role.rules.map((r: { resources: string[]; verbs: string[] }) => `${r.resources.join("+")}:${r.verbs.join(",")}`),
            [
                "persistentvolumeclaims:get,list,delete",
                "pods+pods/log:get,list",
                "jobs:create,get,list,delete",
                "configmaps:create",
                "configmaps:get,update,patch",
                "deployments/scale:get,patch",
            ],
        );
        assert.deepStrictEqual(role.rules[4].resourceNames, ["backup-status"]);
        assert.deepStrictEqual(role.rules[5].resourceNames, ["hub"]);
    });

    it("the Secret holds restic's environment and the service token, as a secret", async () => {
        const s = backupSecret(ctx(S3), "the-token");
        const data = (await valueOf(s.stringData as never)) as Record<string, string>;
        assert.deepStrictEqual(Object.keys(data), [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "PLATFORM_BACKUP_CONFIG",
            "PLATFORM_BACKUP_TOKEN",
            "RESTIC_PASSWORD",
            "RESTIC_REPOSITORY",
        ]);
        assert.strictEqual(data.RESTIC_REPOSITORY, "s3:https://s3.example.org/hub");
        assert.strictEqual(data.PLATFORM_BACKUP_TOKEN, "the-token");
    });

    it("the per-claim Jobs read with capabilities baseline Pod Security allows (the namespace enforces baseline)", () => {
        const caps = kubeRunnerDocument(ctx(ON), "jupyterhub", "hub@sha256:x").kubernetes.readCapabilities;
        assert.deepStrictEqual(caps, ["DAC_OVERRIDE"]);
        for (const cap of [...caps, "CHOWN", "DAC_OVERRIDE", "FOWNER"]) {
            assert.ok((BASELINE_CAPABILITIES as readonly string[]).includes(cap), cap);
        }
    });

    it("the runner document: claims, user pods, the status ConfigMap, the hub API by its Service", () => {
        const doc = kubeRunnerDocument(ctx(ON), "jupyterhub", "hub@sha256:x");
        assert.strictEqual(doc.platform, "kubernetes");
        assert.strictEqual(doc.hubApiUrl, "http://hub:8081/hub/api");
        assert.deepStrictEqual(
            { ...doc.kubernetes, labels: undefined, imagePullSecrets: undefined, readCapabilities: undefined },
            {
                namespace: "jupyterhub",
                image: "hub@sha256:x",
                claimPrefix: "claim-",
                podPrefix: "jupyter-",
                hubDbPvc: "hub-db-dir",
                hubDataMount: "/hub-data",
                hubDeployment: "hub",
                statusConfigMap: "backup-status",
                secretName: "backup-env",
                serviceAccount: "backup",
                jobPrefix: "backup-",
                repositoryPvc: "backups",
                nodeSelector: {},
                labels: undefined,
                imagePullSecrets: undefined,
                readCapabilities: undefined,
            },
        );
    });

    it("the hub mounts the status ConfigMap read-only and optional", () => {
        const pod = json(hubDeployment(ctx(ON), "sum")).spec.template.spec;
        assert.deepStrictEqual(
            pod.volumes.find((v: { name: string }) => v.name === "backup-status"),
            { name: "backup-status", configMap: { name: "backup-status", optional: true, defaultMode: 0o444 } },
        );
        assert.deepStrictEqual(
            pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === "backup-status"),
            { name: "backup-status", mountPath: "/var/lib/platform-backup", readOnly: true },
        );
        assert.ok(!json(hubDeployment(ctx(), "sum")).spec.template.spec.volumes.some((v: { name: string }) => v.name === "backup-status"));
    });
});
