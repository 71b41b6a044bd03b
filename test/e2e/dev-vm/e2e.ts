/**
 * The `dev` topology for real, on a VM booted here (QEMU, TCG): the program renders the docker-vm
 * user-data for an existing host (topology docker-vm, dockerVm.host on the VM's forwarded SSH
 * port, made-up volume IDs that the VM's data disks carry as serials), the VM boots it from a
 * NoCloud seed, cloud-init must finish `done` without errors, and `pulumi up` deploys the hub
 * onto the VM's Docker engine over ssh://. Then: login through the forwarded hub port, a server
 * with its btrfs home and qgroup, a write past the quota refused in the user's kernel, the shared
 * volume and the limits, a reboot, and a replaced boot disk (same data disks) keeping the home and
 * the hub database.
 *
 * Run with `npm run e2e:dev-vm` (test/e2e/dev-vm/run.sh builds the image and prepares the
 * toolchain). Prints PASS/FAIL lines and `N passed, M failed`. Every wait is bounded and the
 * whole run has E2E_DEADLINE_MINUTES; QEMU is killed on every exit path.
 */
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerSpawnerEscape } from "../../../components/docker/render";
import { HOMES_ROOT } from "../../../components/openstack/dockerVmCloudInit";
import {
    PROJECT_DIR,
    Session,
    baseImageConfig,
    executeInKernel,
    hubHealthy,
    pulumi,
    run,
    sleep,
    stackOutputs,
    tail,
    waitFor,
} from "../common/lib";

const STACK = process.env.E2E_STACK ?? "e2e-dev-vm";
const IMAGE_DIR = required("JHP_DEV_VM_IMAGE");
// tools/dev-vm/docker-disk.sh: the docker data disk filled on this machine, and the images on it.
const DOCKER_DISK_DIR = required("JHP_DEV_VM_DOCKER_DISK");
const DISK_IMAGES = readEnvFile(path.join(DOCKER_DISK_DIR, "images.env"));
const RUN_DIR = process.env.JHP_DEV_VM_RUN ?? "/tmp/jhp-dev-vm";
const SSH_PORT = Number(process.env.JHP_DEV_VM_SSH_PORT ?? 18622);
const HUB_PORT = Number(process.env.JHP_DEV_VM_HUB_PORT ?? 18680);
const GUEST_HUB_PORT = Number(process.env.JHP_DEV_VM_GUEST_HUB_PORT ?? 8000);
const VM = path.join(PROJECT_DIR, "tools", "dev-vm", "vm.sh");
const BASE = `http://127.0.0.1:${HUB_PORT}`;
const ADMIN = "ubuntu";
const USER = "alice.vm";
const ESCAPED = dockerSpawnerEscape(USER);
const PREFIX = `jupyterhub-${STACK}`;
const USER_CONTAINER = `${PREFIX}-user-${ESCAPED}`;
const SOFTWARE_VOLUME = `${PREFIX}-software`;
const QUOTA_MIB = 64;
const HUB_START_TIMEOUT_SECONDS = 900;
const DEADLINE_MINUTES = Number(process.env.E2E_DEADLINE_MINUTES ?? 150);
const KNOWN_HOSTS = path.join(os.homedir(), ".ssh", "known_hosts");
const HOST_PATTERN = `[127.0.0.1]:${SSH_PORT}`;
// Made-up Cinder volume IDs: the VM's data disks carry their first 20 characters as serials.
const VOLUMES = { docker: randomUUID(), home: randomUUID() };

let passed = 0;
let failed = 0;
const secrets: string[] = [];
const timings: Record<string, number> = {};
let agentPid = "";

