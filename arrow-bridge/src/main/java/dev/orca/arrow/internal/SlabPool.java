package dev.orca.arrow.internal;

import dev.orca.OrcaConfigurationException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.WeakHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ForeignAllocation;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.unsafe.UnsafeAllocationManager;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;

/**
 * The slabs of shard memory ({@link Slabs}) this JVM keeps after their shards are closed, so that
 * the next conversion in this executor writes memory already touched: the first touch of new memory
 * (the kernel zeroing each page) is about a third of a conversion's CPU. Bounded by {@link
 * #SPARK_SETTING} (or the system property {@link #PROPERTY}; default {@link #defaultMaxBytes()}); a
 * slab that does not fit is freed as before, and {@code 0} turns the pool off.
 *
 * <p>Accounting: a slab lent to a task is Arrow memory of the task (and then of the shards that
 * hold its pieces), as any other buffer; a slab kept idle is accounted, and only then, by this
 * pool's own allocator ({@link #describe()}), which is not under Orca's root, so the root and the
 * tasks' allocators show what shards hold and close empty. Idle slabs count against Orca's limit on
 * Arrow memory ({@code orca.arrow.memory.limit}) all the same: when new memory is needed, idle
 * slabs are freed until the new and the idle fit under it together (a slab given back never breaks
 * it, since it was lent under it). Every thread may take and give back. When the Spark application
 * that converted stops, the idle slabs are freed and slabs still lent are freed when their shards
 * let go; {@link #trim()} frees the idle ones at any time.
 */
public final class SlabPool {
  /** The Spark setting of the most bytes kept, e.g. {@code 256m}; {@code 0} turns the pool off. */
  public static final String SPARK_SETTING = "spark.orca.shard-pool.max-bytes";

  /** The same as a system property, for JVMs whose Spark configuration does not set it. */
  public static final String PROPERTY = "orca.shard-pool.max-bytes";

  /** A cap of no more than this, and no more than a quarter of the heap, by default. */
  static final long DEFAULT_MAX = 256L << 20;

  private static final Pattern SIZE =
      Pattern.compile("\\s*(\\d+)\\s*([kmgt]?)(?:i?b)?\\s*", Pattern.CASE_INSENSITIVE);

  private static final SlabPool POOL = new SlabPool();

  /** Idle slabs by capacity: addresses of memory from {@link MemoryUtil#allocateMemory}. */
  private final TreeMap<Long, ArrayDeque<Long>> idle = new TreeMap<>();

  private final BufferAllocator accounting;
  private long idleBytes;
  private long lentBytes;
  private long reused;
  private long allocated;
  private long freed;

  /** Advanced when the pool is released: slabs lent before are freed when they come back. */
  private long generation;

  /** The cap read at the last take; slabs given back are kept within it. */
  private volatile long maxBytes = -1;

  private final Set<SparkContext> watched = Collections.newSetFromMap(new WeakHashMap<>());

  private SlabPool() {
    RootAllocator own =
        new RootAllocator(
            RootAllocator.configBuilder()
                .allocationManagerFactory(UnsafeAllocationManager.FACTORY)
                .build());
    accounting = own.newChildAllocator("shard memory pool (idle slabs)", 0, Long.MAX_VALUE);
  }

  public static SlabPool get() {
    return POOL;
  }

  /**
   * A slab of at least {@code bytes}, accounted to {@code owner}: a pooled one (the smallest that
   * fits, at most four times as large) if there is one, else new memory. With the pool off, an
   * ordinary buffer of {@code owner}, as before the pool.
   */
  ArrowBuf take(BufferAllocator owner, long bytes) {
    long cap = readMaxBytes();
    maxBytes = cap;
    if (cap == 0) {
      return owner.buffer(bytes);
    }
    long address;
    long size;
    long lentIn;
    List<Long> overLimit = List.of();
    synchronized (this) {
      Map.Entry<Long, ArrayDeque<Long>> fit = idle.ceilingEntry(bytes);
      if (fit != null && fit.getKey() <= 4 * bytes) {
        size = fit.getKey();
        address = fit.getValue().pop();
        if (fit.getValue().isEmpty()) {
          idle.remove(size);
        }
        idleBytes -= size;
        accounting.releaseBytes(size);
        reused++;
      } else {
        size = bytes;
        address = 0;
        allocated++;
        overLimit = idleToFreeFor(size);
      }
      lentBytes += size;
      lentIn = generation;
    }
    overLimit.forEach(MemoryUtil::freeMemory);
    if (address == 0) {
      try {
        address = MemoryUtil.allocateMemory(size);
      } catch (Throwable t) {
        synchronized (this) {
          lentBytes -= size;
          allocated--;
        }
        throw t;
      }
    }
    PooledSlab slab = new PooledSlab(size, address, lentIn);
    try {
      return owner.wrapForeignAllocation(slab);
    } catch (RuntimeException | Error e) {
      slab.release0(); // over the owner's limit: the slab goes back at once
      throw e;
    }
  }

