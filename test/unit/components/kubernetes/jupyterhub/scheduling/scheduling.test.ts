import * as assert from "assert";
import { imagePuller, pulledImages } from "../../../../../../components/kubernetes/jupyterhub/imagePuller/daemonSet";
import { priorityClasses } from "../../../../../../components/kubernetes/jupyterhub/scheduling/priorityClasses";
import { userPlaceholders } from "../../../../../../components/kubernetes/jupyterhub/scheduling/userPlaceholders";
import {
    kubeSchedulerConfiguration,
    userSchedulerConfigMap,
} from "../../../../../../components/kubernetes/jupyterhub/scheduling/userSchedulerConfig";
import { userSchedulerDeployment } from "../../../../../../components/kubernetes/jupyterhub/scheduling/userSchedulerDeployment";
import {
    userSchedulerClusterRoleBindings,
    userSchedulerLeaseRole,
    userSchedulerLeaseRoleBinding,
    userSchedulerServiceAccount,
} from "../../../../../../components/kubernetes/jupyterhub/scheduling/userSchedulerRbac";
import { ctx, IMAGES, json, PROFILE_IMAGE } from "../fixtures";

const SINGLEUSER = IMAGES.singleuser as string;
const PAUSE = "registry.k8s.io/pause@sha256:" + "9".repeat(64);

describe("jupyterhub-k8s continuous image puller", () => {
    it("off: nothing", () => {
        assert.strictEqual(imagePuller(ctx({ "kubernetes.imagePuller": "false" })), undefined);
    });

    it("on: a DaemonSet on the user nodes whose init containers use each single-user image once", () => {
        const c = ctx({
            "kubernetes.userNodeSelector": JSON.stringify(["hub.jupyter.org/node-purpose=user"]),
            "singleuser.profiles": JSON.stringify([
                "slug=small;name=Small",
                `slug=big;name=Big;image=${PROFILE_IMAGE}`,
                `slug=bigger;name=Bigger;image=${PROFILE_IMAGE};memory=8Gi`,
            ]),
        });
        assert.deepStrictEqual(
            pulledImages(c).map((p) => [p.name, p.image]),
            [
                ["image-pull-singleuser", SINGLEUSER],
                ["image-pull-profile-big", PROFILE_IMAGE],
            ],
        );
        const ds = json(imagePuller(c));
        assert.strictEqual(ds.kind, "DaemonSet");
        assert.strictEqual(ds.metadata.name, "continuous-image-puller");
        const pod = ds.spec.template.spec;
        assert.deepStrictEqual(pod.nodeSelector, { "hub.jupyter.org/node-purpose": "user" });
        assert.deepStrictEqual(
            pod.initContainers.map((i: { image: string; command: string[] }) => [i.image, i.command.join(" ")]),
            [
                [SINGLEUSER, "/bin/sh -c echo Pulling complete"],
                [PROFILE_IMAGE, "/bin/sh -c echo Pulling complete"],
            ],
        );
        assert.deepStrictEqual(ds.spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "100%" } });
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.strictEqual(pod.containers[0].securityContext.runAsNonRoot, true);
        assert.deepStrictEqual(ds.spec.template.metadata.labels.component, "continuous-image-puller");
        // `pulumi up` waits for the images to reach every node (the hub waits for it: see the
        // component's test); no skipAwait.
        assert.strictEqual(ds.metadata.annotations, undefined);
    });

    it("idles with `sleep` in the single-user image, or with a given pause image", () => {
        const idle = json(imagePuller(ctx())).spec.template.spec.containers[0];
        assert.deepStrictEqual([idle.image, idle.command], [SINGLEUSER, ["sleep", "infinity"]]);
        const pause = json(imagePuller(ctx({}, { images: { pause: PAUSE } }))).spec.template.spec.containers[0];
        assert.deepStrictEqual([pause.image, pause.command], [PAUSE, undefined]);
    });
});

