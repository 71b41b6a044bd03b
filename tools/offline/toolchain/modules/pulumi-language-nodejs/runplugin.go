package main

// RunPlugin: plugins written in Node.js, run from their directory.
//
// How the CLI gets here (sdk/v3 go/common/resource/plugin, v3.248.0): for `pulumi preview
// --policy-pack DIR`, NewPolicyAnalyzer reads DIR/PulumiPolicy.yaml, sees `runtime: nodejs`,
// finds this language host, and ExecPlugin calls RunPlugin with Kind "analyzer", Info naming DIR
// as the program directory, Args = the engine address (plus logging/tracing flags) and Env = the
// CLI's environment. Whatever the plugin prints is streamed back as RunPluginResponse stdout and
// stderr; the CLI reads the plugin's gRPC port from the first line of stdout.
//
// Policy packs are the special case. The @pulumi/policy library in the pack predates RunPlugin:
// it learns the stack (project, stack, organization, dry run, config) from environment
// variables that must be set before it starts, while the engine only sends that information
// over gRPC (Analyzer.ConfigureStack) to whatever answered on the announced port. So the host
// announces the port of an Analyzer proxy (sdk.PolicyProxy, from the published sdk/v3 module),
// waits for ConfigureStack, starts `node @pulumi/pulumi/cmd/run-policy-pack <args> DIR` with
// that configuration in PULUMI_NODEJS_* / PULUMI_CONFIG, reads the pack's own port from its
// stdout and from then on forwards every Analyzer call to it. The pack runs with DIR as its
// working directory, as packs always did with the older pulumi-analyzer-policy shim.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Plugin kinds as the CLI names them (apitype.PluginKind values).
const (
	pluginKindAnalyzer = "analyzer"
)

// Runners shipped inside the @pulumi/pulumi npm package, relative to node_modules.
const (
	policyPackRunner = "@pulumi/pulumi/cmd/run-policy-pack"
	pluginRunner     = "@pulumi/pulumi/cmd/run-plugin"
)

// locateRunner finds node_modules/<module> from dir upwards (the pack's own node_modules, or a
// parent project's, by Node's normal lookup).
func locateRunner(dir, module string) (string, error) {
	if p := findUp(dir, filepath.Join("node_modules", filepath.FromSlash(module))); p != "" {
		return p, nil
	}
	return "", fmt.Errorf("no node_modules/%s found from %s upwards: the plugin's dependencies are not "+
		"installed (run `npm install` in %s or in the project that contains it)", module, dir, dir)
}

// policyPackEnv is the environment @pulumi/policy reads to know which stack it analyzes.
func policyPackEnv(cfg *pulumirpc.AnalyzerStackConfigureRequest) ([]string, error) {
	if cfg == nil {
		return nil, nil
	}
	var env []string
	add := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	add("PULUMI_NODEJS_ORGANIZATION", cfg.GetOrganization())
	add("PULUMI_NODEJS_PROJECT", cfg.GetProject())
	add("PULUMI_NODEJS_STACK", cfg.GetStack())
	add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(cfg.GetDryRun()))
	if c := cfg.GetConfig(); c != nil {
		b, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("serializing the stack configuration for the policy pack: %w", err)
		}
		add("PULUMI_CONFIG", string(b))
	}
	if keys := cfg.GetConfigSecretKeys(); len(keys) > 0 {
		b, err := json.Marshal(keys)
		if err != nil {
			return nil, fmt.Errorf("serializing the secret configuration keys for the policy pack: %w", err)
		}
		add("PULUMI_CONFIG_SECRET_KEYS", string(b))
	}
	return env, nil
}

// pluginCommand builds node's argument list: node options from the runtime's `nodeargs`, the
// runner, then the plugin's directory and arguments. run-policy-pack wants the engine address
// first and the pack last; run-plugin wants the directory first.
func pluginCommand(kind, runner, dir, nodeArgs string, pluginArgs []string) []string {
	args := strings.Fields(nodeArgs)
	args = append(args, runner)
	if kind == pluginKindAnalyzer {
		args = append(args, pluginArgs...)
		return append(args, dir)
	}
	args = append(args, dir)
	return append(args, pluginArgs...)
}

func (h *languageHost) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	info := req.GetInfo()
	dir := programDirOf(info, "")
	if info == nil || info.GetProgramDirectory() == "" {
		// Older CLIs send only the (deprecated) program path.
		if req.GetProgram() == "" {
			return errors.New("RunPlugin: the request names no plugin directory")
		}
		dir = req.GetProgram()
	}
	kind := req.GetKind()

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	module := pluginRunner
	if kind == pluginKindAnalyzer {
		module = policyPackRunner
	}
	runner := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runner == "" || kind == pluginKindAnalyzer {
		if runner, err = locateRunner(dir, module); err != nil {
			return err
		}
	}

	opts := info.GetOptions()
	nodeArgs, _ := optionString(opts, "nodeargs")
	env := append([]string{}, req.GetEnv()...)
	if len(env) == 0 {
		env = os.Environ()
	}
	if v, ok := optionString(opts, "typescript"); !ok || v == "true" {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if v, ok := optionString(opts, "tsconfig"); ok && v != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v)
	}

	var proxy *sdk.PolicyProxy
	workDir := req.GetPwd()
	if kind == pluginKindAnalyzer {
		workDir = dir
		// The proxy announces its own port on the stream's stdout; the pack's output goes
		// through the returned writer, which the proxy reads the pack's port from first.
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start the policy pack proxy: %w", err)
		}
		cfg, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("waiting for the stack configuration of the policy pack: %w", err)
		}
		extra, err := policyPackEnv(cfg)
		if err != nil {
			return err
		}
		env = append(env, extra...)
	}

	// CommandContext: when the CLI is done with the plugin it cancels the call, which ends node.
	cmd := exec.CommandContext(ctx, nodeBin, pluginCommand(kind, runner, dir, nodeArgs, req.GetArgs())...) //nolint:gosec
	cmd.Dir = workDir
	cmd.Env = env
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start node for the plugin in %s: %w", dir, err)
	}
	h.track(cmd.Process)
	defer h.untrack(cmd.Process)

	if proxy != nil {
		// Returns when the pack exits; until then the proxy forwards every Analyzer call to it.
		err = proxy.Attach(ctx, cmd)
	} else {
		err = cmd.Wait()
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if status, ok := exitErr.Sys().(syscall.WaitStatus); ok {
				return fmt.Errorf("plugin %s exited with code %d", dir, status.ExitStatus())
			}
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, io.ErrClosedPipe) {
			return nil
		}
		return fmt.Errorf("plugin %s: %w", dir, err)
	}
	return closer.Close()
}
