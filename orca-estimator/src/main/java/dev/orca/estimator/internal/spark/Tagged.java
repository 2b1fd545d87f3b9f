package dev.orca.estimator.internal.spark;

import dev.orca.arrow.ArrowIpc;
import dev.orca.arrow.ArrowMemory;
import dev.orca.arrow.Shard;
import java.io.Serial;
import java.io.Serializable;

/**
 * A shard on its way to a training worker: training or validation data, and for training data the
 * global index of its first row. Serializable (through the shard's Arrow IPC) for when shards must
 * be spread over more workers than there are partitions. Serializing it hands the shard over:
 * Spark's shuffle drops what it has written, so the shard is closed once its bytes are taken; the
 * copy that arrives is opened in the receiving task's memory, and the worker closes it.
 */
public record Tagged(boolean validation, long firstRow, Shard shard) implements Serializable {
  @Serial
  private Object writeReplace() {
    try (Shard s = shard) {
      return new Shipped(validation, firstRow, s.name(), ArrowIpc.toBytes(s));
    }
  }

  /** The serialized form: the tags, the shard's name and its Arrow IPC bytes. */
  private record Shipped(boolean validation, long firstRow, String name, byte[] ipc)
      implements Serializable {
    @Serial
    private Object readResolve() {
      return new Tagged(
          validation,
          firstRow,
          ArrowIpc.fromBytes(ipc, ArrowMemory.current(), name + " (shuffled)"));
    }
  }
}
