#!/usr/bin/env bash
# tools/offline/toolchain/rebridge/gen-cmds.sh - the two commands of every rebridged
# provider (tools/offline/toolchain/modules/provider-NAME) come from the templates next
# to this script, so a provider module holds only what is its own: go.mod/go.sum, info/
# (the token mapping) and shim/ (the upstream provider).
#
#   gen-cmds.sh DIR NAME   write DIR/cmd/pulumi-tfgen-NAME/main.go and
#                          DIR/cmd/pulumi-resource-NAME/main.go (install.sh calls this on
#                          its build copy of the module)
#   gen-cmds.sh --tidy NAME
#                          `go mod tidy` for modules/provider-NAME and its shim, in a scratch
#                          copy with the commands generated (they import bridge packages
#                          that info/ does not, so a tidy without them drops requirements)
#
# Flavour: an info/ package that builds its provider with the bridge's Plugin Framework
# shim (it imports .../pkg/pf/tfbridge) gets the templates in pf/, any other the ones in
# sdkv2/ (Terraform plugin SDK v2 providers). The templates name the provider @NAME@ and
# the module path @MODULE@ (read from DIR/go.mod).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODULES="$(cd "$HERE/../modules" && pwd)"
PF_IMPORT='"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"'

die() { printf 'gen-cmds.sh: %s\n' "$*" >&2; exit 1; }

flavour_of() { # DIR -> pf | sdkv2
  if grep -qsF "$PF_IMPORT" "$1"/info/*.go; then echo pf; else echo sdkv2; fi
}

generate() { # DIR NAME
  local dir="$1" name="$2" module flavour cmd
  { [ -f "$dir/go.mod" ] && [ -d "$dir/info" ]; } || die "$dir is not a provider module (go.mod and info/ expected)"
  [[ "$name" =~ ^[a-z0-9-]+$ ]] || die "bad provider name '$name'"
  module="$(awk '$1 == "module" { print $2; exit }' "$dir/go.mod")"
  [ -n "$module" ] || die "$dir/go.mod has no module line"
  flavour="$(flavour_of "$dir")"
  for cmd in tfgen resource; do
    mkdir -p "$dir/cmd/pulumi-$cmd-$name"
    sed -e "s|@NAME@|$name|g" -e "s|@MODULE@|$module|g" "$HERE/$flavour/$cmd.go.tmpl" \
      >"$dir/cmd/pulumi-$cmd-$name/main.go"
  done
  echo "$flavour"
}

tidy() { # NAME
  local name="$1" src="$MODULES/provider-$1" scratch go
  [ -d "$src" ] || die "no module $src"
  go="${GO:-go}"
  scratch="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "rm -rf '$scratch'" EXIT
  cp -R "$src/." "$scratch/"
  generate "$scratch" "$name" >/dev/null
  # The embedded files only have to exist for the package to load.
  echo '{}' >"$scratch/cmd/pulumi-resource-$name/schema.json"
  echo '{}' >"$scratch/cmd/pulumi-resource-$name/bridge-metadata.json"
  export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY="${GOPROXY:-https://proxy.golang.org}" GOSUMDB="${GOSUMDB:-off}"
  (cd "$scratch/shim" && "$go" mod tidy)
  (cd "$scratch" && "$go" mod tidy)
  cp "$scratch/go.mod" "$scratch/go.sum" "$src/"
  cp "$scratch/shim/go.mod" "$scratch/shim/go.sum" "$src/shim/"
  echo "tidied $src (and shim/)"
}

case "${1:-}" in
  --tidy) [ $# -eq 2 ] || die "usage: gen-cmds.sh --tidy NAME"; tidy "$2" ;;
  -h|--help|'') sed -n '2,18{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" ;;
  *) [ $# -eq 2 ] || die "usage: gen-cmds.sh DIR NAME"; generate "$1" "$2" >/dev/null ;;
esac
