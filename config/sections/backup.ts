/**
 * backup.*: restic backups of the hub database and every user home, on a schedule, kept by a
 * retention policy, into a repository that is a Docker volume / PVC, a directory on the Docker
 * host, an S3-compatible bucket or an OpenStack Swift container.
 */
import { CRON_ALLOWED, longestCronGapSeconds, parseCron } from "../cron";
import type { ConfigReader } from "../reader";
import type { BackupConfig, BackupRepository, OpenStackConfig, SwiftCredentials, Topology } from "../types";

export const REPOSITORY_ALLOWED =
    "a Docker volume / PVC name (e.g. hub-backups), an absolute directory on the Docker host (e.g. /srv/backups; Docker topologies), s3:http(s)://host[:port]/bucket[/prefix], or swift:container:/path";

const VOLUME_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

export function parseRepository(text: string, topology: Topology): BackupRepository | string {
    if (text === "") {
        return { kind: "volume" };
    }
    if (text.startsWith("s3:")) {
        let url: URL;
        try {
            url = new URL(text.slice(3));
        } catch {
            return "not an s3:http(s)://host[:port]/bucket URL";
        }
        const [bucket, ...prefix] = url.pathname.split("/").filter(Boolean);
        if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname || !bucket) {
            return "an S3 repository names the endpoint and the bucket: s3:https://host[:port]/bucket[/prefix]";
        }
        if (url.username || url.password || url.search) {
            return "credentials and query strings do not belong in the repository URL (backup.s3.* keys)";
        }
        return {
            kind: "s3",
            endpoint: `${url.protocol}//${url.host}`,
            bucket,
            prefix: prefix.join("/"),
            restic: `s3:${url.protocol}//${url.host}/${[bucket, ...prefix].join("/")}`,
        };
    }
    if (text.startsWith("swift:")) {
        const m = /^swift:([A-Za-z0-9][A-Za-z0-9_.-]*):(\/[^\s]*)$/.exec(text);
        if (!m) {
            return "a Swift repository is swift:<container>:/<path>";
        }
        return { kind: "swift", container: m[1], path: m[2], restic: text };
    }
    if (text.startsWith("/")) {
        if (topology === "kubernetes") {
            return "a host directory has no meaning on Kubernetes; use a PVC name, s3: or swift:";
        }
        if (!/^(\/[A-Za-z0-9_.-]+)+\/?$/.test(text) || text.split("/").includes("..")) {
            return "an absolute directory without '..' or spaces";
        }
        return { kind: "directory", path: text.replace(/\/+$/, "") };
    }
    if (!VOLUME_NAME.test(text)) {
        return "a volume / PVC name of lowercase letters, digits, '.', '_' and '-'";
    }
    return { kind: "volume", name: text };
}

/** Undefined when backups are off (and then every other backup.* key must be left alone). */
export function readBackup(r: ConfigReader, topology: Topology, openstack: OpenStackConfig | undefined): BackupConfig | undefined {
    const enabled = r.bool("backup.enabled");
    if (!enabled) {
        return undefined;
    }
    const repoText = r.str("backup.repository");
    const repository = parseRepository(repoText, topology);
    if (typeof repository === "string") {
        r.bad("backup.repository", repoText, REPOSITORY_ALLOWED, repository);
    }

    const password = r.secret("backup.password");
    if (r.peekSecret("backup.password") === undefined) {
        r.need(
            "backup.password",
            "is required with backup.enabled (restic encrypts the repository with it; keep a copy outside this stack); set it with `pulumi config set --secret backup.password <value>`",
        );
    } else if ((r.peekSecret("backup.password") ?? "").length < 12) {
        r.bad("backup.password", "", "at least 12 characters", "too short for a repository key");
    }

    const accessKeyId = r.optStr("backup.s3.accessKeyId");
    const secretAccessKey = r.secret("backup.s3.secretAccessKey");
    const isS3 = typeof repository !== "string" && repository.kind === "s3";
    if (isS3) {
        if (accessKeyId === undefined) {
            r.need("backup.s3.accessKeyId", "is required with an s3: backup.repository");
        }
        if (r.peekSecret("backup.s3.secretAccessKey") === undefined) {
            r.need("backup.s3.secretAccessKey", "is required with an s3: backup.repository (set it with --secret)");
        }
    } else {
        for (const key of ["backup.s3.accessKeyId", "backup.s3.secretAccessKey"]) {
            if (r.isSet(key)) {
                r.need(key, "has no effect unless backup.repository is an s3: URL; remove it");
            }
        }
    }

    const isSwift = typeof repository !== "string" && repository.kind === "swift";
    const swift = readSwift(r, isSwift, openstack);

    const schedule = r.str("backup.schedule");
    const cron = parseCron(schedule);
    let maxAgeSeconds = 2 * 24 * 3600;
    if (!cron.ok) {
        r.bad("backup.schedule", schedule, CRON_ALLOWED, cron.error);
    } else {
        const gap = longestCronGapSeconds(cron.schedule);
        if (gap === undefined) {
            r.bad("backup.schedule", schedule, CRON_ALLOWED, "it never fires");
        } else {
            maxAgeSeconds = 2 * gap;
        }
    }
    const keep = {
        daily: r.int("backup.keep.daily", 0, 3660),
        weekly: r.int("backup.keep.weekly", 0, 520),
        monthly: r.int("backup.keep.monthly", 0, 1200),
    };
    if (keep.daily + keep.weekly + keep.monthly === 0) {
        r.bad("backup.keep.daily", 0, "at least one of backup.keep.daily/weekly/monthly above 0", "nothing would be kept");
    }

    if (typeof repository === "string" || password === undefined) {
        return undefined;
    }
    return {
        repository,
        password,
        ...(isS3 && accessKeyId !== undefined && secretAccessKey !== undefined ? { s3: { accessKeyId, secretAccessKey } } : {}),
        ...(swift ? { swift } : {}),
        schedule,
        maxAgeSeconds,
        keep,
    };
}

