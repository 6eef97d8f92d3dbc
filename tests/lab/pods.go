package lab

import (
	"errors"

	"github.com/zeta-net/zeta/tests/lab/labns"
	"github.com/zeta-net/zeta/tests/lab/plan"
	"github.com/zeta-net/zeta/tests/lab/wire"
)

// addPod creates pod's namespace, links it to its node and routes it from
// the other nodes. A virtual pod has none of these.
func (c *Cluster) addPod(pod plan.Pod) error {
	if pod.Virtual {
		return nil
	}
	node, _ := c.st.Plan.Node(pod.Node)
	if err := c.createNetns(pod.Netns); err != nil {
		return err
	}
	if err := wire.Pod(node.Netns, pod); err != nil {
		return err
	}
	for _, other := range c.st.Plan.Nodes {
		if other.Name != node.Name {
			if err := wire.Route(other.Netns, pod, node); err != nil {
				return err
			}
		}
	}
	return nil
}

// removePod undoes addPod, also a partial one. The servers must no longer
// hold sockets in the pod's namespace.
func (c *Cluster) removePod(pod plan.Pod) error {
	if pod.Virtual {
		return nil
	}
	var errs []error
	for _, n := range c.st.Plan.Nodes {
		if n.Name != pod.Node {
			errs = append(errs, wire.Unroute(n.Netns, pod))
		}
	}
	if node, ok := c.st.Plan.Node(pod.Node); ok {
		errs = append(errs, wire.RemovePod(node.Netns, pod))
	}
	if err := labns.Delete(pod.Netns); err != nil {
		return errors.Join(append(errs, err)...)
	}
	return errors.Join(append(errs, c.st.RemoveNetns(pod.Netns))...)
}
