#!/usr/bin/env bash
# tools/offline/toolchain/install.sh - install the Pulumi engine this repository needs.
#
#   npm run toolchain                        # everything package.json needs (openstack: pending)
#   bash tools/offline/toolchain/install.sh --only cli,language,random
#   bash tools/offline/toolchain/install.sh --check   # exit 0 iff everything is installed
#
# Installs, at the versions read at run time from package.json and
# node_modules/@pulumi/*/package.json:
#   cli        pulumi                  -> ~/.pulumi/bin/pulumi
#   language   pulumi-language-nodejs  -> ~/.pulumi/bin/pulumi-language-nodejs, with the
#              Node.js dynamic-provider plugin -> ~/.pulumi/bin/pulumi-resource-pulumi-nodejs
#   <name>     one resource plugin per provider package (kubernetes, docker, random,
#              openstack, tls) -> the plugin cache ($PULUMI_HOME/plugins, default
#              ~/.pulumi/plugins), through `pulumi plugin install resource NAME
#              VERSION --file BINARY`, so the engine never tries a download.
#
# Routes (JHP_TOOLCHAIN_ROUTE):
#   go        (default) build everything from the Go module proxy - for sites that
#             only mirror Go modules (and npm). See docs/toolchain.md.
#   official  Pulumi's normal installer (get.pulumi.com) and `pulumi plugin install`.
#   auto      probe get.pulumi.com (3 s); official if reachable, else go.
#
# Idempotent: every component has a stamp (its version plus a hash of the files it
# is built from); when all stamps match and the files are present it exits at once.
#
# Options: --only LIST (comma-separated component names; "pulumi" = cli,language),
#          --force (rebuild the selected components), --check, --keep-going
#          (default: stop at the first failure), -h/--help.
# Environment: JHP_PULUMI_BIN_DIR (default ~/.pulumi/bin), PULUMI_HOME,
#          JHP_TOOLCHAIN_CACHE (default ~/.cache/jhp-toolchain: build trees, logs,
#          bootstrap Go), GOPROXY (default https://proxy.golang.org), GOSUMDB (default
#          off: the go.sum files in tools/offline/toolchain/modules are the pins),
#          JHP_GO_BOOTSTRAP_VERSION (Go fetched from the proxy when no Go >= the
#          modules' go line is installed; default 1.26.8), JHP_TOOLCHAIN_UPSTREAM
#          (see providers.conf).
# Files: providers.conf (how each plugin is built), pins.conf (which provider module
#          version is which release, for the upstream route), sdk-parity.js (every plugin's
#          schema is checked against the installed npm SDK before it is built).
set -euo pipefail

TOOLCHAIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$TOOLCHAIN_DIR/../../.." && pwd)"
MODULES="$TOOLCHAIN_DIR/modules"
# Rebridge route: the command templates and their generator (rebridge/gen-cmds.sh).
REBRIDGE="$TOOLCHAIN_DIR/rebridge"
# Bump when a change to this script must rebuild everything.
RECIPE_REV=1

BIN_DIR="${JHP_PULUMI_BIN_DIR:-$HOME/.pulumi/bin}"
PHOME="${PULUMI_HOME:-$HOME/.pulumi}"
PLUGIN_DIR="$PHOME/plugins"
STAMPS="$BIN_DIR/.jhp-toolchain"
CACHE="${JHP_TOOLCHAIN_CACHE:-$HOME/.cache/jhp-toolchain}"
LOGS="$CACHE/logs"

ONLY="" FORCE=0 CHECK=0 KEEP_GOING=0
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY="${2:?--only needs a list}"; shift 2 ;;
    --only=*) ONLY="${1#--only=}"; shift ;;
    --force) FORCE=1; shift ;;
    --check) CHECK=1; shift ;;
    --keep-going) KEEP_GOING=1; shift ;;
    -h|--help) awk 'NR>1 && /^set -euo/{exit} NR>1{sub(/^# ?/,""); print}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "install.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[toolchain] %s\n' "$*" >&2; }
die() { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# What is needed

command -v node >/dev/null 2>&1 || die "node is required (it runs the Pulumi program); install Node.js >= 20"
VERSIONS="$(node "$TOOLCHAIN_DIR/versions.js" "$REPO_ROOT")" || die "could not read versions from package.json/node_modules"
SDK_VERSION="$(awk '$1=="sdk"{print $2}' <<<"$VERSIONS")"
declare -A PROVIDER_VERSION=() PROVIDER_PACKAGE=()
PROVIDERS=()
while read -r kind name version pkg; do
  [ "$kind" = provider ] || continue
  PROVIDERS+=("$name"); PROVIDER_VERSION[$name]="$version"; PROVIDER_PACKAGE[$name]="$pkg"
done <<<"$VERSIONS"

declare -A ROUTE=() MODULE=() PINNED_FOR=() NOT_BRIDGED=()
while read -r name route module pinned notbridged _; do
  case "$name" in ''|'#'*) continue ;; esac
  ROUTE[$name]="$route"; MODULE[$name]="$module"; PINNED_FOR[$name]="$pinned"
  NOT_BRIDGED[$name]="${notbridged:--}"
  case ",${JHP_TOOLCHAIN_UPSTREAM:-}," in *",all,"*|*",$name,"*) ROUTE[$name]=upstream ;; esac
done <"$TOOLCHAIN_DIR/providers.conf"

# pins.conf: "<name> <version>" -> the provider module version that is that release.
declare -A PIN=()
while read -r name version module modver _; do
  case "$name" in ''|'#'*) continue ;; esac
  [ -n "$modver" ] || die "pins.conf: row '$name $version' needs four columns"
  [ "$module" = "${MODULE[$name]:-}" ] || die "pins.conf: $name $version names module $module, providers.conf has '${MODULE[$name]:-}'"
  PIN["$name $version"]="$modver"
done <"$TOOLCHAIN_DIR/pins.conf"
pin_of() { echo "${PIN["$1 ${PROVIDER_VERSION[$1]}"]:-}"; }

ALL=(cli language "${PROVIDERS[@]}")
SELECTED=()
if [ -n "$ONLY" ]; then
  IFS=',' read -r -a wanted <<<"$ONLY"
  for w in "${wanted[@]}"; do
    case "$w" in
      pulumi) SELECTED+=(cli language) ;;
      cli|language) SELECTED+=("$w") ;;
      *) [ -n "${PROVIDER_VERSION[$w]:-}" ] || die "--only: '$w' is not a component (known: ${ALL[*]})"
         SELECTED+=("$w") ;;
    esac
  done
else
  SELECTED=("${ALL[@]}")
fi

# ---------------------------------------------------------------------------
# Stamps: "<component> <recipe>" - recipe = version + route + hash of build inputs

tree_hash() { # files of a directory (sorted, content + name) -> short sha256
  (cd "$1" && find . -type f ! -path './bin/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

tree_hash_opt() { if [ -d "$1" ]; then tree_hash "$1"; else echo -; fi; }

route_of() { # component -> route actually used for it
  if [ "$TOOLCHAIN_ROUTE" = official ]; then echo official; return; fi
  case "$1" in cli|language) echo go ;; *) echo "${ROUTE[$1]:-none}" ;; esac
}

recipe_of() {
  local c="$1" r; r="$(route_of "$c")"
  case "$c:$r" in
    *:official) echo "rev$RECIPE_REV official $(version_of "$c")" ;;
    cli:go) echo "rev$RECIPE_REV go v$SDK_VERSION $(tree_hash "$MODULES/pulumi")" ;;
    language:go) echo "rev$RECIPE_REV go v$SDK_VERSION $(tree_hash "$MODULES/pulumi-language-nodejs") +dynamic-provider" ;;
    *:rebridge) echo "rev$RECIPE_REV rebridge v${PROVIDER_VERSION[$c]} $(tree_hash "$MODULES/provider-$c") $(tree_hash "$REBRIDGE")" ;;
    *:upstream) echo "rev$RECIPE_REV upstream ${MODULE[$c]} v${PROVIDER_VERSION[$c]} pin=$(pin_of "$c") $(tree_hash_opt "$MODULES/provider-$c")" ;;
    *) echo "none" ;;
  esac
}

version_of() { case "$1" in cli|language) echo "$SDK_VERSION" ;; *) echo "${PROVIDER_VERSION[$1]}" ;; esac; }

artefact_of() {
  case "$1" in
    cli) echo "$BIN_DIR/pulumi" ;;
    language) echo "$BIN_DIR/pulumi-resource-pulumi-nodejs" ;; # installed last, with pulumi-language-nodejs
    *) echo "$PLUGIN_DIR/resource-$1-v${PROVIDER_VERSION[$1]}/pulumi-resource-$1" ;;
  esac
}

