/**
 * What the backup runner (images/hub/platform_backup.py) is given, for every topology: restic's
 * environment (repository, password, S3 or Swift credentials) and the runner's config document.
 * Pure functions of the config and plain values; the components wrap secrets in Outputs.
 */
import type { BackupConfig, BackupRepository, SwiftCredentials } from "../../config/types";
import { BACKUP, HUB_PATHS, HUB_USER, hubConnectUrl } from "../hub/contract";

/** The plaintext of the backup secrets, only ever inside an Output's apply. */
export interface BackupSecretValues {
    password: string;
    s3SecretAccessKey?: string;
    /** Application credential secret or password, whichever SwiftCredentials carries. */
    swiftSecret?: string;
    backupToken: string;
    dbUrl?: string;
}

/** restic's RESTIC_REPOSITORY: the mount inside the runner's containers for a volume or directory. */
export function resticRepository(repo: BackupRepository): string {
    return repo.kind === "s3" || repo.kind === "swift" ? repo.restic : BACKUP.repositoryMount;
}

/** Swift environment variables restic reads (its swift backend: OS_* as in openrc files). */
export function swiftEnv(swift: SwiftCredentials, secret: string): Record<string, string> {
    const env: Record<string, string> = { OS_AUTH_URL: swift.authUrl };
    if (swift.region) {
        env.OS_REGION_NAME = swift.region;
    }
    if ("applicationCredentialId" in swift) {
        env.OS_APPLICATION_CREDENTIAL_ID = swift.applicationCredentialId;
        env.OS_APPLICATION_CREDENTIAL_SECRET = secret;
    } else {
        env.OS_USERNAME = swift.username;
        env.OS_PASSWORD = secret;
        env.OS_PROJECT_NAME = swift.projectName;
        env.OS_USER_DOMAIN_NAME = swift.userDomainName;
        env.OS_PROJECT_DOMAIN_NAME = swift.projectDomainName;
    }
    return env;
}

/** Every variable the runner and its one-shot containers need, sorted by name. */
export function backupEnv(backup: BackupConfig, v: BackupSecretValues): Record<string, string> {
    const env: Record<string, string> = {
        RESTIC_REPOSITORY: resticRepository(backup.repository),
        RESTIC_PASSWORD: v.password,
        PLATFORM_BACKUP_TOKEN: v.backupToken,
        PLATFORM_BACKUP_CONFIG: BACKUP.configFile,
    };
    if (backup.repository.kind === "s3") {
        if (!backup.s3 || v.s3SecretAccessKey === undefined) {
            throw new Error("backupEnv: an s3 repository needs backup.s3 credentials");
        }
        env.AWS_ACCESS_KEY_ID = backup.s3.accessKeyId;
        env.AWS_SECRET_ACCESS_KEY = v.s3SecretAccessKey;
    }
    if (backup.repository.kind === "swift") {
        if (!backup.swift || v.swiftSecret === undefined) {
            throw new Error("backupEnv: a swift repository needs Swift credentials");
        }
        Object.assign(env, swiftEnv(backup.swift, v.swiftSecret));
    }
    if (v.dbUrl !== undefined) {
        env.PLATFORM_DB_URL = v.dbUrl;
    }
    return Object.fromEntries(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)));
}

/** `NAME=value` list (Docker's env shape). */
export function envList(env: Record<string, string>): string[] {
    return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/** The secret a swift repository authenticates with. */
export function swiftSecretOf(backup: BackupConfig): BackupConfig["password"] | undefined {
    const swift = backup.swift;
    if (!swift) return undefined;
    return "applicationCredentialId" in swift ? swift.applicationCredentialSecret : swift.password;
}

/** The part of the runner's document every topology shares. */
export interface RunnerDocumentBase {
    /** restic's --host: snapshots of this stack, kept apart from other stacks in one repository. */
    host: string;
    schedule: string;
    maxAgeSeconds: number;
    keep: BackupConfig["keep"];
    statusFile: string;
    lockFile: string;
    hubApiUrl: string;
    db: { type: "sqlite" | "external"; sqliteFile: string; owner: string };
}

export function runnerDocumentBase(
    backup: BackupConfig,
    stack: string,
    dbType: "sqlite" | "external",
    hubHost: string,
): RunnerDocumentBase {
    return {
        host: stack,
        schedule: backup.schedule,
        maxAgeSeconds: backup.maxAgeSeconds,
        keep: { ...backup.keep },
        statusFile: `${BACKUP.statusDir}/${BACKUP.statusFile}`,
        lockFile: `${BACKUP.statusDir}/.lock`,
        hubApiUrl: `${hubConnectUrl(hubHost)}/hub/api`,
        db: { type: dbType, sqliteFile: HUB_PATHS.sqliteFile, owner: `${HUB_USER.uid}:${HUB_USER.gid}` },
    };
}