function readEnvFile(file: string): Record<string, string> {
    return Object.fromEntries(
        fs
            .readFileSync(file, "utf8")
            .split("\n")
            .filter((l) => l.includes("="))
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
}

function required(name: string): string {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set (run through test/e2e/dev-vm/run.sh)`);
    return v;
}

function report(ok: boolean, name: string, detail = ""): void {
    if (ok) passed++;
    else failed++;
    console.log(`${ok ? "PASS" : "FAIL"} ${name}${detail ? ` — ${tail(detail, secrets, 900)}` : ""}`);
}

async function step(name: string, fn: () => Promise<string | void>): Promise<boolean> {
    const started = Date.now();
    try {
        const detail = await fn();
        const seconds = (Date.now() - started) / 1000;
        timings[name] = seconds;
        report(true, `${name} (${seconds.toFixed(1)}s)`, detail || "");
        return true;
    } catch (err) {
        report(false, name, err instanceof Error ? err.message : String(err));
        return false;
    }
}

const SSH_ARGS = [
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=10",
    // The host key was taken from the VM's serial console before the first connection.
    "-o",
    `UserKnownHostsFile=${path.join(RUN_DIR, "known_hosts")}`,
    "-o",
    "StrictHostKeyChecking=yes",
    "-i",
    path.join(RUN_DIR, "id_ed25519"),
    "-p",
    String(SSH_PORT),
    `${ADMIN}@127.0.0.1`,
];

/** A command on the VM over SSH; throws on a non-zero exit. */
async function onVm(command: string, timeoutMs = 120_000, input?: string): Promise<string> {
    const r = await run("ssh", [...SSH_ARGS, command], { timeoutMs, input });
    if (r.code !== 0) throw new Error(`ssh '${command}' exited ${r.code}: ${tail(r.stdout + r.stderr, secrets, 800)}`);
    return r.stdout;
}

async function vm(args: string[], timeoutMs = 300_000): Promise<string> {
    const r = await run("bash", [VM, ...args], { timeoutMs });
    if (r.code !== 0) throw new Error(`vm.sh ${args[0]} exited ${r.code}: ${tail(r.stdout + r.stderr, secrets)}`);
    return r.stdout;
}

async function sshAnswers(): Promise<boolean> {
    const r = await run("ssh", [...SSH_ARGS, "true"], { timeoutMs: 30_000 });
    return r.code === 0;
}

/**
 * The guest's host keys as cloud-init printed them on the serial console (an out-of-band
 * channel, like `openstack console log show`): written to the test's known_hosts and to the
 * user's, which the program's ssh (readiness wait, Docker provider, janitor) reads. The old
 * entry of the port goes first: a new boot disk has new host keys.
 */
async function trustConsoleHostKeys(timeoutMs: number): Promise<string> {
    const lines = await waitFor(
        "SSH host keys on the serial console",
        timeoutMs,
        async () => {
            const out = (await vm(["hostkeys"], 30_000)).trim();
            return out ? out : undefined;
        },
        5000,
    );
    fs.writeFileSync(path.join(RUN_DIR, "known_hosts"), lines + "\n", { mode: 0o600 });
    await forgetHostKeys();
    fs.mkdirSync(path.dirname(KNOWN_HOSTS), { recursive: true, mode: 0o700 });
    fs.appendFileSync(KNOWN_HOSTS, lines + "\n", { mode: 0o600 });
    return lines
        .split("\n")
        .map((l) => l.split(" ")[1])
        .join(", ");
}

async function forgetHostKeys(): Promise<void> {
    if (fs.existsSync(KNOWN_HOSTS)) await run("ssh-keygen", ["-R", HOST_PATTERN, "-f", KNOWN_HOSTS], { timeoutMs: 30_000 });
}

/** Boot a boot disk and wait for SSH; returns seconds from QEMU's start to SSH. */
async function boot(bootDisk: string, instanceId: string): Promise<number> {
    const t0 = Date.now();
    await vm(["start", IMAGE_DIR, bootDisk, path.join(RUN_DIR, "user-data"), instanceId]);
    const keys = await trustConsoleHostKeys(20 * 60_000);
    await waitFor("SSH on the forwarded port", 10 * 60_000, async () => ((await sshAnswers()) ? true : undefined), 5000);
    timings[`boot ${bootDisk} to SSH (s)`] = (Date.now() - t0) / 1000;
    console.log(`     host keys from the console: ${keys}`);
    return (Date.now() - t0) / 1000;
}

/** cloud-init must end `done` with no errors (status and result.json). */
async function cloudInitDone(): Promise<string> {
    const status = await onVm("timeout 2400 cloud-init status --long --wait; echo rc=$?", 41 * 60_000);
    const result = await onVm("cat /run/cloud-init/result.json");
    const errors = (JSON.parse(result) as { v1: { errors: string[] } }).v1.errors;
    if (!/^status: done$/m.test(status) || !/rc=0/.test(status) || errors.length > 0) {
        const log = await onVm("sudo tail -n 60 /var/log/cloud-init-output.log").catch((e: Error) => e.message);
        throw new Error(`cloud-init: ${status.trim()} errors=${JSON.stringify(errors)}\n${log}`);
    }
    const final = await onVm("sudo grep -h 'docker VM ready after' /var/log/cloud-init-output.log | tail -n 1").catch(() => "");
    // The figures the issue asks for: the guest's boot (kernel + userspace, systemd's count) and
    // cloud-init's own stages (init-local start to modules-final end, from its status.json).
    const boot = await onVm("systemd-analyze time | head -n 1").catch((e: Error) => e.message);
    const stages = await onVm("cat /run/cloud-init/status.json");
    const v1 = (JSON.parse(stages) as { v1: Record<string, { start?: number | null; finished?: number | null }> }).v1;
    const span = (v1["modules-final"]?.finished ?? 0) - (v1["init-local"]?.start ?? 0);
    return `${status.replace(/^\.*\n/, "").split("\n")[0]}; ${final.trim()}; cloud-init stages ${span.toFixed(0)}s; ${boot.trim()}`;
}

let upCount = 0;
async function up(timeoutMs: number): Promise<void> {
    const r = await pulumi(["up", "--yes", "--skip-preview"], STACK, timeoutMs);
    // The whole output in the run folder; the failure names the engine's error lines (the tail
    // alone is the outputs' diff, which hid the cause of the first failed up on a VM).
    const log = path.join(RUN_DIR, `pulumi-up-${++upCount}.log`);
    fs.writeFileSync(log, r.stdout + r.stderr);
    if (r.code !== 0) {
        const errors = (r.stdout + r.stderr).split("\n").filter((l) => /error:|failed|timeout/i.test(l));
        throw new Error(`pulumi up exited ${r.code} (${log}): ${tail(errors.join("\n") || r.stdout + r.stderr, secrets, 2500)}`);
    }
}

async function setConfig(values: Record<string, string>): Promise<void> {
    for (const [k, v] of Object.entries(values)) {
        const r = await pulumi(["config", "set", "--path=false", k, v], STACK, 60_000);
        if (r.code !== 0) throw new Error(`config set ${k}: ${r.stderr}`);
    }
}

async function startAgent(): Promise<void> {
    fs.mkdirSync(RUN_DIR, { recursive: true });
    const key = path.join(RUN_DIR, "id_ed25519");
    fs.rmSync(key, { force: true });
    fs.rmSync(`${key}.pub`, { force: true });
    const gen = await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "jhp-e2e-dev-vm", "-f", key], { timeoutMs: 30_000 });
    if (gen.code !== 0) throw new Error(`ssh-keygen: ${gen.stderr}`);
    const sock = path.join(RUN_DIR, "agent.sock");
    fs.rmSync(sock, { force: true });
    const agent = await run("ssh-agent", ["-s", "-a", sock], { timeoutMs: 30_000 });
    agentPid = /SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1] ?? "";
    if (!agentPid) throw new Error(`ssh-agent: ${agent.stdout}${agent.stderr}`);
    // The program's ssh (readiness wait, Docker provider, janitor) finds the key in this agent.
    process.env.SSH_AUTH_SOCK = sock;
    const add = await run("ssh-add", [key], { timeoutMs: 30_000 });
    if (add.code !== 0) throw new Error(`ssh-add: ${add.stderr}`);
}

async function cleanSlate(): Promise<void> {
    await vm(["kill"], 60_000).catch(() => undefined);
    const ls = await run("pulumi", ["stack", "ls", "--json", "--non-interactive"], { timeoutMs: 60_000 }).catch(() => undefined);
    if (ls && ls.code === 0 && ls.stdout.includes(`"${STACK}"`)) {
        // The VM of a previous run is gone: drop its state without touching anything.
        await pulumi(["stack", "rm", "--yes", "--force"], STACK, 60_000);
    }
    for (const f of ["docker.qcow2", "home.raw", "volume-ids"]) fs.rmSync(path.join(RUN_DIR, f), { force: true });
    for (const f of fs.existsSync(RUN_DIR) ? fs.readdirSync(RUN_DIR) : []) {
        if (/^(boot-.*\.qcow2|seed-.*|console-\d+\.log|console\.log)$/.test(f))
            fs.rmSync(path.join(RUN_DIR, f), { recursive: true, force: true });
    }
}

async function createStack(publicKey: string): Promise<void> {
    const init = await run("pulumi", ["stack", "init", STACK, "--non-interactive"], { timeoutMs: 60_000 });
    if (init.code !== 0 && !/already exists/.test(init.stderr)) throw new Error(`stack init: ${init.stderr}`);
    await setConfig({
        topology: "docker-vm",
        "deploy.stage": "infrastructure",
        "dockerVm.host": `ssh://${ADMIN}@127.0.0.1:${SSH_PORT}`,
        "dockerVm.sshPublicKey": publicKey,
        "dockerVm.volumes.docker": VOLUMES.docker,
        "dockerVm.volumes.home": VOLUMES.home,
        "hub.port": String(GUEST_HUB_PORT),
        "hub.pageTitle": "Dev VM E2E",
        "hub.adminUsers": JSON.stringify(["vm-admin"]),
        "hub.cull.enabled": "false",
        "singleuser.memory.limit": "1G",
        "singleuser.cpu.limit": "0.5",
        "singleuser.home.quota": `${QUOTA_MIB}Mi`,
        "singleuser.startTimeout": "900",
        "singleuser.sharedVolumes": JSON.stringify([`${SOFTWARE_VOLUME}:/opt/software`]),
        "data.retainOnDestroy": "true",
        // Prebuilt on this machine into the VM's docker disk (docker-disk.sh): building them on the
        // VM under TCG would dominate the run. The proxy is still built on the VM, from the hub's
        // stand-in base that the disk also holds.
        "images.hub.image": DISK_IMAGES.HUB_IMAGE,
        "singleuser.image": DISK_IMAGES.SINGLEUSER_IMAGE,
        ...Object.fromEntries(Object.entries(baseImageConfig()).filter(([k]) => k === "images.hub.baseImage")),
    });
}

