/**
 * Backups that restore, end to end, on the real Docker engine with the real Pulumi engine and a
 * real S3 server (SeaweedFS in a container on a Docker network this test makes, reached by the
 * stack's containers as `s3`), then a Docker volume repository:
 *
 *   a failed backup is an exit status and an admin banner; a good one clears it; the timer runs
 *   one by itself; a user's files survive the loss of their home volume; a restore stops the
 *   running server first; the hub database survives the loss of its volume (the old API token
 *   works again); a reset keeps a snapshot and re-seeds the home; reset refuses a running
 *   server; delete removes the home and its snapshots.
 *
 * Prints PASS/FAIL lines and `N passed, M failed`. Every wait is bounded; E2E_DEADLINE_MINUTES
 * bounds the run. `npm run e2e:backup` (run.sh) prepares the toolchain, images and SeaweedFS.
 */
import { randomBytes } from "crypto";
import { Session, baseImageConfig, docker, hubHealthy, pulumi, run, stackOutputs, tail, waitFor, Checks } from "../common/lib";
import { dockerSpawnerEscape } from "../../../components/docker/render";

const STACK = process.env.E2E_STACK ?? "e2e-backup";
const PORT = Number(process.env.E2E_PORT ?? 18100);
const BASE = `http://127.0.0.1:${PORT}`;
const USER = "bob.e2e";
const ADMIN = "e2e-admin";
const PREFIX = `jupyterhub-${STACK}`;
const HOME_VOLUME = `${PREFIX}-home-${dockerSpawnerEscape(USER)}`;
const ADMIN_HOME = `${PREFIX}-home-${dockerSpawnerEscape(ADMIN)}`;
const HUB = `${PREFIX}-hub`;
const HUB_DATA = `${PREFIX}-hub-data`;
const NETWORK = `${PREFIX}-net`;
const RUNNER = `${PREFIX}-backup`;
const VOLUMES = [HOME_VOLUME, ADMIN_HOME, HUB_DATA, `${PREFIX}-backup-status`, `${PREFIX}-backups`];
const S3 = { container: `${STACK}-s3`, network: `${STACK}-s3-net`, port: 8333, bucket: "e2e-backups" };
const S3_ACCESS = "e2ebackup";
const S3_SECRET = randomBytes(18).toString("hex");
const REPO_PASSWORD = randomBytes(18).toString("hex");
const DEADLINE_MINUTES = Number(process.env.E2E_DEADLINE_MINUTES ?? 40);

const secrets = [S3_SECRET, REPO_PASSWORD];

const checks = new Checks(secrets, 700);
const { report, step } = checks;

/** `npm run <script> -- args`: the operator's command, exactly as documented. */
async function ops(script: string, args: string[]): Promise<{ code: number; out: string }> {
    const r = await run("npm", ["run", "--silent", script, "--", "--stack", STACK, ...args], { timeoutMs: 15 * 60_000 });
    return { code: r.code, out: r.stdout + r.stderr };
}

async function up(refresh = false): Promise<void> {
    const r = await pulumi(["up", "--yes", "--skip-preview", ...(refresh ? ["--refresh"] : [])], STACK, 20 * 60_000);
    if (r.code !== 0) throw new Error(`pulumi up exited ${r.code}: ${tail(r.stdout + r.stderr, secrets)}`);
}

async function config(key: string, value: string, secret = false): Promise<void> {
    const r = await pulumi(["config", "set", "--path=false", ...(secret ? ["--secret"] : []), key, value], STACK, 60_000);
    if (r.code !== 0) throw new Error(`config set ${key}: ${r.stderr}`);
}

function volumeExists(name: string): boolean {
    return docker(["volume", "inspect", name]).code === 0;
}

/** SeaweedFS (`weed server -s3`) with one identity, on its own network; joined to the stack's later. */
function startS3(): void {
    const weed = process.env.JHP_WEED_BIN;
    if (!weed) throw new Error("JHP_WEED_BIN is not set (run through npm run e2e:backup)");
    const identities = JSON.stringify({
        identities: [
            {
                name: "backup",
                credentials: [{ accessKey: S3_ACCESS, secretKey: S3_SECRET }],
                actions: ["Admin", "Read", "List", "Tagging", "Write"],
            },
        ],
    });
    docker(["network", "create", S3.network]);
    const r = docker([
        "run",
        "-d",
        "--name",
        S3.container,
        "--network",
        S3.network,
        "--label",
        `org.jupyterhub-platform.e2e=${STACK}`,
        "-v",
        `${weed}:/usr/local/bin/weed:ro`,
        "--entrypoint",
        "sh",
        "jupyterhub-platform/debian-rootfs:bookworm",
        "-c",
        `mkdir -p /data && printf '%s' '${identities}' > /s3.json && exec weed server -dir=/data -ip=127.0.0.1 -ip.bind=0.0.0.0 -master.volumeSizeLimitMB=64 -volume.max=20 -s3 -s3.port=${S3.port} -s3.config=/s3.json`,
    ]);
    if (r.code !== 0) throw new Error(`docker run SeaweedFS: ${r.out}`);
}

