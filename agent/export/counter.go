package export

import "math"

// Counter converts a connection's counter for formats whose integers are
// signed 64-bit (OTLP, CEF), saturating rather than wrapping.
func Counter(v uint64) int64 { return int64(min(v, math.MaxInt64)) }
