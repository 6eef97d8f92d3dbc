package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/tests/lab"
)

func matrixCmd(log *slog.Logger) *cobra.Command {
	cfg := lab.Config{Logger: log}
	var (
		protocol, output string
		port             int32
		opts             lab.ProbeOptions
	)
	cmd := &cobra.Command{
		Use:   "matrix [-f DIR] --protocol TCP|UDP --port PORT",
		Short: "Probe every ordered pair of pods; bring the cluster up first if it is not running",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			proto := corev1.Protocol(strings.ToUpper(protocol))
			if proto != corev1.ProtocolTCP && proto != corev1.ProtocolUDP {
				return fmt.Errorf("matrix: --protocol %s: want TCP or UDP", protocol)
			}
			if output != "json" && output != "table" {
				return fmt.Errorf("matrix: -o %s: want json or table", output)
			}
			c, err := lab.Open(cfg.Name, log)
			switch {
			case errors.Is(err, lab.ErrNotFound):
				if c, err = lab.Up(cmd.Context(), cfg); err != nil {
					return err
				}
				defer func() { err = errors.Join(err, c.Down(context.WithoutCancel(cmd.Context()))) }()
			case err != nil:
				return err
			case cfg.Manifests != "" && !sameDir(cfg.Manifests, c.Source()):
				log.Warn("using the running cluster, not -f", "cluster", cfg.Name, "running", c.Source(), "file", cfg.Manifests)
			}
			m, err := c.Matrix(cmd.Context(), proto, port, opts)
			if err != nil {
				return err
			}
			if output == "table" {
				return m.WriteTable(cmd.OutOrStdout())
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(m)
		},
	}
	cfg.Flags(cmd.Flags())
	cmd.Flags().StringVar(&protocol, "protocol", "TCP", "TCP or UDP")
	cmd.Flags().Int32Var(&port, "port", 80, "destination port")
	cmd.Flags().BoolVar(&opts.IPv6, "ipv6", false, "probe the pods' IPv6 addresses")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", lab.DefaultProbeTimeout, "timeout of one probe")
	cmd.Flags().StringVarP(&output, "output", "o", "json", "json or table")
	return cmd
}

func sameDir(a, b string) bool {
	abs, err := filepath.Abs(a)
	return err == nil && abs == b
}
