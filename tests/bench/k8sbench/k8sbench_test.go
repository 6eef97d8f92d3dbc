package k8sbench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"

	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/bpf/maps/ipcache"
	"github.com/zeta-net/zeta/tests/kubetest"
	"github.com/zeta-net/zeta/tests/lab/agents"
	"github.com/zeta-net/zeta/tests/netnstest"
)

// The cluster's size.
const (
	pods       = 5000
	policies   = 1000
	namespaces = 100
	apps       = 50
	writers    = 16
)

// readyTimeout bounds the agent's first sync; pollEvery is how often the
// kernel map is looked at.
const (
	readyTimeout = 5 * time.Minute
	pollEvery    = 200 * time.Microsecond
	mapTimeout   = 10 * time.Second
)

func BenchmarkKubernetesMode(b *testing.B) {
	netnstest.RequireRoot(b)
	api := kubetest.Start(b)
	ctx := b.Context()
	ag := startAgent(b, api.Kubeconfig, api.Config.Host)
	ag.waitReady(b)
	empty := ag.rss(b)

	start := time.Now()
	populate(b, api)
	b.Logf("populated %d pods and %d policies in %v", pods, policies, time.Since(start).Round(time.Millisecond))

	// The first full sync of a fresh agent with everything in place.
	ag.restart(b)
	start = time.Now()
	ag.waitReady(b)
	sync := time.Since(start)
	full := ag.rss(b)
	perPod := float64(full-empty) / pods
	b.Logf("first full sync %v; RSS %d KiB empty, %d KiB with %d pods and %d policies: %.2f KiB per pod",
		sync.Round(time.Millisecond), empty/1024, full/1024, pods, policies, perPod/1024)

	m, err := ebpf.LoadPinnedMap(filepath.Join(ag.bpffs, "maps", "zeta_ipcache4"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		lat = append(lat, writeToMap(ctx, b, api, m, pods+i))
		i++
	}
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	b.ReportMetric(sync.Seconds(), "sync-s")
	b.ReportMetric(perPod/1024, "KiB/pod")
	b.ReportMetric(float64(p(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-ms")
	b.Logf("API write to ipcache map: p50 %v, p99 %v over %d writes", p(0.5), p(0.99), len(lat))
}

// addr is pod i's address, outside every prefix the policies name.
func addr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, 200, byte(i / 250), byte(i%250 + 1)})
}

func pod(i int) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-" + strconv.Itoa(i), Namespace: "ns-" + strconv.Itoa(i%namespaces),
			Labels: map[string]string{"app": "app-" + strconv.Itoa(i%apps), "pod-template-hash": strconv.Itoa(i % 7)}},
		Spec: corev1.PodSpec{NodeName: "node-" + strconv.Itoa(i%100), Containers: []corev1.Container{{Name: "c", Image: "zeta.test/none",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: addr(i).String(), PodIPs: []corev1.PodIP{{IP: addr(i).String()}}},
	}
}

func policy(i int) *unstructured.Unstructured {
	p := &v1alpha1.ZeroTrustPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "ZeroTrustPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: "ztp-" + strconv.Itoa(i), Namespace: "ns-" + strconv.Itoa(i%namespaces)},
		Spec: v1alpha1.ZeroTrustPolicySpec{
			Selector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "app-" + strconv.Itoa(i%apps)}},
			Ingress: []v1alpha1.Rule{{
				From:  []v1alpha1.Peer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "app-" + strconv.Itoa((i+1)%apps)}}}},
				Ports: []v1alpha1.PortRange{{Protocol: corev1.ProtocolTCP, Port: int32(8000 + i%100)}},
			}},
		},
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(p)
	if err != nil {
		panic(err)
	}
	return &unstructured.Unstructured{Object: m}
}

