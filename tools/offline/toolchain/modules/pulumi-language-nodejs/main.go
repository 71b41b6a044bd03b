// Command pulumi-language-nodejs is a small Node.js language host for the
// Pulumi engine, written for this repository's air-gapped toolchain.
//
// Why it exists: the upstream language host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) that is
// neither tagged per release nor present on the Go module proxy this project
// can reach, so it cannot be built from Go modules here. This host implements
// the part of the LanguageRuntime gRPC service that `pulumi preview`, `up`,
// `destroy`, `refresh` and `stack` need, on top of the published
// github.com/pulumi/pulumi/sdk/v3 module of the same release:
//
//   - GetPluginInfo
//   - GetRequiredPlugins / GetRequiredPackages: resource plugins declared by
//     packages in the nearest node_modules ("pulumi": {"resource": true}).
//   - Run: starts `node <@pulumi/pulumi>/cmd/run ...` - the runner that ships
//     inside the @pulumi/pulumi npm package - with the flags and environment
//     that runner reads (PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS,
//     PULUMI_NODEJS_TYPESCRIPT, ...).
//   - RunPlugin: plugins that are Node.js directories rather than binaries. The
//     one this project uses is a policy pack (`pulumi preview --policy-pack
//     policy`): the CLI finds this language host for the pack's
//     PulumiPolicy.yaml and asks it to run the pack as an analyzer plugin; see
//     runplugin.go.
//
// Everything else (templates, code generation, `pulumi install`, packing)
// answers Unimplemented, which the CLI reports as "not supported".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.0.0-dev"

// exitCodeAlreadyReported is the exit code the @pulumi/pulumi runner uses
// after it has reported a user-facing error through the engine.
const exitCodeAlreadyReported = 32

func main() {
	engineAddress, tracing := parseArgs(os.Args[1:])

	host := &languageHost{engineAddress: engineAddress, tracing: tracing}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "fatal: could not start language host gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of our stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "fatal: language host stopped serving: %v\n", err)
		os.Exit(1)
	}
}

// parseArgs accepts the command line the engine uses for plugins:
// optional flags (-v=N, --logtostderr, --tracing URL, ...) followed by the
// engine address as the last positional argument.
func parseArgs(args []string) (engineAddress, tracing string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			engineAddress = a
			continue
		}
		name := strings.TrimLeft(a, "-")
		if name == "tracing" && i+1 < len(args) {
			tracing = args[i+1]
			i++
		} else if strings.HasPrefix(name, "tracing=") {
			tracing = strings.TrimPrefix(name, "tracing=")
		}
	}
	return engineAddress, tracing
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engineAddress string
	tracing       string

	mu      sync.Mutex
	running []*os.Process
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *languageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// track records a process this host started, so Cancel can interrupt it.
func (h *languageHost) track(p *os.Process) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.running = append(h.running, p)
}

func (h *languageHost) untrack(p *os.Process) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, q := range h.running {
		if q == p {
			h.running = append(h.running[:i], h.running[i+1:]...)
			return
		}
	}
}

// Cancel stops any program this host started.
func (h *languageHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.running {
		_ = p.Signal(os.Interrupt)
	}
	return &emptypb.Empty{}, nil
}

// ---------------------------------------------------------------------------
// Required plugins

type packageJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

// requiredPlugins lists the resource plugins declared by the packages in the
// node_modules directory nearest to programDir (walking up), one level of
// scoped and unscoped packages deep, like npm lays them out.
func requiredPlugins(programDir string) ([]*pulumirpc.PluginDependency, error) {
	nodeModules := findUp(programDir, "node_modules")
	if nodeModules == "" {
		return nil, nil
	}
	var pkgDirs []string
	entries, err := os.ReadDir(nodeModules)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(filepath.Join(nodeModules, name))
			if err != nil {
				continue
			}
			for _, s := range scoped {
				pkgDirs = append(pkgDirs, filepath.Join(nodeModules, name, s.Name()))
			}
			continue
		}
		pkgDirs = append(pkgDirs, filepath.Join(nodeModules, name))
	}
	sort.Strings(pkgDirs)

	seen := map[string]bool{}
	var deps []*pulumirpc.PluginDependency
	for _, dir := range pkgDirs {
		b, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err != nil {
			continue
		}
		var pkg packageJSON
		if err := json.Unmarshal(b, &pkg); err != nil || !pkg.Pulumi.Resource {
			continue
		}
		name := pkg.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(pkg.Name, "@pulumi/")
			name = strings.TrimPrefix(name, "@")
		}
		ver := pkg.Pulumi.Version
		if ver == "" {
			ver = pkg.Version
		}
		if name == "" || ver == "" {
			continue
		}
		if !strings.HasPrefix(ver, "v") {
			ver = "v" + ver
		}
		key := name + "@" + ver
		if seen[key] {
			continue
		}
		seen[key] = true
		deps = append(deps, &pulumirpc.PluginDependency{
			Name: name, Kind: "resource", Version: ver, Server: pkg.Pulumi.Server,
		})
	}
	return deps, nil
}

