package tunnel

import (
	"errors"
	"fmt"

	"github.com/zeta-net/zeta/identity"
)

var errGone = errors.New("destination pod is gone")

// Reauthorize judges every live stream again, after a change of policy,
// of local pods, of trust bundles or of revocations, and cuts those no
// longer allowed. A TLS connection whose client chain no longer
// verifies against the bundles (judged at its handshake time, so that
// rotation and expiry do not end live connections) or whose identity was
// revoked is closed with all its streams.
func (in *Inbound) Reauthorize() {
	bundles := in.cfg.SVIDs.Bundles()
	in.peersMu.Lock()
	bad := make(map[*tlsPeer]string)
	for p := range in.peers {
		if _, err := identity.VerifyPeerAt(p.chain, bundles, p.at); err != nil {
			bad[p] = ReasonTrustRevoked
		} else if in.revoked(p.peer) {
			bad[p] = ReasonRevoked
		}
	}
	in.peersMu.Unlock()

	for _, s := range in.live.all() {
		if reason, ok := bad[s.via]; ok {
			s.kill(Denied, reason, "", fmt.Sprintf("%s: peer %s", reason, s.via.peer))
			continue
		}
		dst := s.info.Destination
		pod, ok := in.cfg.Pods.Pod(dst.IP)
		if !ok || pod.ID != s.dst.ID {
			in.log.Warn("tunnel stream closed", "peer_id", s.via.peer, "dst", dst.IP, "reason", ReasonNotLocal, "err", errGone)
			s.kill(Denied, ReasonNotLocal, "", errGone.Error())
			continue
		}
		if d := in.cfg.Authorizer.Authorize(s.via.peer, pod, dst.Port); !d.Allow {
			in.log.Warn("tunnel stream closed by policy", "peer_id", s.via.peer, "dst", dst.IP, "port", dst.Port,
				"reason", ReasonPolicyRevoked, "rule", d.Rule)
			s.kill(Denied, ReasonPolicyRevoked, d.Rule,
				fmt.Sprintf("%s may no longer reach %s/%s port %d", s.via.peer, pod.Namespace, pod.Pod, dst.Port))
		}
	}
	for p, reason := range bad {
		in.log.Warn("tunnel connection closed", "remote", p.remote, "peer_id", p.peer, "reason", reason)
		_ = p.conn.Close()
	}
}
