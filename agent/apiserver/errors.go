package apiserver

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zeta-net/zeta/agent/inspect"
)

// statusError maps a reader's error to a gRPC status, so that clients can
// tell what is missing from what broke.
func statusError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, inspect.ErrUnknownEndpoint):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, inspect.ErrNotInstalled):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}