async function s3Ready(): Promise<void> {
    // Unsigned requests are refused once identities exist: an answer of any kind means it is up.
    await waitFor(
        "SeaweedFS S3 answering",
        120_000,
        async () => {
            const r = docker([
                "run",
                "--rm",
                "--network",
                S3.network,
                "--entrypoint",
                "python3",
                hubImage,
                "-c",
                `import urllib.request,urllib.error\ntry:\n urllib.request.urlopen('http://${S3.container}:${S3.port}/', timeout=3)\nexcept urllib.error.HTTPError as e:\n print(e.code)`,
            ]);
            return r.code === 0 && /^\d{3}/.test(r.out.trim()) ? true : undefined;
        },
        3000,
    );
}

let hubImage = "";
let password = "";
let userToken = "";

interface UserModel {
    servers: Record<string, { ready: boolean }>;
}

async function userModel(token: string): Promise<UserModel> {
    const res = await new Session(BASE).request("GET", `/hub/api/users/${USER}`, { token });
    if (res.status !== 200) throw new Error(`GET user: HTTP ${res.status}`);
    return (await res.json()) as UserModel;
}

async function startServer(token: string): Promise<void> {
    const res = await new Session(BASE).request("POST", `/hub/api/users/${USER}/server`, { token, body: "{}" });
    if (![201, 202, 400].includes(res.status)) throw new Error(`start server: HTTP ${res.status} ${await res.text()}`);
    await waitFor("server ready", 180_000, async () => ((await userModel(token)).servers[""]?.ready ? true : undefined));
}

async function stopServer(token: string): Promise<void> {
    await new Session(BASE).request("DELETE", `/hub/api/users/${USER}/server`, { token });
    await waitFor("server stopped", 120_000, async () => (Object.keys((await userModel(token)).servers).length === 0 ? true : undefined));
    await waitFor("user container gone", 60_000, async () =>
        docker(["inspect", `${PREFIX}-user-${dockerSpawnerEscape(USER)}`]).code !== 0 ? true : undefined,
    );
}

async function putFile(token: string, p: string, content: string): Promise<void> {
    const res = await new Session(BASE).request("PUT", `/user/${USER}/api/contents/${p}`, {
        token,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "file", format: "text", content }),
    });
    if (res.status !== 200 && res.status !== 201) throw new Error(`PUT ${p}: HTTP ${res.status} ${await res.text()}`);
}

async function putDir(token: string, p: string): Promise<void> {
    const res = await new Session(BASE).request("PUT", `/user/${USER}/api/contents/${p}`, {
        token,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "directory" }),
    });
    if (res.status !== 200 && res.status !== 201) throw new Error(`PUT dir ${p}: HTTP ${res.status}`);
}

async function getFile(token: string, p: string): Promise<string | undefined> {
    const res = await new Session(BASE).request("GET", `/user/${USER}/api/contents/${p}?type=file&format=text`, { token });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`GET ${p}: HTTP ${res.status}`);
    return ((await res.json()) as { content: string }).content;
}

function runnerStatus(): { ok?: boolean; lastSuccess?: string; lastAttempt?: string; error?: string } {
    const r = docker(["exec", RUNNER, "cat", "/var/lib/platform-backup/status.json"]);
    return r.code === 0 ? (JSON.parse(r.out) as ReturnType<typeof runnerStatus>) : {};
}

async function adminBanner(): Promise<string | undefined> {
    const s = new Session(BASE);
    const res = await s.login(ADMIN, password);
    if (res.status !== 302) throw new Error(`admin login: HTTP ${res.status}`);
    const html = await (await s.request("GET", "/hub/admin")).text();
    const m = /id="platform-backup-warning"[^>]*>([^<]*)</.exec(html);
    return m ? m[1].trim() : undefined;
}

