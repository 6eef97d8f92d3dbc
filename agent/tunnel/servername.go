package tunnel

import (
	"encoding/base32"
	"errors"
	"fmt"
	"strings"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// serverNameSuffix ends every server name that carries a SPIFFE ID.
const serverNameSuffix = ".id.zeta"

// maxLabel is the longest DNS label; names are split to fit, so that
// middleboxes that parse the server name as a host name accept it.
const maxLabel = 63

var (
	sniEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

	errNotIDServerName = errors.New("server name carries no SPIFFE ID")
)

// ServerName encodes id as the TLS server name that asks a destination
// agent for id's certificate: the ID without its scheme in unpadded,
// lower-case base32, in labels of at most 63 characters, then ".id.zeta".
// It is reversible and needs no lookup table on the server.
func ServerName(id spiffeid.ID) string {
	enc := strings.ToLower(sniEncoding.EncodeToString([]byte(strings.TrimPrefix(id.String(), "spiffe://"))))
	var b strings.Builder
	for len(enc) > maxLabel {
		b.WriteString(enc[:maxLabel])
		b.WriteByte('.')
		enc = enc[maxLabel:]
	}
	b.WriteString(enc)
	b.WriteString(serverNameSuffix)
	return b.String()
}

// ParseServerName is the inverse of ServerName.
func ParseServerName(name string) (spiffeid.ID, error) {
	enc, ok := strings.CutSuffix(strings.ToLower(name), serverNameSuffix)
	if !ok || enc == "" {
		return spiffeid.ID{}, fmt.Errorf("parse server name %q: %w", name, errNotIDServerName)
	}
	raw, err := sniEncoding.DecodeString(strings.ToUpper(strings.ReplaceAll(enc, ".", "")))
	if err != nil {
		return spiffeid.ID{}, fmt.Errorf("parse server name %q: %w", name, err)
	}
	id, err := spiffeid.FromString("spiffe://" + string(raw))
	if err != nil {
		return spiffeid.ID{}, fmt.Errorf("parse server name %q: %w", name, err)
	}
	return id, nil
}
