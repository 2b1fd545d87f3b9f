package dev.orca.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.arrow.internal.SlabPool;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pool of shard memory kept across conversions in one JVM (the executor, in local mode): a
 * second conversion takes the slabs the first gave back instead of new memory, the cap holds, a cap
 * of 0 is the behaviour before the pool, tasks converting at once share it, and the shards are the
 * same bytes whichever memory they were written to.
 */
class ShardPoolTest {
  private static final int FEATURES = 32;
  private static final SlabPool POOL = SlabPool.get();

  /** Lets two tasks of one job meet while each holds every shard (and slab) it made. */
  private static volatile CountDownLatch bothHolding;

  /**
   * Lets neither task close its shards before both have read what the pool has lent: without it the
   * faster task could give its slabs back before the other one read the count.
   */
  private static volatile CountDownLatch bothRead;

  private static SparkSession spark;
  private static Dataset<Row> cached;

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("arrow-bridge shard pool test")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    // 2 partitions of 100,000 rows: 7 shards of 2 MiB of features each, cut from 4 slabs
    cached = frame(200_000, 2).cache();
    cached.count();
  }

  @AfterAll
  static void stopSpark() {
    cached.unpersist(true);
    spark.stop();
  }

  /** Arrow memory held before each test (another test class may leave some on purpose). */
  private long heldBefore;

  @BeforeEach
  void startWithAnEmptyPool() {
    System.setProperty(SlabPool.PROPERTY, "256m");
    POOL.trim();
    heldBefore = ArrowMemory.allocatedBytes();
  }

  @AfterEach
  void nothingIsLentAndTheTasksGaveTheirMemoryBack() {
    System.clearProperty(SlabPool.PROPERTY);
    assertEquals(0, POOL.lentBytes(), "every slab came back to the pool or was freed");
    assertEquals(heldBefore, ArrowMemory.allocatedBytes(), ArrowMemory.describe());
  }

  static Dataset<Row> frame(long rows, int partitions) {
    return ShardPoolTestFrames.frame(spark, rows, partitions);
  }

  private static ShardConverter converter(Dataset<Row> df) {
    return ShardPoolTestFrames.converter(df);
  }

  /**
   * Every task takes and holds all its shards (as a trainer does), then writes each as Arrow IPC
   * bytes and closes them all; in partition order.
   */
  private static List<byte[]> convertHoldingAll(Dataset<Row> df, boolean meet) {
    return converter(df)
        .convert(df, "pool")
        .mapPartitions(
            it -> {
              List<Shard> held = new ArrayList<>();
              try {
                it.forEachRemaining(held::add);
                long lent = -1;
                if (meet) {
                  meet(bothHolding, "hold its shards");
                  lent = POOL.lentBytes(); // both tasks hold all their slabs now
                  meet(bothRead, "read what the pool lent");
                }
                List<byte[]> out = new ArrayList<>();
                for (Shard s : held) {
                  out.add(ArrowIpc.toBytes(s));
                }
                if (meet) {
                  out.add(Long.toString(lent).getBytes());
                }
                return out.iterator();
              } finally {
                Shard.closeAll(held);
              }
            })
        .collect();
  }

  private static void meet(CountDownLatch latch, String what) throws InterruptedException {
    latch.countDown();
    if (!latch.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the other task did not " + what + " within 60 s");
    }
  }

  private static void assertSameBytes(List<byte[]> expected, List<byte[]> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), "shard " + i);
    }
  }

  @Test
  void aSecondConversionWritesTheSlabsTheFirstGaveBackAndMakesTheSameShards() {
    // one partition, so that the slabs are asked for in the same order each time
    Dataset<Row> one = frame(100_000, 1).cache();
    try {
      long allocated0 = POOL.allocatedSlabs();
      long reused0 = POOL.reusedSlabs();
      List<byte[]> first = convertHoldingAll(one, false);
      assertEquals(7, first.size(), "6 shards of 16,384 rows and the rest");
      // slabs of 4 MiB (for one shard of 2 MiB), 4 again, 8 (three shards) and 16 MiB
      assertEquals(4, POOL.allocatedSlabs() - allocated0, "the first conversion allocates");
      assertEquals(0, POOL.reusedSlabs() - reused0);
      long kept = POOL.idleBytes();
      assertEquals((32L << 20) - 4 * 4096, kept, "the pool keeps all four, each 4 KiB short");

      List<byte[]> second = convertHoldingAll(one, false);
      assertEquals(4, POOL.allocatedSlabs() - allocated0, "no new memory: every slab was pooled");
      assertEquals(4, POOL.reusedSlabs() - reused0, "the four slabs were taken again");
      assertEquals(kept, POOL.idleBytes(), "and given back again");
      assertSameBytes(first, second);
    } finally {
      one.unpersist(true);
    }
  }

  @Test
  void withThePoolOffSlabsAreNeitherTakenNorKeptAndTheShardsAreTheSame() {
    List<byte[]> pooled = convertHoldingAll(cached, false);
    pooled = convertHoldingAll(cached, false); // written into memory the first one used
    System.setProperty(SlabPool.PROPERTY, "0");
    POOL.trim();
    long allocated0 = POOL.allocatedSlabs();
    long reused0 = POOL.reusedSlabs();
    List<byte[]> off = convertHoldingAll(cached, false);
    assertEquals(0, POOL.allocatedSlabs() - allocated0, "slabs are the tasks' own buffers");
    assertEquals(0, POOL.reusedSlabs() - reused0);
    assertEquals(0, POOL.idleBytes(), "nothing kept after the conversion");
    assertSameBytes(off, pooled);
  }

  @Test
  void theCapBoundsWhatThePoolKeepsAndSlabsBeyondItAreFreed() {
    long cap = 6L << 20;
    System.setProperty(SlabPool.PROPERTY, "6m");
    long freed0 = POOL.freedSlabs();
    convertHoldingAll(cached, false);
    assertTrue(POOL.idleBytes() > 0, "the slabs that fit are kept");
    assertTrue(POOL.idleBytes() <= cap, POOL.idleBytes() + " bytes kept, cap " + cap);
    assertTrue(POOL.freedSlabs() - freed0 >= 4, "the 8 and 16 MiB slabs are freed");
    long allocated0 = POOL.allocatedSlabs();
    convertHoldingAll(cached, false);
    assertTrue(POOL.allocatedSlabs() > allocated0, "what was not kept is allocated again");
    assertTrue(POOL.idleBytes() <= cap, POOL.idleBytes() + " bytes kept, cap " + cap);
  }

  @Test
  void tasksConvertingAtOnceShareThePoolAndEachGetsItsOwnMemory() {
    System.setProperty(SlabPool.PROPERTY, "0");
    Dataset<Row> many = frame(400_000, 8).cache();
    try {
      List<byte[]> reference = convertHoldingAll(many, false);
      System.setProperty(SlabPool.PROPERTY, "256m");
      // eight partitions on two task threads: slabs go back and are taken while the other task
      // takes and gives back its own
      for (int run = 0; run < 3; run++) {
        assertSameBytes(reference, convertHoldingAll(many, false));
      }
      long reused0 = POOL.reusedSlabs();
      // two tasks that each hold all their shards at the same moment: their slabs are lent at
      // once, so neither can have been given the other's
      bothHolding = new CountDownLatch(2);
      bothRead = new CountDownLatch(2);
      List<byte[]> met = new ArrayList<>(convertHoldingAll(cached, true));
      long lentWhileBothHeld =
          Math.min(Long.parseLong(new String(met.get(7))), Long.parseLong(new String(met.get(15))));
      met.remove(15);
      met.remove(7);
      assertSameBytes(convertHoldingAll(cached, false), met);
      assertTrue(
          lentWhileBothHeld >= 2 * 6 * (16_384L * FEATURES * 4),
          "both tasks' slabs lent at once: " + lentWhileBothHeld);
      assertTrue(POOL.reusedSlabs() > reused0, "from the pool");
    } finally {
      many.unpersist(true);
    }
  }
}
