/** backup.*: every accepted repository form, the credentials each needs, the schedule and retention. */
import { strict as assert } from "assert";
import { parseRepository } from "../../../config/sections/backup";
import type { BackupConfig, PlatformConfig } from "../../../config/types";
import { DEFAULT_SECRETS, DOCKER_VM, EXISTING, LOCAL, parse, problemsOf, hubConfig } from "./fixtures";

const SECRETS = [
    ...DEFAULT_SECRETS,
    "backup.password",
    "backup.s3.secretAccessKey",
    "backup.swift.applicationCredentialSecret",
    "openstack.applicationCredentialSecret",
    "openstack.password",
];
const ON = { "backup.enabled": "true", "backup.password": "correct horse battery" };

function backupOf(values: Record<string, string>, secrets = SECRETS): BackupConfig {
    const result = parse(values, secrets);
    assert.ok(result.ok, problemsOf(result).join("\n"));
    const backup = hubConfig((result as { config: PlatformConfig }).config).backup;
    assert.ok(backup, "backup section missing");
    return backup;
}

function problems(values: Record<string, string>, secrets = SECRETS): string[] {
    return problemsOf(parse(values, secrets));
}

function assertProblem(values: Record<string, string>, key: string, says: RegExp, secrets = SECRETS): void {
    const found = problems(values, secrets).find((p) => p.startsWith(`jupyterhub-platform:${key}:`) && says.test(p));
    assert.ok(found, `expected a problem for ${key} matching ${says}; got:\n${problems(values, secrets).join("\n") || "(valid)"}`);
}