is_current() {
  local c="$1" stamp="$STAMPS/$1.stamp"
  [ -x "$(artefact_of "$c")" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(recipe_of "$c")" ]
}

write_stamp() { mkdir -p "$STAMPS"; recipe_of "$1" >"$STAMPS/$1.stamp"; }

# ---------------------------------------------------------------------------
# Route and fast path

pending_for_route() { # sets PENDING for route $TOOLCHAIN_ROUTE
  PENDING=()
  local c
  for c in "${SELECTED[@]}"; do
    if [ "$FORCE" = 1 ] || ! is_current "$c"; then PENDING+=("$c"); fi
  done
}

case "${JHP_TOOLCHAIN_ROUTE:-go}" in
  go|official) TOOLCHAIN_ROUTE="${JHP_TOOLCHAIN_ROUTE:-go}"; pending_for_route ;;
  auto)
    # No probe while everything installed by either route is current (keeps the
    # no-op run fast); probe get.pulumi.com only when there is work to do.
    TOOLCHAIN_ROUTE=official; pending_for_route
    if [ ${#PENDING[@]} -gt 0 ]; then
      TOOLCHAIN_ROUTE=go; pending_for_route
    fi
    if [ ${#PENDING[@]} -gt 0 ] && [ "$CHECK" != 1 ]; then
      if command -v curl >/dev/null 2>&1 && curl -fsS -m 3 -o /dev/null https://get.pulumi.com/; then
        TOOLCHAIN_ROUTE=official
      else
        TOOLCHAIN_ROUTE=go
      fi
      pending_for_route
    fi ;;
  *) die "JHP_TOOLCHAIN_ROUTE must be go, official or auto (got '$JHP_TOOLCHAIN_ROUTE')" ;;
esac

if [ ${#PENDING[@]} -eq 0 ]; then
  log "up to date: pulumi v$SDK_VERSION ($(IFS=,; echo "${SELECTED[*]}")) in $BIN_DIR and $PLUGIN_DIR"
  exit 0
fi
if [ "$CHECK" = 1 ]; then
  log "not installed or out of date: ${PENDING[*]}"
  exit 1
fi
log "route: $TOOLCHAIN_ROUTE; to install: ${PENDING[*]}"
mkdir -p "$BIN_DIR" "$LOGS"

# ---------------------------------------------------------------------------
# Helpers

apt_install() { # apt_install PACKAGE... (only called for missing commands)
  command -v apt-get >/dev/null 2>&1 || die "missing $*; install it (no apt-get here)"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  log "installing Debian packages: $*"
  if ! { $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2; }; then
    die "apt-get install $* failed"
  fi
}
need_cmd() { command -v "$1" >/dev/null 2>&1 || apt_install "${2:-$1}"; }

timed() { # timed LOGFILE CMD... : run, log output, print elapsed/peak RSS
  local logfile="$1"; shift
  local start=$SECONDS rc=0
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$@" >"$logfile" 2>&1 || rc=$?
    local rss; rss="$(awk -F': ' '/Maximum resident set size/{printf "%.0f MiB", $2/1024}' "$logfile")"
    log "  $(( SECONDS - start ))s, peak RSS ${rss:-?} (log: $logfile)"
  else
    "$@" >"$logfile" 2>&1 || rc=$?
    log "  $(( SECONDS - start ))s (log: $logfile)"
  fi
  if [ $rc -ne 0 ]; then
    grep -vE '^\s+(Command being timed|User time|System time|Percent of CPU|Elapsed|Average|Maximum|Major|Minor|Voluntary|Involuntary|Swaps|File system|Socket|Signals|Page size|Exit status)' "$logfile" | tail -25 >&2
  fi
  return $rc
}

install_file() { # atomic install of an executable
  local src="$1" dst="$2"
  mkdir -p "$(dirname "$dst")"
  cp "$src" "$dst.tmp.$$" && chmod 755 "$dst.tmp.$$" && mv -f "$dst.tmp.$$" "$dst"
}

# --- Go --------------------------------------------------------------------

GO=""
go_line_max() { # highest `go` directive among our modules
  grep -h '^go [0-9]' "$MODULES"/*/go.mod | awk '{print $2}' | sort -V | tail -1
}
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

setup_go() {
  [ -n "$GO" ] && return 0
  local need cand v
  need="$(go_line_max)"
  local cands=("$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go "$CACHE/go/bin/go")
  # JHP_TOOLCHAIN_FORCE_GO_BOOTSTRAP=1 ignores installed Go (to test the fresh-machine path).
  [ "${JHP_TOOLCHAIN_FORCE_GO_BOOTSTRAP:-0}" = 1 ] && cands=("$CACHE/go/bin/go")
  for cand in "${cands[@]}"; do
    if [ -z "$cand" ] || [ ! -x "$cand" ]; then continue; fi
    v="$("$cand" env GOVERSION 2>/dev/null | sed 's/^go//')"
    if [ -n "$v" ] && version_ge "$v" "$need"; then GO="$cand"; break; fi
  done
  if [ -z "$GO" ]; then
    # Go's own distribution is published on the module proxy as golang.org/toolchain.
    local gv="${JHP_GO_BOOTSTRAP_VERSION:-1.26.8}" arch proxy zip
    case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) die "unsupported CPU $(uname -m)" ;; esac
    proxy="${GOPROXY:-https://proxy.golang.org}"; proxy="${proxy%%,*}"; proxy="${proxy%%|*}"
    need_cmd curl; need_cmd unzip
    zip="$CACHE/go-bootstrap.zip"
    log "no Go >= $need found; fetching go$gv from $proxy (module golang.org/toolchain)"
    curl -fsSL -o "$zip" "$proxy/golang.org/toolchain/@v/v0.0.1-go$gv.linux-$arch.zip" || die "could not download Go from $proxy"
    rm -rf "$CACHE/go" "$CACHE/go-unzip" && mkdir -p "$CACHE/go-unzip"
    unzip -q "$zip" -d "$CACHE/go-unzip" && mv "$CACHE/go-unzip/golang.org/toolchain@v0.0.1-go$gv.linux-$arch" "$CACHE/go"
    rm -rf "$CACHE/go-unzip" "$zip"
    chmod +x "$CACHE/go/bin/"* "$CACHE/go/pkg/tool/"*/*
    GO="$CACHE/go/bin/go"
  fi
  export GOTOOLCHAIN=local CGO_ENABLED=0
  # Only the module proxy: no ",direct" fallback to version-control hosts.
  export GOPROXY="${GOPROXY:-https://proxy.golang.org}"
  export GOSUMDB="${GOSUMDB:-off}"
  export GOFLAGS="-mod=readonly -buildvcs=false"
  log "using $("$GO" version) at $GO (GOPROXY=$GOPROXY, GOSUMDB=$GOSUMDB)"
}

gomod_require() { # gomod_require DIR MODULE -> version required by DIR/go.mod
  (cd "$1" && "$GO" mod edit -json) | node -e '
    let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s);
    const r=(m.Require||[]).find(r=>r.Path===process.argv[1]);process.stdout.write(r?r.Version:"")})' "$2"
}

# Sync the wrapper module DIR to @pulumi/pulumi's version when package.json moved:
# `go get` the new release, restate the published-module replaces of pkg/v3's go.mod.
sync_pulumi_pin() {
  local dir="$1" want="v$SDK_VERSION" have
  have="$(gomod_require "$dir" github.com/pulumi/pulumi/sdk/v3)"
  [ "$have" = "$want" ] && return 0
  log "updating $(basename "$dir") pin: pulumi $have -> $want (commit the changed go.mod/go.sum)"
  local mods=(github.com/pulumi/pulumi/sdk/v3@"$want")
  [ -n "$(gomod_require "$dir" github.com/pulumi/pulumi/pkg/v3)" ] && mods+=(github.com/pulumi/pulumi/pkg/v3@"$want")
  (cd "$dir" && GOFLAGS=-mod=mod "$GO" get "${mods[@]}" >&2)
  if [ -n "$(gomod_require "$dir" github.com/pulumi/pulumi/pkg/v3)" ]; then
    local upstream
    upstream="$(GOFLAGS=-mod=mod "$GO" mod download -json github.com/pulumi/pulumi/pkg/v3@"$want" | node -e '
      let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).GoMod||""))')"
    restate_replaces "$dir" "$upstream"
  fi
  (cd "$dir" && GOFLAGS=-mod=mod "$GO" mod tidy >&2)
}

