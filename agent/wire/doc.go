// Package wire converts between the agent's Go types and the messages of
// its gRPC API (zeta.observer.v1): flow records and filters
// (agent/flow), and the node's state as agent/inspect reads it (status,
// endpoints, identities, policy, connections, counters).
//
// Each type has a pair of functions, ...ToProto for the server
// (agent/apiserver) and ...FromProto for the client (agent/apiclient),
// so that both ends print through the same inspect types and zetactl's
// output is the same whether it asks the agent or reads the pins. The
// round trip is lossless; the tests check that, and that every JSON field
// of flow.Record has a proto field of the same name.
package wire
