#!/usr/bin/env bash
# npm run e2e:upgrade — an upgrade that keeps everything: the `local` stack is brought up by the
# previous release of this program (git tag $JHP_PREVIOUS_RELEASE, default v0.1.0, checked out
# into a temporary worktree with its own npm ci), given users, tokens, files and a running
# server, then `pulumi up` with this checkout and a newer JupyterHub in the hub image (a stand-in
# built by tools/offline/base-images/build.sh --hub-version). Runs test/e2e/upgrade/e2e.ts.
set -euo pipefail
cd "$(dirname "$0")/../../.."
repo=$(pwd)
# The previous release: its tag and commit, recorded in previous-release (CHANGELOG.md lists them).
read -r release_tag release_commit < test/e2e/upgrade/previous-release
previous=${JHP_PREVIOUS_RELEASE:-$release_tag}
new_hub=${JHP_UPGRADE_JUPYTERHUB:-6.1.1}

fail() {
    echo "FAIL $*"
    echo "0 passed, 1 failed"
    exit 1
}

# shellcheck source=scripts/docker/tier-env.sh
source scripts/docker/tier-env.sh

# The tag when this clone has it (a clone without tags still has the commit).
if git rev-parse -q --verify "refs/tags/$previous" >/dev/null; then
    commit=$(git rev-parse "$previous^{commit}")
    if [ "$previous" = "$release_tag" ] && [ "$commit" != "$release_commit" ]; then
        fail "tag $previous is $commit, but test/e2e/upgrade/previous-release says $release_commit"
    fi
elif [ "$previous" = "$release_tag" ] && git cat-file -e "$release_commit^{commit}" 2>/dev/null; then
    commit=$release_commit
else
    fail "neither the tag $previous nor its commit is in this clone (git tag -a $release_tag $release_commit)"
fi
# One worktree per release commit, reused while the commit and its package-lock.json are unchanged.
prev_dir=${JHP_PREVIOUS_DIR:-/tmp/jhp-release-${commit:0:12}}
if [ ! -d "$prev_dir/.git" ] && [ ! -f "$prev_dir/.git" ]; then
    rm -rf "$prev_dir"
    git worktree add --detach "$prev_dir" "$commit" >/dev/null 2>&1 || fail "git worktree add $prev_dir $previous"
fi
if [ ! -f "$prev_dir/node_modules/.package-lock.json" ] || ! cmp -s "$prev_dir/package-lock.json" "$prev_dir/node_modules/.jhp-lock"; then
    echo "e2e:upgrade: npm ci in $prev_dir ($previous)"
    (cd "$prev_dir" && npm ci --no-audit --no-fund >/dev/null) || fail "npm ci of $previous"
    cp "$prev_dir/package-lock.json" "$prev_dir/node_modules/.jhp-lock"
fi

new_base=$(bash tools/offline/base-images/build.sh --hub-version "$new_hub") || fail "could not build the JupyterHub $new_hub stand-in"

export JHP_PREVIOUS_DIR="$prev_dir" JHP_PREVIOUS_RELEASE="$previous" JHP_NEW_HUB_BASE_IMAGE="$new_base" JHP_NEW_JUPYTERHUB="$new_hub"
export JHP_REPO_ROOT="$repo"
exec npx ts-node --transpile-only -P tsconfig.json test/e2e/upgrade/e2e.ts
