# shellcheck shell=bash
# The hub service `npm run health` talks to the hub as (tools/gitops/health.ts), defined once for
# the scripts that declare it on a stack (scripts/up.sh, test/gitops/local-stack.sh): what it may
# do is create and delete its test user, start and stop that user's server, and reach the
# server's API (kernels).
JHP_HEALTH_SERVICE="name=health;scopes=admin:users,admin:servers,access:servers"

# jhp_declare_health_service STACK: declare the service with a fresh random token (a secret).
jhp_declare_health_service() {
    local stack=$1 token
    token="$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))')"
    pulumi config set --stack "$stack" hub.services "[\"$JHP_HEALTH_SERVICE\"]" >/dev/null
    pulumi config set --stack "$stack" --secret hub.serviceTokens "{\"health\": \"$token\"}" >/dev/null
}
