/** hub.auth.*: the authenticator and the settings each one needs. */
import { X509Certificate } from "crypto";
import type { ConfigReader } from "../reader";
import { isHostname, isUrl } from "../formats";
import type { AuthConfig, AuthType, CasConfig, LdapConfig, OAuthConfig, Topology } from "../types";

const OAUTH_TYPES: readonly AuthType[] = ["github", "google", "generic-oauth"];

export function readAuth(r: ConfigReader, topology: Topology, publicUrl: string, domain: string | undefined): AuthConfig {
    const type = r.oneOf<AuthType>("hub.auth.type");
    const dummyPassword = r.secret("hub.auth.dummyPassword");
    const googleHostedDomains = r.list("hub.auth.google.hostedDomains");
    for (const d of googleHostedDomains) {
        if (!isHostname(d)) {
            r.bad("hub.auth.google.hostedDomains", d, "DNS domains such as example.edu");
        }
    }
    const caBundle = readCaBundle(r, type);
    const auth: AuthConfig = { type, dummyPassword, googleHostedDomains, ...(caBundle !== undefined ? { caBundle } : {}) };
    if (OAUTH_TYPES.includes(type)) {
        auth.oauth = readOAuth(r, type, topology, publicUrl, domain);
    } else if (type === "cas") {
        auth.cas = readCas(r, topology, publicUrl, domain);
    } else if (type === "ldap") {
        auth.ldap = readLdap(r);
    }
    return auth;
}

/** Callback URLs must be reachable by the user's browser: a remote hub needs its DNS name. */
function requireDomainFor(r: ConfigReader, what: string, overrideKey: string, topology: Topology, domain: string | undefined): void {
    if (topology !== "local" && domain === undefined && !r.isSet(overrideKey) && !r.isSet("hub.domain")) {
        r.need("hub.domain", `is required for ${what} on topology ${topology} (or set ${r.fq(overrideKey)})`);
    }
}

function readOAuth(r: ConfigReader, type: AuthType, topology: Topology, publicUrl: string, domain: string | undefined): OAuthConfig {
    const clientId = r.optStr("hub.auth.oauth.clientId");
    const clientSecret = r.secret("hub.auth.oauth.clientSecret");
    if (clientId === undefined) {
        r.need("hub.auth.oauth.clientId", `is required with hub.auth.type ${type}`);
    }
    if (r.peekSecret("hub.auth.oauth.clientSecret") === undefined) {
        r.need(
            "hub.auth.oauth.clientSecret",
            `is required with hub.auth.type ${type}; set it with \`pulumi config set --secret hub.auth.oauth.clientSecret <value>\``,
        );
    }
    requireDomainFor(r, "the OAuth callback", "hub.auth.oauth.callbackUrl", topology, domain);
    const callbackUrl = url(r, "hub.auth.oauth.callbackUrl", ["https:", "http:"]) ?? `${publicUrl}/hub/oauth_callback`;
    const endpoints = ["hub.auth.oauth.authorizeUrl", "hub.auth.oauth.tokenUrl", "hub.auth.oauth.userdataUrl"] as const;
    const [authorizeUrl, tokenUrl, userdataUrl] = endpoints.map((k) => url(r, k, ["https:"]));
    if (type === "generic-oauth") {
        for (const [k, v] of endpoints.map((k, i) => [k, [authorizeUrl, tokenUrl, userdataUrl][i]] as const)) {
            if (v === undefined && !r.isSet(k)) {
                r.need(k, "is required with hub.auth.type generic-oauth");
            }
        }
    }
    return {
        clientId: clientId ?? "",
        // The placeholder is never used: a missing secret is a validation problem above.
        clientSecret: clientSecret as OAuthConfig["clientSecret"],
        callbackUrl,
        authorizeUrl,
        tokenUrl,
        userdataUrl,
        usernameClaim: r.str("hub.auth.oauth.usernameClaim"),
        groupsClaim: r.optStr("hub.auth.oauth.groupsClaim"),
        scopes: r.list("hub.auth.oauth.scopes"),
    };
}

function readCas(r: ConfigReader, topology: Topology, publicUrl: string, domain: string | undefined): CasConfig {
    const loginUrl = url(r, "hub.auth.cas.loginUrl", ["https:"]);
    const serviceValidateUrl = url(r, "hub.auth.cas.serviceValidateUrl", ["https:"]);
    for (const [k, v] of [
        ["hub.auth.cas.loginUrl", loginUrl],
        ["hub.auth.cas.serviceValidateUrl", serviceValidateUrl],
    ] as const) {
        if (v === undefined && !r.isSet(k)) {
            r.need(k, "is required with hub.auth.type cas");
        }
    }
    requireDomainFor(r, "the CAS service URL", "hub.auth.cas.serviceUrl", topology, domain);
    return {
        loginUrl: loginUrl ?? "",
        serviceValidateUrl: serviceValidateUrl ?? "",
        serviceUrl: url(r, "hub.auth.cas.serviceUrl", ["https:", "http:"]) ?? `${publicUrl}/hub/login`,
    };
}

