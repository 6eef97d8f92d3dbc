package bpfbench

import (
	"fmt"
	"os"
	"testing"
)

func requireRoot(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("needs root: loads BPF programs")
	}
}

// open loads a datapath of size, closed when the test ends.
func open(tb testing.TB, size Size) *Datapath {
	tb.Helper()
	requireRoot(tb)
	d, err := New(size)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

func TestDatapath(t *testing.T) {
	for _, size := range Sizes {
		t.Run(fmt.Sprintf("entries=%d", size.Entries()), func(t *testing.T) {
			d := open(t, size)
			if n, err := d.Entries(); err != nil || n != size.Entries() {
				t.Errorf("endpoint has %d entries (%v), want %d", n, err, size.Entries())
			}
			for _, p := range []Packet{NewConnection, Established} {
				if per, err := d.Time(p, 1000); err != nil || per <= 0 {
					t.Errorf("%s: %v per run, %v", p, per, err)
				}
			}
		})
	}
}

func BenchmarkNewConnection(b *testing.B) { benchSizes(b, NewConnection) }

func BenchmarkEstablished(b *testing.B) { benchSizes(b, Established) }

func benchSizes(b *testing.B, p Packet) {
	for _, size := range Sizes {
		d := open(b, size)
		b.Run(fmt.Sprintf("entries=%d", size.Entries()), func(b *testing.B) { d.Bench(b, p) })
	}
}
