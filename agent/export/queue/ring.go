package queue

// ring is a FIFO that holds at most limit items and overwrites the oldest
// when full. Its storage grows on demand up to limit.
type ring[T any] struct {
	buf   []T
	head  int // index of the oldest item
	n     int
	limit int
}

// push appends v and reports whether the oldest item had to go for it.
func (r *ring[T]) push(v T) (dropped bool) {
	if r.n == len(r.buf) && len(r.buf) < r.limit {
		r.grow()
	}
	if r.n == len(r.buf) {
		r.buf[r.head] = v
		r.head = (r.head + 1) % len(r.buf)
		return true
	}
	r.buf[(r.head+r.n)%len(r.buf)] = v
	r.n++
	return false
}

func (r *ring[T]) grow() {
	size := min(max(2*len(r.buf), 64), r.limit)
	buf := make([]T, size)
	for i := range r.n {
		buf[i] = r.buf[(r.head+i)%len(r.buf)]
	}
	r.buf, r.head = buf, 0
}

// pop removes and returns up to limit items from the front.
func (r *ring[T]) pop(limit int) []T {
	k := min(limit, r.n)
	if k == 0 {
		return nil
	}
	out := make([]T, k)
	var zero T
	for i := range out {
		j := (r.head + i) % len(r.buf)
		out[i] = r.buf[j]
		r.buf[j] = zero // let the item be collected
	}
	r.head = (r.head + k) % len(r.buf)
	r.n -= k
	return out
}

// clear empties the ring and returns how many items it held.
func (r *ring[T]) clear() int {
	n := r.n
	r.buf, r.head, r.n = nil, 0, 0
	return n
}
