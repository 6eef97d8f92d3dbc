package flow

// TypeTunnel is the Type of a record of a connection the mutual-TLS
// tunnel carried or refused, reported once when it ends: both peers carry
// their SPIFFE IDs, Totals the payload each way (no packet counts).
const TypeTunnel = "tunnel"
