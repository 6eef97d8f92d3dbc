package tunnel

import (
	"context"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// PeerID returns the SPIFFE ID the client of an Inbound stream proved in
// its handshake, from the context the Inbound passes its Dialer: a
// Dialer that hands the stream on (to the L7 proxy) names the peer by it.
func PeerID(ctx context.Context) (spiffeid.ID, bool) {
	p, ok := ctx.Value(peerKey{}).(*tlsPeer)
	if !ok {
		return spiffeid.ID{}, false
	}
	return p.peer, true
}
