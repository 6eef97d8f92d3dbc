package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/zeta-net/zeta/tests/bench/load"
	"github.com/zeta-net/zeta/tests/bench/suite"
)

func main() {
	if code, ok := load.Main(os.Args[1:], os.Stdout); ok {
		os.Exit(code)
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	o := suite.Options{Log: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	out := flag.String("out", "", "write the Markdown report here (default: stdout)")
	flag.IntVar(&o.Rounds, "rounds", 5, "measure every setup this many times, interleaved")
	flag.IntVar(&o.Seconds, "seconds", 3, "iperf3 measurement time per run, after one omitted second")
	flag.IntVar(&o.RR, "rr", 20000, "RR samples per run")
	flag.IntVar(&o.CRR, "crr", 2000, "CRR samples per run")
	flag.Parse()
	if flag.NArg() > 0 || o.Rounds < 1 || o.Seconds < 1 || o.RR < 1 || o.CRR < 1 {
		flag.Usage()
		return errors.New("bad arguments")
	}
	if os.Geteuid() != 0 {
		return errors.New("needs root: builds network namespaces and loads eBPF programs")
	}
	var err error
	if o.Self, err = os.Executable(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	res, err := suite.Run(ctx, o)
	if res == nil {
		return err
	}
	return errors.Join(err, write(*out, res))
}

// write writes the report to path, or to stdout if path is empty.
func write(path string, res *suite.Result) error {
	var report bytes.Buffer
	if err := suite.Report(&report, res, os.Args[1:]); err != nil {
		return err
	}
	if path == "" {
		_, err := os.Stdout.Write(report.Bytes())
		return err
	}
	if err := os.WriteFile(path, report.Bytes(), 0o644); err != nil { //nolint:gosec // a document in the repository
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
