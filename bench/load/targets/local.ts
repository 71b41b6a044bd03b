/**
 * The `local` target: a `local` stack of its own on the Docker engine (bench/load/stack.ts), the
 * hub on 127.0.0.1:<port>; figures from the containers' cgroups and the hub container's log.
 */
import * as os from "os";
import { docker } from "../../../test/e2e/common/lib";
import { containerCgroup, containerLog } from "../metrics";
import { createStack, destroyStack } from "../stack";
import type { DeployedTarget, LoadTarget } from "./target";

/** Containers of the stack's user servers (DockerSpawner gives them the stack's labels). */
function userContainers(stack: string): string[] {
    return docker([
        "ps",
        "--format",
        "{{.Names}}",
        "--filter",
        `label=org.jupyterhub-platform.stack=${stack}`,
        "--filter",
        "label=org.jupyterhub-platform.role=user-server",
    ])
        .out.split(/\s+/)
        .filter(Boolean);
}

export class LocalTarget implements LoadTarget {
    readonly kind = "local";
    readonly description: string;

    constructor(
        readonly stack: string,
        readonly port: number,
    ) {
        this.description = `a \`local\` stack on this machine's Docker engine (${os.cpus().length} cores, shared with the load generator)`;
    }

    async create(): Promise<DeployedTarget> {
        const s = await createStack(this.stack, this.port);
        return {
            base: s.base,
            password: s.password,
            hubCgroup: () => containerCgroup(s.hubContainer),
            proxyCgroup: () => containerCgroup(s.proxyContainer),
            userServerCgroups: () =>
                userContainers(this.stack)
                    .map(containerCgroup)
                    .filter((c): c is string => c !== undefined),
            hubLog: (since) => containerLog(s.hubContainer, since),
        };
    }

    destroy(): Promise<string> {
        return destroyStack(this.stack, `jupyterhub-${this.stack}`);
    }
}