interface UserModel {
    servers: Record<string, { ready: boolean }>;
}

async function serverReady(s: Session, token: string): Promise<boolean> {
    const res = await s.request("GET", `/hub/api/users/${USER}`, { token });
    if (res.status !== 200) throw new Error(`GET user: HTTP ${res.status}`);
    return ((await res.json()) as UserModel).servers[""]?.ready === true;
}

async function startServer(s: Session, token: string): Promise<string> {
    const res = await s.request("POST", `/hub/api/users/${USER}/server`, { token, body: "{}", timeoutMs: 120_000 });
    if (res.status !== 201 && res.status !== 202 && res.status !== 400) throw new Error(`start: HTTP ${res.status} ${await res.text()}`);
    await waitFor("the user's server", 15 * 60_000, async () => ((await serverReady(s, token)) ? true : undefined), 5000);
    return "ready";
}

async function main(): Promise<void> {
    const started = Date.now();
    const overall = setTimeout(() => {
        console.log(`FAIL deadline of ${DEADLINE_MINUTES} minutes reached`);
        failed++;
        void cleanup().finally(() => finish(started));
    }, DEADLINE_MINUTES * 60_000);
    // An interrupted run (Ctrl-C, a CI timeout) still stops the VM and removes the stack.
    process.once("uncaughtException", (err) => {
        console.log(`FAIL uncaught: ${err instanceof Error ? err.stack : String(err)}`);
        failed++;
        void cleanup().finally(() => finish(started));
    });
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
            console.log(`FAIL interrupted by ${signal}`);
            failed++;
            void cleanup().finally(() => finish(started));
        });
    }
    try {
        await scenario();
    } finally {
        clearTimeout(overall);
        await cleanup();
        finish(started);
    }
}

