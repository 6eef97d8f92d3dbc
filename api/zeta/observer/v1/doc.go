// Package observerv1 is the generated Go code of zeta.observer.v1, the
// node agent's gRPC API (observer.proto beside it): the Observer service
// that agent/apiserver implements and agent/apiclient calls, and the Flow
// message whose field names are those of the JSON flow records
// (agent/flow.Record).
//
// `make generate` regenerates observer.pb.go and observer_grpc.pb.go with
// buf and the pinned protoc-gen-go and protoc-gen-go-grpc; CI fails when
// the committed files differ from what the .proto produces.
package observerv1
