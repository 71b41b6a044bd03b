/**
 * The one place that maps a topology to the function that wires it. Each receives the config
 * member of its own topology, with exactly the sections it needs.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/types";
import { deployDockerVm } from "./dockerVm";
import { deployKubernetes } from "./kubernetes";
import { deployLab } from "./lab";
import { deployLocal } from "./local";

export type StackOutputs = Record<string, pulumi.Output<unknown>>;

export function deployTopology(config: PlatformConfig): StackOutputs {
    switch (config.topology) {
        case "local":
            return deployLocal(config);
        case "docker-vm":
            return deployDockerVm(config);
        case "kubernetes":
            return deployKubernetes(config);
        case "lab":
            return deployLab(config);
    }
}
