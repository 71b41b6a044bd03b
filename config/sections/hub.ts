/** hub.*: address, TLS, users, authenticator, database, culling, branding. */
import * as fs from "fs";
import * as path from "path";
import type { ConfigReader } from "../reader";
import { spec } from "../schema";
import { isDnsSubdomain, isEmail, isHostname, isUrl, isUsername } from "../formats";
import { parseIpv4 } from "../cidr";
import type { AuthConfig, AuthType, CertManagerIssuerKind, DbType, HubConfig, TlsConfig, TlsMode, Topology } from "../types";
import { readAuth } from "./auth";
import { readServices } from "./services";

/** Authenticators that have a notion of groups the hub can filter on. */
const GROUP_AWARE: readonly AuthType[] = ["github", "generic-oauth", "ldap"];

export function readHub(r: ConfigReader, topology: Topology, projectDir: string): HubConfig {
    const domain = readDomain(r);
    const bindAddress = readBindAddress(r, topology);
    const port = r.int("hub.port", 1, 65535);
    const tls = readTls(r, topology, domain);
    const publicUrl = publicUrlOf(topology, domain, tls.mode, bindAddress, port);

    const adminUsers = usernames(r, "hub.adminUsers");
    const allowedUsers = usernames(r, "hub.allowedUsers");
    const allowedGroups = r.list("hub.allowedGroups");
    const auth: AuthConfig = readAuth(r, topology, publicUrl, domain);
    if (allowedGroups.length > 0 && !GROUP_AWARE.includes(auth.type)) {
        r.bad(
            "hub.allowedGroups",
            allowedGroups,
            `empty with hub.auth.type ${auth.type}; groups work with ${GROUP_AWARE.join(", ")}`,
            `the ${auth.type} authenticator has no groups`,
        );
    }

    return {
        domain,
        publicUrl,
        bindAddress,
        port,
        tls,
        adminUsers,
        allowedUsers,
        allowedGroups,
        auth,
        db: readDb(r),
        cull: {
            enabled: r.bool("hub.cull.enabled"),
            timeoutSeconds: r.int("hub.cull.timeout", 1, Number.MAX_SAFE_INTEGER, "a positive number of seconds"),
            everySeconds: r.int("hub.cull.every", 1, Number.MAX_SAFE_INTEGER, "a positive number of seconds"),
            maxAgeSeconds: r.int("hub.cull.maxAge", 0, Number.MAX_SAFE_INTEGER, "0 (off) or a positive number of seconds"),
        },
        concurrentSpawnLimit: r.int("hub.concurrentSpawnLimit", 0, 100000, "0 (unlimited) or a positive integer"),
        activeServerLimit: r.int("hub.activeServerLimit", 0, 1000000, "0 (unlimited) or a positive integer"),
        startTimeoutSeconds: readStartTimeout(r, topology),
        pageTitle: readTitle(r),
        logoPath: readLogo(r, projectDir),
        ...readServices(r),
    };
}

/**
 * hub.startTimeout: how long `pulumi up` waits for the hub container to answer its health check
 * (Docker topologies). A Kubernetes Deployment has its own rollout; there the key has no effect.
 */
function readStartTimeout(r: ConfigReader, topology: Topology): number {
    const seconds = r.int("hub.startTimeout", 10, 3600, "a number of seconds from 10 to 3600");
    // Pulumi passes Pulumi.yaml's default as a set value: only another value is a mistake.
    if (topology === "kubernetes" && r.isSet("hub.startTimeout") && seconds !== spec("hub.startTimeout").default) {
        r.need("hub.startTimeout", "has no effect with topology kubernetes (the hub Deployment's rollout has its own wait); remove it");
    }
    return seconds;
}

function readDomain(r: ConfigReader): string | undefined {
    const domain = r.optStr("hub.domain");
    if (domain === undefined) {
        return undefined;
    }
    if (domain.includes("://") || domain.includes("/")) {
        r.bad("hub.domain", domain, "a DNS name such as hub.example.org", "a host name, not a URL");
        return undefined;
    }
    if (!isHostname(domain)) {
        r.bad("hub.domain", domain, "a lowercase DNS name with at least two labels, such as hub.example.org");
        return undefined;
    }
    return domain;
}