describe("config: backup", () => {
    it("is absent unless enabled", () => {
        const result = parse(LOCAL);
        assert.ok(result.ok);
        assert.equal(hubConfig(result.config).backup, undefined);
    });

    it("defaults: the stack's volume, a daily schedule at 03:17 UTC, 7/4/6 kept, overdue after two days", () => {
        const b = backupOf({ ...LOCAL, ...ON });
        assert.deepEqual(b.repository, { kind: "volume" });
        assert.equal(b.schedule, "17 3 * * *");
        assert.deepEqual(b.keep, { daily: 7, weekly: 4, monthly: 6 });
        assert.equal(b.maxAgeSeconds, 2 * 24 * 3600);
        assert.equal(b.s3, undefined);
        assert.equal(b.swift, undefined);
    });

    it("an S3 bucket with its credentials", () => {
        const b = backupOf({
            ...LOCAL,
            ...ON,
            "backup.repository": "s3:http://s3.example.org:8333/hub-backups/local",
            "backup.s3.accessKeyId": "AKIA1",
            "backup.s3.secretAccessKey": "shh",
        });
        assert.deepEqual(b.repository, {
            kind: "s3",
            endpoint: "http://s3.example.org:8333",
            bucket: "hub-backups",
            prefix: "local",
            restic: "s3:http://s3.example.org:8333/hub-backups/local",
        });
        assert.equal(b.s3?.accessKeyId, "AKIA1");
    });

    it("an S3 repository without credentials names both keys", () => {
        const values = { ...LOCAL, ...ON, "backup.repository": "s3:https://s3.example.org/b" };
        assertProblem(values, "backup.s3.accessKeyId", /is required with an s3: backup.repository/);
        assertProblem(values, "backup.s3.secretAccessKey", /is required with an s3: backup.repository/);
    });

    it("Swift with an application credential of its own", () => {
        const b = backupOf({
            ...LOCAL,
            ...ON,
            "backup.repository": "swift:hub-backups:/local",
            "backup.swift.authUrl": "https://keystone.example.org:5000/v3",
            "backup.swift.applicationCredentialId": "ac1",
            "backup.swift.applicationCredentialSecret": "acs",
            "backup.swift.region": "RegionOne",
        });
        assert.deepEqual(b.repository, { kind: "swift", container: "hub-backups", path: "/local", restic: "swift:hub-backups:/local" });
        assert.equal(b.swift?.authUrl, "https://keystone.example.org:5000/v3");
        assert.equal(b.swift?.region, "RegionOne");
        assert.ok(b.swift && "applicationCredentialId" in b.swift && b.swift.applicationCredentialId === "ac1");
    });

    it("Swift falls back to the stack's openstack.* password credentials (docker-vm)", () => {
        const b = backupOf({
            ...DOCKER_VM,
            ...ON,
            "openstack.cloud": "",
            "openstack.authUrl": "https://keystone.example.org:5000/v3",
            "openstack.username": "ops",
            "openstack.password": "pw",
            "openstack.projectName": "hub",
            "backup.repository": "swift:hub-backups:/dev",
        });
        assert.ok(b.swift && "username" in b.swift);
        assert.equal(b.swift.authUrl, "https://keystone.example.org:5000/v3");
        assert.equal(b.swift.projectName, "hub");
        assert.equal(b.swift.userDomainName, "Default");
    });

    it("Swift with only openstack.cloud (clouds.yaml) is refused: restic cannot read it", () => {
        assertProblem({ ...DOCKER_VM, ...ON, "backup.repository": "swift:c:/p" }, "backup.swift.authUrl", /restic cannot read clouds.yaml/);
    });

    it("an absolute host directory on Docker, refused on Kubernetes", () => {
        assert.deepEqual(backupOf({ ...LOCAL, ...ON, "backup.repository": "/srv/backups/" }).repository, {
            kind: "directory",
            path: "/srv/backups",
        });
        assertProblem({ ...EXISTING, ...ON, "backup.repository": "/srv/backups" }, "backup.repository", /no meaning on Kubernetes/);
    });

    it("a named volume / PVC", () => {
        assert.deepEqual(backupOf({ ...EXISTING, ...ON, "backup.repository": "hub-backups" }).repository, {
            kind: "volume",
            name: "hub-backups",
        });
    });

    const BAD_REPOS: [string, RegExp][] = [
        ["s3:ftp://x.example.org/b", /s3:https:\/\/host\[:port\]\/bucket/],
        ["s3:https://x.example.org", /names the endpoint and the bucket/],
        ["s3:https://key:secret@x.example.org/b", /credentials and query strings do not belong/],
        ["swift:container", /swift:<container>:\/<path>/],
        ["/srv/../etc", /without '\.\.'/],
        ["Backups Volume", /lowercase letters/],
    ];
    for (const [repo, says] of BAD_REPOS) {
        it(`rejects the repository ${JSON.stringify(repo)} naming key, value and what is allowed`, () => {
            assertProblem({ ...LOCAL, ...ON, "backup.repository": repo }, "backup.repository", says);
            const p = problems({ ...LOCAL, ...ON, "backup.repository": repo }).find((x) => x.includes("backup.repository"));
            assert.ok(p?.includes(`got ${JSON.stringify(repo)}`) && p.includes("allowed: a Docker volume"), p);
        });
    }

    it("requires the password, as a secret, of repository-key length", () => {
        assertProblem({ ...LOCAL, "backup.enabled": "true" }, "backup.password", /is required with backup.enabled/);
        assertProblem({ ...LOCAL, ...ON, "backup.password": "short" }, "backup.password", /too short.*got \(secret value\)/);
        assertProblem({ ...LOCAL, ...ON }, "backup.password", /stored in plaintext/, DEFAULT_SECRETS);
    });

    it("checks the schedule with the cron grammar and computes when a backup is overdue", () => {
        assertProblem({ ...LOCAL, ...ON, "backup.schedule": "@daily" }, "backup.schedule", /1 field\(s\).*allowed: five fields/);
        assertProblem({ ...LOCAL, ...ON, "backup.schedule": "0 25 * * *" }, "backup.schedule", /hour field "25" is outside 0-23/);
        assertProblem({ ...LOCAL, ...ON, "backup.schedule": "0 0 30 2 *" }, "backup.schedule", /it never fires/);
        assert.equal(backupOf({ ...LOCAL, ...ON, "backup.schedule": "*/15 * * * *" }).maxAgeSeconds, 2 * 15 * 60);
        // Twice a day at 01:00 and 13:00: the longest gap is 12 h.
        assert.equal(backupOf({ ...LOCAL, ...ON, "backup.schedule": "0 1,13 * * *" }).maxAgeSeconds, 24 * 3600);
        // Weekly on Sunday (7 and 0 are the same day).
        assert.equal(backupOf({ ...LOCAL, ...ON, "backup.schedule": "30 2 * * 7" }).maxAgeSeconds, 2 * 7 * 24 * 3600);
    });

    it("refuses a retention that keeps nothing", () => {
        assertProblem(
            { ...LOCAL, ...ON, "backup.keep.daily": "0", "backup.keep.weekly": "0", "backup.keep.monthly": "0" },
            "backup.keep.daily",
            /nothing would be kept/,
        );
    });

    it("backup.* keys without backup.enabled, and credentials of another backend, are reported", () => {
        assertProblem({ ...LOCAL, "backup.repository": "x" }, "backup.repository", /no effect while backup.enabled is false/);
        assertProblem(
            { ...LOCAL, ...ON, "backup.s3.accessKeyId": "a" },
            "backup.s3.accessKeyId",
            /no effect unless backup.repository is an s3/,
        );
        assertProblem(
            { ...LOCAL, ...ON, "backup.swift.region": "r" },
            "backup.swift.region",
            /no effect unless backup.repository is a swift/,
        );
    });

    it("parseRepository: the empty string is the stack's default volume", () => {
        assert.deepEqual(parseRepository("", "local"), { kind: "volume" });
    });
});
