// Package retry computes exponential backoff with jitter for exporters'
// delivery attempts, and marks errors that no retry can fix.
package retry