function readLdap(r: ConfigReader): LdapConfig {
    const serverAddress = r.optStr("hub.auth.ldap.serverAddress");
    if (serverAddress === undefined) {
        r.need("hub.auth.ldap.serverAddress", "is required with hub.auth.type ldap");
    } else if (serverAddress.includes("://")) {
        r.bad(
            "hub.auth.ldap.serverAddress",
            serverAddress,
            "a host name such as ldap.example.org (set hub.auth.ldap.useSsl for ldaps)",
            "a host name, not a URL",
        );
    }
    const lookupDn = r.bool("hub.auth.ldap.lookupDn");
    const bindDnTemplates = r.list("hub.auth.ldap.bindDnTemplates");
    for (const t of bindDnTemplates) {
        if (!t.includes("{username}")) {
            r.bad(
                "hub.auth.ldap.bindDnTemplates",
                t,
                "DN templates containing {username}, e.g. uid={username},ou=people,dc=example,dc=org",
            );
        }
    }
    const userSearchBase = r.optStr("hub.auth.ldap.userSearchBase");
    const searchUser = r.optStr("hub.auth.ldap.searchUser");
    const searchPassword = r.secret("hub.auth.ldap.searchPassword");
    if (lookupDn) {
        if (userSearchBase === undefined) {
            r.need("hub.auth.ldap.userSearchBase", "is required with hub.auth.ldap.lookupDn true");
        }
        if (searchUser === undefined) {
            r.need("hub.auth.ldap.searchUser", "is required with hub.auth.ldap.lookupDn true");
        }
        if (r.peekSecret("hub.auth.ldap.searchPassword") === undefined) {
            r.need("hub.auth.ldap.searchPassword", "is required with hub.auth.ldap.lookupDn true (set it with --secret)");
        }
    } else if (bindDnTemplates.length === 0) {
        r.need("hub.auth.ldap.bindDnTemplates", "needs at least one template, or set hub.auth.ldap.lookupDn true with a search base");
    }
    return {
        serverAddress: serverAddress ?? "",
        serverPort: r.int("hub.auth.ldap.serverPort", 1, 65535),
        useSsl: r.bool("hub.auth.ldap.useSsl"),
        bindDnTemplates,
        lookupDn,
        userSearchBase,
        userAttribute: r.str("hub.auth.ldap.userAttribute"),
        searchUser,
        searchPassword,
    };
}

/** Authenticators that talk TLS to an identity provider the hub must trust. */
const TLS_CLIENTS: readonly AuthType[] = [...OAUTH_TYPES, "cas", "ldap"];
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** hub.auth.caBundle: one or more PEM certificates, each parsed, normalized to one trailing newline. */
function readCaBundle(r: ConfigReader, type: AuthType): string | undefined {
    const key = "hub.auth.caBundle";
    const text = r.optStr(key);
    if (text === undefined) {
        return undefined;
    }
    const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    if (!TLS_CLIENTS.includes(type)) {
        r.need(key, `has no effect with hub.auth.type ${type}; it is for ${TLS_CLIENTS.join(", ")}`);
        return undefined;
    }
    const blocks = text.match(PEM_BLOCK) ?? [];
    const rest = text.replace(PEM_BLOCK, "").trim();
    if (blocks.length === 0 || rest !== "") {
        r.bad(
            key,
            shown,
            "PEM certificates only (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----), e.g. `pulumi config set hub.auth.caBundle < ca.pem`",
        );
        return undefined;
    }
    for (const [i, block] of blocks.entries()) {
        try {
            new X509Certificate(block);
        } catch (err) {
            r.bad(
                key,
                shown,
                "PEM certificates that parse as X.509",
                `certificate ${i + 1}: ${String(err instanceof Error ? err.message : err)}`,
            );
            return undefined;
        }
    }
    return blocks.join("\n") + "\n";
}

function url(r: ConfigReader, key: string, protocols: readonly string[]): string | undefined {
    const v = r.optStr(key);
    if (v === undefined) {
        return undefined;
    }
    if (!isUrl(v, protocols)) {
        r.bad(key, v, `a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`);
        return undefined;
    }
    return v;
}
