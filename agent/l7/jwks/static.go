package jwks

import (
	"context"
	"fmt"

	"github.com/zeta-net/zeta/agent/l7/jwt"
)

// Static is a key set that never changes: a policy's inline jwks.
type Static struct{ set *jwt.KeySet }

// NewStatic parses an inline JWKS.
func NewStatic(data []byte) (*Static, error) {
	set, err := jwt.ParseKeySet(data)
	if err != nil {
		return nil, fmt.Errorf("inline jwks: %w", err)
	}
	return &Static{set: set}, nil
}

// KeySet returns the set.
func (s *Static) KeySet(context.Context, string) (*jwt.KeySet, error) { return s.set, nil }
