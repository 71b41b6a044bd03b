#!/usr/bin/env node
// Checks that a provider schema (the schema.json a plugin is built with) matches the
// installed npm SDK of the same provider, so that the SDK never talks past the plugin:
//
//   - every resource token the SDK registers (`__pulumiType = '<token>'`) is a resource of
//     the schema, and every property the SDK sends or reads on it (`resourceInputs["p"]`) is
//     one of that resource's properties;
//   - every function token the SDK invokes is a function of the schema, or (with --source)
//     an invoke the provider's Go source handles without listing it in the schema
//     (kubernetes: kubernetes:yaml:decode, kubernetes:helm:template, ...);
//   - every object type the SDK declares in types/input.d.ts and types/output.d.ts is a type
//     of the schema, found where Pulumi's Node.js code generator puts it (the token's module,
//     through meta.moduleFormat and language.nodejs.moduleToPackage, as nested namespaces:
//     kubernetes:networking.k8s.io/v1:NetworkPolicySpec -> networking.v1.NetworkPolicySpec,
//     docker:index/ContainerPort:ContainerPort -> top-level ContainerPort), and every
//     property of that interface is a property of the schema type.
//
// Tokens may contain dots and slashes (kubernetes:networking.k8s.io/v1:NetworkPolicy).
//
//   node sdk-parity.js [--source GO_SOURCE_DIR] SCHEMA_JSON NODE_PACKAGE_DIR [NOT_BRIDGED_TOKEN,...]
//
// NOT_BRIDGED_TOKEN lists resources the SDK has but a rebridged plugin cannot carry because
// Pulumi implements them natively, outside Terraform (docker's Image); the program must not
// use them, and they are reported as skipped.
//
// Exits 1 and lists the differences when the SDK would talk past the plugin; 2 on usage errors.
// Also usable as a module: require("./sdk-parity.js").checkParity({...}) (see test/unit/tools).
"use strict";

const fs = require("fs");
const path = require("path");

function escapeRegExp(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function filesUnder(dir, suffix, skipDirs) {
    const out = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            if (!skipDirs.includes(e.name)) out.push(...filesUnder(p, suffix, skipDirs));
        } else if (e.name.endsWith(suffix)) {
            out.push(p);
        }
    }
    return out;
}

// Where Pulumi's Node.js code generator declares a schema type: the namespace path of its
// module ("" for index) and the interface name (the token's last part, first letter upper-case).
function sdkLocationOfType(schema, token) {
    const parts = token.split(":");
    if (parts.length !== 3) return undefined;
    const moduleFormat = new RegExp(`^${(schema.meta && schema.meta.moduleFormat) || "(.*)"}$`);
    const m = moduleFormat.exec(parts[1]);
    let mod = m && m[1] !== undefined ? m[1] : parts[1];
    const moduleToPackage = (schema.language && schema.language.nodejs && schema.language.nodejs.moduleToPackage) || {};
    if (moduleToPackage[mod] !== undefined) mod = moduleToPackage[mod];
    const ns = mod === "index" || mod === "" ? "" : mod.split("/").join(".");
    const name = parts[2].charAt(0).toUpperCase() + parts[2].slice(1);
    return { ns, name };
}

// Interfaces of a generated types/{input,output}.d.ts: "ns.path:Name" -> {props: Set of
// property names, refs: Set of "ns.path:Name" keys of the types it mentions}.
function interfacesOf(ts, file) {
    const src = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
    const out = new Map();
    const nameText = (n) => (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n) ? n.text : n.getText(src));
    function visit(node, ns) {
        if (ts.isModuleDeclaration(node)) {
            const inner = ns ? `${ns}.${node.name.text}` : node.name.text;
            const body = node.body;
            // `namespace a.b {}` nests the ModuleDeclaration of b directly.
            if (body && ts.isModuleDeclaration(body)) visit(body, inner);
            else if (body) for (const s of body.statements) visit(s, inner);
        } else if (ts.isInterfaceDeclaration(node)) {
            const props = new Set();
            for (const mem of node.members) if (mem.name) props.add(nameText(mem.name));
            out.set(`${ns}:${node.name.text}`, { props, refs: typeRefs(node.getText(src)) });
        }
    }
    for (const s of src.statements) visit(s, "");
    return out;
}

