/**
 * jupyterhub-platform: composes the topology the stack config selects. No logic lives here:
 * config/ validates (before any resource exists) and topologies/ wire the components.
 */
import { loadStackConfig } from "./config";
import { deployDockerVm } from "./topologies/dockerVm";
import { deployKubernetes } from "./topologies/kubernetes";
import { deployLocal } from "./topologies/local";

const config = loadStackConfig();

const deploy = { local: deployLocal, "docker-vm": deployDockerVm, kubernetes: deployKubernetes }[config.topology];

export = deploy(config);
