package exporters

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/file"
	"github.com/zeta-net/zeta/agent/export/otlp"
	"github.com/zeta-net/zeta/agent/export/syslog"
)

// New builds every exporter of s; if one fails, those already built are
// closed. The exporters also implement export.StatsReporter.
func New(s Set, o export.Origin, log *slog.Logger) ([]export.Exporter, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var out []export.Exporter
	fail := func(err error) ([]export.Exporter, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		for _, e := range out {
			_ = e.Close(ctx)
		}
		return nil, err
	}
	for _, c := range s.OTLP {
		e, err := otlp.New(c, o, log)
		if err != nil {
			return fail(err)
		}
		out = append(out, e)
	}
	for _, c := range s.Syslog {
		e, err := syslog.New(c, o, log)
		if err != nil {
			return fail(err)
		}
		out = append(out, e)
	}
	for _, c := range s.File {
		e, err := file.New(c)
		if err != nil {
			return fail(fmt.Errorf("file exporter %s: %w", c.Name, err))
		}
		out = append(out, e)
	}
	return out, nil
}
