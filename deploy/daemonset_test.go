package deploy

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// allowedCapabilities are the most the agent may ever be given (issue 6);
// deploy/README.md says why it holds each one it has.
var allowedCapabilities = []corev1.Capability{"BPF", "NET_ADMIN", "SYS_ADMIN", "PERFMON", "NET_RAW"}

// healthPortName is the container port the probes must use.
const healthPortName = "health"

// TestDaemonSetSecurity checks the agent's DaemonSet against the posture
// the deployment promises: unprivileged with only the allowed
// capabilities, read-only root, host network without host PID, every
// taint tolerated, node-critical priority, one node at a time on update.
func TestDaemonSetSecurity(t *testing.T) {
	ds := plainDaemonSet(t)
	pod := ds.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container (the agent), got %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc == nil {
		t.Fatal("the agent container has no securityContext")
	}
	if sc.Privileged == nil || *sc.Privileged {
		t.Error("securityContext.privileged must be set to false")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("securityContext.allowPrivilegeEscalation must be false")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("securityContext.readOnlyRootFilesystem must be true")
	}
	if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("capabilities.drop must be [ALL], so that only what is added is held; got %v", sc.Capabilities)
	} else {
		for _, c := range sc.Capabilities.Add {
			if !slices.Contains(allowedCapabilities, c) {
				t.Errorf("capability %s is not one the agent may hold (allowed: %v)", c, allowedCapabilities)
			}
		}
	}
	if !pod.HostNetwork {
		t.Error("hostNetwork must be true: the agent attaches to the node's veths and reads its routes")
	}
	if pod.HostPID || pod.HostIPC {
		t.Error("hostPID and hostIPC must stay false: the agent needs neither")
	}
	if pod.PriorityClassName != "system-node-critical" {
		t.Errorf("priorityClassName = %q, want system-node-critical", pod.PriorityClassName)
	}
	if !slices.ContainsFunc(pod.Tolerations, func(t corev1.Toleration) bool {
		return t.Operator == corev1.TolerationOpExists && t.Key == "" && t.Effect == ""
	}) {
		t.Errorf("tolerations must include {operator: Exists} (every taint); got %+v", pod.Tolerations)
	}
	if g := pod.TerminationGracePeriodSeconds; g == nil || *g < 5 || *g > 60 {
		t.Errorf("terminationGracePeriodSeconds = %v, want 5..60 (exporters drain for 5 s)", g)
	}
	u := ds.Spec.UpdateStrategy
	if u.Type != "RollingUpdate" || u.RollingUpdate == nil || u.RollingUpdate.MaxUnavailable == nil ||
		*u.RollingUpdate.MaxUnavailable != intstr.FromInt32(1) {
		t.Errorf("updateStrategy must be RollingUpdate with maxUnavailable 1; got %+v", u)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := c.Resources.Requests[r]; !ok {
			t.Errorf("resources.requests.%s is not set", r)
		}
	}
	if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok {
		t.Error("resources.limits.memory is not set")
	}
	if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool {
		return e.Name == "NODE_NAME" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "spec.nodeName"
	}) {
		t.Error("NODE_NAME must come from the downward API (fieldRef spec.nodeName)")
	}
	if pod.ServiceAccountName != "zeta-agent" {
		t.Errorf("serviceAccountName = %q, want zeta-agent (the ClusterRoleBinding's subject)", pod.ServiceAccountName)
	}
}

// TestDaemonSetProbes checks that the probes ask the agent's
// --health-address: /healthz for liveness, /readyz for readiness, on the
// declared health port.
func TestDaemonSetProbes(t *testing.T) {
	c := plainDaemonSet(t).Spec.Template.Spec.Containers[0]
	var port int32
	for _, p := range c.Ports {
		if p.Name == healthPortName {
			port = p.ContainerPort
		}
	}
	if port == 0 {
		t.Fatalf("no container port named %q", healthPortName)
	}
	addr := flagValue(c.Args, "--health-address")
	if addr == "" || !strings.HasSuffix(addr, ":"+itoa(port)) {
		t.Errorf("--health-address = %q, want it to listen on the health port %d", addr, port)
	}
	host := strings.TrimSuffix(addr, ":"+itoa(port))
	for name, want := range map[string]struct {
		probe *corev1.Probe
		path  string
	}{
		"startupProbe": {c.StartupProbe, "/healthz"}, "livenessProbe": {c.LivenessProbe, "/healthz"}, "readinessProbe": {c.ReadinessProbe, "/readyz"},
	} {
		p := want.probe
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s must be an httpGet probe", name)
			continue
		}
		g := p.HTTPGet
		if g.Path != want.path || g.Port != intstr.FromString(healthPortName) || g.Host != host {
			t.Errorf("%s asks %s:%s%s, want %s:%s%s (where --health-address listens)", name, g.Host, g.Port.String(), g.Path, host, healthPortName, want.path)
		}
	}
}

// TestDaemonSetMounts checks the host paths the agent needs: bpffs (pins
// outlive the pod), cgroup2 read-only, the state directory; and that the
// root filesystem being read-only leaves the agent nowhere else to write.
func TestDaemonSetMounts(t *testing.T) {
	pod := plainDaemonSet(t).Spec.Template.Spec
	c := pod.Containers[0]
	hostPaths := map[string]string{}
	for _, v := range pod.Volumes {
		if v.HostPath != nil {
			hostPaths[v.Name] = v.HostPath.Path
		}
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[hostPaths[m.Name]] = m
	}
	for _, want := range []struct {
		host, container string
		readOnly        bool
	}{
		{"/sys/fs/bpf", "/sys/fs/bpf", false},
		{"/sys/fs/cgroup", "/run/zeta/cgroupv2", true},
		{"/var/run/zeta", "/var/run/zeta", false},
	} {
		m, ok := mounts[want.host]
		if !ok {
			t.Errorf("host path %s is not mounted", want.host)
			continue
		}
		if m.MountPath != want.container || m.ReadOnly != want.readOnly {
			t.Errorf("host path %s mounted at %s (readOnly %v), want %s (readOnly %v)", want.host, m.MountPath, m.ReadOnly, want.container, want.readOnly)
		}
		if m.MountPropagation != nil && *m.MountPropagation == corev1.MountPropagationBidirectional {
			t.Errorf("%s: Bidirectional propagation needs a privileged container", want.host)
		}
	}
	if len(hostPaths) != 3 {
		t.Errorf("host paths %v: want exactly bpffs, cgroup2 and the state directory", hostPaths)
	}
	// The agent writes only under --state-dir (default /var/run/zeta) and
	// --bpffs-root (default /sys/fs/bpf/zeta): both must be writable mounts.
	if v := flagValue(c.Args, "--state-dir"); v != "" && !strings.HasPrefix(v, "/var/run/zeta") {
		t.Errorf("--state-dir %s is not on the state volume", v)
	}
	if v := flagValue(c.Args, "--bpffs-root"); v != "" && !strings.HasPrefix(v, "/sys/fs/bpf/") {
		t.Errorf("--bpffs-root %s is not on the bpffs volume", v)
	}
}

// flagValue is the value of --name=value in args, or "".
func flagValue(args []string, name string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
