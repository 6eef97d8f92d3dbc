package load

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
)

// The commands a binary that calls Main runs, for the bench to start them
// inside a pod with nsenter.
const (
	serveCommand  = "load-serve"
	clientCommand = "load-client"
)

// Ready is the line the serve command prints once it listens.
const Ready = "listening"

// ServeArgs are the arguments that make Main serve on port.
func ServeArgs(port uint16) []string {
	return []string{serveCommand, "-port", strconv.Itoa(int(port))}
}

// Client is one client run: RR, then CRR, against Addr, each with a tenth
// as many uncounted warm-up exchanges first.
type Client struct {
	Addr string
	RR   int // samples
	CRR  int
}

// Report is what a client run prints, as JSON.
type Report struct {
	RR  Result `json:"rr"`
	CRR Result `json:"crr"`
}

// Args are the arguments that make Main run c and print its Report.
func (c Client) Args() []string {
	return []string{clientCommand, "-addr", c.Addr, "-rr", strconv.Itoa(c.RR), "-crr", strconv.Itoa(c.CRR)}
}

// Run runs RR, then CRR.
func (c Client) Run(ctx context.Context) (Report, error) {
	rr, err := RR(ctx, c.Addr, c.RR/10, c.RR)
	if err != nil {
		return Report{}, err
	}
	crr, err := CRR(ctx, c.Addr, c.CRR/10, c.CRR)
	if err != nil {
		return Report{}, err
	}
	return Report{RR: rr, CRR: crr}, nil
}

// Main runs the command args name if it is one of this package's, and
// reports whether it was, with its exit status. Either command uses one
// CPU of the Go runtime: it does one thing at a time, and more would only
// add runtime threads that take CPU time from the other end on a small
// machine.
func Main(args []string, stdout io.Writer) (code int, ok bool) {
	if len(args) == 0 || (args[0] != serveCommand && args[0] != clientCommand) {
		return 0, false
	}
	runtime.GOMAXPROCS(1)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var err error
	if args[0] == serveCommand {
		err = serveMain(ctx, args[1:], stdout)
	} else {
		err = clientMain(ctx, args[1:], stdout)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", args[0], err)
		return 1, true
	}
	return 0, true
}

func serveMain(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(serveCommand, flag.ContinueOnError)
	port := fs.Uint("port", 0, "TCP port to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.FormatUint(uint64(*port), 10)))
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(stdout, Ready); err != nil {
		return errors.Join(err, ln.Close())
	}
	return Serve(ctx, ln)
}

func clientMain(ctx context.Context, args []string, stdout io.Writer) error {
	var c Client
	fs := flag.NewFlagSet(clientCommand, flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", "", "server address, host:port")
	fs.IntVar(&c.RR, "rr", 0, "RR samples")
	fs.IntVar(&c.CRR, "crr", 0, "CRR samples")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rep, err := c.Run(ctx)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(rep)
}