# restate_replaces WRAPPER_DIR UPSTREAM_GO_MOD: copy every replace of the upstream
# go.mod that points at a published module (the go command ignores replaces in
# dependencies); local (path) replaces are reported, they need a local stand-in.
restate_replaces() {
  local dir="$1" gomod="$2"
  "$GO" mod edit -json "$gomod" | node -e '
    let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
      for (const r of JSON.parse(s).Replace||[]) {
        const old = r.Old.Path + (r.Old.Version ? "@" + r.Old.Version : "");
        if (r.New.Version) console.log("published " + old + "=" + r.New.Path + "@" + r.New.Version);
        else console.log("local " + old + "=" + r.New.Path);
      }})' | while read -r kind spec; do
    if [ "$kind" = published ]; then (cd "$dir" && "$GO" mod edit -replace "$spec")
    else log "  note: upstream go.mod has a local replace ($spec); it needs a stand-in module"; fi
  done
}

# --- components ------------------------------------------------------------

build_cli() {
  setup_go
  local dir="$MODULES/pulumi" out="$CACHE/out"
  sync_pulumi_pin "$dir"
  mkdir -p "$out"
  log "building pulumi v$SDK_VERSION (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)"
  (cd "$dir" && timed "$LOGS/cli.log" "$GO" build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$SDK_VERSION" \
    -o "$out/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  install_file "$out/pulumi" "$BIN_DIR/pulumi"
  local got; got="$("$BIN_DIR/pulumi" version)"
  [ "$got" = "v$SDK_VERSION" ] || die "installed pulumi reports '$got', expected v$SDK_VERSION"
  log "  installed $BIN_DIR/pulumi ($got, $(du -h "$BIN_DIR/pulumi" | cut -f1))"
}

build_language() {
  setup_go
  local dir="$MODULES/pulumi-language-nodejs" out="$CACHE/out"
  sync_pulumi_pin "$dir"
  mkdir -p "$out"
  log "building pulumi-language-nodejs v$SDK_VERSION (tools/offline/toolchain/modules/pulumi-language-nodejs)"
  (cd "$dir" && timed "$LOGS/language.log" "$GO" build -trimpath \
    -ldflags "-s -w -X main.version=$SDK_VERSION" -o "$out/pulumi-language-nodejs" .)
  install_file "$out/pulumi-language-nodejs" "$BIN_DIR/pulumi-language-nodejs"
  log "  installed $BIN_DIR/pulumi-language-nodejs ($(du -h "$BIN_DIR/pulumi-language-nodejs" | cut -f1))"
  # The Node.js dynamic-provider plugin (pulumi.dynamic.Resource) is a small script that
  # Pulumi's CLI distribution ships next to the language host; take it from the same
  # release's sdk/v3 module (sdk/nodejs/dist).
  local sdkdir
  sdkdir="$(cd "$dir" && "$GO" mod download -json "github.com/pulumi/pulumi/sdk/v3@v$SDK_VERSION" | go_json_field Dir)"
  [ -f "$sdkdir/nodejs/dist/pulumi-resource-pulumi-nodejs" ] || die "no nodejs/dist/pulumi-resource-pulumi-nodejs in sdk/v3@v$SDK_VERSION"
  install_file "$sdkdir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$BIN_DIR/pulumi-resource-pulumi-nodejs"
  log "  installed $BIN_DIR/pulumi-resource-pulumi-nodejs (dynamic providers, from sdk/v3@v$SDK_VERSION)"
}

plugin_install() { # plugin_install NAME VERSION BINARY
  [ -x "$BIN_DIR/pulumi" ] || die "the pulumi CLI must be installed before plugins (add cli to --only)"
  PULUMI_HOME="$PHOME" PULUMI_SKIP_UPDATE_CHECK=true \
    "$BIN_DIR/pulumi" plugin install resource "$1" "$2" --file "$3" --reinstall >&2
  log "  installed resource plugin $1 v$2 in $PLUGIN_DIR/resource-$1-v$2 ($(du -h "$3" | cut -f1))"
}

build_rebridge() {
  local name="$1" version="${PROVIDER_VERSION[$1]}" prepared="${PINNED_FOR[$1]}"
  if [ "$version" != "$prepared" ]; then
    die "$name: package.json wants ${PROVIDER_PACKAGE[$name]} $version, but tools/offline/toolchain/modules/provider-$name is pinned for $prepared. Update its go.mod pins (upstream Terraform provider and bridge versions that pulumi-$name v$version uses) and the version in providers.conf - see docs/toolchain.md."
  fi
  setup_go
  local build="$CACHE/build/provider-$name" out="$CACHE/out"
  log "building resource plugin $name v$version (rebridge: tools/offline/toolchain/modules/provider-$name)"
  rm -rf "$build" && mkdir -p "$build" "$out"
  cp -R "$MODULES/provider-$name/." "$build/"
  # cmd/pulumi-{tfgen,resource}-NAME are the same for every provider: written from templates.
  bash "$REBRIDGE/gen-cmds.sh" "$build" "$name" || die "$name: could not write its commands"
  local ld="-s -w -X jupyterhub-platform.local/toolchain/provider-$name/info.Version=$version"
  (cd "$build" && timed "$LOGS/$name-tfgen.log" "$GO" build -trimpath -ldflags "$ld" -o "$build/bin/pulumi-tfgen-$name" "./cmd/pulumi-tfgen-$name")
  log "  generating schema.json and bridge-metadata.json"
  (cd "$build" && "$build/bin/pulumi-tfgen-$name" schema --out "cmd/pulumi-resource-$name" >"$LOGS/$name-schema.log" 2>&1) \
    || { tail -20 "$LOGS/$name-schema.log" >&2; die "$name: schema generation failed"; }
  [ -s "$build/cmd/pulumi-resource-$name/schema.json" ] || die "$name: tfgen wrote no schema.json"
  [ -f "$build/cmd/pulumi-resource-$name/bridge-metadata.json" ] || echo '{}' >"$build/cmd/pulumi-resource-$name/bridge-metadata.json"
  # The plugin must speak the SDK's tokens and property names.
  local not_bridged="${NOT_BRIDGED[$name]}"; [ "$not_bridged" != "-" ] || not_bridged=""
  node "$TOOLCHAIN_DIR/sdk-parity.js" "$build/cmd/pulumi-resource-$name/schema.json" \
    "$REPO_ROOT/node_modules/${PROVIDER_PACKAGE[$name]}" "$not_bridged" >&2 || die "$name: generated schema does not match ${PROVIDER_PACKAGE[$name]}"
  (cd "$build" && timed "$LOGS/$name.log" "$GO" build -trimpath -ldflags "$ld" -o "$out/pulumi-resource-$name" "./cmd/pulumi-resource-$name")
  plugin_install "$name" "$version" "$out/pulumi-resource-$name"
}

go_json_field() { node -e '
  let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v=JSON.parse(s);
  for (const k of process.argv[1].split(".")) v = v == null ? undefined : v[k];
  process.stdout.write(v == null ? "" : String(v))})' "$1"; }

