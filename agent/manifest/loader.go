package manifest

import (
	"crypto/sha256"
	"maps"

	"k8s.io/apimachinery/pkg/runtime"
)

// Loader loads directories as LoadDir does, remembering what each
// document decoded to, so that reloading a large directory after a small
// edit decodes only the documents that changed: decoding dominates the
// time from a file change to enforcement. The zero Loader remembers
// nothing. The objects of the Sets a remembering Loader returns are shared
// between loads and must not be modified.
//
// A Loader is not safe for concurrent use.
type Loader struct {
	docs map[[sha256.Size]byte]*decoded
	load uint64 // counts loads
}

// decoded is one document's decoding and the last load that saw it.
type decoded struct {
	obj  runtime.Object
	err  error
	seen uint64
}

// NewLoader returns a Loader that remembers decoded documents.
func NewLoader() *Loader {
	return &Loader{docs: map[[sha256.Size]byte]*decoded{}}
}

// decode decodes one document, or returns what it decoded to before.
func (l *Loader) decode(raw []byte) (runtime.Object, error) {
	if l.docs == nil {
		obj, _, err := decoder.Decode(raw, nil, nil)
		return obj, err
	}
	sum := sha256.Sum256(raw)
	d, ok := l.docs[sum]
	if !ok {
		d = &decoded{}
		d.obj, _, d.err = decoder.Decode(raw, nil, nil)
		l.docs[sum] = d
	}
	d.seen = l.load + 1
	return d.obj, d.err
}

// evict ends a load: documents it did not see are forgotten, so that the
// Loader holds no more than one directory's worth of objects.
func (l *Loader) evict() {
	l.load++
	maps.DeleteFunc(l.docs, func(_ [sha256.Size]byte, d *decoded) bool { return d.seen != l.load })
}
