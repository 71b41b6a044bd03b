#!/usr/bin/env node
// Prints the Pulumi versions this repository needs, read at run time from
// package.json and the installed node_modules/@pulumi/*/package.json, one per
// line, for tools/offline/toolchain/install.sh:
//
//   sdk <version>                           the @pulumi/pulumi release (CLI + language host)
//   provider <name> <version> <npm-package> one line per resource-provider package
//
// A provider package is a dependency whose package.json has "pulumi": {"resource": true};
// its plugin name is pulumi.name (or the package name without the @pulumi/ scope) and its
// version pulumi.version (or the package version), without a leading "v".
"use strict";

const fs = require("fs");
const path = require("path");

const root = process.argv[2] || path.resolve(__dirname, "..", "..", "..");

function readJSON(file) {
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

function fail(msg) {
    process.stderr.write(`versions.js: ${msg}\n`);
    process.exit(2);
}

const exact = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const strip = (v) => String(v).replace(/^v/, "");

const pkg = readJSON(path.join(root, "package.json"));
const deps = { ...(pkg.dependencies || {}) };

function installed(name) {
    const file = path.join(root, "node_modules", ...name.split("/"), "package.json");
    return fs.existsSync(file) ? readJSON(file) : undefined;
}

const lines = [];
const sdkSpec = deps["@pulumi/pulumi"];
if (!sdkSpec) fail("package.json has no dependency on @pulumi/pulumi");
const sdk = installed("@pulumi/pulumi");
if (sdk) {
    if (exact.test(sdkSpec) && strip(sdkSpec) !== strip(sdk.version)) {
        fail(`package.json wants @pulumi/pulumi ${sdkSpec} but node_modules has ${sdk.version}: run npm ci`);
    }
    lines.push(`sdk ${strip(sdk.version)}`);
} else if (exact.test(sdkSpec)) {
    lines.push(`sdk ${strip(sdkSpec)}`);
} else {
    fail(`@pulumi/pulumi is not installed and "${sdkSpec}" is not an exact version: run npm ci`);
}

for (const name of Object.keys(deps).sort()) {
    if (name === "@pulumi/pulumi") continue;
    const meta = installed(name);
    if (!meta) {
        if (name.startsWith("@pulumi/")) fail(`${name} is not installed: run npm ci`);
        continue;
    }
    const p = meta.pulumi || {};
    if (!p.resource) continue;
    const spec = deps[name];
    if (exact.test(spec) && strip(spec) !== strip(meta.version)) {
        fail(`package.json wants ${name} ${spec} but node_modules has ${meta.version}: run npm ci`);
    }
    const plugin = p.name || name.replace(/^@pulumi\//, "").replace(/^@/, "");
    lines.push(`provider ${plugin} ${strip(p.version || meta.version)} ${name}`);
}

process.stdout.write(lines.join("\n") + "\n");