describe("jupyterhub-k8s user placeholders and priorities", () => {
    it("off (0): no StatefulSet, no PriorityClasses", () => {
        const c = ctx({ "kubernetes.userPlaceholders": "0" });
        assert.strictEqual(userPlaceholders(c), undefined);
        assert.deepStrictEqual(priorityClasses(c), []);
    });

    it("on: a default priority (0) and a placeholder priority (-10) that never preempts, named per namespace", () => {
        const pcs = priorityClasses(ctx()).map(json);
        assert.deepStrictEqual(
            pcs.map((p) => [p.metadata.name, p.value, p.globalDefault, p.preemptionPolicy]),
            [
                ["jupyterhub-default-priority", 0, false, undefined],
                ["jupyterhub-user-placeholder-priority", -10, false, "Never"],
            ],
        );
        assert.ok(pcs.every((p) => p.metadata.namespace === undefined));
    });

    it("holds room for N users: pods sized like a user pod (requests = guarantees)", () => {
        const s = json(userPlaceholders(ctx({ "kubernetes.userPlaceholders": "3" })));
        assert.strictEqual(s.kind, "StatefulSet");
        assert.strictEqual(s.spec.replicas, 3);
        assert.strictEqual(s.spec.podManagementPolicy, "Parallel");
        const pod = s.spec.template.spec;
        assert.strictEqual(pod.priorityClassName, "jupyterhub-user-placeholder-priority");
        assert.strictEqual(pod.terminationGracePeriodSeconds, 0);
        // Pending placeholders on a full cluster are normal: `pulumi up` must not wait for them.
        assert.deepStrictEqual(s.metadata.annotations, { "pulumi.com/skipAwait": "true" });
        // The prod example: 128M guarantee and limit, 0.5 CPU limit (no CPU guarantee: request = limit).
        assert.deepStrictEqual(pod.containers[0].resources, {
            requests: { memory: "128M", cpu: "500m" },
            limits: { memory: "128M", cpu: "500m" },
        });
    });

    it("uses the guarantees when set and the limits otherwise, converted to Kubernetes quantities", () => {
        const pod = json(
            userPlaceholders(
                ctx({
                    "singleuser.memory.guarantee": "512Mi",
                    "singleuser.memory.limit": "2G",
                    "singleuser.cpu.guarantee": "250m",
                    "singleuser.cpu.limit": "2",
                }),
            ),
        ).spec.template.spec;
        assert.deepStrictEqual(pod.containers[0].resources, {
            requests: { memory: "512Mi", cpu: "250m" },
            limits: { memory: "2G", cpu: "2" },
        });
    });

    it("goes through the user scheduler when there is one, and on the user nodes", () => {
        const on = json(userPlaceholders(ctx({ "kubernetes.userNodeSelector": JSON.stringify(["pool=users"]) }))).spec.template.spec;
        assert.strictEqual(on.schedulerName, "jupyterhub-user-scheduler");
        assert.deepStrictEqual(on.nodeSelector, { pool: "users" });
        const off = json(userPlaceholders(ctx({ "kubernetes.userScheduler": "false" }))).spec.template.spec;
        assert.strictEqual(off.schedulerName, undefined);
    });
});