func programDirOf(info *pulumirpc.ProgramInfo, fallback string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	if fallback != "" {
		return fallback
	}
	wd, _ := os.Getwd()
	return wd
}

func (h *languageHost) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	deps, err := requiredPlugins(programDirOf(req.GetInfo(), req.GetPwd()))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: deps}, nil
}

func (h *languageHost) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := requiredPlugins(programDirOf(req.GetInfo(), ""))
	if err != nil {
		return nil, err
	}
	pkgs := make([]*pulumirpc.PackageDependency, 0, len(deps))
	for _, d := range deps {
		pkgs = append(pkgs, &pulumirpc.PackageDependency{
			Name: d.Name, Kind: d.Kind, Version: d.Version, Server: d.Server,
		})
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

// ---------------------------------------------------------------------------
// Run

// findUp returns dir/name or the same in the nearest ancestor, or "".
func findUp(dir, name string) string {
	for {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// runnerPath locates the program runner shipped in the @pulumi/pulumi package
// that the program itself resolves (the nearest node_modules, walking up).
func runnerPath(programDir string) (string, error) {
	if p := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); p != "" {
		return p, nil
	}
	if p := findUp(programDir, filepath.Join("node_modules", "@pulumi", "pulumi", "cmd", "run")); p != "" {
		return p, nil
	}
	return "", errors.New("it looks like the Pulumi SDK has not been installed: no " +
		"node_modules/@pulumi/pulumi found from " + programDir + " upwards; run `npm install`")
}

// optionString reads a runtime option from Pulumi.yaml's runtime.options.
func optionString(opts *structpb.Struct, key string) (string, bool) {
	if opts == nil {
		return "", false
	}
	v, ok := opts.GetFields()[key]
	if !ok {
		return "", false
	}
	switch k := v.GetKind().(type) {
	case *structpb.Value_BoolValue:
		return fmt.Sprint(k.BoolValue), true
	case *structpb.Value_StringValue:
		return k.StringValue, true
	case *structpb.Value_NumberValue:
		return fmt.Sprint(k.NumberValue), true
	}
	return "", false
}

func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := programDirOf(info, req.GetPwd())
	entry := "."
	if info != nil && info.GetEntryPoint() != "" {
		entry = info.GetEntryPoint()
	} else if req.GetProgram() != "" {
		entry = req.GetProgram()
	}
	rootDir := programDir
	if info != nil && info.GetRootDirectory() != "" {
		rootDir = info.GetRootDirectory()
	}

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	runner, err := runnerPath(programDir)
	if err != nil {
		return nil, err
	}

	var opts *structpb.Struct
	if info != nil {
		opts = info.GetOptions()
	}
	var args []string
	if nodeArgs, ok := optionString(opts, "nodeargs"); ok && nodeArgs != "" {
		args = append(args, strings.Fields(nodeArgs)...)
	}
	args = append(args, runner)
	add := func(flag, value string) {
		if value != "" {
			args = append(args, "--"+flag, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", rootDir)
	add("stack", req.GetStack())
	add("pwd", programDir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", fmt.Sprint(req.GetParallel()))
	add("tracing", h.tracing)
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	configJSON, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("serializing configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing secret configuration keys: %w", err)
	}

	typescript := "true"
	if v, ok := optionString(opts, "typescript"); ok {
		typescript = v
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON),
		"PULUMI_NODEJS_TYPESCRIPT="+typescript,
	)
	if v, ok := optionString(opts, "tsconfig"); ok && v != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v)
	}

	cmd := exec.Command(nodeBin, args...) //nolint:gosec // running the user's program is the point
	cmd.Dir = programDir
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("could not start node: %w", err)
	}
	h.track(cmd.Process)
	defer h.untrack(cmd.Process)

	err = cmd.Wait()
	if err == nil {
		return &pulumirpc.RunResponse{}, nil
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if status, ok := exitErr.Sys().(syscall.WaitStatus); ok {
			if status.ExitStatus() == exitCodeAlreadyReported {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", status.ExitStatus()),
			}, nil
		}
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited unexpectedly: %v", err)}, nil
}

// About reports the node version, for `pulumi about`.
func (h *languageHost) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	out, err := exec.CommandContext(ctx, nodeBin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: nodeBin,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}
