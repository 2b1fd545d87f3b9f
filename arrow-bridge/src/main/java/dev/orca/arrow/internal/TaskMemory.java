package dev.orca.arrow.internal;

import dev.orca.OrcaException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Arrow memory of one Spark task: a child of the JVM's root named after the task, and the
 * shards created in the task. When the task ends (successfully or not), the iterators that hold
 * shards for a consumer Spark may have stopped reading ({@link #closeAtTaskEnd}) close them; shards
 * still open after that were taken and left open by a consumer, and are closed with a warning; then
 * the allocator is closed, and memory still held after that is a leak in Orca itself and fails the
 * task with the allocator's report.
 */
public final class TaskMemory {
  private static final Logger LOG = LoggerFactory.getLogger(TaskMemory.class);
  private static final Map<Long, TaskMemory> BY_TASK = new ConcurrentHashMap<>();

  private final String name;
  private final BufferAllocator allocator;
  private final Set<ShardData> open = ConcurrentHashMap.newKeySet();
  private final List<AutoCloseable> holders = new CopyOnWriteArrayList<>();

  private TaskMemory(String name, BufferAllocator allocator) {
    this.name = name;
    this.allocator = allocator;
  }

  /** The current task's allocator, created on first use; null outside a Spark task. */
  public static BufferAllocator allocatorOrNull() {
    TaskMemory scope = current();
    return scope == null ? null : scope.allocator;
  }

  /** Tracks a shard's data if it was created inside a Spark task; no-op elsewhere. */
  static void track(ShardData data) {
    TaskMemory scope = current();
    if (scope != null) {
      scope.open.add(data);
      data.onRelease(() -> scope.open.remove(data));
    }
  }

  /**
   * Has {@code holder} closed when the current task ends, before open shards are reported: for an
   * iterator holding a shard its consumer has not taken or not finished reading, since Spark may
   * stop reading an iterator early without telling it. No-op outside a Spark task.
   */
  public static void closeAtTaskEnd(AutoCloseable holder) {
    TaskMemory scope = current();
    if (scope != null) {
      scope.holders.add(holder);
    }
  }

  private static TaskMemory current() {
    TaskContext context = TaskContext.get();
    if (context == null) {
      return null;
    }
    return BY_TASK.computeIfAbsent(
        context.taskAttemptId(),
        id -> {
          String name =
              "task " + context.stageId() + "." + context.partitionId() + " (TID " + id + ")";
          TaskMemory scope =
              new TaskMemory(name, RootMemory.get().newChildAllocator(name, 0, Long.MAX_VALUE));
          context.addTaskCompletionListener(new TaskEnd(id));
          return scope;
        });
  }

  private void end() {
    for (AutoCloseable holder : holders) {
      try {
        holder.close();
      } catch (Exception e) {
        LOG.warn("{}: closing {} at the end of the task failed", name, holder, e);
      }
    }
    List<ShardData> left = new ArrayList<>(open);
    if (!left.isEmpty()) {
      LOG.warn(
          "{}: {} shard(s) were not closed by their consumer and are closed now that the task"
              + " ended (close each shard you take from an iterator): {}",
          name,
          left.size(),
          left);
      left.forEach(ShardData::forceRelease);
    }
    long held = allocator.getAllocatedMemory();
    try {
      allocator.close();
    } catch (IllegalStateException e) {
      throw new OrcaException(
          "Arrow memory leaked in "
              + name
              + ": "
              + held
              + " bytes still held"
              + " after every shard was closed. "
              + e.getMessage(),
          e);
    }
  }

  /** A named class rather than a lambda, so the listener reads well in Spark's error reports. */
  private static final class TaskEnd implements org.apache.spark.util.TaskCompletionListener {
    private final long taskAttemptId;

    TaskEnd(long taskAttemptId) {
      this.taskAttemptId = taskAttemptId;
    }

    @Override
    public void onTaskCompletion(TaskContext context) {
      TaskMemory scope = BY_TASK.remove(taskAttemptId);
      if (scope != null) {
        scope.end();
      }
    }
  }
}