describe("jupyterhub-k8s user scheduler", () => {
    it("packs: NodeResourcesFit scores MostAllocated on CPU and memory, balancing is off", () => {
        const cfg = kubeSchedulerConfiguration(ctx());
        assert.strictEqual(cfg.apiVersion, "kubescheduler.config.k8s.io/v1");
        assert.strictEqual(cfg.kind, "KubeSchedulerConfiguration");
        const profile = cfg.profiles[0];
        assert.strictEqual(profile.schedulerName, "jupyterhub-user-scheduler");
        const fit = profile.pluginConfig.find((p) => p.name === "NodeResourcesFit");
        assert.deepStrictEqual(fit?.args, {
            scoringStrategy: {
                type: "MostAllocated",
                resources: [
                    { name: "cpu", weight: 1 },
                    { name: "memory", weight: 1 },
                ],
            },
        });
        assert.ok(profile.plugins.score.disabled.some((p) => p.name === "NodeResourcesBalancedAllocation"));
        assert.ok(!profile.plugins.score.enabled.some((p) => p.name === "NodeResourcesBalancedAllocation"));
        assert.deepStrictEqual(
            profile.plugins.score.enabled.find((p) => p.name === "NodeResourcesFit"),
            { name: "NodeResourcesFit", weight: 121 },
        );
    });

    it("elects a leader on its own Lease in the hub namespace", () => {
        assert.deepStrictEqual(kubeSchedulerConfiguration(ctx({ "kubernetes.namespace": "course-a" })).leaderElection, {
            leaderElect: true,
            resourceLock: "leases",
            resourceName: "user-scheduler-lock",
            resourceNamespace: "course-a",
        });
        const role = json(userSchedulerLeaseRole(ctx()));
        assert.deepStrictEqual(role.rules, [
            { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: ["user-scheduler-lock"], verbs: ["get", "update"] },
        ]);
        assert.deepStrictEqual(json(userSchedulerLeaseRoleBinding(ctx())).subjects, [
            { kind: "ServiceAccount", name: "user-scheduler", namespace: "jupyterhub" },
        ]);
    });

    it("binds the cluster's own scheduler roles, under namespace-prefixed names", () => {
        const bindings = userSchedulerClusterRoleBindings(ctx({ "kubernetes.namespace": "course-a" })).map(json);
        assert.deepStrictEqual(
            bindings.map((b) => [b.metadata.name, b.roleRef.name, b.subjects[0].name, b.subjects[0].namespace]),
            [
                ["course-a-user-scheduler-kube-scheduler", "system:kube-scheduler", "user-scheduler", "course-a"],
                ["course-a-user-scheduler-volume-scheduler", "system:volume-scheduler", "user-scheduler", "course-a"],
            ],
        );
        assert.strictEqual(json(userSchedulerServiceAccount(ctx())).metadata.name, "user-scheduler");
    });

    it("stores the configuration as a file kube-scheduler reads (JSON is YAML)", () => {
        const cm = json(userSchedulerConfigMap(ctx()));
        assert.deepStrictEqual(JSON.parse(cm.data["config.yaml"]), JSON.parse(JSON.stringify(kubeSchedulerConfiguration(ctx()))));
    });

    it("runs kube-scheduler at the cluster's version, two replicas, on the core nodes, non-root", () => {
        const d = json(
            userSchedulerDeployment(
                ctx({ "kubernetes.version": "1.32.4", "kubernetes.coreNodeSelector": JSON.stringify(["role=core"]) }),
                "sum",
            ),
        );
        assert.strictEqual(d.spec.replicas, 2);
        const pod = d.spec.template.spec;
        const c = pod.containers[0];
        assert.strictEqual(c.image, "registry.k8s.io/kube-scheduler:v1.32.4");
        assert.deepStrictEqual(c.command, [
            "/usr/local/bin/kube-scheduler",
            "--config=/etc/user-scheduler/config.yaml",
            "--authentication-skip-lookup=true",
            "--v=2",
        ]);
        assert.deepStrictEqual(c.livenessProbe.httpGet, { path: "/healthz", port: 10259, scheme: "HTTPS" });
        assert.strictEqual(c.securityContext.runAsNonRoot, true);
        assert.strictEqual(pod.serviceAccountName, "user-scheduler");
        assert.deepStrictEqual(pod.nodeSelector, { role: "core" });
        assert.strictEqual(d.spec.template.metadata.annotations["jupyterhub-platform/config-checksum"], "sum");
        const pinned = json(
            userSchedulerDeployment(ctx({}, { images: { scheduler: "mirror/kube-scheduler@sha256:" + "1".repeat(64) } }), "x"),
        );
        assert.strictEqual(pinned.spec.template.spec.containers[0].image, "mirror/kube-scheduler@sha256:" + "1".repeat(64));
    });
});
