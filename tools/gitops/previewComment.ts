/**
 * The pull-request comment for one stack, rendered from `pulumi preview --json` output.
 *
 *   pulumi preview --json --diff --stack dev > preview.json
 *   npx ts-node tools/gitops/previewComment.ts --stack dev --input preview.json [--run-url URL] [--exit-code N]
 *
 * Input: either the summary document `pulumi preview --json` prints ({steps, diagnostics,
 * changeSummary}), or the engine events it streams with PULUMI_ENABLE_STREAMING_JSON_PREVIEW=1
 * (one JSON object per line), which also carry policy violations — the workflows use that.
 *
 * Output (stdout): Markdown that starts with a marker line (`<!-- jhp-preview:<stack> -->`), so
 * the workflow edits the one comment per stack instead of adding another. Replacements and
 * deletions of anything that holds user data (Docker volumes, PVCs, PersistentVolumes,
 * Namespaces, Cinder volumes, and anything protected or retained on delete) come first, loudly.
 *
 * Secrets: the comment never prints a property VALUE. It shows operations, resource types and
 * logical names (from URNs), the NAMES of changed properties, counts, and the messages of policy
 * violations and errors. The CLI (3.248) masks secrets as "[secret]" in the summary document
 * always, but the streamed events carry them in plaintext when someone passes --show-secrets; so
 * that nothing leaks even then, every string value found anywhere in the input (resource inputs
 * and outputs, config) is redacted from those messages before they are printed, except words the
 * comment shows anyway (URNs) or that a policy's own description contains.
 */
import * as fs from "fs";
import { USER_DATA_TYPES } from "../../policy/rules";

// ── model ───────────────────────────────────────────────────────────────────────────────────
export type Op = "create" | "update" | "replace" | "delete";
const OPS: readonly Op[] = ["replace", "delete", "update", "create"];

export interface Change {
    op: Op;
    urn: string;
    type: string;
    name: string;
    /** Names of the properties that differ (detailedDiff / diffReasons). */
    properties: string[];
    /** Names of the properties that force the replacement. */
    replaceBecause: string[];
    protect: boolean;
    retainOnDelete: boolean;
}

export interface PolicyViolation {
    policy: string;
    pack: string;
    level: string;
    urn?: string;
    message: string;
}

export interface Diagnostic {
    severity: string;
    urn?: string;
    message: string;
}

