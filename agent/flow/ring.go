package flow

// ring keeps the latest records, overwriting the oldest. It is not safe
// for concurrent use: the Hub guards it.
type ring struct {
	buf  []*Record
	next int // where the next record goes
	full bool
}

func newRing(size int) ring { return ring{buf: make([]*Record, size)} }

func (r *ring) add(rec *Record) {
	r.buf[r.next] = rec
	r.next++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
}

func (r *ring) len() int {
	if r.full {
		return len(r.buf)
	}
	return r.next
}

// last returns up to n of the newest records that f selects, oldest
// first; n < 0 returns all of them.
func (r *ring) last(f *Filter, n int) []*Record {
	var out []*Record
	size := r.len()
	for i := 1; i <= size && (n < 0 || len(out) < n); i++ {
		rec := r.buf[(r.next-i+len(r.buf))%len(r.buf)]
		if f.Match(rec) {
			out = append(out, rec)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
