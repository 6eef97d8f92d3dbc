// Package dirsource is the standalone agent's Source: a directory of
// Kubernetes YAML, watched for changes. Each change of the directory is
// read whole and sent as the difference to what was sent before, closed by
// a Synced event carrying the content's hash.
package dirsource

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/fsnotify/fsnotify"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/agent/source"
)

// Source watches Dir.
type Source struct {
	Dir string
	Log *slog.Logger
	// Debounce groups bursts of file events (an editor's save, a copy of
	// many files) into one reload.
	Debounce time.Duration
	// Resync looks at the directory this often even without file events,
	// covering filesystems where inotify misses changes; it rereads the
	// files only if an entry's size, inode or times changed.
	Resync time.Duration
}

// String describes the source for status.
func (s *Source) String() string { return "directory " + s.Dir }

// Run implements source.Source.
func (s *Source) Run(ctx context.Context, events chan<- source.Event) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", s.Dir, err)
	}
	defer w.Close()
	if err := w.Add(s.Dir); err != nil {
		return fmt.Errorf("watch %s: %w", s.Dir, err)
	}

	sent := map[string]runtime.Object{}
	lastHash := ""
	// The loader decodes only documents that changed since the last read:
	// after a one-policy edit of a large directory, decoding everything
	// again would dominate the time to enforcement.
	loader := manifest.NewLoader()
	var last stamp // of the directory as last read
	// reload reads the directory and sends what changed. A resync first
	// compares the directory's stamp, and reads nothing if it is unchanged:
	// parsing every manifest every few seconds costs more than the rest of
	// an idle agent.
	reload := func(resync bool) error {
		now, err := takeStamp(s.Dir, time.Now())
		if err == nil && resync && last.unchanged(now) {
			return nil
		}
		last = now // the zero stamp if there is none: never unchanged
		set, err := loader.Load(s.Dir)
		if set == nil {
			last = stamp{}
			return err
		}
		if err != nil {
			// Bad documents are skipped; everything else still applies.
			s.Log.Error("invalid manifests", "dir", s.Dir, "error", err)
		}
		if set.Hash == lastHash {
			return nil
		}
		lastHash = set.Hash
		return diff(ctx, events, sent, objects(set), set.Hash)
	}

	if err := reload(false); err != nil && ctx.Err() == nil {
		return err
	}
	debounce := time.NewTimer(0)
	<-debounce.C
	resync := time.NewTicker(s.Resync)
	defer resync.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return fmt.Errorf("watch %s: watcher closed", s.Dir)
			}
			s.Log.Debug("manifest change", "file", ev.Name, "op", ev.Op.String())
			debounce.Reset(s.Debounce)
		case err := <-w.Errors:
			s.Log.Warn("watch error; rereading", "dir", s.Dir, "error", err)
			debounce.Reset(s.Debounce)
		case <-debounce.C:
			// A reload cut short by shutdown ends at the top of the loop.
			if err := reload(false); err != nil && ctx.Err() == nil {
				return err
			}
		case <-resync.C:
			if err := reload(true); err != nil && ctx.Err() == nil {
				return err
			}
		}
	}
}

func objects(set *manifest.Set) map[string]runtime.Object {
	out := map[string]runtime.Object{}
	for name, o := range set.Namespaces {
		out["Namespace/"+name] = o
	}
	for key, o := range set.Pods {
		out["Pod/"+key] = o
	}
	for key, o := range set.NetworkPolicies {
		out["NetworkPolicy/"+key] = o
	}
	for key, o := range set.ZeroTrustPolicies {
		out["ZeroTrustPolicy/"+key] = o
	}
	for name, o := range set.ClusterZeroTrustPolicies {
		out["ClusterZeroTrustPolicy/"+name] = o
	}
	return out
}

// diff sends what changed between sent and now, updates sent, and closes
// the batch with Synced.
func diff(ctx context.Context, events chan<- source.Event, sent, now map[string]runtime.Object, rev string) error {
	send := func(ev source.Event) error {
		select {
		case events <- ev:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for key, o := range now {
		if old, ok := sent[key]; ok && equality.Semantic.DeepEqual(old, o) {
			continue
		}
		if err := send(source.Event{Type: source.Upsert, Object: o}); err != nil {
			return err
		}
		sent[key] = o
	}
	for key, o := range sent {
		if _, ok := now[key]; ok {
			continue
		}
		if err := send(source.Event{Type: source.Delete, Object: o}); err != nil {
			return err
		}
		delete(sent, key)
	}
	return send(source.Event{Type: source.Synced, Revision: rev})
}
