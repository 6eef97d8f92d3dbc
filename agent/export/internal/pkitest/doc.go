// Package pkitest mints a throwaway CA with a server and a client
// certificate for tests of TLS exporters, written as PEM files.
package pkitest
