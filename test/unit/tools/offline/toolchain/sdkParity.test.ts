// tools/offline/toolchain/sdk-parity.js, run as install.sh runs it (a child process), on a
// small SDK laid out as Pulumi's Node.js code generator lays out @pulumi/kubernetes and the
// bridged providers: each difference the toolchain relies on it to catch must fail the check.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const SCRIPT = path.resolve(__dirname, "../../../../../tools/offline/toolchain/sdk-parity.js");

type Json = Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Schema = any;

function write(root: string, rel: string, content: string): void {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
}

// A generated resource class: token, and the properties its constructor sends.
function resourceJs(cls: string, token: string, props: string[]): string {
    const inputs = props.map((p) => `            resourceInputs["${p}"] = args?.${p};`).join("\n");
    return [
        `class ${cls} extends pulumi.CustomResource {`,
        `    constructor(name, args, opts) {`,
        `        let resourceInputs = {};`,
        inputs,
        `        super(${cls}.__pulumiType, name, resourceInputs, opts);`,
        `    }`,
        `}`,
        `exports.${cls} = ${cls};`,
        `${cls}.__pulumiType = '${token}';`,
        "",
    ].join("\n");
}

// --- a kubernetes-shaped package: dotted tokens, moduleToPackage, nested namespaces ---------

function kubernetesSdk(root: string): void {
    write(
        root,
        "networking/v1/networkPolicy.js",
        resourceJs("NetworkPolicy", "kubernetes:networking.k8s.io/v1:NetworkPolicy", ["apiVersion", "kind", "metadata", "spec"]),
    );
    write(
        root,
        "core/v1/configMap.js",
        resourceJs("ConfigMap", "kubernetes:core/v1:ConfigMap", ["apiVersion", "data", "immutable", "kind", "metadata"]),
    );
    // An alias token in a string must not count as a resource the SDK uses.
    write(
        root,
        "extensions/v1beta1/alias.js",
        `const aliasOpts = { aliases: [{ type: "kubernetes:extensions/v1beta1:NetworkPolicy" }] };\n`,
    );
    write(root, "yaml/yaml.js", `function decode(text) { return pulumi.runtime.invoke("kubernetes:yaml:decode", { text }); }\n`);
    write(
        root,
        "types/input.d.ts",
        [
            `import * as pulumi from "@pulumi/pulumi";`,
            `export interface KubeClientSettings {`,
            `    burst?: pulumi.Input<number>;`,
            `}`,
            `export declare function kubeClientSettingsProvideDefaults(val: KubeClientSettings): KubeClientSettings;`,
            `export declare namespace networking {`,
            `    namespace v1 {`,
            `        interface NetworkPolicySpec {`,
            `            podSelector: pulumi.Input<inputs.meta.v1.LabelSelector>;`,
            `            policyTypes?: pulumi.Input<pulumi.Input<string>[]>;`,
            `        }`,
            `    }`,
            `}`,
            `export declare namespace meta {`,
            `    namespace v1 {`,
            `        interface LabelSelector {`,
            `            matchLabels?: pulumi.Input<{`,
            `                [key: string]: pulumi.Input<string>;`,
            `            }>;`,
            `        }`,
            `    }`,
            `}`,
            "",
        ].join("\n"),
    );
    write(
        root,
        "types/output.d.ts",
        [
            `export declare namespace networking {`,
            `    namespace v1 {`,
            `        interface NetworkPolicySpec {`,
            `            podSelector: outputs.meta.v1.LabelSelector;`,
            `            policyTypes: string[];`,
            `        }`,
            `    }`,
            `}`,
            "",
        ].join("\n"),
    );
}

function kubernetesSchema(): Schema {
    const obj = (properties: string[]): Json => ({
        type: "object",
        properties: Object.fromEntries(properties.map((p) => [p, { type: "string" }])),
    });
    return {
        name: "kubernetes",
        language: { nodejs: { moduleToPackage: { "networking.k8s.io/v1": "networking/v1" } } },
        resources: {
            "kubernetes:networking.k8s.io/v1:NetworkPolicy": {
                properties: obj(["apiVersion", "kind", "metadata", "spec"]).properties,
                inputProperties: {},
            },
            "kubernetes:core/v1:ConfigMap": {
                properties: obj(["apiVersion", "data", "kind", "metadata"]).properties,
                inputProperties: obj(["immutable"]).properties,
            },
        },
        types: {
            "kubernetes:index:KubeClientSettings": obj(["burst", "qps"]),
            "kubernetes:networking.k8s.io/v1:NetworkPolicySpec": obj(["podSelector", "policyTypes", "ingress"]),
            "kubernetes:meta/v1:LabelSelector": obj(["matchLabels", "matchExpressions"]),
            "kubernetes:core/v1:Protocol": { type: "string", enum: [{ value: "TCP" }] },
        },
    };
}

// --- a bridged-provider-shaped package: index module, <Name>Args twins, config types --------