// Types a declaration mentions: the generated code always writes them fully qualified,
// inputs.Name / outputs.core.v1.PodSpec -> ":Name" / "core.v1:PodSpec".
function typeRefs(text) {
    const refs = new Set();
    for (const m of text.matchAll(/\b(?:inputs|outputs)\.((?:[A-Za-z0-9_]+\.)*)([A-Za-z0-9_]+)\b/g)) {
        refs.add(`${m[1].replace(/\.$/, "")}:${m[2]}`);
    }
    return refs;
}

function closure(start, interfaces) {
    const seen = new Set();
    const todo = [...start];
    while (todo.length) {
        const k = todo.pop();
        if (seen.has(k)) continue;
        seen.add(k);
        for (const decl of interfaces) {
            const i = decl.get(k);
            if (i) todo.push(...i.refs);
        }
    }
    return seen;
}

function loadTypeScript(searchFrom) {
    for (const from of searchFrom) {
        try {
            return require(require.resolve("typescript", { paths: [from] }));
        } catch {
            // try the next location
        }
    }
    return undefined;
}

/**
 * Compares a provider schema with an npm SDK package.
 * @returns {{problems: string[], notes: string[], counts: object}}
 */
function checkParity({ schema, pkgDir, notBridged = [], sourceDir }) {
    const problems = [];
    const notes = [];
    const counts = { resources: 0, properties: 0, functions: 0, sourceInvokes: 0, types: 0, typeProperties: 0 };
    const skip = new Set(notBridged);
    const pkgName = schema.name;
    const resources = schema.resources || {};
    const functions = schema.functions || {};

    // Invoke tokens handled in the provider's Go source without a schema entry.
    let goSource;
    const sourceHandles = (tok) => {
        if (!sourceDir) return undefined;
        if (goSource === undefined) {
            goSource = filesUnder(sourceDir, ".go", ["testdata", "vendor", "node_modules"])
                .filter((f) => !f.endsWith("_test.go") && !f.includes(`${path.sep}_`))
                .map((f) => ({ f, src: fs.readFileSync(f, "utf8") }));
        }
        const hit = goSource.find(({ src }) => src.includes(`"${tok}"`));
        return hit && path.relative(sourceDir, hit.f);
    };

    // 1. Resources and functions, from the SDK's JavaScript.
    const tokenRe = new RegExp(`["'](${escapeRegExp(pkgName)}:[A-Za-z0-9_./-]*:[A-Za-z0-9_]+)["']`, "g");
    const seenResources = new Set();
    const seenFunctions = new Set();
    const notBridgedDecls = new Set(); // .d.ts of resources the plugin deliberately lacks
    for (const file of filesUnder(pkgDir, ".js", ["node_modules"])) {
        const src = fs.readFileSync(file, "utf8");
        const rel = path.relative(pkgDir, file);
        for (const m of src.matchAll(tokenRe)) {
            const tok = m[1];
            if (tok.startsWith(`${pkgName}:config:`) || tok === `${pkgName}:index:Provider`) continue;
            if (src.includes(`__pulumiType = '${tok}'`) || src.includes(`__pulumiType = "${tok}"`)) {
                if (seenResources.has(tok)) continue;
                seenResources.add(tok);
                const r = resources[tok];
                if (!r && skip.has(tok)) {
                    notes.push(`not bridged, native in Pulumi's provider: ${tok}`);
                    notBridgedDecls.add(file.replace(/\.js$/, ".d.ts"));
                    continue;
                }
                counts.resources++;
                if (!r) {
                    problems.push(`resource ${tok}: used by ${rel}, missing from schema`);
                    continue;
                }
                const props = new Set([...Object.keys(r.properties || {}), ...Object.keys(r.inputProperties || {})]);
                for (const pm of src.matchAll(/resourceInputs\["([^"]+)"\]/g)) {
                    counts.properties++;
                    if (!props.has(pm[1])) problems.push(`resource ${tok}: property ${pm[1]} (${rel}) missing from schema`);
                }
            } else if (
                src.includes(`invoke("${tok}"`) ||
                src.includes(`invokeOutput("${tok}"`) ||
                src.includes(`invokeSingle("${tok}"`) ||
                src.includes(`invokeSingleOutput("${tok}"`)
            ) {
                if (seenFunctions.has(tok)) continue;
                seenFunctions.add(tok);
                counts.functions++;
                if (functions[tok]) continue;
                const handledIn = sourceHandles(tok);
                if (handledIn) {
                    counts.sourceInvokes++;
                    notes.push(`invoke ${tok} is not in the schema; the provider source handles it (${handledIn})`);
                } else {
                    problems.push(
                        `function ${tok}: invoked by ${rel}, missing from schema` + (sourceDir ? " and from the provider source" : ""),
                    );
                }
            }
        }
    }
    if (counts.resources === 0) problems.push(`no resource classes found in ${pkgDir}`);

    // 2. Object types, from the SDK's declarations.
    const typeFiles = ["input", "output"].map((k) => path.join(pkgDir, "types", `${k}.d.ts`)).filter((f) => fs.existsSync(f));
    if (typeFiles.length > 0) {
        const ts = loadTypeScript([pkgDir, process.cwd(), __dirname]);
        if (!ts) {
            problems.push(`typescript is not installed (needed to read ${typeFiles.join(", ")}): run npm ci`);
        } else {
            const bySdkName = new Map(); // "ns:Name" -> schema token
            for (const [tok, t] of Object.entries(schema.types || {})) {
                if (t.type !== "object") continue; // enums are not interfaces
                const loc = sdkLocationOfType(schema, tok);
                if (loc) bySdkName.set(`${loc.ns}:${loc.name}`, tok);
            }
            const declared = typeFiles.map((file) => interfacesOf(ts, file));
            // Types reachable only from not-bridged resources are not expected in the schema.
            let onlyNotBridged = new Set();
            if (notBridgedDecls.size > 0) {
                const fromOthers = new Set();
                const fromNotBridged = new Set();
                for (const d of filesUnder(pkgDir, ".d.ts", ["node_modules", "types"])) {
                    for (const r of typeRefs(fs.readFileSync(d, "utf8"))) (notBridgedDecls.has(d) ? fromNotBridged : fromOthers).add(r);
                }
                const others = closure(fromOthers, declared);
                onlyNotBridged = new Set([...closure(fromNotBridged, declared)].filter((k) => !others.has(k)));
            }
            typeFiles.forEach((file, i) => {
                const rel = path.relative(pkgDir, file);
                for (const [key, { props: sdkProps }] of declared[i]) {
                    // Input-typed twins of plain types are called <Name>Args (function arguments).
                    let tok = bySdkName.get(key);
                    if (!tok && key.endsWith("Args")) tok = bySdkName.get(key.slice(0, -"Args".length));
                    const shown = key.startsWith(":") ? key.slice(1) : key.replace(":", ".");
                    if (!tok && onlyNotBridged.has(key)) {
                        notes.push(`type ${shown} (${rel}) is used only by not-bridged resources`);
                        continue;
                    }
                    if (!tok) {
                        problems.push(`type ${shown} (${rel}): no schema type declares it`);
                        continue;
                    }
                    counts.types++;
                    const schemaProps = schema.types[tok].properties || {};
                    for (const p of sdkProps) {
                        counts.typeProperties++;
                        if (!Object.prototype.hasOwnProperty.call(schemaProps, p)) {
                            problems.push(`type ${tok}: property ${p} (${rel} ${shown}) missing from schema`);
                        }
                    }
                }
            });
        }
    }
    return { problems: [...new Set(problems)], notes, counts };
}

