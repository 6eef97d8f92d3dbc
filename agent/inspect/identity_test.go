package inspect

import (
	"testing"

	"github.com/zeta-net/zeta/policy/secid"
)

func TestDescribeIdentity(t *testing.T) {
	ids := identities{256: {Namespace: "shop", Pod: map[string]string{"tier": "db", "app": "pg"}}}
	for _, tc := range []struct {
		id               secid.ID
		cell, ns, labels string
	}{
		{secid.Any, "any", "", ""},
		{secid.Host, "reserved:host", "", ""},
		{secid.World, "reserved:world", "", ""},
		{256, "256", "shop", "app=pg,tier=db"},
		{257, "257", "", "(not in identities.json)"},
	} {
		i := ids.describe(uint32(tc.id))
		if i.cell() != tc.cell || i.Namespace != tc.ns || i.labelsCell() != tc.labels {
			t.Errorf("describe(%d) = %q %q %q, want %q %q %q", tc.id, i.cell(), i.Namespace, i.labelsCell(), tc.cell, tc.ns, tc.labels)
		}
	}
}
