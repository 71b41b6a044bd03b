# shellcheck shell=bash
# Sourced by the scripts that deploy a stack on this machine's engine (npm run up, e2e, bench,
# test:hub): the base images tools/offline/base-images/build.sh chose (upstream when present on
# the engine, else the project's stand-ins) as JHP_HUB_BASE_IMAGE / JHP_SINGLEUSER_BASE_IMAGE,
# and `jhp_set_base_images STACK`, which records them in the stack's config when they are
# stand-ins (images.*.baseImage), so the stack file says what the images are built from.

_jhp_base_env="${JHP_BASE_IMAGES_ENV:-${JHP_REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/.jhp/base-images.env}"
if [ ! -f "$_jhp_base_env" ]; then
    echo "base-images.sh: $_jhp_base_env missing; run scripts/docker/prepare-local.sh first" >&2
    return 1
fi
# shellcheck source=/dev/null
. "$_jhp_base_env"
export JHP_HUB_BASE_IMAGE JHP_SINGLEUSER_BASE_IMAGE
unset _jhp_base_env

jhp_set_base_images() {
    local stack=$1 key ref pairs
    pairs=("images.hub.baseImage=$JHP_HUB_BASE_IMAGE" "images.singleuser.baseImage=$JHP_SINGLEUSER_BASE_IMAGE")
    # A lab has no hub (and no proxy built from the hub's base): only the single-user base applies.
    if [ "$(pulumi config get topology --stack "$stack" 2>/dev/null || true)" = lab ]; then
        pairs=("images.singleuser.baseImage=$JHP_SINGLEUSER_BASE_IMAGE")
    fi
    for pair in "${pairs[@]}"; do
        key=${pair%%=*} ref=${pair#*=}
        case "$ref" in
            jupyterhub-platform/standin-*)
                echo "stack $stack: $key=$ref (a local stand-in: no registry is reachable; remove the key on a machine that can pull)"
                pulumi config set --stack "$stack" "$key" "$ref" >/dev/null
                ;;
            *) pulumi config rm --stack "$stack" "$key" >/dev/null 2>&1 || true ;;
        esac
    done
}
