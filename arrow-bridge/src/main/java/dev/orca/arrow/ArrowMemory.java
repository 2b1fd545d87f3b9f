package dev.orca.arrow;

import dev.orca.arrow.internal.RootMemory;
import dev.orca.arrow.internal.SlabPool;
import dev.orca.arrow.internal.TaskMemory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Where Orca's off-heap Arrow memory comes from in this JVM: one root allocator, with a child per
 * Spark task (named after the task) and, below it, a child per shard (named after what the shard
 * holds). A task's allocator is closed when the task ends, after any shard its consumers left open
 * has been closed with a warning, so a leak fails the task instead of growing the executor.
 *
 * <p>All allocators that share buffers must hang off one root (Arrow's rule), so allocators given
 * to Orca ({@code ArrowIpc.fromBytes(bytes, allocator)} and the like) should be children of {@link
 * #root()}.
 *
 * <p>The root uses Arrow's malloc-based allocation manager: memory a shard releases is returned at
 * once rather than kept in a pool (shards a Spark task cut from one slab of memory return it
 * together, when the last of them is closed). Its limit is {@code
 * -Dorca.arrow.memory.limit=<bytes>} (unlimited by default).
 *
 * <p>Those slabs, once every shard cut from them is closed, are kept in a bounded pool for the next
 * conversion in this JVM ({@code spark.orca.shard-pool.max-bytes}, default 256 MiB or a quarter of
 * the heap if less; {@code 0} turns it off): {@link #pooledBytes()}, {@link #trimPool()}. Pooled
 * memory is not part of {@link #allocatedBytes()}, which is what shards hold; it is freed when the
 * Spark application that converted stops.
 */
public final class ArrowMemory {
  private ArrowMemory() {}

  /** The root allocator of this JVM, created on first use. */
  public static BufferAllocator root() {
    return RootMemory.get();
  }

  /**
   * The allocator new shards should hang off: the current Spark task's allocator inside a task,
   * otherwise the root.
   */
  public static BufferAllocator current() {
    BufferAllocator task = TaskMemory.allocatorOrNull();
    return task != null ? task : root();
  }

  /**
   * For an iterator of a Spark task that holds a shard on behalf of its consumer (one it has made
   * but not yet handed out, or one whose rows are being read): {@code holder.close()}, which must
   * be idempotent, is called when the task ends, before the shards still open are reported as not
   * closed. Spark may stop reading an iterator early ({@code show()}, {@code first()}, a limit)
   * without telling it, so such a shard has no other owner left to close it. Outside a Spark task,
   * nothing happens.
   */
  public static void closeWhenTaskEnds(AutoCloseable holder) {
    TaskMemory.closeAtTaskEnd(holder);
  }

  /** Bytes of Arrow memory currently held by Orca in this JVM. */
  public static long allocatedBytes() {
    BufferAllocator root = RootMemory.ifCreated();
    return root == null ? 0 : root.getAllocatedMemory();
  }

  /**
   * Bytes of shard memory this JVM keeps for the next conversion: slabs whose shards are all
   * closed, at most {@code spark.orca.shard-pool.max-bytes}. Not part of {@link #allocatedBytes()}.
   */
  public static long pooledBytes() {
    return SlabPool.get().idleBytes();
  }

  /** Frees the shard memory kept for the next conversion ({@link #pooledBytes()} becomes 0). */
  public static void trimPool() {
    SlabPool.get().trim();
  }

  /** The allocator tree with what each node holds, and the pool's idle slabs, for leak reports. */
  public static String describe() {
    RootAllocator root = RootMemory.ifCreated();
    return (root == null ? "(no Arrow memory allocated yet)" : root.toVerboseString())
        + "\n"
        + SlabPool.get().describe();
  }
}
