/**
 * End to end on a real OpenStack (tools/local-openstack: Zed from Debian's packages, nova's fake
 * driver) with the real Pulumi engine and openstack plugin. `npm run e2e:openstack`:
 *
 *  1. `pulumi preview` of the committed Pulumi.dev.yaml and Pulumi.prod.yaml (copied, pointed at
 *     the local cloud) plans the resources docs/openstack.md counts; prod's Kubernetes provider
 *     has an unknown kubeconfig at preview and plans its objects without a cluster.
 *  2. dev-shaped stack (deploy.stage infrastructure): `up`; every resource read back with the
 *     openstack CLI (rules, port, floating IP, volumes on the instance, key pair, user-data equal
 *     to the program's renderer); `preview --refresh --expect-no-changes`; a cloud-init-only change
 *     (singleuser.home.quota) replaces only the instance and re-attaches the same volumes;
 *     `destroy` refuses the protected volumes and removes everything else; `up` rebuilds around
 *     them; cleanup (`state unprotect`, destroy, the retained volumes deleted with the CLI).
 *  3. prod-shaped stack (1 control plane, 2 workers, 3 storage nodes): the same checks in vxlan
 *     mode, then calico bgp (address pairs and pod-network rules, instances untouched), destroy,
 *     cleanup.
 *  4. Nothing of the test stacks is left in the cloud.
 *
 * Prints PASS/FAIL lines and `N passed, M failed`. Bounded: each pulumi command has a timeout
 * and the run E2E_OS_DEADLINE_MINUTES (default 60). Never connects to an instance's address.
 */
import { spawnSync } from "child_process";
import type { DockerVmOnOpenStackConfig, KubernetesOnOpenStackConfig } from "../../../config/types";
import { devFindings, prodFindings, readVolume, type DevFacts, type Finding } from "./checks";
import {
    Reporter,
    cliStats,
    control,
    createStack,
    createStackFromExample,
    deleteByPrefix,
    leftovers,
    mustPulumi,
    os,
    parsedConfig,
    plannedSteps,
    prefixOf,
    pulumi,
    removeStack,
    removeStackAndLeftovers,
    stackExists,
    setConfig,
    tail,
    SECRETS,
    stateByName,
    type StackSpec,
} from "./lib";
import { EXAMPLES, EXAMPLE_PLAN, devStack, kindOf, prodStack } from "./stacks";
import { stackOutputs } from "../common/lib";

const RUN = process.env.E2E_OS_STACK_PREFIX ?? "e2e-os";
const STACKS = {
    dev: `${RUN}-dev`,
    prod: `${RUN}-prod`,
    exampleDev: `${RUN}-example-dev`,
    exampleProd: `${RUN}-example-prod`,
    bad: `${RUN}-bad`,
};
const DEADLINE_MINUTES = Number(process.env.E2E_OS_DEADLINE_MINUTES ?? 60);
/** The floating IPs' description (components/openstack/server.ts floatingIpFor). */
const FIP_DESCRIPTION = "jupyterhub-platform entry point";
/** Pulumi's marker of an unknown value in a preview's inputs. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const r = new Reporter();
const timings: Record<string, number> = {};

function findings(list: Finding[], label: string): boolean {
    let ok = true;
    for (const [name, problem] of list) {
        r.report(!problem, `${label}: ${name}`, problem ?? "");
        ok &&= !problem;
    }
    return ok;
}

async function timed<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
        return await fn();
    } finally {
        timings[key] = (Date.now() - t0) / 1000;
    }
}

/** `preview --refresh --expect-no-changes`: the cloud as read back needs no change. */
async function expectNoChanges(stack: string, label: string): Promise<void> {
    await r.step(`${label}: a second preview (--refresh --expect-no-changes) shows no diff on any resource`, async () => {
        const res = await timed(`${label} preview no-op`, () =>
            pulumi(["preview", "--refresh", "--diff", "--expect-no-changes"], stack, 10 * 60_000),
        );
        if (res.code !== 0) throw new Error(`exit ${res.code}: ${tail(res.stdout + res.stderr, SECRETS, 2500)}`);
    });
}

/** A second `pulumi up` changes nothing (the engine fails it if any step would). */
async function noOpUp(stack: string, label: string): Promise<void> {
    await r.step(`${label}: a second pulumi up (--expect-no-changes) is a no-op`, async () => {
        const res = await timed(`${label} no-op up`, () =>
            pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes"], stack, 10 * 60_000),
        );
        if (res.code !== 0) throw new Error(`exit ${res.code}: ${tail(res.stdout + res.stderr, SECRETS, 2500)}`);
    });
}

