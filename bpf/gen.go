package bpf

//go:generate go tool bpf2go -cc clang -cflags "-O2 -g -Wall -Werror -nostdinc -Iinclude" -target bpfel -go-package bpf zeta endpoint.c
