#!/usr/bin/env bash
# npm run lint:workflows — checks every GitHub Actions workflow in .github/workflows with
# actionlint: syntax, expressions, action inputs, `needs`, and every `run:` script (through
# Debian's shellcheck).
#
# actionlint is built from its Go module at the version pinned in tools/gitops/actionlint/go.mod
# (with the hashes in go.sum), not downloaded as a release binary: this project reaches package
# registries only. The binary is cached under ~/.cache/jupyterhub-platform/actionlint/<key>/,
# keyed by the module's go.mod + go.sum, so a warm run only lints. shellcheck is Debian's
# (installed here when missing); actionlint finds it on PATH.
#
# Usage: lint-workflows.sh [FILE...]   (default: every .github/workflows/*.yml)
# Environment: GOPROXY (default https://proxy.golang.org), GOSUMDB (default off: go.sum pins).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODULE_DIR="$REPO/tools/gitops/actionlint"
VERSION="$(awk '$1=="require" && $2=="github.com/rhysd/actionlint" {print $3}' "$MODULE_DIR/go.mod")"
[ -n "$VERSION" ] || { echo "lint-workflows: no actionlint version in $MODULE_DIR/go.mod" >&2; exit 1; }
KEY="$VERSION-$(cat "$MODULE_DIR/go.mod" "$MODULE_DIR/go.sum" | sha256sum | cut -c1-12)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/jupyterhub-platform/actionlint/$KEY"
BIN="$CACHE/actionlint"

log() { printf '[lint:workflows] %s\n' "$*" >&2; }

apt_install() {
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    log "installing Debian packages: $*"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=600 "$@" >/dev/null 2>&1 ||
        { $sudo apt-get update -qq && $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=600 "$@" >/dev/null; }
}

command -v shellcheck >/dev/null 2>&1 || apt_install shellcheck

find_go() {
    local cand
    for cand in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go "$HOME/.cache/jhp-toolchain/go/bin/go"; do
        if [ -n "$cand" ] && [ -x "$cand" ]; then
            echo "$cand"
            return 0
        fi
    done
    return 1
}

if [ ! -x "$BIN" ]; then
    GO="$(find_go)" || { log "Go is needed to build actionlint (npm run toolchain bootstraps one into ~/.cache/jhp-toolchain/go)"; exit 1; }
    log "building actionlint $VERSION from its Go module (cached in $CACHE)"
    start=$SECONDS
    tmp="$CACHE.tmp.$$"
    rm -rf "$tmp" && mkdir -p "$tmp"
    (
        cd "$MODULE_DIR"
        GOPROXY="${GOPROXY:-https://proxy.golang.org}" GOSUMDB="${GOSUMDB:-off}" GOTOOLCHAIN=local \
            GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 \
            timeout 900 "$GO" build -trimpath -ldflags "-s -w -X github.com/rhysd/actionlint.version=$VERSION" \
            -o "$tmp/actionlint" github.com/rhysd/actionlint/cmd/actionlint
    )
    rm -rf "$CACHE" && mv "$tmp" "$CACHE"
    log "built in $((SECONDS - start)) s: $("$BIN" -version | head -1)"
fi

cd "$REPO"
if [ $# -gt 0 ]; then
    files=("$@")
else
    shopt -s nullglob
    files=(.github/workflows/*.yml .github/workflows/*.yaml)
    shopt -u nullglob
fi
[ ${#files[@]} -gt 0 ] || { log "no workflow files in .github/workflows"; exit 1; }
log "actionlint $VERSION, $(shellcheck --version | awk '/^version:/{print "shellcheck " $2}'), ${#files[@]} workflows"
# -pyflakes= : no workflow runs Python inline; -shellcheck: Debian's, found on PATH.
"$BIN" -no-color -pyflakes= -shellcheck="$(command -v shellcheck)" "${files[@]}"
log "ok: ${files[*]}"
