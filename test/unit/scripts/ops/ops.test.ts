/** The operator's commands map to the runner's (scripts/ops/ops.ts), and refuse what is ambiguous. */
import { strict as assert } from "assert";
import { parseArgs, runnerCommand } from "../../../../scripts/ops/ops";

const R = ["python3", "/etc/jupyterhub/platform_backup.py"];
const cmd = (...argv: string[]): string[] => runnerCommand(parseArgs(argv));

describe("ops CLI", () => {
    it("backup runs one now, or prints the status", () => {
        assert.deepEqual(cmd("backup", "--stack", "local"), [...R, "run"]);
        assert.deepEqual(cmd("backup", "--stack", "local", "--status"), [...R, "status"]);
    });

    it("restore: one home (latest or a snapshot), the hub database, or a listing", () => {
        assert.deepEqual(cmd("restore", "--stack", "s", "--user", "alice"), [...R, "restore-home", "--user", "alice"]);
        assert.deepEqual(cmd("restore", "--stack", "s", "--user", "alice", "--snapshot", "ab12"), [
            ...R,
            "restore-home",
            "--user",
            "alice",
            "--snapshot",
            "ab12",
        ]);
        assert.deepEqual(cmd("restore", "--stack", "s", "--hub-db"), [...R, "restore-db"]);
        assert.deepEqual(cmd("restore", "--stack", "s", "--list", "--user", "bob"), [...R, "snapshots", "--user", "bob"]);
        assert.throws(() => cmd("restore", "--stack", "s"), /exactly one of --user U or --hub-db/);
        assert.throws(() => cmd("restore", "--stack", "s", "--user", "a", "--hub-db"), /exactly one/);
    });

    it("user reset / delete; delete only with --yes", () => {
        assert.deepEqual(cmd("user", "reset", "--stack", "s", "--user", "a"), [...R, "reset-home", "--user", "a"]);
        assert.throws(() => cmd("user", "delete", "--stack", "s", "--user", "a"), /for good; add --yes/);
        assert.deepEqual(cmd("user", "delete", "--stack", "s", "--user", "a", "--yes"), [...R, "delete-home", "--user", "a"]);
        assert.throws(() => cmd("user", "wipe", "--stack", "s", "--user", "a"), /reset or delete/);
    });

    it("needs --stack and known arguments", () => {
        assert.throws(() => cmd("backup"), /--stack is required/);
        assert.throws(() => cmd("backup", "--stack"), /--stack needs a value/);
        assert.throws(() => cmd("backup", "--stack", "s", "--force"), /unknown argument --force/);
    });
});
