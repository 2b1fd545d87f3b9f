package dev.orca.arrow.internal;

import dev.orca.arrow.FloatBlock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The memory behind one or more shard handles: the record batch, the vectors this shard created (in
 * its own allocator) and the handles of parent shards whose vectors it shows as well. Counted
 * references: the last handle to close frees the vectors, closes the allocator and releases the
 * parents.
 */
public final class ShardData {
  private final String name;
  private final VectorSchemaRoot root;
  private final BufferAllocator allocator;
  private final List<FieldVector> owned;
  private final List<? extends AutoCloseable> parents;
  private final AtomicInteger refs = new AtomicInteger(1);
  private final AtomicBoolean freed = new AtomicBoolean();
  private final List<Runnable> onRelease = new CopyOnWriteArrayList<>();
  private final Map<String, FloatBlock> blocks = new ConcurrentHashMap<>();

  /**
   * @param root the batch as shards show it
   * @param allocator the allocator of {@code owned}, closed with this data
   * @param owned the vectors this data frees
   * @param parents handles of shards whose vectors {@code root} shows too; closed with this data
   */
  public ShardData(
      String name,
      VectorSchemaRoot root,
      BufferAllocator allocator,
      List<FieldVector> owned,
      List<? extends AutoCloseable> parents) {
    this.name = name;
    this.root = root;
    this.allocator = allocator;
    this.owned = List.copyOf(owned);
    this.parents = List.copyOf(parents);
    TaskMemory.track(this);
  }

  public String name() {
    return name;
  }

  public VectorSchemaRoot root() {
    return root;
  }

  /** The block view of a column, made once per column. */
  public FloatBlock block(String column) {
    return blocks.computeIfAbsent(column, c -> FloatBlock.of(root.getVector(c)));
  }

  public boolean isFreed() {
    return freed.get();
  }

  /** One more handle; fails if the data has been freed already. */
  public void retain() {
    int r;
    do {
      r = refs.get();
      if (r <= 0) {
        throw new IllegalStateException("shard " + name + " is closed");
      }
    } while (!refs.compareAndSet(r, r + 1));
  }

  /** One handle fewer; the last one frees the memory. */
  public void release() {
    if (refs.decrementAndGet() == 0) {
      free();
    }
  }

  /** Frees the memory whatever handles remain: for the end of a task that left shards open. */
  void forceRelease() {
    refs.set(0);
    free();
  }

  void onRelease(Runnable action) {
    onRelease.add(action);
  }

  private void free() {
    if (!freed.compareAndSet(false, true)) {
      return;
    }
    RuntimeException failure = null;
    for (FieldVector v : owned) {
      v.close();
    }
    try {
      allocator.close();
    } catch (RuntimeException e) {
      failure = e;
    }
    for (AutoCloseable parent : parents) {
      try {
        parent.close();
      } catch (Exception e) {
        failure =
            failure != null
                ? failure
                : new IllegalStateException("closing a parent of shard " + name, e);
      }
    }
    onRelease.forEach(Runnable::run);
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public String toString() {
    return name + " (" + root.getRowCount() + " rows)";
  }
}