/** `pulumi destroy` of a stack whose data volumes are protected: it must fail on exactly those. */
async function destroyRefusesProtected(stack: string, label: string, protectedNames: string[], volumeIds: string[]): Promise<void> {
    const res = await timed(`${label} destroy`, () => pulumi(["destroy", "--yes", "--skip-preview"], stack, 20 * 60_000));
    await r.step(`${label}: pulumi destroy fails with "protected" for exactly the data volumes`, async () => {
        if (res.code === 0) throw new Error("destroy succeeded");
        const out = res.stdout + res.stderr;
        const refused = [...out.matchAll(/Volume::([\w-]+)" cannot be deleted\s+because it is protected/g)].map((m) => m[1]);
        const unique = [...new Set(refused)].sort();
        if (JSON.stringify(unique) !== JSON.stringify([...protectedNames].sort())) {
            throw new Error(`refused ${JSON.stringify(unique)}, expected ${JSON.stringify(protectedNames)}: ${tail(out, SECRETS, 1500)}`);
        }
        return `refused: ${unique.join(", ")}`;
    });
    await r.step(`${label}: after destroy only the data volumes exist, detached and intact; everything else is gone`, async () => {
        const left = await leftovers(prefixOf(stack));
        const volumes = await Promise.all(volumeIds.map((id) => readVolume(id)));
        const problems = volumes.filter((v) => v.status !== "available" || v.attachedTo.length > 0).map((v) => `${v.name} ${v.status}`);
        const others = left.filter((l) => !l.startsWith("volume "));
        if (others.length || problems.length || left.length !== volumeIds.length) {
            throw new Error(`left: ${JSON.stringify(left)}; volume problems: ${JSON.stringify(problems)}`);
        }
        return left.join(", ");
    });
}

/** Cleanup as an operator would: unprotect, destroy (volumes only leave the state), delete them. */
async function cleanupRetained(stack: string, label: string, volumeNames: string[]): Promise<void> {
    await r.step(`${label}: cleanup — state unprotect + destroy leaves the retained volumes, the CLI deletes them`, async () => {
        const deleted = await timed(`${label} cleanup`, () => removeStackAndLeftovers(stack));
        const expected = volumeNames.map((n) => `volume ${n}`).sort();
        if (JSON.stringify([...deleted].sort()) !== JSON.stringify(expected)) {
            throw new Error(`the CLI deleted ${JSON.stringify(deleted)}, expected exactly ${JSON.stringify(expected)}`);
        }
        const left = await leftovers(prefixOf(stack));
        if (left.length) throw new Error(`still there: ${left.join(", ")}`);
    });
}

// ------------------------------------------------------------------ 1. the committed examples

async function examplePreviews(): Promise<void> {
    for (const [example, stack] of [
        ["dev", STACKS.exampleDev],
        ["prod", STACKS.exampleProd],
    ] as const) {
        const spec = EXAMPLES[example];
        await r.step(
            `Pulumi.${example}.yaml (overridden: ${Object.keys(spec.overrides).join(", ")}; secrets set: ${Object.keys(spec.secrets).join(", ")}): preview plans what docs/openstack.md counts`,
            async () => {
                await createStackFromExample(stack, example, spec.overrides, spec.secrets, spec.edits);
                try {
                    const t0 = Date.now();
                    const res = await pulumi(["preview", "--json"], stack, 10 * 60_000);
                    timings[`example ${example} preview`] = (Date.now() - t0) / 1000;
                    if (res.code !== 0) throw new Error(`preview exited ${res.code}: ${tail(res.stdout + res.stderr, SECRETS, 1500)}`);
                    const doc = JSON.parse(res.stdout) as {
                        steps: { op: string; urn: string; newState?: { type: string; inputs?: Record<string, unknown> } }[];
                        diagnostics?: { severity: string; message: string }[];
                    };
                    const errors = (doc.diagnostics ?? []).filter((d) => d.severity === "error");
                    if (errors.length) throw new Error(errors.map((e) => e.message).join("\n"));
                    const counts: Record<string, number> = {};
                    for (const s of doc.steps) {
                        if (s.op !== "create") throw new Error(`unexpected ${s.op} of ${s.urn}`);
                        const kind = kindOf(s.urn.split("::")[2].split("$").pop()!);
                        counts[kind] = (counts[kind] ?? 0) + 1;
                    }
                    const want = EXAMPLE_PLAN[example];
                    if (JSON.stringify(Object.entries(counts).sort()) !== JSON.stringify(Object.entries(want).sort())) {
                        throw new Error(`planned ${JSON.stringify(counts)}, docs say ${JSON.stringify(want)}`);
                    }
                    if (example === "prod") {
                        // The cluster's kubeconfig is known only after `up` (the API readiness wait):
                        // at preview the provider is unconfigured and plans objects from their inputs.
                        const provider = doc.steps.find((s) => s.newState?.type === "pulumi:providers:kubernetes");
                        if (provider?.newState?.inputs?.kubeconfig !== UNKNOWN) {
                            throw new Error(
                                `kubernetes provider's kubeconfig at preview: ${JSON.stringify(provider?.newState?.inputs?.kubeconfig)}`,
                            );
                        }
                    }
                    return `${doc.steps.length} resources: ${JSON.stringify(counts)}`;
                } finally {
                    await pulumi(["stack", "rm", "--yes", "--force"], stack, 60_000);
                }
            },
        );
    }
}

// ------------------------------------------------------------------ 1b. bad config

/**
 * A bad config stops `pulumi up` (with its preview, as an operator runs it) before any resource:
 * one the program's validation rejects, and one only the cloud can reject (an image Glance does
 * not have: the lookup runs at preview). Either way the state holds no resource and the cloud
 * nothing of the stack.
 */
async function badConfigFlow(): Promise<void> {
    const cases: { what: string; config: Record<string, string>; expect: RegExp }[] = [
        {
            what: "openstack.adminCidrs 10.250.0.0/33 (validation)",
            config: { "openstack.adminCidrs": '["10.250.0.0/33"]' },
            expect: /openstack\.adminCidrs/,
        },
        {
            what: "openstack.image unknown to Glance (the cloud)",
            config: { "openstack.image": "jhp-e2e-no-such-image" },
            expect: /jhp-e2e-no-such-image/,
        },
    ];
    for (const c of cases) {
        const spec = devStack(STACKS.bad);
        Object.assign(spec.config, c.config);
        await r.step(`bad config ${c.what}: pulumi up fails naming it, before any resource`, async () => {
            await createStack(spec);
            try {
                const res = await timed(`bad config ${c.what}`, () => pulumi(["up", "--yes"], spec.name, 10 * 60_000));
                const out = res.stdout + res.stderr;
                if (res.code === 0) throw new Error("up succeeded");
                if (!c.expect.test(out)) throw new Error(`the error does not name it: ${tail(out, SECRETS, 1500)}`);
                const state = await stateByName(spec.name);
                const made = [...state.values()].filter((s) => s.type !== "pulumi:pulumi:Stack");
                const left = await leftovers(prefixOf(spec.name));
                if (made.length || left.length) throw new Error(`state: ${made.map((m) => m.type).join(", ")}; cloud: ${left.join(", ")}`);
                return out
                    .split("\n")
                    .find((l) => c.expect.test(l))
                    ?.trim()
                    .slice(0, 200);
            } finally {
                await removeStackAndLeftovers(spec.name);
            }
        });
    }
}

// ------------------------------------------------------------------ 2. dev

async function devFlow(): Promise<void> {
    const label = "dev";
    const spec: StackSpec = devStack(STACKS.dev);
    await createStack(spec);
    const config = () => parsedConfig(spec) as DockerVmOnOpenStackConfig;

    const up = await r.step(`${label}: pulumi up (deploy.stage infrastructure)`, async () => {
        await timed(`${label} up`, () => mustPulumi(["up", "--yes", "--skip-preview"], spec.name));
    });
    if (!up) return;
    const check = async (when: string): Promise<DevFacts | undefined> => {
        try {
            const { findings: f, facts } = await devFindings(config(), await stackOutputs(spec.name));
            findings(f, `${label} ${when}`);
            return facts;
        } catch (err) {
            r.report(false, `${label} ${when}: read back`, String(err));
            return undefined;
        }
    };
    const first = await check("after up");
    await expectNoChanges(spec.name, label);
    await noOpUp(spec.name, label);

    // A value only cloud-init reads: the instance is replaced, the volumes are not.
    spec.config["singleuser.home.quota"] = "512M";
    await setConfig(spec.name, { "singleuser.home.quota": "512M" });
    await r.step(`${label}: singleuser.home.quota change plans a replacement of the instance and its attachments only`, async () => {
        const steps = await plannedSteps(spec.name);
        const touched = [...new Set(steps.map((s) => `${s.type.split(":").pop()} ${s.name}`))].sort();
        const expected = [
            "Instance docker-vm-server-vm",
            "VolumeAttach docker-vm-server-docker-attach",
            "VolumeAttach docker-vm-server-home-attach",
        ];
        if (JSON.stringify(touched) !== JSON.stringify(expected)) throw new Error(`planned ${JSON.stringify(steps)}`);
        const ops = [...new Set(steps.map((s) => s.op))].sort();
        if (ops.some((op) => !["create-replacement", "delete-replaced", "replace"].includes(op))) throw new Error(`ops ${ops.join(", ")}`);
        return ops.join(", ");
    });
    await r.step(`${label}: pulumi up with the new user-data`, async () => {
        await timed(`${label} replace up`, () => mustPulumi(["up", "--yes", "--skip-preview"], spec.name));
    });
    const second = await check("after the user-data change");
    if (first && second) {
        r.report(
            second.serverId !== first.serverId &&
                JSON.stringify(second.volumeIds) === JSON.stringify(first.volumeIds) &&
                second.portId === first.portId &&
                second.floatingIp === first.floatingIp,
            `${label}: a new instance; the same home and docker volumes (IDs unchanged, now attached to it), port and floating IP`,
            JSON.stringify({ first, second }),
        );
    }
    await expectNoChanges(spec.name, `${label} after the replacement`);

    const ids = second ?? first;
    if (!ids) return;
    const volumeNames = [`${prefixOf(spec.name)}-docker-docker`, `${prefixOf(spec.name)}-docker-home`];
    await destroyRefusesProtected(
        spec.name,
        label,
        ["docker-vm-server-docker", "docker-vm-server-home"],
        [ids.volumeIds.docker, ids.volumeIds.home],
    );

    // The protected volumes stayed in the state: the next `up` rebuilds around them.
    await r.step(`${label}: pulumi up after the refused destroy rebuilds the rest and re-attaches the same volumes`, async () => {
        await timed(`${label} rebuild up`, () => mustPulumi(["up", "--yes", "--skip-preview"], spec.name));
    });
    const third = await check("after the rebuild");
    if (third) {
        r.report(
            JSON.stringify(third.volumeIds) === JSON.stringify(ids.volumeIds),
            `${label}: the rebuilt VM has the same volume IDs`,
            JSON.stringify({ before: ids.volumeIds, after: third.volumeIds }),
        );
    }
    await cleanupRetained(spec.name, label, volumeNames);
}

// ------------------------------------------------------------------ 3. prod

async function prodFlow(): Promise<void> {
    const label = "prod";
    const spec: StackSpec = prodStack(STACKS.prod);
    await createStack(spec);
    const config = () => parsedConfig(spec) as KubernetesOnOpenStackConfig;

    const up = await r.step(`${label}: pulumi up (deploy.stage infrastructure, vxlan)`, async () => {
        await timed(`${label} up`, () => mustPulumi(["up", "--yes", "--skip-preview"], spec.name));
    });
    if (!up) return;
    const check = async (when: string) => {
        try {
            const { findings: f, facts } = await prodFindings(config(), await stackOutputs(spec.name));
            findings(f, `${label} ${when}`);
            return facts;
        } catch (err) {
            r.report(false, `${label} ${when}: read back`, String(err));
            return undefined;
        }
    };
    const vxlan = await check("vxlan");
    await expectNoChanges(spec.name, `${label} vxlan`);
    await noOpUp(spec.name, `${label} vxlan`);

    spec.config["kubernetes.calico.mode"] = "bgp";
    await setConfig(spec.name, { "kubernetes.calico.mode": "bgp" });
    await r.step(`${label}: calico.mode bgp plans rule changes and port updates only (no instance, volume or attachment)`, async () => {
        const steps = await plannedSteps(spec.name);
        const kinds = new Set(steps.map((s) => s.type.split(":").pop()));
        const allowed = new Set(["SecGroupRule", "Port"]);
        const bad = steps.filter((s) => !allowed.has(s.type.split(":").pop()!));
        if (bad.length) throw new Error(`also planned: ${JSON.stringify(bad)}`);
        const ports = steps.filter((s) => s.type.endsWith(":Port"));
        if (ports.some((p) => p.op !== "update") || ports.length !== 3) throw new Error(`port steps ${JSON.stringify(ports)}`);
        return `${steps.length} steps on ${[...kinds].join(", ")}`;
    });
    await r.step(`${label}: pulumi up to bgp`, async () => {
        await timed(`${label} bgp up`, () => mustPulumi(["up", "--yes", "--skip-preview"], spec.name));
    });
    const bgp = await check("bgp");
    if (vxlan && bgp) {
        r.report(
            JSON.stringify(bgp) === JSON.stringify(vxlan),
            `${label}: the instances and bricks are the same after the mode change`,
            JSON.stringify({ vxlan, bgp }),
        );
    }
    await expectNoChanges(spec.name, `${label} bgp`);

    const facts = bgp ?? vxlan;
    if (!facts) return;
    const prefix = prefixOf(spec.name);
    const bricks = [0, 1, 2].map((i) => `${prefix}-storage-${i}-brick`);
    await destroyRefusesProtected(
        spec.name,
        label,
        [0, 1, 2].map((i) => `gluster-${i}-brick`),
        facts.brickVolumeIds,
    );
    await cleanupRetained(spec.name, label, bricks);
}

// ------------------------------------------------------------------ main

/**
 * Removes every test stack that exists (unprotect, destroy, `stack rm`, stale locks) and every
 * object named with a test stack's prefix, plus our floating IPs without a port. Returns what
 * it had to remove (empty when the flows cleaned up after themselves).
 */
async function sweep(): Promise<string[]> {
    const removed: string[] = [];
    const stacks = Object.values(STACKS);
    for (const stack of stacks) {
        if (await stackExists(stack)) removed.push(`stack ${stack}`);
        await removeStack(stack);
    }
    // One listing for every stack; the per-kind deletion only for a stack with leftovers.
    const left = await leftovers(...stacks.map(prefixOf));
    for (const prefix of stacks.map(prefixOf).filter((p) => left.some((l) => l.split(" ").pop()!.startsWith(`${p}-`)))) {
        removed.push(...(await deleteByPrefix(prefix)));
    }
    // Floating IPs have no name: one of ours without a port is a leftover of an interrupted run.
    const fips = await os<{ ID: string; Port: string | null; Description: string }[]>(["floating", "ip", "list", "--long"]);
    for (const f of fips.filter((f) => f.Description === FIP_DESCRIPTION && !f.Port)) {
        await os(["floating", "ip", "delete", f.ID], { json: false });
        removed.push(`floating ip ${f.ID}`);
    }
    return removed;
}

/** Stops the commands this process started (by their pids: pulumi, openstack) so the sweep can run. */
function stopChildren(): void {
    const ps = spawnSync("ps", ["-o", "pid=", "--ppid", String(process.pid)], { encoding: "utf8", timeout: 10_000 });
    for (const pid of (ps.stdout ?? "").split(/\s+/).filter(Boolean).map(Number)) {
        if (pid === ps.pid) continue;
        try {
            process.kill(pid, "SIGTERM");
        } catch {
            // already gone
        }
    }
}

async function main(): Promise<void> {
    const t0 = Date.now();
    const overall = setTimeout(() => {
        r.report(false, `deadline of ${DEADLINE_MINUTES} minutes reached: the running commands are stopped, the test stacks swept`);
        control.aborted = true;
        stopChildren();
    }, DEADLINE_MINUTES * 60_000);
    try {
        const earlier = await sweep();
        if (earlier.length) console.log(`e2e:openstack: removed leftovers of an earlier run: ${earlier.join(", ")}`);
        await examplePreviews();
        await badConfigFlow();
        await devFlow();
        await prodFlow();
    } catch (err) {
        r.report(false, "e2e:openstack aborted", err instanceof Error ? (err.stack ?? err.message) : String(err));
    } finally {
        clearTimeout(overall);
    }
    // Always: whatever a failed or interrupted flow left is removed here, and reported.
    control.aborted = false;
    await r.step("the flows left nothing for the final sweep (stacks, cloud objects, floating IPs)", async () => {
        const swept = await sweep();
        if (swept.length) throw new Error(`the sweep removed: ${swept.join(", ")}`);
    });
    await r.step("nothing of the test stacks is left in the cloud", async () => {
        const left = await leftovers(...Object.values(STACKS).map(prefixOf));
        const fips = await os<{ Description: string }[]>(["floating", "ip", "list", "--long"]);
        const ours = fips.filter((f) => f.Description === FIP_DESCRIPTION);
        if (left.length || ours.length) throw new Error(`left: ${left.join(", ")}; ${ours.length} floating IPs`);
    });
    const times = Object.entries(timings)
        .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
        .join("; ");
    console.log(`e2e:openstack timings: ${times}`);
    console.log(
        `e2e:openstack: ${cliStats.calls} openstack CLI calls, ${cliStats.seconds.toFixed(0)} s; wall ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    console.log(`${r.passed} passed, ${r.failed} failed`);
    process.exitCode = r.failed === 0 ? 0 : 1;
}

void main();
