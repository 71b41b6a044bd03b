/**
 * JupyterHub on Kubernetes: the component, and what a topology needs to render the hub config
 * document consistently with it. See docs/kubernetes-hub.md.
 */
export { HubOnKubernetes, type HubOnKubernetesArgs } from "./hubOnKubernetes";
export { hubUrls, resourceNames, type ResourceNames } from "./names";
export { renderContext, type HubRenderContext } from "./context";
export { renderHubObjects } from "./renderHub";
