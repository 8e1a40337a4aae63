#ifndef CMEMORYHINTS_H
#define CMEMORYHINTS_H

/// Memory hints Swift has no API for: software prefetch and the transparent-huge-page
/// advice. Header-only: Swift imports the static inline functions and inlines them.

#include <stddef.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/// Starts loading the cache line at `p` for writing, into all cache levels. Never faults.
/// One PREFETCHW/PREFETCHT0 instruction.
static inline void vpc_prefetch(const void *p) { __builtin_prefetch(p, 1, 3); }

/// Asks the kernel to back `[p, p + n)` with transparent huge pages (Linux
/// `madvise(MADV_HUGEPAGE)`; honoured when THP is in `always` or `madvise` mode). `p` must
/// be page-aligned; only the 2 MB-aligned 2 MB blocks inside the range can become huge
/// pages. Advisory: returns 0 if the kernel took the advice, -1 if it refused or the
/// platform has no such advice (the memory then stays on base pages).
static inline int vpc_advise_huge_pages(void *p, size_t n) {
#if defined(MADV_HUGEPAGE)
    return madvise(p, n, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
    return -1;
#endif
}

#endif