function bridgedSdk(root: string): void {
    write(root, "container.js", resourceJs("Container", "docker:index/container:Container", ["image", "ports"]));
    write(root, "container.d.ts", `export interface ContainerArgs { ports?: pulumi.Input<pulumi.Input<inputs.ContainerPort>[]>; }\n`);
    write(root, "image.js", resourceJs("Image", "docker:index/image:Image", ["imageName"]));
    // Types only the native Image uses (DockerBuild, and CacheFrom through it) are not in a
    // rebridged schema; ContainerPort, also used by Image, must still be.
    write(root, "image.d.ts", `export interface ImageArgs { build?: pulumi.Input<inputs.DockerBuild>; ports?: inputs.ContainerPort; }\n`);
    write(
        root,
        "getNetwork.js",
        `function getNetwork(args) { return pulumi.runtime.invoke("docker:index/getNetwork:getNetwork", { name: args.name }); }\n`,
    );
    write(
        root,
        "types/input.d.ts",
        [
            `export interface ContainerPort {`,
            `    internal: pulumi.Input<number>;`,
            `}`,
            `export interface ContainerPortArgs {`,
            `    internal: pulumi.Input<number>;`,
            `}`,
            `export interface DockerBuild {`,
            `    cacheFrom?: pulumi.Input<inputs.CacheFrom>;`,
            `}`,
            `export interface CacheFrom {`,
            `    images?: pulumi.Input<pulumi.Input<string>[]>;`,
            `}`,
            `export declare namespace config {`,
            `    interface RegistryAuth {`,
            `        address: string;`,
            `    }`,
            `}`,
            "",
        ].join("\n"),
    );
}

function bridgedSchema(): Schema {
    return {
        name: "docker",
        meta: { moduleFormat: "(.*)(?:/[^/]*)" },
        resources: {
            "docker:index/container:Container": { properties: { image: {}, ports: {} }, inputProperties: { image: {}, ports: {} } },
        },
        functions: { "docker:index/getNetwork:getNetwork": {} },
        types: {
            "docker:index/ContainerPort:ContainerPort": { type: "object", properties: { internal: {}, external: {} } },
            "docker:config/registryAuth:registryAuth": { type: "object", properties: { address: {} } },
        },
    };
}

