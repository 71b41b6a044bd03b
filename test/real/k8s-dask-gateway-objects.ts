/**
 * Dumps Dask Gateway's objects (components/kubernetes/daskGateway) for the prod config with
 * dask.enabled, for a real kube-apiserver (k8s-hub-objects.e2e.sh, section 5):
 *
 *   ts-node test/real/k8s-dask-gateway-objects.ts OUTDIR
 *
 * OUTDIR/crds/*.yaml      the CustomResourceDefinitions (created for real: their kinds must exist
 *                          before objects of those kinds can even be dry-run)
 * OUTDIR/objects/*.yaml   everything else, in apply order (Secret values are placeholders)
 * OUTDIR/config/          the gateway's and the controller's dask_gateway_config.py, for
 *                          dask-gateway-server's own code in the built image (dask_gateway_cluster_objects.py)
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { parseConfig } from "../../config/parse";
import { renderControllerConfig } from "../../components/kubernetes/daskGateway/gatewayConfig";
import { gatewayNames } from "../../components/kubernetes/daskGateway/names";
import { gatewayConfigText, renderGatewayObjects, type GatewayRenderContext } from "../../components/kubernetes/daskGateway/render";
import { resourceNames } from "../../components/kubernetes/jupyterhub/names";
import { hubConnectUrl } from "../../components/hub/contract";

const ROOT = path.resolve(__dirname, "../..");
const DIGEST = (repo: string, n: number) => `registry.example.org/jupyter/${repo}@sha256:${String(n).repeat(64).slice(0, 64)}`;

function prodValues(): Record<string, string> {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> };
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc.config)) {
        values[key.replace(/^jupyterhub-platform:/, "")] = Array.isArray(value) ? JSON.stringify(value) : String(value);
    }
    return values;
}

function main(outDir: string): void {
    const result = parseConfig(
        {
            values: {
                ...prodValues(),
                "dask.enabled": "true",
                "dask.gateway.maxCoresPerCluster": "4",
                "dask.gateway.maxMemoryPerCluster": "8Gi",
            },
            secretKeys: new Set(["images.registry.password"]),
        },
        { project: "jupyterhub-platform", stack: "real", makeSecret: (_k, v) => pulumi.secret(v), projectDir: ROOT, env: {} },
    );
    if (!result.ok || result.config.topology !== "kubernetes") {
        throw new Error(`sample config does not parse:\n  ${result.ok ? "not kubernetes" : result.problems.join("\n  ")}`);
    }
    const kube = result.config.kubernetes;
    const ctx: GatewayRenderContext = {
        names: gatewayNames(kube.namespace),
        namespace: kube.namespace,
        dask: result.config.dask,
        images: { gateway: DIGEST("dask-gateway", 5), traefik: result.config.dask.gateway.traefikImage },
        hubApiUrl: `${hubConnectUrl(resourceNames(kube.namespace).hubService)}/hub/api`,
        imagePullSecrets: [resourceNames(kube.namespace).imagePullSecret],
        nodeSelector: { ...kube.coreNodeSelector },
    };
    const gatewayConfig = gatewayConfigText(ctx, DIGEST("singleuser", 2));
    const objects = renderGatewayObjects(ctx, { apiToken: "placeholder-not-a-secret", gatewayConfig, configChecksum: "0".repeat(64) });
    for (const sub of ["crds", "objects", "config"]) {
        fs.rmSync(path.join(outDir, sub), { recursive: true, force: true });
        fs.mkdirSync(path.join(outDir, sub), { recursive: true });
    }
    objects.forEach((o, i) => {
        const sub = o.kind === "CustomResourceDefinition" ? "crds" : "objects";
        const file = path.join(outDir, sub, `${String(i + 1).padStart(2, "0")}-${o.kind.toLowerCase()}-${o.metadata.name}.yaml`);
        fs.writeFileSync(file, YAML.stringify(o, { lineWidth: 0 }));
    });
    fs.writeFileSync(path.join(outDir, "config", "gateway.py"), gatewayConfig);
    fs.writeFileSync(path.join(outDir, "config", "controller.py"), renderControllerConfig(ctx.names));
    console.log(`dask-gateway: ${objects.length} objects in ${outDir} (namespace ${kube.namespace})`);
}

main(process.argv[2] ?? fs.mkdtempSync("/tmp/dask-gateway-objects-"));
