package dev.orca.arrow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Idle slabs of the pool count against Orca's limit on Arrow memory: new memory that would not fit
 * beside them under it has the pool free them first (largest first, only as many as needed).
 */
class SlabPoolLimitTest {
  private static final long MIB = 1 << 20;
  private final SlabPool pool = SlabPool.get();
  private final RootAllocator root = RootMemory.get();
  private long limitBefore;
  private BufferAllocator owner;

  @BeforeEach
  void emptyPoolAndATask() {
    System.setProperty(SlabPool.PROPERTY, "256m");
    pool.trim();
    limitBefore = root.getLimit();
    owner = root.newChildAllocator("a task of SlabPoolLimitTest", 0, Long.MAX_VALUE);
  }

  @AfterEach
  void restore() {
    owner.close();
    root.setLimit(limitBefore);
    pool.trim();
    System.clearProperty(SlabPool.PROPERTY);
  }

  /** What Orca's Arrow memory holds in this JVM: lent (under the root) and idle in the pool. */
  private long held() {
    return root.getAllocatedMemory() + pool.idleBytes();
  }

  @Test
  void newMemoryThatWouldNotFitBesideTheIdleSlabsHasThemFreedFirst() {
    root.setLimit(root.getAllocatedMemory() + 14 * MIB);
    ArrowBuf a = pool.take(owner, 4 * MIB);
    ArrowBuf b = pool.take(owner, 2 * MIB);
    ArrowBuf c = pool.take(owner, 2 * MIB);
    a.close();
    b.close();
    c.close();
    assertEquals(8 * MIB, pool.idleBytes(), "all three kept: 8 of 14 MiB");
    long limit = root.getLimit();

    long freed0 = pool.freedSlabs();
    // 9 MiB fits none of the idle slabs; 8 idle + 9 new would pass the limit of 14: the 4 MiB slab
    // goes (largest first), the two of 2 MiB stay
    ArrowBuf big = pool.take(owner, 9 * MIB);
    assertEquals(1, pool.freedSlabs() - freed0, "one slab freed");
    assertEquals(4 * MIB, pool.idleBytes(), "the two 2 MiB slabs stay");
    assertTrue(held() <= limit, held() + " bytes held, limit " + limit);
    // a 2 MiB request reuses an idle slab, which moves it from idle to lent: nothing is freed
    ArrowBuf small = pool.take(owner, 2 * MIB);
    assertEquals(1, pool.freedSlabs() - freed0);
    assertEquals(2 * MIB, pool.idleBytes());
    small.close();
    big.close();
    assertEquals(13 * MIB, pool.idleBytes(), "given back under the limit, kept");
    assertTrue(held() <= limit, held() + " bytes held, limit " + limit);
  }

  @Test
  void withoutALimitTheIdleSlabsStay() {
    root.setLimit(Long.MAX_VALUE);
    ArrowBuf a = pool.take(owner, 4 * MIB);
    a.close();
    long freed0 = pool.freedSlabs();
    ArrowBuf big = pool.take(owner, 64 * MIB);
    assertEquals(0, pool.freedSlabs() - freed0);
    assertEquals(4 * MIB, pool.idleBytes());
    big.close();
    assertEquals(68 * MIB, pool.idleBytes());
  }
}
