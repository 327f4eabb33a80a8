package gvisor

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/internal/sandbox"
)

// installHint tells an operator how to get runsc.
const installHint = "install gVisor's runsc (Debian/Ubuntu: apt-get install runsc) or choose --driver process"

// platformProbe is what a bounded probe boot found out about one platform.
type platformProbe struct {
	ok     bool
	reason string // why it is unavailable
}

var (
	probeMu    sync.Mutex // guards probeCache
	probeCache = map[string]platformProbe{}
)

// probePlatform boots `runsc do /bin/true` on platform within timeout, once per process: a host's
// platforms do not change while it runs, and a KVM probe that hangs costs the whole timeout.
func (d *Driver) probePlatform(ctx context.Context, platform string) platformProbe {
	key := d.cfg.Runsc + "\x00" + platform
	probeMu.Lock()
	defer probeMu.Unlock()
	if p, ok := probeCache[key]; ok {
		return p
	}
	p := d.bootProbe(ctx, platform)
	if ctx.Err() == nil {
		probeCache[key] = p
	}
	return p
}

func (d *Driver) bootProbe(ctx context.Context, platform string) platformProbe {
	if platform == PlatformKVM {
		if _, err := os.Stat("/dev/kvm"); err != nil {
			return platformProbe{reason: "/dev/kvm absent"}
		}
	}
	root, err := os.MkdirTemp("", "mamoc-runsc-probe-")
	if err != nil {
		return platformProbe{reason: err.Error()}
	}
	defer func() { _ = os.RemoveAll(root) }()
	pctx, cancel := context.WithTimeout(ctx, d.cfg.ProbeTimeout)
	defer cancel()
	cmd := exec.CommandContext(pctx, d.cfg.Runsc, "--root", root, "--network=none", "--platform="+platform,
		"do", "/bin/true")
	cmd.WaitDelay = time.Second
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	switch {
	case pctx.Err() != nil:
		return platformProbe{reason: fmt.Sprintf("probe boot hung for %v", d.cfg.ProbeTimeout)}
	case err != nil:
		return platformProbe{reason: fmt.Sprintf("probe boot: %v: %s", err, lastLine(out))}
	}
	d.log.Debug("platform probe", "platform", platform, "took", time.Since(t0))
	return platformProbe{ok: true}
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// platform is the gVisor platform instances use: Config.Platform, else KVM when its probe boot
// succeeds, else systrap when its probe boot succeeds (runsc releases from 2023 on), else ptrace.
func (d *Driver) platform(ctx context.Context) string {
	if d.cfg.Platform != PlatformAuto {
		return d.cfg.Platform
	}
	if d.probePlatform(ctx, PlatformKVM).ok {
		return PlatformKVM
	}
	if d.probePlatform(ctx, PlatformSystrap).ok {
		return PlatformSystrap
	}
	return PlatformPtrace
}

// probe builds a fingerprint: runsc present and runnable as root, the platform and why, the cgroup controllers.
// Unusable returns why this driver cannot run sandboxes on this host (runsc missing, the
// server not root, or no platform boots a sandbox), or "" when it can. It runs one probe of
// the fingerprint; a platform's boot probe is cached for the process.
func (d *Driver) Unusable(ctx context.Context) string {
	if fp := d.probe(ctx); fp.Health == unikernel.HealthUndetected {
		return fp.Description
	}
	return ""
}

func (d *Driver) probe(ctx context.Context) unikernel.Fingerprint {
	fp := unikernel.Fingerprint{Attributes: map[string]string{"driver": "gvisor"}}
	if sandbox.Binary(ctx, &fp, d.cfg.Runsc, "runsc", "runsc version ", "runsc not found; "+installHint) == "" {
		return fp
	}
	if os.Geteuid() != 0 {
		fp.Health = unikernel.HealthUndetected
		fp.Description = "the gvisor driver runs runsc as root (it creates the sandboxes' namespaces and cgroups); run the server as root or choose --driver process"
		return fp
	}
	kvm := d.probePlatform(ctx, PlatformKVM)
	if kvm.ok {
		fp.Attributes["kvm"] = "available"
	} else {
		fp.Attributes["kvm"] = "unavailable: " + kvm.reason
	}
	var systrap platformProbe
	if !kvm.ok {
		if systrap = d.probePlatform(ctx, PlatformSystrap); systrap.ok {
			fp.Attributes["systrap"] = "available"
		} else {
			fp.Attributes["systrap"] = "unavailable: " + systrap.reason
		}
	}
	platform := d.platform(ctx)
	fp.Attributes["platform"] = platform
	if p := d.probePlatform(ctx, platform); !p.ok {
		fp.Health = unikernel.HealthUndetected
		fp.Description = "runsc cannot boot a sandbox on " + platform + ": " + p.reason
		return fp
	}
	fp.Attributes["network"] = "none"
	fp.Attributes["seccomp"] = "oci (inside the Sentry)"
	sandbox.ProbeCgroups(&fp, d.cfg.CgroupRoot)
	fp.Health = unikernel.HealthHealthy
	fp.Description = "gVisor sandbox (runsc, platform " + platform + ")"
	if !kvm.ok && d.cfg.Platform == PlatformAuto {
		fp.Description += "; kvm unavailable: " + kvm.reason
		if platform == PlatformPtrace {
			fp.Description += "; systrap unavailable: " + systrap.reason
		}
	}
	if len(fp.Missing) > 0 {
		fp.Health = unikernel.HealthDegraded
		fp.Description += "; without " + strings.Join(fp.Missing, ", ")
	}
	return fp
}