function readBindAddress(r: ConfigReader, topology: Topology): string {
    const given = r.optStr("hub.bindAddress");
    const address = given ?? (topology === "local" ? "127.0.0.1" : "0.0.0.0");
    if (parseIpv4(address) === undefined) {
        r.bad("hub.bindAddress", address, "an IPv4 address such as 127.0.0.1 or 0.0.0.0");
    } else if (topology === "local" && !address.startsWith("127.")) {
        r.bad("hub.bindAddress", address, "a loopback address (127.0.0.0/8)", "the local topology publishes the hub on loopback only");
    }
    return address;
}

function readTls(r: ConfigReader, topology: Topology, domain: string | undefined): TlsConfig {
    const mode = r.oneOf<TlsMode>("hub.tls.mode");
    const contactEmail = r.optStr("hub.tls.contactEmail");
    const acmeServer = r.str("hub.tls.acmeServer");
    const certificate = r.secret("hub.tls.certificate");
    const key = r.secret("hub.tls.key");
    if (mode !== "none" && domain === undefined && !r.isSet("hub.domain")) {
        r.need("hub.domain", `is required with hub.tls.mode ${mode}: certificates are issued for a DNS name`);
    }
    if (mode === "letsencrypt") {
        if (domain !== undefined && parseIpv4(domain) !== undefined) {
            r.bad(
                "hub.domain",
                domain,
                "a DNS name such as hub.example.org with hub.tls.mode letsencrypt (or hub.tls.mode manual for an address)",
                "Let's Encrypt does not issue certificates for IP addresses",
            );
        }
        if (topology === "local") {
            r.bad("hub.tls.mode", mode, "none or manual for topology local", "Let's Encrypt cannot reach a hub on 127.0.0.1");
        }
        if (contactEmail === undefined) {
            r.need("hub.tls.contactEmail", "is required with hub.tls.mode letsencrypt (Let's Encrypt sends expiry notices there)");
        } else if (!isEmail(contactEmail)) {
            r.bad("hub.tls.contactEmail", contactEmail, "an e-mail address such as admin@example.org");
        }
        if (!isUrl(acmeServer, ["https:"])) {
            r.bad("hub.tls.acmeServer", acmeServer, "an https:// ACME directory URL");
        }
    }
    const certManager = readCertManager(r, mode, topology);
    if (mode === "manual") {
        if (r.peekSecret("hub.tls.certificate") === undefined) {
            r.need(
                "hub.tls.certificate",
                "is required with hub.tls.mode manual; set it with `pulumi config set --secret hub.tls.certificate < fullchain.pem`",
            );
        } else if (!r.peekSecret("hub.tls.certificate")?.includes("BEGIN CERTIFICATE")) {
            r.bad("hub.tls.certificate", "", "a PEM certificate chain (-----BEGIN CERTIFICATE-----)", "not PEM");
        }
        if (r.peekSecret("hub.tls.key") === undefined) {
            r.need(
                "hub.tls.key",
                "is required with hub.tls.mode manual; set it with `pulumi config set --secret hub.tls.key < privkey.pem`",
            );
        } else if (!/BEGIN (RSA |EC )?PRIVATE KEY/.test(r.peekSecret("hub.tls.key") ?? "")) {
            r.bad("hub.tls.key", "", "a PEM private key (-----BEGIN PRIVATE KEY-----)", "not PEM");
        }
    }
    return { mode, contactEmail, acmeServer, certificate, key, ...(certManager ? { certManager } : {}) };
}

/**
 * hub.tls.certManager.*: the site's cert-manager issues the hub's certificate. Only a Kubernetes
 * cluster runs cert-manager; the keys mean nothing in another mode, so setting them there is a
 * mistake worth reporting (the operator believes they have an effect).
 */
