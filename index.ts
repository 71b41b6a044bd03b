/**
 * jupyterhub-platform: composes the topology the stack config selects. No logic lives here:
 * config/ validates (before any resource exists) and topologies/ wire the components.
 */
import { loadStackConfig } from "./config";
import { deployTopology } from "./topologies";

export = deployTopology(loadStackConfig());