function main(argv) {
    let sourceDir;
    const args = [];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--source") sourceDir = argv[++i];
        else if (argv[i].startsWith("--source=")) sourceDir = argv[i].slice("--source=".length);
        else args.push(argv[i]);
    }
    const [schemaFile, pkgDir, notBridgedList] = args;
    if (!schemaFile || !pkgDir || (sourceDir !== undefined && !sourceDir)) {
        console.error("usage: sdk-parity.js [--source GO_SOURCE_DIR] SCHEMA_JSON NODE_PACKAGE_DIR [NOT_BRIDGED_TOKEN,...]");
        return 2;
    }
    const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
    const notBridged = (notBridgedList || "").split(",").filter((t) => t !== "");
    const { problems, notes, counts } = checkParity({ schema, pkgDir, notBridged, sourceDir });
    for (const n of notes) console.error(`  (${n})`);
    if (problems.length) {
        console.error(`schema ${schemaFile} does not match ${pkgDir}: ${problems.length} difference(s)`);
        for (const p of problems) console.error(`  - ${p}`);
        return 1;
    }
    console.log(
        `sdk-parity: ${pkgDir} matches ${path.basename(schemaFile)}: ${counts.resources} resources (${counts.properties} property uses), ` +
            `${counts.functions} functions (${counts.sourceInvokes} handled in the provider source, not the schema), ` +
            `${counts.types} type declarations (${counts.typeProperties} properties)`,
    );
    return 0;
}

module.exports = { checkParity, sdkLocationOfType };

if (require.main === module) process.exit(main(process.argv.slice(2)));