function readCertManager(r: ConfigReader, mode: TlsMode, topology: Topology): TlsConfig["certManager"] {
    const issuer = r.optStr("hub.tls.certManager.issuer");
    const issuerKind = r.oneOf<CertManagerIssuerKind>("hub.tls.certManager.issuerKind");
    if (mode !== "cert-manager") {
        if (issuer !== undefined) {
            r.need("hub.tls.certManager.issuer", `has no effect with hub.tls.mode ${mode}; set hub.tls.mode cert-manager or remove it`);
        }
        if (issuerKind !== "ClusterIssuer") {
            r.need("hub.tls.certManager.issuerKind", `has no effect with hub.tls.mode ${mode}; set hub.tls.mode cert-manager or remove it`);
        }
        return undefined;
    }
    if (topology !== "kubernetes") {
        r.bad(
            "hub.tls.mode",
            mode,
            `none, letsencrypt or manual for topology ${topology}`,
            "cert-manager issues certificates inside a Kubernetes cluster (topology kubernetes)",
        );
    }
    if (issuer === undefined) {
        r.need(
            "hub.tls.certManager.issuer",
            "is required with hub.tls.mode cert-manager: the name of the cluster's Issuer or ClusterIssuer that issues the hub's certificate",
        );
        return undefined;
    }
    if (!isDnsSubdomain(issuer)) {
        r.bad(
            "hub.tls.certManager.issuer",
            issuer,
            "a Kubernetes object name (lowercase letters, digits, '-' and '.', at most 253 characters)",
        );
    }
    return { issuer, issuerKind };
}

/** The URL users type. Kubernetes and TLS serve on the standard ports; Docker hosts on hub.port. */
export function publicUrlOf(topology: Topology, domain: string | undefined, tls: TlsMode, bindAddress: string, port: number): string {
    if (tls !== "none" && domain) {
        return `https://${domain}`;
    }
    const host = domain ?? (bindAddress === "0.0.0.0" ? "127.0.0.1" : bindAddress);
    const effectivePort = topology === "kubernetes" ? 80 : port;
    return effectivePort === 80 ? `http://${host}` : `http://${host}:${effectivePort}`;
}

function usernames(r: ConfigReader, key: string): string[] {
    const names = r.list(key);
    for (const n of names) {
        if (!isUsername(n)) {
            r.bad(key, n, "user names without whitespace or '/'");
        }
    }
    return names;
}

function readDb(r: ConfigReader): HubConfig["db"] {
    const type = r.oneOf<DbType>("hub.db.type");
    const url = r.secret("hub.db.url");
    const plain = r.peekSecret("hub.db.url");
    if (type === "external") {
        if (plain === undefined) {
            r.need(
                "hub.db.url",
                "is required with hub.db.type external; set it with `pulumi config set --secret hub.db.url postgresql://...`",
            );
        } else if (!/^(postgresql|postgres|mysql|mariadb)(\+\w+)?:\/\/\S+$/.test(plain)) {
            r.bad("hub.db.url", plain, "an SQLAlchemy URL starting with postgresql:// or mysql://");
        }
    } else if (plain !== undefined) {
        r.need("hub.db.url", "is set but hub.db.type is sqlite; set hub.db.type external or remove hub.db.url");
    }
    const volumeSizeBytes = r.size("hub.db.volumeSize") ?? 2 ** 30;
    return { type, url: type === "external" ? url : undefined, volumeSizeBytes };
}

function readTitle(r: ConfigReader): string {
    const title = r.str("hub.pageTitle");
    if (title === "" || title.length > 100) {
        r.bad("hub.pageTitle", title, "1 to 100 characters");
    }
    return title;
}

function readLogo(r: ConfigReader, projectDir: string): string | undefined {
    const logo = r.optStr("hub.logo");
    if (logo === undefined) {
        return undefined;
    }
    const full = path.resolve(projectDir, logo);
    if (!/\.(png|svg|jpe?g)$/i.test(logo)) {
        r.bad("hub.logo", logo, "a .png, .svg or .jpg file");
        return undefined;
    }
    if (!fs.existsSync(full)) {
        r.bad("hub.logo", logo, "a path, relative to the project folder, of an existing file", `no file at ${full}`);
        return undefined;
    }
    return full;
}
