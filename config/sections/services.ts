/**
 * hub.services and hub.serviceTokens: JupyterHub API services (graders, dashboards, the
 * platform's health check) with their permissions, and their tokens as one secret.
 *
 * Pulumi project config has no object type, so a service is a small `key=value` entry of the
 * list hub.services, and the tokens of all services are one secret key holding a JSON object
 * `{"<service>": "<token>"}` (a per-service secret key could not be declared in the schema,
 * which refuses unknown keys). The hub document carries the services without their tokens; the
 * tokens reach the hub like its other secrets (HUB_SECRET_ENV.serviceTokens).
 */
import type { ConfigReader } from "../reader";
import type { HubService, Secret } from "../types";

/** JupyterHub 5.3's scopes (jupyterhub.scopes.scope_definitions), checked in the built hub image. */
export const JUPYTERHUB_SCOPES: readonly string[] = [
    "self",
    "inherit",
    "admin-ui",
    "admin:users",
    "admin:auth_state",
    "users",
    "delete:users",
    "list:users",
    "read:users",
    "read:users:name",
    "read:users:groups",
    "read:users:activity",
    "read:roles",
    "read:roles:users",
    "read:roles:services",
    "read:roles:groups",
    "users:activity",
    "admin:servers",
    "admin:server_state",
    "servers",
    "read:servers",
    "delete:servers",
    "tokens",
    "read:tokens",
    "admin:groups",
    "groups",
    "list:groups",
    "read:groups",
    "read:groups:name",
    "delete:groups",
    "admin:services",
    "list:services",
    "read:services",
    "read:services:name",
    "read:hub",
    "access:servers",
    "access:services",
    "users:shares",
    "read:users:shares",
    "groups:shares",
    "read:groups:shares",
    "read:shares",
    "shares",
    "proxy",
    "shutdown",
    "read:metrics",
];

/** JupyterHub's built-in roles (jupyterhub.roles.get_default_roles). */
export const JUPYTERHUB_ROLES: readonly string[] = ["user", "admin", "server", "token"];

/** Service names the platform itself uses (jupyterhub_config.py). */
export const RESERVED_SERVICES: readonly string[] = ["idle-culler"];

/** Shortest accepted token: 32 characters, e.g. `openssl rand -hex 32` gives 64. */
export const MIN_TOKEN_LENGTH = 32;

const FIELDS = ["name", "scopes", "roles"];
const ALLOWED = "entries `name=<a-z0-9->;scopes=<scope>,<scope>[;roles=<role>,...]` (at least one scope or role)";
/** A scope, optionally with a filter: `access:servers!user=alice`. */
const SCOPE_SYNTAX = /^([a-z][a-z_-]*(?::[a-z_]+)*)(?:!(user|server|group|service)=[A-Za-z0-9._@/+-]+)?$/;
const TOKEN_SYNTAX = /^[A-Za-z0-9._~+/=-]+$/;

export function readServices(r: ConfigReader): { services: HubService[]; serviceTokens?: Secret } {
    const key = "hub.services";
    const services: HubService[] = [];
    for (const item of r.list(key)) {
        const service = serviceFrom(r, key, item);
        if (service && services.some((s) => s.name === service.name)) {
            r.bad(key, item, "a unique name per service", `service "${service.name}" is declared twice`);
        } else if (service) {
            services.push(service);
        }
    }
    const tokensKey = "hub.serviceTokens";
    const plain = r.peekSecret(tokensKey);
    const serviceTokens = r.secret(tokensKey);
    if (services.length === 0) {
        if (plain !== undefined) r.need(tokensKey, "is set but hub.services declares no service; remove it or declare the services");
        return { services };
    }
    const howToSet = `set it with \`pulumi config set --secret ${tokensKey} '{"${services[0].name}": "<token>"}'\` (e.g. a token from \`openssl rand -hex 32\`)`;
    if (plain === undefined) {
        r.need(tokensKey, `is required with hub.services (${services.map((s) => s.name).join(", ")}); ${howToSet}`);
        return { services };
    }
    let tokens: unknown;
    try {
        tokens = JSON.parse(plain);
    } catch {
        tokens = undefined;
    }
    if (tokens === null || typeof tokens !== "object" || Array.isArray(tokens)) {
        r.bad(tokensKey, "", `a JSON object {"<service>": "<token>"}`, "not a JSON object");
        return { services };
    }
    const map = tokens as Record<string, unknown>;
    const problems: string[] = [];
    for (const s of services) {
        const t = map[s.name];
        if (t === undefined) problems.push(`no token for service "${s.name}"`);
        else if (typeof t !== "string" || t.length < MIN_TOKEN_LENGTH || !TOKEN_SYNTAX.test(t))
            problems.push(`the token of "${s.name}" must be a string of at least ${MIN_TOKEN_LENGTH} characters without spaces`);
    }
    for (const name of Object.keys(map)) {
        if (!services.some((s) => s.name === name)) problems.push(`"${name}" is not a service of hub.services`);
    }
    const values = Object.values(map).filter((t) => typeof t === "string");
    if (new Set(values).size !== values.length) problems.push("two services share a token");
    if (problems.length > 0) {
        r.bad(
            tokensKey,
            "",
            `one token (${MIN_TOKEN_LENGTH}+ characters) per service of hub.services, each service once`,
            problems.join("; "),
        );
        return { services };
    }
    return { services, serviceTokens };
}

function serviceFrom(r: ConfigReader, key: string, item: string): HubService | undefined {
    const f = new Map<string, string>();
    for (const part of item
        .split(";")
        .map((p) => p.trim())
        .filter((p) => p !== "")) {
        const eq = part.indexOf("=");
        const field = eq < 0 ? part : part.slice(0, eq).trim();
        if (eq < 0 || !FIELDS.includes(field) || f.has(field)) {
            r.bad(key, item, ALLOWED, eq < 0 ? `"${part}" is not field=value` : `unknown or repeated field "${field}"`);
            return undefined;
        }
        f.set(field, part.slice(eq + 1).trim());
    }
    const split = (v: string | undefined) =>
        (v ?? "")
            .split(",")
            .map((x) => x.trim())
            .filter((x) => x !== "");
    const name = f.get("name") ?? "";
    const scopes = split(f.get("scopes"));
    const roles = split(f.get("roles"));
    const problems: string[] = [];
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) problems.push("name of a-z, 0-9 and - is required");
    else if (RESERVED_SERVICES.includes(name)) problems.push(`name "${name}" is the platform's own service`);
    if (scopes.length === 0 && roles.length === 0) problems.push("at least one scope or role is required");
    for (const scope of scopes) {
        const m = SCOPE_SYNTAX.exec(scope);
        const base = m?.[1];
        if (!m || !base || (!JUPYTERHUB_SCOPES.includes(base) && !base.startsWith("custom:"))) {
            problems.push(
                `unknown scope "${scope}" (JupyterHub's scopes, e.g. admin:users, servers, access:servers, read:users:activity; a filter as access:servers!user=alice)`,
            );
        }
    }
    for (const role of roles) {
        if (!JUPYTERHUB_ROLES.includes(role)) problems.push(`unknown role "${role}" (one of ${JUPYTERHUB_ROLES.join(", ")})`);
    }
    if (problems.length > 0) {
        r.bad(key, item, ALLOWED, problems.join(", "));
        return undefined;
    }
    return { name, scopes, roles };
}
