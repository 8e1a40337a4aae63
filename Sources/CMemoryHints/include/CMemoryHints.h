#ifndef CMEMORYHINTS_H
#define CMEMORYHINTS_H

/// Memory hints Swift has no API for. Header-only: Swift imports the static inline
/// functions and inlines them.

/// Starts loading the cache line at `p` for writing, into all cache levels. Never faults.
/// One PREFETCHW/PREFETCHT0 instruction.
static inline void vpc_prefetch(const void *p) { __builtin_prefetch(p, 1, 3); }

#endif
