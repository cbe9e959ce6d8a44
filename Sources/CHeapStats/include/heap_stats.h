#ifndef TETHER_HEAP_STATS_H
#define TETHER_HEAP_STATS_H

#include <stddef.h>

/// Bytes malloc has handed out and not had back, over every arena (glibc's mallinfo2: in-use
/// chunks plus mmapped blocks); -1 where the C library cannot say. For the benchmark only.
long tether_heap_in_use_bytes(void);

#endif