  /**
   * Idle slabs to free, the largest first, so that new memory of {@code size} and the idle slabs
   * together stay within Orca's limit on Arrow memory in this JVM ({@code orca.arrow.memory.limit},
   * which the root allocator enforces on what tasks and shards hold): the pool does not add memory
   * beyond it. Taken out of the pool; the caller frees them, outside the lock.
   */
  private List<Long> idleToFreeFor(long size) {
    RootAllocator root = RootMemory.ifCreated();
    if (root == null || idleBytes == 0) {
      return List.of();
    }
    long room = root.getLimit() - root.getAllocatedMemory() - size;
    List<Long> out = new ArrayList<>();
    while (idleBytes > room && !idle.isEmpty()) {
      Map.Entry<Long, ArrayDeque<Long>> largest = idle.lastEntry();
      long slab = largest.getKey();
      out.add(largest.getValue().pop());
      if (largest.getValue().isEmpty()) {
        idle.remove(slab);
      }
      idleBytes -= slab;
      accounting.releaseBytes(slab);
      freed++;
    }
    return out;
  }

  private void giveBack(PooledSlab slab) {
    long size = slab.getSize();
    long address = slab.address();
    boolean keep;
    synchronized (this) {
      lentBytes -= size;
      keep = slab.generation == generation && idleBytes + size <= maxBytes;
      if (keep) {
        idle.computeIfAbsent(size, s -> new ArrayDeque<>()).push(address);
        idleBytes += size;
        accounting.forceAllocate(size);
      } else {
        freed++;
      }
    }
    if (!keep) {
      MemoryUtil.freeMemory(address);
    }
  }

  /** Frees every idle slab; slabs still lent come back to the pool as before. */
  public void trim() {
    freeIdle(false);
  }

  /**
   * Frees every idle slab, and has every slab lent now freed when it comes back: what the end of
   * the Spark application does.
   */
  public void release() {
    freeIdle(true);
  }

  private void freeIdle(boolean newGeneration) {
    ArrayDeque<Long> addresses = new ArrayDeque<>();
    synchronized (this) {
      if (newGeneration) {
        generation++;
      }
      for (ArrayDeque<Long> same : idle.values()) {
        addresses.addAll(same);
      }
      freed += addresses.size();
      accounting.releaseBytes(idleBytes);
      idleBytes = 0;
      idle.clear();
    }
    addresses.forEach(MemoryUtil::freeMemory);
  }

  /**
   * Has the pool released when {@code sc} stops (in local mode its executors are this JVM; an
   * executor JVM of a cluster gives its memory back when it ends). Once per context; cheap.
   */
  public void releaseWhenStopped(SparkContext sc) {
    synchronized (watched) {
      if (!watched.add(sc)) {
        return;
      }
    }
    sc.addSparkListener(new ReleaseAtEnd());
  }

  /** A named class, so that it reads well among Spark's listeners. */
  private static final class ReleaseAtEnd extends SparkListener {
    @Override
    public void onApplicationEnd(SparkListenerApplicationEnd end) {
      POOL.release();
    }
  }

  /** Bytes of idle slabs kept for the next conversion. */
  public synchronized long idleBytes() {
    return idleBytes;
  }

  /** Bytes of pooled slabs lent to tasks and shards now. */
  public synchronized long lentBytes() {
    return lentBytes;
  }

  /** Slabs taken from the pool rather than allocated, since this JVM started. */
  public synchronized long reusedSlabs() {
    return reused;
  }

  /** Slabs allocated because the pool had none that fit, since this JVM started. */
  public synchronized long allocatedSlabs() {
    return allocated;
  }

  /** Slabs freed (over the cap, trimmed or released), since this JVM started. */
  public synchronized long freedSlabs() {
    return freed;
  }

  /** The pool's allocator, which accounts the idle slabs, for reports. */
  public String describe() {
    return accounting.toVerboseString();
  }

  /**
   * The cap in bytes: {@link #SPARK_SETTING} in this JVM's Spark configuration, else the system
   * property {@link #PROPERTY}, else {@link #defaultMaxBytes()}.
   */
  public static long readMaxBytes() {
    SparkEnv env = SparkEnv.get();
    if (env != null && env.conf().contains(SPARK_SETTING)) {
      return parse(env.conf().get(SPARK_SETTING), SPARK_SETTING);
    }
    String property = System.getProperty(PROPERTY);
    return property != null ? parse(property, PROPERTY) : defaultMaxBytes();
  }

  /** 256 MiB, or a quarter of this JVM's largest heap if that is less. */
  public static long defaultMaxBytes() {
    return Math.min(DEFAULT_MAX, Runtime.getRuntime().maxMemory() / 4);
  }

  static long parse(String value, String setting) {
    Matcher m = SIZE.matcher(value);
    if (m.matches()) {
      try {
        long n = Long.parseLong(m.group(1));
        int shift =
            switch (m.group(2).toLowerCase(Locale.ROOT)) {
              case "k" -> 10;
              case "m" -> 20;
              case "g" -> 30;
              case "t" -> 40;
              default -> 0;
            };
        if (n <= (Long.MAX_VALUE >> shift)) {
          return n << shift;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw new OrcaConfigurationException(
        setting
            + "="
            + value
            + " is not a size: give bytes (e.g. 268435456) or a size such as 256m or 1g;"
            + " 0 turns the shard memory pool off.");
  }

  /** A slab lent out: when the last buffer on it is closed, it comes back to the pool. */
  private static final class PooledSlab extends ForeignAllocation {
    private final long generation;

    PooledSlab(long size, long address, long generation) {
      super(size, address);
      this.generation = generation;
    }

    long address() {
      return memoryAddress();
    }

    @Override
    protected void release0() {
      POOL.giveBack(this);
    }
  }
}