describe("sdk-parity.js (toolchain schema-vs-SDK check)", function () {
    // Each case starts node and loads the TypeScript compiler (seconds on a busy machine).
    this.timeout(60000);
    let tmp: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "jhp-sdk-parity-"));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    function run(schema: Schema, pkg: string, extra: string[] = [], notBridged?: string) {
        const schemaFile = path.join(tmp, "schema.json");
        fs.writeFileSync(schemaFile, JSON.stringify(schema));
        const args = [SCRIPT, ...extra, schemaFile, pkg, ...(notBridged ? [notBridged] : [])];
        const r = spawnSync(process.execPath, args, { encoding: "utf8", cwd: path.resolve(__dirname, "../../../../..") });
        return { status: r.status, out: r.stdout, err: r.stderr };
    }

    function kube(): { pkg: string; source: string } {
        const pkg = path.join(tmp, "kubernetes");
        kubernetesSdk(pkg);
        const source = path.join(tmp, "provider");
        write(source, "pkg/provider/provider.go", `package provider\n\nconst invokeDecodeYaml = "kubernetes:yaml:decode"\n`);
        // Test files and templates of the provider do not count as handling an invoke.
        write(source, "pkg/provider/x_test.go", `package provider\n\nconst t = "kubernetes:helm:template"\n`);
        return { pkg, source };
    }

    it("passes on a matching kubernetes-style SDK: dotted tokens, namespaces, source-handled invokes", () => {
        const { pkg, source } = kube();
        const r = run(kubernetesSchema(), pkg, ["--source", source]);
        assert.strictEqual(r.status, 0, r.err);
        assert.match(r.out, /2 resources \(9 property uses\)/);
        assert.match(r.out, /1 functions \(1 handled in the provider source/);
        assert.match(r.out, /4 type declarations \(6 properties\)/);
        assert.match(
            r.err,
            /invoke kubernetes:yaml:decode is not in the schema; the provider source handles it \(pkg\/provider\/provider\.go\)/,
        );
    });

    it("reports a resource token with dots that the schema lacks", () => {
        const { pkg, source } = kube();
        const schema = kubernetesSchema();
        delete schema.resources["kubernetes:networking.k8s.io/v1:NetworkPolicy"];
        const r = run(schema, pkg, ["--source", source]);
        assert.strictEqual(r.status, 1);
        assert.match(
            r.err,
            /resource kubernetes:networking\.k8s\.io\/v1:NetworkPolicy: used by networking\/v1\/networkPolicy\.js, missing from schema/,
        );
        assert.doesNotMatch(r.err, /extensions\/v1beta1/);
    });

    it("reports a resource property the schema lacks (inputs and outputs both count)", () => {
        const { pkg, source } = kube();
        const schema = kubernetesSchema();
        delete schema.resources["kubernetes:core/v1:ConfigMap"].inputProperties.immutable;
        const r = run(schema, pkg, ["--source", source]);
        assert.strictEqual(r.status, 1);
        assert.match(r.err, /resource kubernetes:core\/v1:ConfigMap: property immutable \(core\/v1\/configMap\.js\) missing from schema/);
        assert.match(r.err, /1 difference\(s\)/);
    });

    it("reports a nested-type property the schema lacks, in input.d.ts and output.d.ts", () => {
        const { pkg, source } = kube();
        const schema = kubernetesSchema();
        delete schema.types["kubernetes:networking.k8s.io/v1:NetworkPolicySpec"].properties.policyTypes;
        const r = run(schema, pkg, ["--source", source]);
        assert.strictEqual(r.status, 1);
        assert.match(
            r.err,
            /type kubernetes:networking\.k8s\.io\/v1:NetworkPolicySpec: property policyTypes \(types\/input\.d\.ts networking\.v1\.NetworkPolicySpec\)/,
        );
        assert.match(
            r.err,
            /type kubernetes:networking\.k8s\.io\/v1:NetworkPolicySpec: property policyTypes \(types\/output\.d\.ts networking\.v1\.NetworkPolicySpec\)/,
        );
    });

    it("reports an SDK type that no schema type declares", () => {
        const { pkg, source } = kube();
        const schema = kubernetesSchema();
        delete schema.types["kubernetes:meta/v1:LabelSelector"];
        const r = run(schema, pkg, ["--source", source]);
        assert.strictEqual(r.status, 1);
        assert.match(r.err, /type meta\.v1\.LabelSelector \(types\/input\.d\.ts\): no schema type declares it/);
    });

    it("reports an invoke that neither the schema nor the provider source (outside tests) has", () => {
        const { pkg, source } = kube();
        write(pkg, "helm/v3/helm.js", `pulumi.runtime.invoke("kubernetes:helm:template", { jsonOpts });\n`);
        const r = run(kubernetesSchema(), pkg, ["--source", source]);
        assert.strictEqual(r.status, 1);
        assert.match(
            r.err,
            /function kubernetes:helm:template: invoked by helm\/v3\/helm\.js, missing from schema and from the provider source/,
        );
        const noSource = run(kubernetesSchema(), pkg);
        assert.strictEqual(noSource.status, 1);
        assert.match(noSource.err, /function kubernetes:yaml:decode: invoked by yaml\/yaml\.js, missing from schema$/m);
    });

    it("passes on a bridged-style SDK: index types at top level, <Name>Args twins, config namespace, not-bridged skip", () => {
        const pkg = path.join(tmp, "docker");
        bridgedSdk(pkg);
        const r = run(bridgedSchema(), pkg, [], "docker:index/image:Image");
        assert.strictEqual(r.status, 0, r.err);
        assert.match(r.out, /1 resources \(2 property uses\), 1 functions \(0 handled/);
        assert.match(r.out, /3 type declarations \(3 properties\)/);
        assert.match(r.err, /not bridged, native in Pulumi's provider: docker:index\/image:Image/);
        assert.match(r.err, /type DockerBuild \(types\/input\.d\.ts\) is used only by not-bridged resources/);
        assert.match(r.err, /type CacheFrom \(types\/input\.d\.ts\) is used only by not-bridged resources/);
    });

    it("reports a bridged resource the plugin lacks unless it is listed as not bridged, and a missing function", () => {
        const pkg = path.join(tmp, "docker");
        bridgedSdk(pkg);
        const schema = bridgedSchema();
        delete schema.functions["docker:index/getNetwork:getNetwork"];
        delete schema.types["docker:index/ContainerPort:ContainerPort"].properties.internal;
        const r = run(schema, pkg);
        assert.strictEqual(r.status, 1);
        assert.match(r.err, /resource docker:index\/image:Image: used by image\.js, missing from schema/);
        assert.match(r.err, /function docker:index\/getNetwork:getNetwork: invoked by getNetwork\.js, missing from schema/);
        assert.match(r.err, /type docker:index\/ContainerPort:ContainerPort: property internal \(types\/input\.d\.ts ContainerPortArgs\)/);
        // Without the not-bridged list, the native resource's own types are differences too.
        assert.match(r.err, /type DockerBuild \(types\/input\.d\.ts\): no schema type declares it/);
        assert.match(r.err, /type CacheFrom \(types\/input\.d\.ts\): no schema type declares it/);
    });

    it("still requires a type that a bridged resource shares with a not-bridged one", () => {
        const pkg = path.join(tmp, "docker");
        bridgedSdk(pkg);
        const schema = bridgedSchema();
        delete schema.types["docker:index/ContainerPort:ContainerPort"];
        const r = run(schema, pkg, [], "docker:index/image:Image");
        assert.strictEqual(r.status, 1);
        assert.match(r.err, /type ContainerPort \(types\/input\.d\.ts\): no schema type declares it/);
        assert.doesNotMatch(r.err, /- type DockerBuild/);
    });

    it("exits 2 on a usage error", () => {
        const r = spawnSync(process.execPath, [SCRIPT], { encoding: "utf8" });
        assert.strictEqual(r.status, 2);
        assert.match(r.stderr, /usage: sdk-parity\.js/);
    });
});
