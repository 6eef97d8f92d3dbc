/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* Minimal stand-in for the UAPI <linux/types.h>: the BPF target has no libc
 * or multiarch asm headers, and the vendored <linux/bpf.h> needs only these. */
#ifndef __ZETA_LINUX_TYPES_H
#define __ZETA_LINUX_TYPES_H

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;

typedef __u16 __be16;
typedef __u32 __be32;
typedef __u64 __be64;
typedef __u16 __le16;
typedef __u32 __le32;
typedef __u32 __wsum;
typedef __u16 __sum16;

#define __bitwise
#define __aligned_u64 __u64 __attribute__((aligned(8)))

#endif
