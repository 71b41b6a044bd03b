/** restic's environment and the runner document, per repository kind (components/backup/render.ts). */
import { strict as assert } from "assert";
import { backupEnv, resticRepository, runnerDocumentBase, swiftEnv } from "../../../../components/backup/render";
import type { BackupConfig } from "../../../../config/types";
import { asTopology, platformConfig } from "../../fixtures/config";

const SECRETS = ["backup.password", "backup.s3.secretAccessKey", "backup.swift.applicationCredentialSecret", "openstack.password"];
const ON = { "backup.enabled": "true", "backup.password": "correct horse battery" };

function backup(values: Record<string, string>): BackupConfig {
    const c = platformConfig({ ...ON, ...values }, { secretKeys: SECRETS });
    assert.ok(c.backup);
    return c.backup;
}

const VALUES = { password: "pw-plain", backupToken: "tok", s3SecretAccessKey: "s3-secret", swiftSecret: "swift-secret" };

describe("backup renderers", () => {
    it("a volume or directory repository is the runner's /repo mount", () => {
        assert.equal(resticRepository({ kind: "volume" }), "/repo");
        assert.equal(resticRepository({ kind: "directory", path: "/srv/backups" }), "/repo");
        assert.deepEqual(backupEnv(backup({}), { password: "pw", backupToken: "tok" }), {
            PLATFORM_BACKUP_CONFIG: "/etc/jupyterhub/platform/backup.json",
            PLATFORM_BACKUP_TOKEN: "tok",
            RESTIC_PASSWORD: "pw",
            RESTIC_REPOSITORY: "/repo",
        });
    });

    it("S3: restic's s3: URL and the AWS_* credentials", () => {
        const env = backupEnv(
            backup({ "backup.repository": "s3:http://s3:8333/b/p", "backup.s3.accessKeyId": "AK", "backup.s3.secretAccessKey": "x" }),
            VALUES,
        );
        assert.equal(env.RESTIC_REPOSITORY, "s3:http://s3:8333/b/p");
        assert.equal(env.AWS_ACCESS_KEY_ID, "AK");
        assert.equal(env.AWS_SECRET_ACCESS_KEY, "s3-secret");
        assert.ok(!Object.keys(env).some((k) => k.startsWith("OS_")));
    });

    it("Swift with an application credential: OS_AUTH_URL, OS_REGION_NAME, OS_APPLICATION_CREDENTIAL_*", () => {
        const b = backup({
            "backup.repository": "swift:hub-backups:/local",
            "backup.swift.authUrl": "https://keystone.example.org:5000/v3",
            "backup.swift.region": "RegionOne",
            "backup.swift.applicationCredentialId": "ac-id",
            "backup.swift.applicationCredentialSecret": "x",
        });
        const env = backupEnv(b, VALUES);
        assert.equal(env.RESTIC_REPOSITORY, "swift:hub-backups:/local");
        assert.equal(env.OS_AUTH_URL, "https://keystone.example.org:5000/v3");
        assert.equal(env.OS_REGION_NAME, "RegionOne");
        assert.equal(env.OS_APPLICATION_CREDENTIAL_ID, "ac-id");
        assert.equal(env.OS_APPLICATION_CREDENTIAL_SECRET, "swift-secret");
        assert.equal(env.OS_PASSWORD, undefined);
        assert.deepEqual(Object.keys(env), [...Object.keys(env)].sort(), "sorted, so a reordering is no diff");
    });

    it("Swift from the stack's openstack password credentials: OS_USERNAME, OS_PASSWORD, project and domains", () => {
        assert.deepEqual(
            swiftEnv(
                {
                    authUrl: "https://k/v3",
                    username: "ops",
                    password: undefined as never,
                    projectName: "hub",
                    userDomainName: "Default",
                    projectDomainName: "Default",
                },
                "pw",
            ),
            {
                OS_AUTH_URL: "https://k/v3",
                OS_USERNAME: "ops",
                OS_PASSWORD: "pw",
                OS_PROJECT_NAME: "hub",
                OS_USER_DOMAIN_NAME: "Default",
                OS_PROJECT_DOMAIN_NAME: "Default",
            },
        );
    });

    it("an external database's URL reaches the runner for pg_dump / mysqldump", () => {
        assert.equal(backupEnv(backup({}), { ...VALUES, dbUrl: "postgresql://u:p@db/hub" }).PLATFORM_DB_URL, "postgresql://u:p@db/hub");
    });

    it("runner document: restic --host is the stack, the hub API by its network name, retention, overdue age", () => {
        const c = asTopology(platformConfig({ ...ON, "backup.schedule": "0 */6 * * *" }, { secretKeys: SECRETS, stack: "e2e" }), "local");
        assert.ok(c.backup);
        assert.deepEqual(runnerDocumentBase(c.backup, c.stack, "sqlite", "hub"), {
            host: "e2e",
            schedule: "0 */6 * * *",
            maxAgeSeconds: 12 * 3600,
            keep: { daily: 7, weekly: 4, monthly: 6 },
            statusFile: "/var/lib/platform-backup/status.json",
            lockFile: "/var/lib/platform-backup/.lock",
            hubApiUrl: "http://hub:8081/hub/api",
            db: { type: "sqlite", sqliteFile: "jupyterhub.sqlite", owner: "10001:10001" },
        });
    });
});
