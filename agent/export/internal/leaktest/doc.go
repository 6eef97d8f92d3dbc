// Package leaktest checks that a test leaves no goroutines or file
// descriptors behind.
package leaktest