export interface Preview {
    changes: Change[];
    violations: PolicyViolation[];
    diagnostics: Diagnostic[];
    /** Every string value found in the input: redacted from any free text that is printed. */
    values: Set<string>;
    failed: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** `urn:pulumi:<stack>::<project>::<parent types $ ...>type::<name>` → type and name. */
export function urnParts(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    const name = parts.slice(3).join("::") || urn;
    const types = (parts[2] ?? "").split("$");
    return { type: types[types.length - 1] ?? "", name };
}

/** Collects string leaves (and numbers' text) of a value, for redaction. Short strings are too common to redact meaningfully. */
export function collectValues(v: unknown, out: Set<string>): void {
    if (typeof v === "string") {
        if (v.length >= 6 && v !== "[secret]") out.add(v);
        // A JSON-encoded value (provider inputs, config objects) holds more values.
        if (/^\s*[[{]/.test(v)) {
            try {
                collectValues(JSON.parse(v), out);
            } catch {
                // not JSON
            }
        }
        // Parts of composite strings: lines, `NAME=value` environment entries, quoted or
        // comma-separated pieces, so a secret embedded in a longer value is found too.
        for (const part of v.split(/[\n=\s"',;]+/)) if (part.length >= 8 && part !== v) out.add(part);
    } else if (Array.isArray(v)) {
        v.forEach((x) => collectValues(x, out));
    } else if (isObj(v)) {
        Object.values(v).forEach((x) => collectValues(x, out));
    }
}

/** The engine's marshalling signature of a secret (@pulumi/pulumi runtime/rpc.ts specialSecretSig). */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/**
 * Secret values in a debug line of the SDK, which prints RPC responses as flattened protobuf
 * (`...,4dabf18193072939515e22adb298388d,,,1b47061264138c4ac30d75fd1eb44270,value,,,,<value>,...`).
 */
export function secretsInDebugLine(line: string): string[] {
    const found: string[] = [];
    for (const part of line.split(SECRET_SIG).slice(1)) {
        const tokens = part.split(",").filter((t) => t !== "");
        const v = tokens[0] === "value" ? tokens[1] : undefined;
        if (v && v.length >= 4) {
            found.push(v);
            for (const piece of v.split(/[=\s"';]+/)) if (piece.length >= 6) found.push(piece);
        }
    }
    return found;
}

/**
 * Replaces every known value in free text. Longest first, so a value containing another goes
 * whole. Values that also occur in `authored` (a policy's own description, written by the pack's
 * authors, not derived from any resource) are words, not data, and stay readable.
 */
export function redact(text: string, values: ReadonlySet<string>, authored = ""): string {
    let out = text;
    for (const v of [...values].sort((a, b) => b.length - a.length)) {
        if (authored && authored.includes(v)) continue;
        if (out.includes(v)) out = out.split(v).join("[redacted]");
    }
    return out;
}

function normalizeOp(op: string): Op | undefined {
    switch (op) {
        case "create":
        case "import":
            return "create";
        case "update":
            return "update";
        case "replace":
        case "create-replacement":
        case "delete-replaced":
        case "discard-replaced":
            return "replace";
        case "delete":
        case "discard":
            return "delete";
        default:
            return undefined; // same, read, refresh, remove-pending-replace, ...
    }
}

function stateFlags(...states: unknown[]): { protect: boolean; retainOnDelete: boolean } {
    let protect = false;
    let retainOnDelete = false;
    for (const s of states) {
        if (!isObj(s)) continue;
        protect ||= s.protect === true;
        retainOnDelete ||= s.retainOnDelete === true;
    }
    return { protect, retainOnDelete };
}

function propertyNames(detailedDiff: unknown, reasons: unknown): string[] {
    const names = new Set<string>();
    if (isObj(detailedDiff)) Object.keys(detailedDiff).forEach((k) => names.add(k));
    if (Array.isArray(reasons)) reasons.forEach((k) => typeof k === "string" && names.add(k));
    return [...names].sort();
}

function replaceNames(detailedDiff: unknown, reasons: unknown): string[] {
    const names = new Set<string>();
    if (Array.isArray(reasons)) reasons.forEach((k) => typeof k === "string" && names.add(k));
    if (isObj(detailedDiff)) {
        for (const [k, d] of Object.entries(detailedDiff)) if (isObj(d) && String(d.kind ?? "").endsWith("-replace")) names.add(k);
    }
    return [...names].sort();
}

function addChange(changes: Map<string, Change>, raw: Obj, old: unknown, next: unknown, values: Set<string>): void {
    const op = normalizeOp(String(raw.op ?? ""));
    collectValues(isObj(old) ? [old.inputs, old.outputs] : undefined, values);
    collectValues(isObj(next) ? [next.inputs, next.outputs] : undefined, values);
    const urn = String(raw.urn ?? "");
    if (!op || !urn) return;
    const { type, name } = urnParts(urn);
    const flags = stateFlags(old, next);
    const existing = changes.get(urn);
    const properties = propertyNames(raw.detailedDiff, raw.diffReasons ?? raw.diffs);
    const replaceBecause = replaceNames(raw.detailedDiff, raw.replaceReasons ?? raw.keys);
    if (existing) {
        // A replacement streams as create-replacement, replace and delete-replaced: one change.
        if (OPS.indexOf(op) < OPS.indexOf(existing.op)) existing.op = op;
        existing.properties = [...new Set([...existing.properties, ...properties])].sort();
        existing.replaceBecause = [...new Set([...existing.replaceBecause, ...replaceBecause])].sort();
        existing.protect ||= flags.protect;
        existing.retainOnDelete ||= flags.retainOnDelete;
        return;
    }
    changes.set(urn, {
        op,
        urn,
        type: (isObj(next) && String(next.type ?? "")) || (isObj(old) && String(old.type ?? "")) || type,
        name,
        properties,
        replaceBecause,
        ...flags,
    });
}

/** Parses either format of `pulumi preview --json`. */
export function parsePreview(text: string): Preview {
    const changes = new Map<string, Change>();
    const violations: PolicyViolation[] = [];
    const diagnostics: Diagnostic[] = [];
    const values = new Set<string>();
    let failed = false;
    const trimmed = text.trim();
    let doc: unknown;
    try {
        doc = JSON.parse(trimmed);
    } catch {
        doc = undefined;
    }
    if (isObj(doc) && Array.isArray(doc.steps)) {
        collectValues(doc.config, values);
        for (const s of doc.steps) if (isObj(s)) addChange(changes, s, s.oldState, s.newState, values);
        for (const d of Array.isArray(doc.diagnostics) ? doc.diagnostics : []) {
            if (isObj(d))
                diagnostics.push({
                    severity: String(d.severity ?? ""),
                    urn: d.urn ? String(d.urn) : undefined,
                    message: String(d.message ?? ""),
                });
        }
        failed = diagnostics.some((d) => d.severity === "error");
    } else {
        let parsedAny = false;
        for (const line of trimmed.split("\n")) {
            if (!line.trim()) continue;
            let e: unknown;
            try {
                e = JSON.parse(line);
            } catch {
                continue;
            }
            if (!isObj(e)) continue;
            parsedAny = true;
            if (isObj(e.preludeEvent)) collectValues(e.preludeEvent.config, values);
            for (const key of ["resourcePreEvent", "resOutputsEvent", "resOpFailedEvent"]) {
                const ev = e[key];
                if (isObj(ev) && isObj(ev.metadata)) {
                    const m = ev.metadata;
                    if (key === "resourcePreEvent") addChange(changes, m, m.old, m.new, values);
                    else collectValues([isObj(m.old) ? m.old.outputs : undefined, isObj(m.new) ? m.new.outputs : undefined], values);
                }
            }
            if (isObj(e.policyEvent)) {
                const p = e.policyEvent;
                violations.push({
                    policy: String(p.policyName ?? ""),
                    pack: String(p.policyPackName ?? ""),
                    level: String(p.enforcementLevel ?? ""),
                    urn: p.resourceUrn ? String(p.resourceUrn) : undefined,
                    message: String(p.message ?? ""),
                });
            }
            if (isObj(e.diagnosticEvent)) {
                const d = e.diagnosticEvent;
                // The SDK's debug lines echo RPC responses, secrets in plaintext included (seen with
                // @pulumi/pulumi 3.248): never shown, but their secret values are redacted elsewhere.
                if (d.severity === "debug") secretsInDebugLine(String(d.message ?? "")).forEach((v) => values.add(v));
                diagnostics.push({
                    severity: String(d.severity ?? ""),
                    urn: d.urn ? String(d.urn) : undefined,
                    message: String(d.message ?? ""),
                });
            }
            if (isObj(e.summaryEvent) && e.summaryEvent.result === "failed") failed = true;
        }
        if (!parsedAny) throw new Error("not `pulumi preview --json` output: neither a JSON document with steps nor JSON event lines");
    }
    if (violations.some((v) => v.level === "mandatory")) failed = true;
    return { changes: [...changes.values()], violations, diagnostics, values, failed };
}

// ── classification ──────────────────────────────────────────────────────────────────────────
const USER_DATA_LABEL: Readonly<Record<string, string>> = {
    "docker:index/volume:Volume": "Docker volume",
    "kubernetes:core/v1:PersistentVolumeClaim": "PersistentVolumeClaim",
    "kubernetes:core/v1:PersistentVolume": "PersistentVolume",
    "kubernetes:core/v1:Namespace": "Namespace (holds every user's claim)",
    "openstack:blockstorage/volume:Volume": "Cinder volume",
};

export function holdsUserData(c: Change): boolean {
    return USER_DATA_TYPES.includes(c.type) || c.protect || c.retainOnDelete;
}

/** Replacements and deletions of user data: the changes a reviewer must see first. */
export function atRisk(p: Preview): Change[] {
    return p.changes.filter((c) => (c.op === "replace" || c.op === "delete") && holdsUserData(c));
}

// ── rendering ───────────────────────────────────────────────────────────────────────────────
export interface RenderOptions {
    stack: string;
    runUrl?: string;
    /** Exit code of the preview command, when the caller knows it (a failed preview is said so). */
    exitCode?: number;
}

export const MARKER = (stack: string) => `<!-- jhp-preview:${stack} -->`;

/** Markdown-safe inline code: backticks and pipes cannot break out of a table cell. */
function code(s: string): string {
    return "`" + s.replace(/`/g, "'").replace(/\|/g, "\\|").replace(/\n/g, " ") + "`";
}
function text(s: string): string {
    return s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ").replace(/</g, "&lt;").trim();
}

function riskWhy(c: Change): string {
    const what = USER_DATA_LABEL[c.type] ?? (c.protect ? "protected resource" : "retained resource");
    if (c.op === "delete") {
        return c.retainOnDelete
            ? `${what}; retained on delete: it leaves the stack but its data stays (remove it by hand if unwanted)`
            : `${what}; **not retained: its data is deleted**${c.protect ? " (protected: the update will stop until `protect` is lifted)" : ""}`;
    }
    const because = c.replaceBecause.length ? ` because of ${c.replaceBecause.map(code).join(", ")}` : "";
    return c.retainOnDelete
        ? `${what}; replaced${because}: a NEW, EMPTY one is created, the old one is retained but no longer used`
        : `${what}; **replaced${because}: the old one and its data are deleted**`;
}

const OP_ICON: Record<Op, string> = { create: "🟢", update: "🟡", replace: "🟠", delete: "🔴" };

export function renderComment(p: Preview, opts: RenderOptions): string {
    const lines: string[] = [MARKER(opts.stack)];
    const counts = Object.fromEntries(OPS.map((op) => [op, p.changes.filter((c) => c.op === op).length])) as Record<Op, number>;
    const total = p.changes.length;
    const failed = p.failed || (opts.exitCode !== undefined && opts.exitCode !== 0);
    const status = failed ? "❌ preview failed" : total === 0 ? "✅ no changes" : `${total} to change`;
    lines.push(`### Pulumi preview of \`${opts.stack}\`: ${status}`, "");

    const risky = atRisk(p);
    if (risky.length > 0) {
        const deleted = risky.filter((c) => !c.retainOnDelete).length;
        lines.push(
            `> [!CAUTION]`,
            `> **User data at risk: ${risky.length} resource${risky.length === 1 ? "" : "s"} holding user data would be ${[
                risky.some((c) => c.op === "replace") ? "replaced" : "",
                risky.some((c) => c.op === "delete") ? "deleted" : "",
            ]
                .filter(Boolean)
                .join(" or ")}${deleted ? `, ${deleted} of them without being retained` : ""}.** Read the list below before merging.`,
            "",
            "| | operation | resource | what happens |",
            "|---|---|---|---|",
        );
        for (const c of risky) lines.push(`| ⛔ | **${c.op}** | ${code(c.type)} ${code(c.name)} | ${riskWhy(c)} |`);
        lines.push("");
    }

    if (total === 0 && !failed) {
        lines.push("No resource would be created, updated, replaced or deleted.", "");
    } else if (total > 0) {
        lines.push(
            `| ${OPS.map((op) => `${OP_ICON[op]} ${op}`).join(" | ")} |`,
            `|${OPS.map(() => "---:").join("|")}|`,
            `| ${OPS.map((op) => counts[op]).join(" | ")} |`,
            "",
        );
        for (const op of OPS) {
            const of = p.changes.filter((c) => c.op === op);
            if (of.length === 0) continue;
            lines.push(`<details${op === "replace" || op === "delete" ? " open" : ""}><summary><b>${op}</b> (${of.length})</summary>`, "");
            lines.push("| resource | type | properties |", "|---|---|---|");
            for (const c of of) {
                const props =
                    op === "replace" && c.replaceBecause.length
                        ? `replaced because of ${c.replaceBecause.map(code).join(", ")}`
                        : c.properties.length
                          ? c.properties.slice(0, 12).map(code).join(", ") +
                            (c.properties.length > 12 ? `, … (${c.properties.length - 12} more)` : "")
                          : "";
                lines.push(`| ${holdsUserData(c) ? "⛔ " : ""}${code(c.name)} | ${code(c.type)} | ${props} |`);
            }
            lines.push("", "</details>", "");
        }
    }

    // Resource URNs are printed (as type and name) anyway: their parts are not data to hide.
    const urns = [...p.changes.map((c) => c.urn), ...p.violations.map((v) => v.urn ?? "")].join("\n");
    const mandatory = p.violations.filter((v) => v.level === "mandatory");
    const advisory = p.violations.filter((v) => v.level !== "mandatory");
    if (p.violations.length > 0) {
        lines.push(
            `#### Policy: ${mandatory.length} mandatory violation${mandatory.length === 1 ? "" : "s"}, ${advisory.length} advisor${advisory.length === 1 ? "y" : "ies"}`,
            "",
        );
        for (const v of [...mandatory, ...advisory]) {
            const where = v.urn ? ` ${code(urnParts(v.urn).name)}` : "";
            // The first line of a message is the policy's description; the rest is the finding.
            const [description, ...rest] = v.message.split("\n");
            const finding = rest.join(" ").trim() || v.message;
            const authored = (rest.length ? description : "") + "\n" + urns;
            lines.push(
                `- ${v.level === "mandatory" ? "❌" : "⚠️"} **${text(v.policy)}** (${text(v.level)})${where}: ${text(redact(finding, p.values, authored))}`,
            );
        }
        lines.push("");
    }

    const problems = p.diagnostics.filter((d) => d.severity === "error" || d.severity === "warning");
    if (problems.length > 0) {
        lines.push("#### Errors and warnings", "");
        for (const d of problems.slice(0, 20)) {
            lines.push(
                `- ${d.severity === "error" ? "❌" : "⚠️"} ${d.urn ? `${code(urnParts(d.urn).name)}: ` : ""}${text(redact(d.message, p.values, urns)).slice(0, 500)}`,
            );
        }
        lines.push("");
    }

    lines.push(
        `<sub>Rendered by \`tools/gitops/previewComment.ts\` from \`pulumi preview --json\`. Property values are never shown here${opts.runUrl ? `; the full diff is in the [workflow run](${opts.runUrl})` : ""}.</sub>`,
    );
    return lines.join("\n") + "\n";
}

// ── command line ────────────────────────────────────────────────────────────────────────────
function main(argv: string[]): number {
    const args = new Map<string, string>();
    for (let i = 0; i < argv.length; i += 2) {
        if (!argv[i].startsWith("--") || argv[i + 1] === undefined) {
            console.error("usage: previewComment.ts --stack NAME [--input FILE|-] [--run-url URL] [--exit-code N]");
            return 2;
        }
        args.set(argv[i].slice(2), argv[i + 1]);
    }
    const stack = args.get("stack");
    if (!stack || !/^[A-Za-z0-9_.\-/]+$/.test(stack)) {
        console.error("previewComment: --stack NAME is required");
        return 2;
    }
    const input = args.get("input") ?? "-";
    const raw = fs.readFileSync(input === "-" ? 0 : input, "utf8");
    const exitCode = args.has("exit-code") ? Number(args.get("exit-code")) : undefined;
    let preview: Preview;
    try {
        preview = parsePreview(raw);
    } catch (err) {
        // No usable JSON (the preview died before printing any): still one comment, without values.
        preview = {
            changes: [],
            violations: [],
            diagnostics: [{ severity: "error", message: String(err instanceof Error ? err.message : err) }],
            values: new Set(),
            failed: true,
        };
    }
    process.stdout.write(renderComment(preview, { stack, runUrl: args.get("run-url"), exitCode }));
    return 0;
}

if (require.main === module) {
    process.exit(main(process.argv.slice(2)));
}
