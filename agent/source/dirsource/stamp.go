package dirsource

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// settleTime is how old every entry's last change must be for a stamp to
// be trusted. File times come from a clock that ticks every few
// milliseconds: a file written again within the tick of its last change,
// at the same size, would look unchanged.
const settleTime = time.Second

// stamp identifies what a directory holds without reading its files: the
// name, inode, size, and modification and change times of every entry
// (not only the manifests: an extra entry costs a reread at worst).
type stamp struct {
	sum [sha256.Size]byte
	// settled is false while an entry changed less than settleTime before
	// the stamp was taken.
	settled bool
}

// takeStamp stamps dir as it is at now. Take it before reading the files:
// a change made while they are read then shows in the next stamp.
func takeStamp(dir string, now time.Time) (stamp, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return stamp{}, fmt.Errorf("stat manifests: %w", err)
	}
	h := sha256.New()
	var newest int64
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			return stamp{}, fmt.Errorf("stat manifests: %w", err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return stamp{}, fmt.Errorf("stat manifests: no inode data for %s", filepath.Join(dir, e.Name()))
		}
		mtime, ctime := st.Mtim.Nano(), st.Ctim.Nano()
		newest = max(newest, mtime, ctime)
		var buf [8 * 6]byte
		b := binary.LittleEndian.AppendUint64(buf[:0], uint64(len(e.Name())))
		for _, v := range []uint64{st.Ino, uint64(st.Size), uint64(mtime), uint64(ctime), uint64(st.Mode)} {
			b = binary.LittleEndian.AppendUint64(b, v)
		}
		h.Write(b)
		h.Write([]byte(e.Name()))
	}
	s := stamp{settled: newest < now.Add(-settleTime).UnixNano()}
	h.Sum(s.sum[:0])
	return s, nil
}

// unchanged reports whether the directory is known to hold what it held
// when last was taken: the stamps are equal and last was settled.
func (last stamp) unchanged(now stamp) bool {
	return last.settled && last.sum == now.sum
}
