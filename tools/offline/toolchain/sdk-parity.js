#!/usr/bin/env node
// Checks that a provider schema (schema.json written by a rebridged provider's
// tfgen) matches the installed npm SDK of the same provider: every resource and
// function token the SDK uses exists in the schema, and every property the SDK
// reads or writes on a resource exists on that resource in the schema.
//
//   node sdk-parity.js SCHEMA_JSON NODE_PACKAGE_DIR [NOT_BRIDGED_TOKEN,...]
//
// NOT_BRIDGED_TOKEN lists resources the SDK has but the rebridged plugin cannot carry because
// Pulumi implements them natively, outside Terraform (docker's Image); the program must not
// use them, and they are reported as skipped.
//
// Exits 1 and lists the differences when the SDK would talk past the plugin.
"use strict";

const fs = require("fs");
const path = require("path");

const [schemaFile, pkgDir, notBridgedList] = process.argv.slice(2);
const notBridged = new Set((notBridgedList || "").split(",").filter((t) => t !== ""));
if (!schemaFile || !pkgDir) {
    console.error("usage: sdk-parity.js SCHEMA_JSON NODE_PACKAGE_DIR");
    process.exit(2);
}
const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
const pkgName = schema.name;
const problems = [];

function jsFiles(dir) {
    const out = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            if (e.name !== "node_modules") out.push(...jsFiles(p));
        } else if (e.name.endsWith(".js")) {
            out.push(p);
        }
    }
    return out;
}

const tokenRe = new RegExp(`["'](${pkgName}:[A-Za-z0-9_/]*:[A-Za-z0-9_]+)["']`, "g");
let resourcesSeen = 0;
const functionsSeen = new Set();
for (const file of jsFiles(pkgDir)) {
    const src = fs.readFileSync(file, "utf8");
    for (const m of src.matchAll(tokenRe)) {
        const tok = m[1];
        if (tok.startsWith(`${pkgName}:config:`) || tok === `${pkgName}:index:Provider`) continue;
        const isResource = src.includes(`__pulumiType = '${tok}'`);
        if (isResource) {
            resourcesSeen++;
            const r = schema.resources && schema.resources[tok];
            if (!r && notBridged.has(tok)) {
                console.error(`  (not bridged, native in Pulumi's provider: ${tok})`);
                continue;
            }
            if (!r) {
                problems.push(`resource ${tok}: used by ${path.relative(pkgDir, file)}, missing from schema`);
                continue;
            }
            const props = new Set([...Object.keys(r.properties || {}), ...Object.keys(r.inputProperties || {})]);
            for (const pm of src.matchAll(/resourceInputs\["([A-Za-z0-9_]+)"\]/g)) {
                if (!props.has(pm[1])) problems.push(`resource ${tok}: property ${pm[1]} missing from schema`);
            }
        } else if (src.includes(`invoke("${tok}"`) || src.includes(`invokeOutput("${tok}"`) || src.includes(`invokeSingle("${tok}"`)) {
            functionsSeen.add(tok);
            if (!schema.functions || !schema.functions[tok]) {
                problems.push(`function ${tok}: used by ${path.relative(pkgDir, file)}, missing from schema`);
            }
        }
    }
}

if (resourcesSeen === 0) problems.push(`no resource classes found in ${pkgDir}`);
if (problems.length) {
    console.error(`schema ${schemaFile} does not match ${pkgDir}:`);
    for (const p of [...new Set(problems)]) console.error(`  - ${p}`);
    process.exit(1);
}
console.log(`sdk-parity: ${resourcesSeen} resources and ${functionsSeen.size} functions of ${pkgDir} match ${path.basename(schemaFile)}`);
