#ifndef CPREFETCH_H
#define CPREFETCH_H

/// Software prefetch, which Swift has no intrinsic for. Header-only: Swift imports the
/// static inline function and inlines it, so a call is one PREFETCHW/PREFETCHT0 instruction.

/// Starts loading the cache line at `p` for writing, into all cache levels. Never faults.
static inline void vpc_prefetch(const void *p) { __builtin_prefetch(p, 1, 3); }

#endif
