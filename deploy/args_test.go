package deploy

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/zeta-net/zeta/agent/export/exporters"
)

// varRef is a $(NAME) reference in a container's args, which the kubelet
// expands from the container's environment.
var varRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// TestAgentAcceptsDaemonSetArgs expands the DaemonSet's arguments as the
// kubelet would (NODE_NAME from the downward API, the rest from the
// ConfigMap) and has the agent of this tree parse them: every flag must
// exist and every value must be of its type. It also parses the
// ConfigMap's exporters.yaml as --export-config reads it.
func TestAgentAcceptsDaemonSetArgs(t *testing.T) {
	ds := plainDaemonSet(t)
	cm := plainConfigMap(t)
	c := ds.Spec.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "spec.nodeName":
			env[e.Name] = "node-1"
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			v, ok := cm.Data[ref.Key]
			if ref.Name != cm.Name || !ok {
				t.Errorf("env %s refers to ConfigMap %s key %s, which the manifests do not have", e.Name, ref.Name, ref.Key)
			}
			env[e.Name] = v
		default:
			t.Errorf("env %s: unexpected source %+v", e.Name, e.ValueFrom)
		}
	}
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = varRef.ReplaceAllStringFunc(a, func(ref string) string {
			name := varRef.FindStringSubmatch(ref)[1]
			v, ok := env[name]
			if !ok {
				t.Errorf("arg %q refers to $(%s), which the container's env does not set", a, name)
			}
			return v
		})
	}
	if len(c.Command) != 1 || c.Command[0] != "/usr/bin/zeta-agent" {
		t.Errorf("command %v, want [/usr/bin/zeta-agent] (where the Dockerfile installs it)", c.Command)
	}

	bin, err := agentBin()
	if err != nil {
		t.Fatal(err)
	}
	// --help parses every flag first: an unknown flag or a bad value fails
	// before help is printed.
	out, err := exec.Command(bin, append(args, "--help")...).CombinedOutput()
	if err != nil {
		t.Errorf("zeta-agent %s: %v\n%s", strings.Join(args, " "), err, out)
	}

	set, err := exporters.Parse([]byte(cm.Data["exporters.yaml"]))
	if err != nil {
		t.Errorf("the ConfigMap's exporters.yaml: %v", err)
	} else if err := set.Validate(); err != nil {
		t.Errorf("the ConfigMap's exporters.yaml: %v", err)
	}
}
