package tunnel

import (
	"sync"
	"sync/atomic"
	"time"
)

// stream is one live tunnelled connection, in a table while it lasts.
type stream struct {
	info  ConnInfo // fixed once the stream is in the table
	toDst atomic.Uint64
	toSrc atomic.Uint64
	last  atomic.Int64 // unix nanoseconds of the last payload either way

	// abort cuts both sides at once; set before the stream is tabled.
	abort func()

	mu      sync.Mutex
	verdict string // overrides info.Verdict when the stream was killed
	policy  string
	reason  string
	errText string
	killed  bool

	// On ingress, what Reauthorize needs to judge the stream again: the
	// connection it came on and the pod it reaches.
	via *tlsPeer
	dst Workload
}

func (s *stream) touch() { s.last.Store(time.Now().UnixNano()) }

// kill records why the tunnel ends the stream and aborts it; only the
// first reason counts.
func (s *stream) kill(verdict, reason, policy, msg string) {
	s.mu.Lock()
	first := !s.killed
	if first {
		s.killed = true
		s.verdict, s.reason, s.policy, s.errText = verdict, reason, policy, msg
	}
	s.mu.Unlock()
	if first {
		s.abort()
	}
}

// snapshot is the stream's ConnInfo now.
func (s *stream) snapshot() ConnInfo {
	ci := s.info
	ci.BytesToDestination = s.toDst.Load()
	ci.BytesToSource = s.toSrc.Load()
	s.mu.Lock()
	if s.killed {
		ci.Verdict = s.verdict
		if s.policy != "" {
			ci.Policy = s.policy
		}
	}
	s.mu.Unlock()
	return ci
}

// record is the stream's final Record; errText describes a failure of
// the copy when the tunnel did not kill the stream itself.
func (s *stream) record(errText string) Record {
	r := Record{ConnInfo: s.snapshot(), End: time.Now(), Error: errText}
	s.mu.Lock()
	if s.killed {
		r.DropReason, r.Error = s.reason, s.errText
	}
	s.mu.Unlock()
	return r
}

// table holds the live streams of one Outbound or Inbound.
type table struct {
	mu      sync.Mutex
	streams map[*stream]struct{}
}

func (t *table) add(s *stream) {
	s.touch()
	t.mu.Lock()
	if t.streams == nil {
		t.streams = make(map[*stream]struct{})
	}
	t.streams[s] = struct{}{}
	t.mu.Unlock()
}

func (t *table) remove(s *stream) {
	t.mu.Lock()
	delete(t.streams, s)
	t.mu.Unlock()
}

// all returns the live streams; the caller may act on them unlocked.
func (t *table) all() []*stream {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*stream, 0, len(t.streams))
	for s := range t.streams {
		out = append(out, s)
	}
	return out
}

func (t *table) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.streams)
}

func (t *table) connections() []ConnInfo {
	streams := t.all()
	out := make([]ConnInfo, len(streams))
	for i, s := range streams {
		out[i] = s.snapshot()
	}
	return out
}

// sweep kills the streams that carried nothing for longer than idle.
func (t *table) sweep(idle time.Duration, now time.Time) {
	for _, s := range t.all() {
		if now.Sub(time.Unix(0, s.last.Load())) > idle {
			s.kill(s.info.Verdict, "", "", "idle for "+idle.String())
		}
	}
}

// killAll aborts every live stream (Shutdown past its deadline).
func (t *table) killAll(msg string) {
	for _, s := range t.all() {
		s.kill(s.info.Verdict, "", "", msg)
	}
}
