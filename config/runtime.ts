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

export interface RuntimeConfig {
    values: Record<string, string>;
    secretKeys: Set<string>;
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
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) {
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
    return { values: { ...nested, ...flat }, secretKeys: secrets };
}
