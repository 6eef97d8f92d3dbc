// Package spire is the SVID source backed by a SPIRE agent: Zeta's node
// agent is an authorized delegate of the SPIRE agent on its node and
// fetches the SVIDs of the node's workloads through SPIRE's Delegated
// Identity API on the SPIRE agent's admin socket.
//
// For each workload handed to SetWorkloads the Source keeps one
// SubscribeToX509SVIDs stream open with the workload's selectors (by
// default the k8s workload attestor's, built from the pod's metadata);
// SPIRE answers with every SVID whose registration entry those selectors
// satisfy, and pushes new ones as it rotates them. One
// SubscribeToX509Bundles stream keeps the trust bundles, federated ones
// included. Streams reconnect with exponential backoff; while SPIRE is
// unreachable the Source keeps serving the last SVIDs and bundles it
// received (they stay valid until they expire) and reports not ready.
//
// The SPIRE agent must list the Zeta agent's SPIFFE ID in its
// authorized_delegates, and a registration entry must give the Zeta agent
// that ID (for example with k8s selectors of its own pod, or unix:uid:0).
// The admin socket must not be in the directory of the Workload API
// socket, or the SPIRE agent refuses to start.
//
// Run owns the gRPC connection and every stream: they live until its
// context is done, and Run returns after all of them have stopped.
package spire