async function listSnapshots(args: string[]): Promise<string[]> {
    const r = await ops("restore", ["--list", ...args]);
    if (r.code !== 0) throw new Error(`restore --list: ${r.out}`);
    return r.out.split("\n").filter((l) => /^[0-9a-f]{8}\s/.test(l));
}

async function cleanSlate(): Promise<void> {
    // The S3 server first: while it is attached to the stack's network, destroy cannot remove it.
    const s3 = docker(["ps", "-aq", "--filter", `label=org.jupyterhub-platform.e2e=${STACK}`])
        .out.split(/\s+/)
        .filter(Boolean);
    if (s3.length) docker(["rm", "-f", ...s3]);
    const ls = await run("pulumi", ["stack", "ls", "--json", "--non-interactive"], { timeoutMs: 60_000 });
    if (ls.code === 0 && ls.stdout.includes(`"${STACK}"`)) {
        await pulumi(["destroy", "--yes", "--skip-preview"], STACK, 10 * 60_000);
        await pulumi(["stack", "rm", "--yes", "--force"], STACK, 60_000);
    }
    const ids = docker(["ps", "-aq", "--filter", `label=org.jupyterhub-platform.stack=${STACK}`])
        .out.split(/\s+/)
        .filter(Boolean);
    if (ids.length) docker(["rm", "-f", ...ids]);
    for (const v of VOLUMES) docker(["volume", "rm", "-f", v]);
    docker(["network", "rm", NETWORK]);
    docker(["network", "rm", S3.network]);
}