const SWIFT_KEYS = [
    "backup.swift.authUrl",
    "backup.swift.region",
    "backup.swift.applicationCredentialId",
    "backup.swift.applicationCredentialSecret",
] as const;

/**
 * Swift credentials: backup.swift.* (an application credential), or else the stack's own
 * openstack.* credentials when it has them (docker-vm, kubernetes on OpenStack). restic reads no
 * clouds.yaml, so openstack.cloud alone is not enough.
 */
function readSwift(r: ConfigReader, isSwift: boolean, openstack: OpenStackConfig | undefined): SwiftCredentials | undefined {
    const given = SWIFT_KEYS.some((k) => r.isSet(k));
    if (!isSwift) {
        for (const key of SWIFT_KEYS) {
            if (r.isSet(key)) {
                r.need(key, "has no effect unless backup.repository is a swift: repository; remove it");
            }
        }
        return undefined;
    }
    if (given) {
        const authUrl = r.optStr("backup.swift.authUrl");
        const id = r.optStr("backup.swift.applicationCredentialId");
        const secret = r.secret("backup.swift.applicationCredentialSecret");
        if (authUrl === undefined) {
            r.need("backup.swift.authUrl", "is required with backup.swift.* credentials (the Keystone URL)");
        } else if (!/^https?:\/\/[^\s/]+/.test(authUrl)) {
            r.bad("backup.swift.authUrl", authUrl, "the Keystone URL, e.g. https://keystone.example.org:5000/v3");
        }
        if (id === undefined) {
            r.need("backup.swift.applicationCredentialId", "is required with backup.swift.authUrl");
        }
        if (r.peekSecret("backup.swift.applicationCredentialSecret") === undefined) {
            r.need("backup.swift.applicationCredentialSecret", "is required with backup.swift.authUrl (set it with --secret)");
        }
        if (authUrl === undefined || id === undefined || secret === undefined) {
            return undefined;
        }
        return { authUrl, region: r.optStr("backup.swift.region"), applicationCredentialId: id, applicationCredentialSecret: secret };
    }
    const os = openstack;
    if (os?.authUrl && os.applicationCredentialId && os.applicationCredentialSecret) {
        return {
            authUrl: os.authUrl,
            region: os.region,
            applicationCredentialId: os.applicationCredentialId,
            applicationCredentialSecret: os.applicationCredentialSecret,
        };
    }
    if (os?.authUrl && os.username && os.password && os.projectName) {
        return {
            authUrl: os.authUrl,
            region: os.region,
            username: os.username,
            password: os.password,
            projectName: os.projectName,
            userDomainName: os.userDomainName,
            projectDomainName: os.projectDomainName,
        };
    }
    r.need(
        "backup.swift.authUrl",
        "and an application credential (backup.swift.applicationCredentialId + backup.swift.applicationCredentialSecret) are required with a swift: backup.repository, unless the stack's openstack.authUrl carries credentials (restic cannot read clouds.yaml)",
    );
    return undefined;
}
