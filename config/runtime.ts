/**
 * The engine hands the program its config as `namespace:key` → string. Two shapes reach us for
 * the same dotted key:
 * - flat: `jupyterhub-platform:hub.port` = "9000" (`pulumi config set hub.port 9000`);
 * - nested: `jupyterhub-platform:hub` = '{"port":8000,...}' — the engine applies Pulumi.yaml's
 *   defaults as config *paths*, and `pulumi config set --path` writes the same shape.
 * This flattens both into dotted keys with string values; an explicitly flat key wins over a
 * nested value, because the engine only fills nested defaults for paths it did not find.
 */

import { KEY_INDEX } from "./schema";
import { editDistance } from "./suggest";

export interface RuntimeConfig {
    values: Record<string, string>;
    secretKeys: Set<string>;
    /** Fully qualified keys whose namespace is a near miss of the project's (see isNearMiss). */
    misplacedKeys: string[];
}

/**
 * A namespace close to the project's name but not it: a typo in the stack file
 * (`jupyterhub-platfrom:`). Provider namespaces (`openstack:`, `kubernetes:`, `pulumi:` ...) are
 * far from it and pass. (A key of this program under any other namespace, `jupyterhub:hub.port`,
 * is caught too: see flattenRuntimeConfig.)
 */
export function isNearMiss(namespace: string, project: string): boolean {
    return (
        namespace !== project && editDistance(namespace.toLowerCase(), project.toLowerCase()) <= Math.max(2, Math.floor(project.length / 6))
    );
}

function leaf(value: unknown): string {
    if (typeof value === "string") {
        return value;
    }
    if (value === null || value === undefined) {
        return "";
    }
    return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

function flattenInto(out: Record<string, string>, key: string, value: unknown): string[] {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flattenInto(out, `${key}.${k}`, v));
    }
    out[key] = leaf(value);
    return [key];
}

function parseObject(text: string): Record<string, unknown> | undefined {
    if (!text.startsWith("{")) {
        return undefined;
    }
    try {
        const parsed: unknown = JSON.parse(text);
        return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}

export function flattenRuntimeConfig(
    all: Readonly<Record<string, string>>,
    secretKeys: readonly string[],
    namespace: string,
): RuntimeConfig {
    const prefix = `${namespace}:`;
    const nested: Record<string, string> = {};
    const flat: Record<string, string> = {};
    const secrets = new Set<string>();
    const misplacedKeys: string[] = [];
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) {
            const colon = fullKey.indexOf(":");
            if (colon > 0 && (isNearMiss(fullKey.slice(0, colon), namespace) || KEY_INDEX.has(fullKey.slice(colon + 1)))) {
                misplacedKeys.push(fullKey);
            }
            continue;
        }
        const key = fullKey.slice(prefix.length);
        const isSecret = secretKeys.includes(fullKey);
        // A declared key holds its own value even when that value looks like JSON.
        const object = KEY_INDEX.has(key) ? undefined : parseObject(text);
        const keys = object ? flattenInto(nested, key, object) : flattenInto(flat, key, text);
        if (isSecret) {
            keys.forEach((k) => secrets.add(k));
        }
    }
    return { values: { ...nested, ...flat }, secretKeys: secrets, misplacedKeys: misplacedKeys.sort() };
}
