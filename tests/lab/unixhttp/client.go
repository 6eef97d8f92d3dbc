package unixhttp

import (
	"context"
	"net"
	"net/http"
)

// Client returns an HTTP client that sends every request to the unix
// socket at path, whatever the URL's host.
func Client(path string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		DisableKeepAlives: true,
	}}
}
