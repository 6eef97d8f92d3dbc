// Package maps holds one package per datapath map. Each owns the Go twins
// of its map's C key and value structs (a test in package bpf checks their
// layout against the object's BTF) and the code that reads and writes the
// map. Table is the typed update, delete and listing they can share.
package maps