async function main(): Promise<void> {
    const overall = setTimeout(() => {
        console.log(`FAIL deadline of ${DEADLINE_MINUTES} minutes reached`);
        console.log(`${checks.summary(1)}`);
        process.exit(1);
    }, DEADLINE_MINUTES * 60_000);
    await cleanSlate();

    // Until the timer test sets its minute: once a year, so no scheduled run interferes.
    let fire = new Date(0);
    const ok = await step("stack with backups into S3 (SeaweedFS) deployed", async () => {
        const init = await run("pulumi", ["stack", "init", STACK, "--non-interactive"], { timeoutMs: 60_000 });
        if (init.code !== 0 && !/already exists/.test(init.stderr)) throw new Error(init.stderr);
        const plain: Record<string, string> = {
            topology: "local",
            "hub.port": String(PORT),
            "hub.adminUsers": JSON.stringify([ADMIN]),
            "hub.cull.enabled": "false",
            "singleuser.memory.limit": "1G",
            "backup.enabled": "true",
            "backup.repository": `s3:http://s3:${S3.port}/${S3.bucket}`,
            "backup.s3.accessKeyId": S3_ACCESS,
            "backup.schedule": "0 0 1 1 *",
            "backup.keep.daily": "3",
            ...baseImageConfig(),
        };
        for (const [k, v] of Object.entries(plain)) await config(k, v);
        await config("backup.password", REPO_PASSWORD, true);
        await config("backup.s3.secretAccessKey", S3_SECRET, true);
        await up();
        const outs = await stackOutputs(STACK, true);
        password = String(outs.loginPassword);
        hubImage = String(outs.hubImage);
        secrets.push(password);
        if (outs.backupContainer !== RUNNER) throw new Error(`backupContainer output ${String(outs.backupContainer)}`);
        const caps = docker([
            "inspect",
            "-f",
            "{{.HostConfig.CapDrop}} {{.HostConfig.CapAdd}} {{.HostConfig.Privileged}}",
            RUNNER,
        ]).out.trim();
        if (!/^\[ALL\] \[(CAP_)?DAC_READ_SEARCH\] false$/.test(caps)) throw new Error(`runner capabilities: ${caps}`);
        const env = docker(["inspect", "-f", "{{json .Config.Env}}", HUB]).out;
        if (env.includes(REPO_PASSWORD) || env.includes(S3_SECRET)) throw new Error("the hub container holds backup credentials");
        const exported = await pulumi(["stack", "export"], STACK, 60_000);
        if (exported.stdout.includes(REPO_PASSWORD) || exported.stdout.includes(S3_SECRET))
            throw new Error("a backup secret in plaintext in the state");
    });
    if (!ok) return clearTimeout(overall);

    await step("a new schedule reaches the runner: a minute a few minutes from now (UTC)", async () => {
        // Whole minutes: the runner matches the minute, and its status records when it began.
        fire = new Date(Math.floor((Date.now() + 4 * 60_000) / 60_000) * 60_000);
        const schedule = `${fire.getUTCMinutes()} ${fire.getUTCHours()} * * *`;
        await config("backup.schedule", schedule);
        await up();
        const doc = docker(["exec", RUNNER, "cat", "/etc/jupyterhub/platform/backup.json"]).out;
        if (!doc.includes(`"schedule": "${schedule}"`)) throw new Error(`runner document: ${doc.slice(0, 300)}`);
        return `schedule ${schedule}`;
    });
    startS3();

    await step("a user logs in, gets an API token, starts a server and writes files", async () => {
        await waitFor("/hub/health", 60_000, async () => ((await hubHealthy(BASE)) ? true : undefined));
        const s = new Session(BASE);
        if ((await s.login(USER, password)).status !== 302) throw new Error("login failed");
        const res = await s.request("POST", `/hub/api/users/${USER}/tokens`, {
            body: JSON.stringify({ note: "e2e-backup" }),
            headers: { "content-type": "application/json", "x-xsrftoken": await s.xsrfToken() },
        });
        if (res.status !== 201) throw new Error(`token: HTTP ${res.status}`);
        userToken = ((await res.json()) as { token: string }).token;
        secrets.push(userToken);
        await startServer(userToken);
        await putDir(userToken, "project");
        await putFile(userToken, "project/results.csv", "run,value\n1,42\n");
        await putFile(userToken, "notes.txt", "version 1");
    });

    await step("a backup that cannot reach its repository fails: exit status, status file and the admin banner", async () => {
        const r = await ops("backup", []);
        if (r.code === 0) throw new Error(`npm run backup exited 0 without S3: ${r.out}`);
        const st = runnerStatus();
        if (st.ok !== false || !st.error) throw new Error(`status ${JSON.stringify(st)}`);
        const banner = await adminBanner();
        if (!banner || !/failed/.test(banner)) throw new Error(`admin banner: ${String(banner)}`);
        const status = await ops("backup", ["--status"]);
        if (status.code !== 3) throw new Error(`backup --status exited ${status.code}`);
        return `exit ${r.code}; banner: ${banner.slice(0, 100)}`;
    });

    await step("with S3 reachable, npm run backup exits 0 and the banner goes", async () => {
        const c = docker(["network", "connect", "--alias", "s3", NETWORK, S3.container]);
        if (c.code !== 0) throw new Error(c.out);
        await s3Ready();
        const t0 = Date.now();
        const r = await ops("backup", []);
        if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.out}`);
        const st = runnerStatus();
        if (st.ok !== true || !st.lastSuccess) throw new Error(`status ${JSON.stringify(st)}`);
        const banner = await adminBanner();
        if (banner) throw new Error(`banner still shown: ${banner}`);
        const snaps = await listSnapshots(["--user", USER]);
        if (snaps.length !== 1) throw new Error(`snapshots of ${USER}: ${snaps.join(" | ")}`);
        if ((await listSnapshots(["--hub-db"])).length !== 1) throw new Error("no hub-db snapshot");
        return `backup ${((Date.now() - t0) / 1000).toFixed(1)} s; ${r.out.trim().split("\n").pop()}`;
    });

    await step("the S3 bucket holds restic's repository (encrypted objects, not files)", async () => {
        const r = docker(["exec", S3.container, "sh", "-c", "ls -R /data | head -50"]);
        if (r.code !== 0) throw new Error(r.out);
        const listing = docker(["exec", RUNNER, "restic", "--no-cache", "ls", "latest", "--tag", `user=${dockerSpawnerEscape(USER)}`]);
        if (!listing.out.includes("/home-data/project/results.csv")) throw new Error(`restic ls: ${listing.out.slice(0, 400)}`);
    });

    await step("home volume deleted, npm run restore brings every file back with its owner", async () => {
        await stopServer(userToken);
        if (docker(["volume", "rm", HOME_VOLUME]).code !== 0) throw new Error("could not remove the home volume");
        const r = await ops("restore", ["--user", USER]);
        if (r.code !== 0) throw new Error(`restore exited ${r.code}: ${r.out}`);
        if (!volumeExists(HOME_VOLUME)) throw new Error("home volume not re-created");
        const owner = docker([
            "run",
            "--rm",
            "-v",
            `${HOME_VOLUME}:/h:ro`,
            "--entrypoint",
            "stat",
            hubImage,
            "-c",
            "%u:%g %n",
            "/h",
            "/h/project/results.csv",
        ]).out;
        if (!/^1000:100 \/h\n1000:100 \/h\/project\/results.csv/.test(owner)) throw new Error(`owners: ${owner}`);
        await startServer(userToken);
        const csv = await getFile(userToken, "project/results.csv");
        const notes = await getFile(userToken, "notes.txt");
        if (csv !== "run,value\n1,42\n" || notes !== "version 1") throw new Error(`restored ${JSON.stringify([csv, notes])}`);
    });

    await step("restore while the server runs: the runner stops it through the hub API first", async () => {
        await putFile(userToken, "notes.txt", "version 2 (after the backup)");
        const r = await ops("restore", ["--user", USER]);
        if (r.code !== 0) throw new Error(`restore exited ${r.code}: ${r.out}`);
        if (!/stopping the server/.test(r.out)) throw new Error(`no stop in: ${r.out}`);
        if (Object.keys((await userModel(userToken)).servers).length !== 0) throw new Error("server still running after the restore");
        await startServer(userToken);
        const notes = await getFile(userToken, "notes.txt");
        if (notes !== "version 1") throw new Error(`notes.txt: ${JSON.stringify(notes)}`);
        const pre = await listSnapshots(["--user", USER]);
        if (!pre.some((l) => l.includes("pre-restore"))) throw new Error("no pre-restore snapshot of the replaced home");
    });

    await step("hub database volume deleted: restore --hub-db, pulumi up --refresh, the old API token works", async () => {
        docker(["rm", "-f", HUB]);
        if (docker(["volume", "rm", HUB_DATA]).code !== 0) throw new Error("could not remove the hub data volume");
        const r = await ops("restore", ["--hub-db"]);
        if (r.code !== 0) throw new Error(`restore --hub-db exited ${r.code}: ${r.out}`);
        await up(true);
        await waitFor("/hub/health", 90_000, async () => ((await hubHealthy(BASE)) ? true : undefined));
        const res = await new Session(BASE).request("GET", "/hub/api/user", { token: userToken });
        if (res.status !== 200) throw new Error(`GET /hub/api/user with the old token: HTTP ${res.status}`);
        const who = ((await res.json()) as { name: string }).name;
        if (who !== USER) throw new Error(`token belongs to ${who}`);
        const owner = docker([
            "run",
            "--rm",
            "-v",
            `${HUB_DATA}:/d:ro`,
            "--entrypoint",
            "stat",
            hubImage,
            "-c",
            "%u",
            "/d/jupyterhub.sqlite",
        ]).out.trim();
        if (owner !== "10001") throw new Error(`database owner ${owner}`);
    });

    await step("hub database restore with the hub running: stopped, restored, started", async () => {
        const r = await ops("restore", ["--hub-db"]);
        if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.out}`);
        if (!/stopping the hub/.test(r.out) || !/starting the hub/.test(r.out)) throw new Error(r.out);
        await waitFor("/hub/health", 90_000, async () => ((await hubHealthy(BASE)) ? true : undefined));
        const res = await new Session(BASE).request("GET", "/hub/api/user", { token: userToken });
        if (res.status !== 200) throw new Error(`token: HTTP ${res.status}`);
    });

    await step("user reset refuses while the server runs", async () => {
        if (Object.keys((await userModel(userToken)).servers).length === 0) await startServer(userToken);
        const r = await ops("user", ["reset", "--user", USER]);
        if (r.code === 0 || !/running/.test(r.out)) throw new Error(`exit ${r.code}: ${r.out}`);
        if (!volumeExists(HOME_VOLUME)) throw new Error("home removed despite the refusal");
    });

    await step("user reset: snapshot first, then the home starts again from the template", async () => {
        await stopServer(userToken);
        const r = await ops("user", ["reset", "--user", USER]);
        if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.out}`);
        if (volumeExists(HOME_VOLUME)) throw new Error("home volume still there");
        if (!(await listSnapshots(["--user", USER])).some((l) => l.includes("reset"))) throw new Error("no snapshot tagged reset");
        await startServer(userToken);
        if ((await getFile(userToken, "notes.txt")) !== undefined) throw new Error("old file still in the reset home");
        const welcome = await new Session(BASE).request("GET", `/user/${USER}/api/contents/Welcome.ipynb?content=0`, { token: userToken });
        if (welcome.status !== 200) throw new Error(`Welcome.ipynb: HTTP ${welcome.status}`);
    });

    await step("the timer ran a backup on its own at the scheduled minute", async () => {
        const wait = fire.getTime() + 150_000 - Date.now();
        const st = await waitFor(
            "scheduled backup",
            Math.max(wait, 5_000),
            async () => {
                const s = runnerStatus();
                return s.lastAttempt && new Date(s.lastAttempt).getTime() >= fire.getTime() ? s : undefined;
            },
            5000,
        );
        if (st.ok !== true) throw new Error(`scheduled backup: ${JSON.stringify(st)}`);
        // Manual runs print to `docker exec`; only the runner's own loop prints to its log.
        const logs = docker(["logs", RUNNER]).out;
        if (!/backup ok: /.test(logs)) throw new Error(`no scheduled run in the runner's log: ${logs.slice(-400)}`);
        return `ran at ${String(st.lastAttempt)}`;
    });

    await step("user delete (--yes): the home and every snapshot of it are gone", async () => {
        await stopServer(userToken);
        const refused = await ops("user", ["delete", "--user", USER]);
        if (refused.code === 0) throw new Error("delete without --yes succeeded");
        const r = await ops("user", ["delete", "--user", USER, "--yes"]);
        if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.out}`);
        if (volumeExists(HOME_VOLUME)) throw new Error("home volume still there");
        const left = await listSnapshots(["--user", USER]);
        if (left.length) throw new Error(`snapshots left: ${left.join(" | ")}`);
        if ((await listSnapshots(["--hub-db"])).length === 0) throw new Error("the database snapshots went too");
    });

    await step("a Docker volume repository: switch, back up, lose the home, restore", async () => {
        for (const k of ["backup.repository", "backup.s3.accessKeyId", "backup.s3.secretAccessKey"]) {
            await pulumi(["config", "rm", k], STACK, 60_000);
        }
        await up();
        const mounts = docker(["inspect", "-f", "{{range .Mounts}}{{.Name}}:{{.Destination}} {{end}}", RUNNER]).out;
        if (!mounts.includes(`${PREFIX}-backups:/repo`)) throw new Error(`runner mounts: ${mounts}`);
        await startServer(userToken);
        await putFile(userToken, "volume-repo.txt", "kept in a volume repository");
        const b = await ops("backup", []);
        if (b.code !== 0) throw new Error(`backup exit ${b.code}: ${b.out}`);
        await stopServer(userToken);
        docker(["volume", "rm", HOME_VOLUME]);
        const r = await ops("restore", ["--user", USER]);
        if (r.code !== 0) throw new Error(`restore exit ${r.code}: ${r.out}`);
        await startServer(userToken);
        const got = await getFile(userToken, "volume-repo.txt");
        if (got !== "kept in a volume repository") throw new Error(`file: ${JSON.stringify(got)}`);
        const inRepo = docker(["run", "--rm", "-v", `${PREFIX}-backups:/r:ro`, "--entrypoint", "ls", hubImage, "/r"]).out;
        if (!/config/.test(inRepo) || !/snapshots/.test(inRepo)) throw new Error(`repository volume: ${inRepo}`);
    });

    clearTimeout(overall);
}

async function cleanup(): Promise<void> {
    if (process.env.E2E_KEEP === "1") {
        console.log(`E2E_KEEP=1: stack ${STACK} left running at ${BASE}`);
        return;
    }
    await step("cleanup: destroy the stack, remove its volumes, the S3 server and its network", async () => {
        // First: it is attached to the stack's network, which destroy removes.
        docker(["rm", "-f", S3.container]);
        const d = await pulumi(["destroy", "--yes", "--skip-preview"], STACK, 10 * 60_000);
        if (d.code !== 0) throw new Error(tail(d.stdout + d.stderr, secrets));
        const rm = await pulumi(["stack", "rm", "--yes"], STACK, 60_000);
        if (rm.code !== 0) throw new Error(rm.stderr);
        docker(["rm", "-f", S3.container]);
        docker(["network", "rm", S3.network]);
        for (const v of VOLUMES) docker(["volume", "rm", "-f", v]);
        const left = VOLUMES.filter(volumeExists);
        if (left.length) throw new Error(`volumes left: ${left.join(", ")}`);
    });
}

main()
    .catch((err) => report(false, "e2e runner", String(err)))
    .then(cleanup)
    .catch((err) => report(false, "cleanup", String(err)))
    .finally(() => {
        console.log(`${checks.summary()}`);
        process.exit(checks.ok ? 0 : 1);
    });