// populate creates the namespaces, pods and policies, writers at a time.
func populate(b *testing.B, api *kubetest.Server) {
	ctx := b.Context()
	dyn := dynamic.NewForConfigOrDie(api.Config)
	res := dyn.Resource(v1alpha1.SchemeGroupVersion.WithResource("zerotrustpolicies"))
	parallel(b, namespaces, func(i int) error {
		return kubetest.CreateNamespace(ctx, api.Client, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns-" + strconv.Itoa(i)}})
	})
	parallel(b, pods, func(i int) error {
		_, err := kubetest.CreatePod(ctx, api.Client, pod(i))
		return err
	})
	parallel(b, policies, func(i int) error {
		p := policy(i)
		_, err := res.Namespace(p.GetNamespace()).Create(ctx, p, metav1.CreateOptions{})
		return err
	})
}

func parallel(b *testing.B, n int, f func(int) error) {
	b.Helper()
	next := make(chan int)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := range n {
		select {
		case next <- i:
		case err := <-errs:
			close(next)
			wg.Wait()
			b.Fatal(err)
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := errors.Join(collect(errs)...); err != nil {
		b.Fatal(err)
	}
}

func collect(c <-chan error) []error {
	var out []error
	for err := range c {
		out = append(out, err)
	}
	return out
}

// writeToMap creates pod i, then writes its address and times how long
// the agent takes to put it in the kernel's IP cache.
func writeToMap(ctx context.Context, b *testing.B, api *kubetest.Server, m *ebpf.Map, i int) time.Duration {
	p := pod(i)
	status := p.Status
	p.Status = corev1.PodStatus{}
	got, err := api.Client.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	got.Status = status
	key := ipcache.Key4{PrefixLen: 32, Addr: addr(i).As4()}
	var v ipcache.Value
	start := time.Now()
	if _, err := api.Client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, got, metav1.UpdateOptions{}); err != nil {
		b.Fatal(err)
	}
	for {
		err := m.Lookup(&key, &v)
		if err == nil {
			return time.Since(start)
		}
		if !errors.Is(err, ebpf.ErrKeyNotExist) {
			b.Fatal(err)
		}
		if time.Since(start) > mapTimeout {
			b.Fatalf("pod %s's address %s not in the IP cache after %v", p.Name, addr(i), mapTimeout)
		}
		time.Sleep(pollEvery)
	}
}

// agent is a zeta-agent process in a network namespace of its own.
type agent struct {
	bin, netns, bpffs, stateDir, kubeconfig string
	cmd                                     *exec.Cmd
}

func startAgent(b *testing.B, kubeconfig, apiHost string) *agent {
	b.Helper()
	binDir := b.TempDir()
	bin, err := agents.Build(binDir)
	if err != nil {
		b.Fatal(err)
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := "zk8s" + hex.EncodeToString(suffix)
	a := &agent{bin: bin, netns: name, bpffs: "/sys/fs/bpf/" + name, stateDir: b.TempDir(), kubeconfig: kubeconfig}
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		b.Fatalf("create netns: %v: %s", err, out)
	}
	if out, err := exec.Command("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		b.Fatalf("loopback up: %v: %s", err, out)
	}
	b.Cleanup(func() {
		a.stop()
		if out, err := exec.Command(bin, "uninstall", "--bpffs-root", a.bpffs).CombinedOutput(); err != nil {
			b.Errorf("uninstall: %v: %s", err, out)
		}
		_ = os.RemoveAll(a.bpffs)
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			b.Errorf("delete netns: %v: %s", err, out)
		}
	})
	forward(b, name, apiHost)
	a.start(b)
	return a
}

func (a *agent) start(b *testing.B) {
	b.Helper()
	log, err := os.OpenFile(filepath.Join(a.stateDir, "agent.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	// nsenter, not ip netns exec, which remounts /sys and hides bpffs.
	a.cmd = exec.Command("nsenter", "--net=/run/netns/"+a.netns, a.bin, "run", "--node", "bench-node",
		"--source=kubernetes", "--kubeconfig", a.kubeconfig, "--bpffs-root", a.bpffs, "--state-dir", a.stateDir,
		"--ipcache-entries", "65536")
	a.cmd.Stdout, a.cmd.Stderr = log, log
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := a.cmd.Start(); err != nil {
		b.Fatal(err)
	}
}

func (a *agent) stop() {
	if a.cmd == nil || a.cmd.Process == nil {
		return
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	_ = a.cmd.Wait()
	a.cmd = nil
}

func (a *agent) restart(b *testing.B) {
	a.stop()
	a.start(b)
}

// waitReady waits for /readyz.
func (a *agent) waitReady(b *testing.B) {
	b.Helper()
	ag := agents.Agent{Node: "bench-node", StateDir: a.stateDir}
	deadline := time.Now().Add(readyTimeout)
	for {
		st, err := ag.Status(b.Context())
		if err == nil && st.Ready {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(a.stateDir, "agent.log"))
			b.Fatalf("agent not ready after %v: %v %+v\n%s", readyTimeout, err, st, tailOf(string(log)))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rss is the agent's resident memory in bytes. nsenter runs the agent as
// its child when it forks, so the process to read is its child if any.
func (a *agent) rss(b *testing.B) int64 {
	b.Helper()
	pid := a.cmd.Process.Pid
	if children, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid)); err == nil && len(strings.TrimSpace(string(children))) > 0 {
		pid, _ = strconv.Atoi(strings.Fields(string(children))[0])
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kib * 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

func tailOf(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}