# Upstream route: Pulumi's provider module at its release. Provider repositories
# tag only the repository root (vX.Y.Z) and sdk/vX.Y.Z, not provider/vX.Y.Z, so the
# module exists only at pseudo-versions of commits. Which one is release X.Y.Z comes from
# pins.conf (a row checked against the repository's tags); without a row, the script tries
# a provider/vX.Y.Z tag, then derives the pseudo-version from the root tag's commit
# (MODULE_ROOT@vX.Y.Z+incompatible), which proxies that mirror the root module serve.
# `go install module@version` refuses modules with local replaces, and the providers
# embed files they generate and do not commit, so the module is copied from the module
# cache into a writable tree and built there as the main module, with its own go.sum:
#   - local replaces (e.g. sdk => ../sdk, shim => ./shim, upstream => ../upstream)
#     point at a stand-in from tools/offline/toolchain/modules/provider-<name>/<dir> when one
#     declares that module; else, when the replaced module is published at the same
#     release (sdk/vX.Y.Z), it is required at vX.Y.Z; else the replace is dropped (the
#     module's own requirement comes from the proxy); replaces to published modules stay;
#   - cmd/pulumi-resource-<name>/schema.json is checked against the npm SDK
#     (sdk-parity.js, with the module's Go source for invokes the schema does not list)
#     before anything is compiled;
#   - cmd/pulumi-resource-<name>/generate.go, where present, is run with VERSION set
#     (kubernetes: schema.json -> schema-embed.json with the version, and
#     terraform-mapping.json -> terraform-mapping-embed.json, both minified);
#     otherwise a schema.json next to an embedded schema-embed.json is minified;
#   - built with -X <module>/pkg/version.Version (bridged providers need it).
build_upstream() {
  local name="$1" version="${PROVIDER_VERSION[$1]}" module="${MODULE[$1]}"
  setup_go
  local major="${module##*/}" root="${module%/provider/*}" dl info modver err
  local build="$CACHE/build/upstream-$name"
  rm -rf "$build" && mkdir -p "$build"
  modver="$(pin_of "$name")"
  if [ -n "$modver" ]; then
    log "resolving $module for $name v$version: pinned in pins.conf"
  else
    log "resolving $module for $name v$version"
    # 1. a provider/vX.Y.Z tag, if the repository has one
    dl="$(cd "$build" || exit; GOFLAGS=-mod=mod "$GO" mod download -json "$module@v$version" 2>&1)" || true
    if [ -n "$(go_json_field Dir <<<"$dl" 2>/dev/null || true)" ]; then
      modver="v$version"
    else
      # 2. the root tag's commit -> pseudo-version of the provider module
      info="$(cd "$build" || exit; GOFLAGS=-mod=mod "$GO" mod download -json "$root@v$version+incompatible" 2>&1)" || true
      local hash time
      hash="$(go_json_field Origin.Hash <<<"$info" 2>/dev/null || true)"
      if [ -z "$hash" ]; then
        err="$(go_json_field Error <<<"$info" 2>/dev/null || echo "$info")"
        die "$name: cannot find the commit of tag v$version: $root@v$version+incompatible: ${err:-no answer}. If the proxy serves the provider module at a pseudo-version of that tag's commit, add a row to tools/offline/toolchain/pins.conf (how to check it: see there)"
      fi
      time="$(date -u -d "$(go_json_field Time <<<"$info")" +%Y%m%d%H%M%S)"
      modver="$major.0.0-$time-${hash:0:12}"
    fi
  fi
  dl="$(cd "$build" || exit; GOFLAGS=-mod=mod "$GO" mod download -json "$module@$modver" 2>&1)" || true
  local moddir; moddir="$(go_json_field Dir <<<"$dl" 2>/dev/null || true)"
  if [ -z "$moddir" ]; then
    err="$(go_json_field Error <<<"$dl" 2>/dev/null || echo "$dl")"
    die "$name: $module@$modver is not available: $err"
  fi
  log "  $module@$modver"
  # 3. writable copy; local replaces -> stand-ins or dropped
  local src="$build/provider"
  cp -R "$moddir" "$src" && chmod -R u+w "$src"
  local old new stand standmod
  while read -r old new; do
    [ -n "$old" ] || continue
    stand=""
    for standmod in "$MODULES/provider-$name"/*/go.mod; do
      [ -f "$standmod" ] && [ "$(awk '/^module /{print $2; exit}' "$standmod")" = "$old" ] && stand="$(dirname "$standmod")"
    done
    if [ -n "$stand" ]; then
      cp -R "$stand" "$build/standin-$(basename "$stand")"
      (cd "$src" && "$GO" mod edit -replace "$old=../standin-$(basename "$stand")")
      log "  local replace $old => $new: stand-in tools/offline/toolchain/modules/provider-$name/$(basename "$stand")"
    elif [ -n "$(cd "$build" && GOFLAGS=-mod=mod "$GO" mod download -json "$old@v$version" 2>/dev/null | go_json_field Dir 2>/dev/null)" ]; then
      # A sibling module of the same repository released with the same tag (kubernetes:
      # sdk/v4 => ../sdk, tagged sdk/vX.Y.Z) is what the local path held at the release.
      (cd "$src" && "$GO" mod edit -dropreplace "$old" -require "$old@v$version")
      log "  local replace $old => $new: $old@v$version from the proxy (same release)"
    else
      (cd "$src" && "$GO" mod edit -dropreplace "$old")
      log "  local replace $old => $new: dropped, $old comes from the proxy at $(gomod_require "$src" "$old")"
    fi
  done < <("$GO" mod edit -json "$src/go.mod" | node -e '
    let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
      for (const r of JSON.parse(s).Replace||[]) if (!r.New.Version) console.log(r.Old.Path + " " + r.New.Path)})')
  local cmd="$src/cmd/pulumi-resource-$name"
  [ -d "$cmd" ] || die "$name: $module has no cmd/pulumi-resource-$name"
  # 4. the plugin must speak the SDK's tokens, property names and types
  [ -s "$cmd/schema.json" ] || die "$name: $module has no cmd/pulumi-resource-$name/schema.json to check against ${PROVIDER_PACKAGE[$name]}"
  node "$TOOLCHAIN_DIR/sdk-parity.js" --source "$src" "$cmd/schema.json" \
    "$REPO_ROOT/node_modules/${PROVIDER_PACKAGE[$name]}" >&2 || die "$name: $module@$modver schema does not match ${PROVIDER_PACKAGE[$name]} $version"
  # 5. generated embeds
  if [ -f "$cmd/generate.go" ]; then
    log "  running cmd/pulumi-resource-$name/generate.go (VERSION=$version)"
    (cd "$cmd" && VERSION="$version" GOFLAGS=-mod=mod timed "$LOGS/$name-generate.log" "$GO" run generate.go) \
      || die "$name: generate.go failed"
  elif [ -f "$cmd/schema.json" ] && grep -qs 'go:embed schema-embed.json' "$cmd"/*.go; then
    node -e 'const fs=require("fs");const s=JSON.parse(fs.readFileSync(process.argv[1],"utf8"));
      s.version=process.argv[3];fs.writeFileSync(process.argv[2],JSON.stringify(s))' \
      "$cmd/schema.json" "$cmd/schema-embed.json" "$version"
  fi
  local embed
  while read -r embed; do
    [ -e "$cmd/$embed" ] || die "$name: cmd/pulumi-resource-$name embeds $embed, which nothing generated"
  done < <(grep -ho 'go:embed [^ ]*' "$cmd"/*.go 2>/dev/null | awk '{print $2}')
  # 6. build with the provider's own go.mod/go.sum
  local out="$CACHE/out"; mkdir -p "$out"
  (cd "$src" && GOFLAGS="-mod=mod -buildvcs=false" timed "$LOGS/$name.log" "$GO" build -trimpath \
    -ldflags "-s -w -X $module/pkg/version.Version=$version" -o "$out/pulumi-resource-$name" "./cmd/pulumi-resource-$name") \
    || die "$name: build failed"
  log "  built from $module@$modver"
  plugin_install "$name" "$version" "$out/pulumi-resource-$name"
}

# --- official route ----------------------------------------------------------

install_official() {
  local c="$1"
  need_cmd curl
  case "$c" in
    cli|language)
      if [ "$("$BIN_DIR/pulumi" version 2>/dev/null || true)" != "v$SDK_VERSION" ]; then
        log "installing pulumi v$SDK_VERSION with get.pulumi.com"
        curl -fsSL https://get.pulumi.com | sh -s -- --version "$SDK_VERSION" --no-edit-path >&2
      fi ;;
    *)
      [ -x "$BIN_DIR/pulumi" ] || install_official cli
      PULUMI_HOME="$PHOME" "$BIN_DIR/pulumi" plugin install resource "$c" "${PROVIDER_VERSION[$c]}" >&2 ;;
  esac
}

# ---------------------------------------------------------------------------
# Install: cli first (plugin installs use it), then the rest.

ORDERED=()
for c in cli language; do [[ " ${PENDING[*]} " == *" $c "* ]] && ORDERED+=("$c"); done
for c in "${PENDING[@]}"; do case "$c" in cli|language) ;; *) ORDERED+=("$c") ;; esac; done

FAILED=()
START=$SECONDS
for c in "${ORDERED[@]}"; do
  r="$(route_of "$c")"
  set +e
  (
    set -e
    case "$c:$r" in
      *:official) install_official "$c" ;;
      cli:go) build_cli ;;
      language:go) build_language ;;
      *:rebridge) build_rebridge "$c" ;;
      *:upstream) build_upstream "$c" ;;
      *:pending)
        log "$c ${PROVIDER_VERSION[$c]}: not installed - this toolchain cannot build it yet; a later step adds it (providers.conf route 'pending': the module proxy serves no Pulumi provider module for it). The stacks that use it cannot be previewed until then; to install the rest only: --only $(IFS=,; echo "${ALL[*]}" | sed "s/\(^\|,\)$c\(,\|$\)/\1/; s/,$//")"
        exit 4 ;;
      *) die "$c: no recipe in tools/offline/toolchain/providers.conf" ;;
    esac
  )
  rc=$?
  set -e
  if [ $rc -eq 0 ]; then
    write_stamp "$c"
  else
    FAILED+=("$c")
    # A pending provider is a known gap, not a broken build: carry on with the others.
    [ "$KEEP_GOING" = 1 ] || [ $rc -eq 4 ] || break
  fi
done

if [ ${#FAILED[@]} -gt 0 ]; then
  log "FAILED: ${FAILED[*]} (after $(( SECONDS - START ))s; logs in $LOGS)"
  exit 1
fi
log "done in $(( SECONDS - START ))s: ${ORDERED[*]}"
