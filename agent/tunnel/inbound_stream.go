package tunnel

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"
)

// serveStream answers one request on a connection from a peer: a CONNECT
// to a local pod that the peer's identity may reach is spliced to the pod; anything
// else is refused with a status and a reason header.
func (in *Inbound) serveStream(w http.ResponseWriter, r *http.Request) {
	p, ok := r.Context().Value(peerKey{}).(*tlsPeer)
	if !ok {
		http.Error(w, "no tunnel peer", http.StatusInternalServerError)
		return
	}
	info := ConnInfo{
		Direction: Ingress,
		Source:    Peer{IP: p.remote.Addr(), SPIFFEID: p.peer.String()},
		Tunnel:    p.remote,
		Start:     time.Now(),
		Verdict:   Denied,
	}
	src, srcOK := parseForwarded(r.Header.Get(forwardedHeader))
	if srcOK {
		info.Source.IP, info.Source.Port = src.Addr(), src.Port()
	}
	refuse := func(status int, reason string, err error) {
		w.Header().Set(reasonHeader, reason)
		http.Error(w, reason, status)
		in.log.Warn("tunnel stream refused", "peer_id", p.peer, "remote", p.remote, "authority", r.Host,
			"status", status, "reason", reason, "rule", info.Policy, "err", err)
		in.emit(Record{ConnInfo: info, End: time.Now(), DropReason: reason, Error: err.Error()})
	}

	if r.Method != http.MethodConnect {
		refuse(http.StatusMethodNotAllowed, ReasonBadRequest, fmt.Errorf("method %s, want CONNECT", r.Method))
		return
	}
	dst, err := netip.ParseAddrPort(r.Host)
	if err != nil {
		refuse(http.StatusBadRequest, ReasonBadRequest, fmt.Errorf("authority %q is no ip:port: %w", r.Host, err))
		return
	}
	dst = netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port())
	info.Destination = Peer{IP: dst.Addr(), Port: dst.Port()}
	pod, ok := in.cfg.Pods.Pod(dst.Addr())
	if !ok {
		refuse(http.StatusNotFound, ReasonNotLocal, fmt.Errorf("%s is no local pod", dst.Addr()))
		return
	}
	info.Destination.SPIFFEID, info.Destination.Namespace, info.Destination.Pod = pod.ID.String(), pod.Namespace, pod.Pod
	if pod.ID != p.server {
		refuse(http.StatusMisdirectedRequest, ReasonMisdirected,
			fmt.Errorf("pod %s/%s runs as %s, the connection serves %s", pod.Namespace, pod.Pod, pod.ID, p.server))
		return
	}
	d := in.cfg.Authorizer.Authorize(p.peer, pod, dst.Port())
	info.Policy = d.Rule
	if !d.Allow {
		refuse(http.StatusForbidden, ReasonPolicy,
			fmt.Errorf("%s may not reach %s/%s port %d", p.peer, pod.Namespace, pod.Pod, dst.Port()))
		return
	}
	dctx, cancel := context.WithTimeout(r.Context(), in.cfg.HandshakeTimeout)
	pc, err := in.cfg.Dial(dctx, src, dst)
	cancel()
	if err != nil {
		refuse(http.StatusBadGateway, ReasonUnreachable, err)
		return
	}

	info.Verdict = Allowed
	rc := http.NewResponseController(w)
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		_ = pc.Close()
		in.emit(Record{ConnInfo: info, End: time.Now(), Error: fmt.Sprintf("answer CONNECT: %v", err)})
		return
	}
	s := &stream{info: info, via: p, dst: pod, abort: func() { abortConn(pc) }}
	in.live.add(s)

	// Towards the pod: the client's END_STREAM becomes a FIN. A failure
	// while the pod is still answering resets the pod's connection.
	var downDone atomic.Bool
	upc := make(chan error, 1)
	go func() {
		err := s.copyCounted(pc, r.Body, &s.toDst)
		if err == nil {
			err = closeWrite(pc)
		}
		if err != nil && !downDone.Load() {
			abortConn(pc)
		}
		upc <- err
	}()
	// Towards the client. The pod's FIN ends the stream: net/http can
	// end a response only by returning from the handler, which also
	// stops reading the request, so a pod that half-closes first gets no
	// more bytes from the client.
	err = s.copyCounted(flushWriter{w, rc}, pc, &s.toSrc)
	downDone.Store(true)
	go func() {
		upErr := <-upc
		_ = pc.Close()
		in.live.remove(s)
		r := s.record(errText(err))
		in.log.Debug("tunnel inbound stream ended", "peer_id", p.peer, "dst", dst,
			"to_dst", r.BytesToDestination, "to_src", r.BytesToSource, "err", r.Error, "up_err", upErr)
		in.emit(r)
	}()
	if err != nil {
		abortConn(pc)
		// Reset the stream, so the source sees its connection fail.
		panic(http.ErrAbortHandler)
	}
}

// flushWriter sends every write to the client at once.
type flushWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (f flushWriter) Write(b []byte) (int, error) {
	n, err := f.w.Write(b)
	if err != nil {
		return n, err
	}
	return n, f.rc.Flush()
}

// parseForwarded reads the for= address of a Forwarded header
// (RFC 7239) as the outbound side sends it: for="ip:port".
func parseForwarded(h string) (netip.AddrPort, bool) {
	for part := range strings.SplitSeq(h, ";") {
		v, ok := strings.CutPrefix(strings.TrimSpace(part), "for=")
		if !ok {
			continue
		}
		ap, err := netip.ParseAddrPort(strings.Trim(v, `"`))
		if err != nil {
			return netip.AddrPort{}, false
		}
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	}
	return netip.AddrPort{}, false
}