async function scenario(): Promise<void> {
    const ready = await step("throw-away SSH key in an agent; stack with dockerVm.host on the forwarded port", async () => {
        await startAgent();
        await cleanSlate();
        await createStack(fs.readFileSync(path.join(RUN_DIR, "id_ed25519.pub"), "utf8").trim());
        return `volumes docker=${VOLUMES.docker} home=${VOLUMES.home}`;
    });
    if (!ready) return;

    const rendered = await step("pulumi up (deploy.stage infrastructure) renders the user-data as the stack output userData", async () => {
        await up(10 * 60_000);
        const userData = String((await stackOutputs(STACK, true)).userData ?? "");
        if (!userData.startsWith("#cloud-config")) throw new Error(`userData output: ${userData.slice(0, 200)}`);
        for (const needle of [
            VOLUMES.docker,
            VOLUMES.home,
            `QUOTA_BYTES=${QUOTA_MIB * 1024 * 1024}`,
            "jhp-homes.socket",
            'name: "ubuntu"',
        ]) {
            if (!userData.includes(needle)) throw new Error(`userData lacks ${needle}`);
        }
        fs.writeFileSync(path.join(RUN_DIR, "user-data"), userData);
        return `${userData.length} bytes`;
    });
    if (!rendered) return;

    const booted = await step(
        "the VM boots the rendered user-data (NoCloud seed) and answers SSH with the console's host key",
        async () => {
            await vm(["disks", VOLUMES.docker, VOLUMES.home, path.join(DOCKER_DISK_DIR, "docker.raw")]);
            const seconds = await boot("1", "jhp-dev-vm-1");
            return `SSH after ${seconds.toFixed(0)}s`;
        },
    );
    if (!booted) return;

    const initDone = await step("cloud-init finishes with status done and no errors", cloudInitDone);
    if (!initDone) return;

    await step("the data disks are found by serial and mounted: ext4 /var/lib/docker, btrfs /srv/homes with quotas", async () => {
        const out = await onVm(
            `for d in /dev/disk/by-id/virtio-${VOLUMES.docker.slice(0, 20)} /dev/disk/by-id/virtio-${VOLUMES.home.slice(0, 20)}; do readlink -f "$d"; done; findmnt -n -o SOURCE,FSTYPE /var/lib/docker; findmnt -n -o SOURCE,FSTYPE ${HOMES_ROOT}; sudo btrfs qgroup show ${HOMES_ROOT} >/dev/null && echo quotas-on; systemctl is-active docker jhp-homes.socket; id -nG`,
        );
        const [dockerDev, homeDev] = out.split("\n");
        if (!new RegExp(`^${dockerDev} ext4$`, "m").test(out)) throw new Error(`docker volume: ${out}`);
        if (!new RegExp(`^${homeDev} btrfs$`, "m").test(out)) throw new Error(`home volume: ${out}`);
        if (!out.includes("quotas-on") || !/active\nactive/.test(out) || !/\bdocker\b/.test(out)) throw new Error(out);
        return out.replace(/\n/g, " | ");
    });

    const loaded = await step("the VM's engine has the images of the docker disk prepared on this machine", async () => {
        const refs = [DISK_IMAGES.HUB_IMAGE, DISK_IMAGES.SINGLEUSER_IMAGE, DISK_IMAGES.PROXY_BASE_IMAGE];
        const out = await onVm(`docker image inspect -f '{{.Id}}' ${refs.join(" ")}`);
        if (out.trim().split("\n").length !== refs.length) throw new Error(out);
        return refs.join(", ");
    });
    if (!loaded) return;

    let password = "";
    const deployed = await step("pulumi up (deploy.stage all) builds the proxy image on the VM and runs the hub over ssh://", async () => {
        // The hub's first start under TCG (Python imports, database, its config check) takes
        // minutes: the default wait (180 s) ended the first up on a VM while the hub was still
        // starting; it became healthy a minute later.
        await setConfig({ "deploy.stage": "all", "hub.startTimeout": String(HUB_START_TIMEOUT_SECONDS) });
        await up(90 * 60_000);
        const outs = await stackOutputs(STACK, true);
        password = String(outs.loginPassword ?? "");
        secrets.push(password);
        if (outs.dockerHost !== `ssh://${ADMIN}@127.0.0.1:${SSH_PORT}`) throw new Error(`dockerHost ${String(outs.dockerHost)}`);
        return `hub image ${String(outs.hubImage).slice(0, 19)}…`;
    });
    if (!deployed) return;

    await step("the hub answers /hub/health through the forwarded port", async () => {
        await waitFor("/hub/health", 120_000, async () => ((await hubHealthy(BASE)) ? true : undefined), 2000);
    });

    const session = new Session(BASE);
    let token = "";
    const loggedIn = await step("login through the real form and an API token for the user", async () => {
        const res = await session.login(USER, password);
        if (res.status !== 302) throw new Error(`POST /hub/login: HTTP ${res.status}`);
        const t = await session.request("POST", `/hub/api/users/${USER}/tokens`, {
            body: JSON.stringify({ note: "e2e-dev-vm" }),
            headers: { "content-type": "application/json", "x-xsrftoken": await session.xsrfToken() },
        });
        if (t.status !== 201) throw new Error(`token: HTTP ${t.status} ${await t.text()}`);
        token = ((await t.json()) as { token: string }).token;
        secrets.push(token);
    });
    if (!loggedIn) return;

    const serverUp = await step("the user's server starts (home made by the VM's helper)", () => startServer(session, token));
    if (!serverUp) return;

    await step("the home is a btrfs subvolume owned by 1000:100 with its qgroup limit", async () => {
        const home = `${HOMES_ROOT}/${ESCAPED}`;
        const out = await onVm(
            `sudo btrfs subvolume show ${home} | awk '/Subvolume ID:/ {print "id", $3}'; stat -c 'owner %u:%g' ${home}; sudo btrfs qgroup show -re ${HOMES_ROOT}`,
        );
        const id = /^id (\d+)$/m.exec(out)?.[1];
        if (!id) throw new Error(`not a subvolume: ${out}`);
        if (!/owner 1000:100/.test(out)) throw new Error(out);
        if (!new RegExp(`^0/${id} .*${QUOTA_MIB}\\.00MiB`, "m").test(out)) throw new Error(`no ${QUOTA_MIB} MiB limit on 0/${id}: ${out}`);
        return `subvolume 0/${id}, limit ${QUOTA_MIB} MiB`;
    });

    await step("in the user's kernel: a file in the home, and a write past the quota fails with 'Disk quota exceeded'", async () => {
        const code = [
            "import os",
            "open('/home/jovyan/survives.txt', 'w').write('kept by the dev VM\\n')",
            "try:",
            "    with open('/home/jovyan/big.bin', 'wb') as f:",
            `        for _ in range(${QUOTA_MIB * 2}):`,
            "            f.write(os.urandom(1 << 20)); f.flush(); os.fsync(f.fileno())",
            "    print('no error')",
            "except OSError as e:",
            "    print(e.strerror)",
            "os.remove('/home/jovyan/big.bin')",
        ].join("\n");
        const out = (await executeInKernel(BASE, USER, token, code, 600_000)).trim();
        if (out !== "Disk quota exceeded") throw new Error(`kernel printed ${JSON.stringify(out)}`);
        return out;
    });

    await step(
        "a full home: a save through the contents API (JupyterLab's) fails naming 'Disk quota exceeded'; the hub answers; freed, kernels start",
        async () => {
            const fill = [
                "import os",
                "try:",
                "    with open('/home/jovyan/fill.bin', 'wb') as f:",
                `        for _ in range(${QUOTA_MIB * 2}):`,
                "            f.write(os.urandom(1 << 20)); f.flush(); os.fsync(f.fileno())",
                "    print('no error')",
                "except OSError as e:",
                "    print(e.strerror)",
            ].join("\n");
            // Cleared over SSH: with the home full, a new kernel cannot start (Jupyter writes its
            // connection file in the home), so the user's kernel cannot do it.
            const clear = `sudo rm -f ${HOMES_ROOT}/${ESCAPED}/fill.bin ${HOMES_ROOT}/${ESCAPED}/full-home.txt`;
            try {
                const filled = (await executeInKernel(BASE, USER, token, fill, 600_000)).trim();
                if (filled !== "Disk quota exceeded") throw new Error(`filling the home: ${JSON.stringify(filled)}`);
                // A few MiB, so the save needs blocks the full qgroup no longer has.
                const save = await session.request("PUT", `/user/${USER}/api/contents/full-home.txt`, {
                    token,
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify({ type: "file", format: "text", content: "x".repeat(4 << 20) }),
                });
                const body = await save.text();
                if (save.status < 400 || !body.includes("Disk quota exceeded")) {
                    throw new Error(`save into the full home: HTTP ${save.status} ${body.slice(0, 300)}`);
                }
                if (!(await hubHealthy(BASE))) throw new Error("the hub stopped answering with the home full");
                // Recorded, not asserted: what a new kernel gets while the home is full.
                const kernelWhileFull = await executeInKernel(BASE, USER, token, "print('kernel ok')", 120_000).then(
                    (o) => o.trim(),
                    (e: unknown) => String(e).slice(0, 120),
                );
                await onVm(clear);
                const after = (await executeInKernel(BASE, USER, token, "print('kernel ok')", 300_000)).trim();
                if (after !== "kernel ok") throw new Error(`a kernel once space was freed: ${JSON.stringify(after)}`);
                const message = /"message":\s*"([^"]*)"/.exec(body)?.[1] ?? body.slice(0, 160);
                return `save: HTTP ${save.status}: ${message}; a new kernel while full: ${kernelWhileFull}; space freed: kernels start again`;
            } finally {
                await onVm(clear).catch(() => undefined);
            }
        },
    );

    await step(
        "memory/CPU limits and mounts (docker inspect over ssh), and in the kernel: the memory limit, a read-only shared volume",
        async () => {
            // JSON rather than a Go template: a bind mount has no Name key, which a template cannot skip.
            const [inspected] = JSON.parse(await onVm(`docker inspect ${USER_CONTAINER}`)) as {
                HostConfig: { Memory: number; CpuQuota: number; CpuPeriod: number };
                Mounts: { Type: string; Source: string; Name?: string; Destination: string; RW: boolean }[];
            }[];
            const { Memory: mem, CpuQuota: quota, CpuPeriod: period } = inspected.HostConfig;
            if (mem !== 1_000_000_000 || quota / period !== 0.5) throw new Error(`limits ${JSON.stringify(inspected.HostConfig)}`);
            const mounts = inspected.Mounts;
            const home = mounts.find((m) => m.Destination === "/home/jovyan");
            if (home?.Type !== "bind" || home.Source !== `${HOMES_ROOT}/${ESCAPED}` || !home.RW)
                throw new Error(`home: ${JSON.stringify(home)}`);
            const shared = mounts.find((m) => m.Destination === "/opt/software");
            if (shared?.Type !== "volume" || shared.Name !== SOFTWARE_VOLUME || shared.RW)
                throw new Error(`shared: ${JSON.stringify(shared)}`);
            const code = [
                "import os",
                "for f in ('/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'):",
                "    if os.path.exists(f):",
                "        print(open(f).read().strip())",
                "        break",
                "try:",
                "    open('/opt/software/e2e-write-test', 'w')",
                "    print('shared volume writable')",
                "except OSError as e:",
                "    print(e.strerror)",
            ].join("\n");
            const out = (await executeInKernel(BASE, USER, token, code, 300_000)).trim().split("\n");
            // The kernel keeps the limit in whole pages: 1e9 B reads as 999997440.
            if (Math.abs(Number(out[0]) - mem) >= 4096 || out[1] !== "Read-only file system") {
                throw new Error(`in the kernel: ${JSON.stringify(out)}`);
            }
            return `memory ${mem} B, CPU ${quota}/${period}; home bind ${home.Source} rw, ${SOFTWARE_VOLUME} read-only at /opt/software; kernel sees memory limit ${out[0]} and "${out[1]}"`;
        },
    );

    await step("reboot: the volumes are mounted again, the hub comes back, the file and the token are there", async () => {
        await onVm("sudo systemctl reboot", 30_000).catch(() => undefined);
        await waitFor("SSH to go away", 5 * 60_000, async () => ((await sshAnswers()) ? undefined : true), 3000);
        await waitFor("SSH after the reboot", 20 * 60_000, async () => ((await sshAnswers()) ? true : undefined), 5000);
        const mounts = await onVm(`findmnt -n -o FSTYPE /var/lib/docker; findmnt -n -o FSTYPE ${HOMES_ROOT}`);
        if (mounts.trim() !== "ext4\nbtrfs") throw new Error(`mounts after reboot: ${mounts}`);
        await waitFor("the hub after the reboot", 15 * 60_000, async () => ((await hubHealthy(BASE)) ? true : undefined), 5000);
        const file = await onVm(`sudo cat ${HOMES_ROOT}/${ESCAPED}/survives.txt`);
        if (file.trim() !== "kept by the dev VM") throw new Error(`file: ${file}`);
        const me = await new Session(BASE).request("GET", "/hub/api/user", { token });
        if (me.status !== 200) throw new Error(`token after reboot: HTTP ${me.status}`);
    });

    await step("a replaced boot disk (fresh image copy, same data disks): cloud-init again, home and hub database kept", async () => {
        await vm(["stop"], 5 * 60_000);
        await boot("2", "jhp-dev-vm-2");
        await cloudInitDone();
        const mounts = await onVm(`findmnt -n -o FSTYPE /var/lib/docker; findmnt -n -o FSTYPE ${HOMES_ROOT}`);
        if (mounts.trim() !== "ext4\nbtrfs") throw new Error(`mounts on the new boot disk: ${mounts}`);
        await waitFor("the hub on the new boot disk", 15 * 60_000, async () => ((await hubHealthy(BASE)) ? true : undefined), 5000);
        const file = await onVm(`sudo cat ${HOMES_ROOT}/${ESCAPED}/survives.txt`);
        if (file.trim() !== "kept by the dev VM") throw new Error(`file: ${file}`);
        const me = await new Session(BASE).request("GET", "/hub/api/user", { token });
        if (me.status !== 200) throw new Error(`the user's API token on the new boot disk: HTTP ${me.status}`);
    });

    await step("pulumi up on the replaced VM converges, and the user's server starts again with the file", async () => {
        await up(30 * 60_000);
        const s = new Session(BASE);
        await startServer(s, token);
        const out = (await executeInKernel(BASE, USER, token, "print(open('/home/jovyan/survives.txt').read().strip())", 300_000)).trim();
        if (out !== "kept by the dev VM") throw new Error(`kernel read ${JSON.stringify(out)}`);
        return out;
    });
}

