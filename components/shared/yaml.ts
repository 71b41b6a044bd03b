/**
 * A small, deterministic YAML emitter for the documents this program renders (cloud-init
 * user-data, kubeadm configuration). It has no dependency, so the program needs nothing beyond
 * its runtime packages, and its output is stable for diffs: keys keep insertion order, multi-line
 * strings become literal blocks (`|`), every other string is JSON-quoted (valid YAML 1.2 and 1.1).
 */
export type YamlValue = string | number | boolean | null | undefined | readonly YamlValue[] | { readonly [key: string]: YamlValue };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function emitKey(key: string): string {
    return PLAIN_KEY.test(key) ? key : JSON.stringify(key);
}

function isBlockable(s: string): boolean {
    // Literal blocks cannot carry tabs-as-indentation ambiguity, carriage returns, a leading
    // space on the first line, or trailing spaces (they would be kept but are easy to lose).
    return s.includes("\n") && !s.includes("\r") && !/^[ \t]/.test(s) && !/[ \t]\n/.test(s) && !/[ \t]$/.test(s);
}

function emitScalar(v: string | number | boolean | null): string {
    if (v === null) {
        return "null";
    }
    if (typeof v === "number") {
        if (!Number.isFinite(v)) {
            throw new Error(`yaml: cannot emit non-finite number ${v}`);
        }
        return String(v);
    }
    if (typeof v === "boolean") {
        return v ? "true" : "false";
    }
    return JSON.stringify(v);
}

function emitBlock(s: string, indent: string): string {
    const chomp = s.endsWith("\n") ? (s.endsWith("\n\n") ? "+" : "") : "-";
    const body = s.endsWith("\n") ? s.replace(/\n+$/, (m) => (chomp === "+" ? m.slice(1) : "")) : s;
    const lines = body.split("\n").map((l) => (l === "" ? "" : indent + l));
    return `|${chomp}\n${lines.join("\n")}`;
}

function isEmpty(v: YamlValue): boolean {
    return v === undefined;
}

function emit(v: YamlValue, indent: string): string {
    if (Array.isArray(v)) {
        const items = (v as readonly YamlValue[]).filter((x) => !isEmpty(x));
        if (items.length === 0) {
            return "[]";
        }
        return (
            "\n" +
            items
                .map((item) => {
                    const inner = emit(item, indent + "  ");
                    if (isMap(item) && Object.keys(withoutUndefined(item)).length > 0) {
                        // "- key: value" with the rest of the map aligned under the first key.
                        return `${indent}- ${inner.trimStart()}`;
                    }
                    return `${indent}-${inner.startsWith("\n") ? inner : " " + inner}`;
                })
                .join("\n")
        );
    }
    if (isMap(v)) {
        const entries = Object.entries(withoutUndefined(v));
        if (entries.length === 0) {
            return "{}";
        }
        return (
            "\n" +
            entries
                .map(([k, val]) => {
                    const inner = emit(val, indent + "  ");
                    return `${indent}${emitKey(k)}:${inner.startsWith("\n") ? inner : " " + inner}`;
                })
                .join("\n")
        );
    }
    if (typeof v === "string" && isBlockable(v)) {
        return emitBlock(v, indent);
    }
    return emitScalar(v as string | number | boolean | null);
}

function isMap(v: YamlValue): v is { readonly [key: string]: YamlValue } {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function withoutUndefined(m: { readonly [key: string]: YamlValue }): Record<string, YamlValue> {
    const out: Record<string, YamlValue> = {};
    for (const [k, v] of Object.entries(m)) {
        if (v !== undefined) {
            out[k] = v;
        }
    }
    return out;
}

/** One YAML document (no leading `---`); `undefined` map values are left out. */
export function toYaml(doc: YamlValue): string {
    const out = emit(doc, "");
    return (out.startsWith("\n") ? out.slice(1) : out) + "\n";
}

/** Several documents separated by `---`. */
export function toYamlStream(docs: readonly YamlValue[]): string {
    return docs.map((d) => toYaml(d)).join("---\n");
}

/** A `#cloud-config` user-data document. */
export function cloudConfig(doc: { readonly [key: string]: YamlValue }): string {
    return "#cloud-config\n" + toYaml(doc);
}
