package dev.orca.arrow.internal;

import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.rounding.SegmentRoundingPolicy;
import org.apache.arrow.memory.unsafe.UnsafeAllocationManager;

/**
 * The one root allocator of Orca's Arrow memory in this JVM, created on first use: malloc-based
 * (memory a shard releases is returned at once, not pooled), limited by {@code
 * -Dorca.arrow.memory.limit=<bytes>} (unlimited by default).
 */
public final class RootMemory {
  private static volatile RootAllocator root;

  private RootMemory() {}

  public static RootAllocator get() {
    RootAllocator r = root;
    if (r == null) {
      synchronized (RootMemory.class) {
        if (root == null) {
          long limit = Long.getLong("orca.arrow.memory.limit", Long.MAX_VALUE);
          root =
              new RootAllocator(
                  RootAllocator.configBuilder()
                      .allocationManagerFactory(UnsafeAllocationManager.FACTORY)
                      // malloc needs no power-of-two sizes; rounding each batch up to one would
                      // waste up to half
                      .roundingPolicy(
                          new SegmentRoundingPolicy(SegmentRoundingPolicy.MIN_SEGMENT_SIZE))
                      .maxAllocation(limit)
                      .build());
        }
        r = root;
      }
    }
    return r;
  }

  /** The root if it was created, else null (nothing allocated yet). */
  public static RootAllocator ifCreated() {
    return root;
  }
}
