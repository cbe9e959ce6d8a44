#include "heap_stats.h"

#if defined(__linux__)
// features.h first: it is what defines __GLIBC__, which the test below reads.
#include <features.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

long tether_heap_in_use_bytes(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 info = mallinfo2();
    return (long)(info.uordblks + info.hblkhd);
#else
    return -1;
#endif
}