async function cleanup(): Promise<void> {
    if (process.env.E2E_KEEP === "1") {
        console.log(`E2E_KEEP=1: the VM, stack ${STACK} and ${RUN_DIR} are left in place`);
        return;
    }
    // The VM, its disks and the stack go together (the stack's resources live only on the VM).
    await vm(["stop"], 4 * 60_000).catch(() => vm(["kill"], 60_000).catch(() => undefined));
    await pulumi(["stack", "rm", "--yes", "--force"], STACK, 60_000).catch(() => undefined);
    await forgetHostKeys().catch(() => undefined);
    if (agentPid) {
        try {
            process.kill(Number(agentPid));
        } catch {
            // already gone
        }
    }
    for (const f of ["docker.qcow2", "home.raw"]) fs.rmSync(path.join(RUN_DIR, f), { force: true });
    for (const f of fs.existsSync(RUN_DIR) ? fs.readdirSync(RUN_DIR) : []) {
        if (/^boot-.*\.qcow2$/.test(f)) fs.rmSync(path.join(RUN_DIR, f), { force: true });
    }
}

let finished = false;
function finish(started: number): void {
    if (finished) return;
    finished = true;
    console.log("timings (s): " + JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)]))));
    console.log(`total ${((Date.now() - started) / 60_000).toFixed(1)} min`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

main().catch((err) => {
    console.log(`FAIL ${err instanceof Error ? err.stack : String(err)}`);
    failed++;
    void cleanup().finally(() => finish(Date.now()));
});

void sleep;
