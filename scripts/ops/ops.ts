/**
 * Day-2 operations on a deployed stack, run by the operator:
 *
 *   npm run backup  -- --stack S                               one backup now; exit status is the backup's
 *   npm run backup  -- --stack S --status                      the last backup's status (exit 3 when overdue/failed)
 *   npm run restore -- --stack S --user U [--snapshot ID]      restore one home (the user's server is stopped first)
 *   npm run restore -- --stack S --hub-db [--snapshot ID]      restore the hub database (the hub is stopped around it)
 *   npm run restore -- --stack S --list [--user U | --hub-db]  list snapshots
 *   npm run user    -- reset  --stack S --user U               snapshot the home, then reset it to the template
 *   npm run user    -- delete --stack S --user U --yes         delete the home and its snapshots for good
 *
 * Docker stacks (local, dev): the stack outputs name the backup runner's container and the engine
 * (DOCKER_HOST); the work happens in the runner (images/hub/platform_backup.py), which holds the
 * repository credentials and the hub service token, so none of them pass through this process.
 * Kubernetes stacks: `backup` starts a Job from the backup CronJob (kubectl with $KUBECONFIG);
 * the runner's restore and user commands run in that Job's image the same way (see README).
 */
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const RUNNER = ["python3", "/etc/jupyterhub/platform_backup.py"];

interface Args {
    op: string;
    stack?: string;
    user?: string;
    snapshot?: string;
    hubDb: boolean;
    list: boolean;
    status: boolean;
    yes: boolean;
    action?: string;
}

export function parseArgs(argv: string[]): Args {
    const [op, ...rest] = argv;
    const a: Args = { op, hubDb: false, list: false, status: false, yes: false };
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        const value = (): string => {
            const v = rest[++i];
            if (v === undefined || v.startsWith("--")) throw new Error(`${arg} needs a value`);
            return v;
        };
        if (arg === "--stack") a.stack = value();
        else if (arg === "--user") a.user = value();
        else if (arg === "--snapshot") a.snapshot = value();
        else if (arg === "--hub-db") a.hubDb = true;
        else if (arg === "--list") a.list = true;
        else if (arg === "--status") a.status = true;
        else if (arg === "--yes") a.yes = true;
        else if (!arg.startsWith("--") && op === "user" && a.action === undefined) a.action = arg;
        else throw new Error(`unknown argument ${arg}`);
    }
    return a;
}

/** The runner command for an operation; pure, so tests check every mapping. */
export function runnerCommand(a: Args): string[] {
    if (!a.stack) throw new Error("--stack is required");
    switch (a.op) {
        case "backup":
            return [...RUNNER, a.status ? "status" : "run"];
        case "restore":
            if (a.list) return [...RUNNER, "snapshots", ...(a.hubDb ? ["--hub-db"] : a.user ? ["--user", a.user] : [])];
            if (a.hubDb === (a.user !== undefined)) throw new Error("restore needs exactly one of --user U or --hub-db");
            if (a.hubDb) return [...RUNNER, "restore-db", ...(a.snapshot ? ["--snapshot", a.snapshot] : [])];
            return [...RUNNER, "restore-home", "--user", a.user!, ...(a.snapshot ? ["--snapshot", a.snapshot] : [])];
        case "user":
            if (!a.user) throw new Error("user reset|delete needs --user U");
            if (a.action === "reset") return [...RUNNER, "reset-home", "--user", a.user];
            if (a.action === "delete") {
                if (!a.yes) throw new Error(`user delete removes the home of ${a.user} and every snapshot of it for good; add --yes`);
                return [...RUNNER, "delete-home", "--user", a.user];
            }
            throw new Error("user needs an action: reset or delete");
        default:
            throw new Error(`unknown operation ${a.op}`);
    }
}

function stackOutputs(stack: string): Record<string, unknown> {
    const r = spawnSync("pulumi", ["stack", "output", "--json", "--stack", stack, "--non-interactive"], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`pulumi stack output --stack ${stack} failed: ${(r.stderr ?? "").trim()}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
}

function main(): number {
    let args: Args;
    let command: string[];
    try {
        args = parseArgs(process.argv.slice(2));
        command = runnerCommand(args);
    } catch (err) {
        console.error(`ops: ${(err as Error).message}`);
        return 2;
    }
    const outs = stackOutputs(args.stack!);
    if (typeof outs.backupContainer === "string") {
        const env = { ...process.env, ...(typeof outs.dockerHost === "string" ? { DOCKER_HOST: outs.dockerHost } : {}) };
        const r = spawnSync("docker", ["exec", outs.backupContainer, ...command], { stdio: "inherit", env });
        return r.status ?? 1;
    }
    if (typeof outs.backupCronJob === "string" && typeof outs.namespace === "string") {
        if (args.op !== "backup" || args.status) {
            console.error("ops: on Kubernetes only `backup` is automated; restore and user run as Jobs (README, Kubernetes)");
            return 2;
        }
        const job = `${outs.backupCronJob}-manual-${Date.now().toString(36)}`;
        const ns = ["-n", outs.namespace];
        const created = spawnSync("kubectl", [...ns, "create", "job", `--from=cronjob/${outs.backupCronJob}`, job], { stdio: "inherit" });
        if (created.status !== 0) return created.status ?? 1;
        const waited = spawnSync("kubectl", [...ns, "wait", "--for=condition=complete", "--timeout=3600s", `job/${job}`], {
            stdio: "inherit",
        });
        spawnSync("kubectl", [...ns, "logs", `job/${job}`], { stdio: "inherit" });
        return waited.status ?? 1;
    }
    console.error(`ops: stack ${args.stack} has no backup runner (set backup.enabled true and run pulumi up)`);
    return 2;
}

if (require.main === module) {
    process.exit(main());
}
