package dev.orca.data;

import dev.orca.arrow.ArrowIpc;
import dev.orca.arrow.Shard;
import io.ray.api.ObjectRef;
import java.io.Serializable;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A shard in the Ray object store, as Arrow IPC bytes: the reference, the Ray node the object lies
 * on, and where it came from. A Ray actor opens it with {@link #open} in its own memory.
 */
public final class RayShard implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ObjectRef<byte[]> ref;
  private final String nodeId;
  private final int partition;
  private final int index;
  private final int rows;
  private final long bytes;

  public RayShard(
      ObjectRef<byte[]> ref, String nodeId, int partition, int index, int rows, long bytes) {
    this.ref = ref;
    this.nodeId = nodeId;
    this.partition = partition;
    this.index = index;
    this.rows = rows;
    this.bytes = bytes;
  }

  /** The object holding the shard's IPC bytes. */
  public ObjectRef<byte[]> ref() {
    return ref;
  }

  /** The id of the Ray node whose object store holds the bytes (hex, as Ray prints it). */
  public String nodeId() {
    return nodeId;
  }

  /** The XShards partition the shard came from. */
  public int partition() {
    return partition;
  }

  /** The shard's position within its partition. */
  public int index() {
    return index;
  }

  public int rows() {
    return rows;
  }

  /** The size of the IPC bytes. */
  public long bytes() {
    return bytes;
  }

  /**
   * Fetches the bytes and opens them as a shard in a new child of {@code parent}; the caller closes
   * it.
   */
  public Shard open(BufferAllocator parent) {
    return ArrowIpc.fromBytes(ref.get(), parent, "ray shard " + partition + "." + index);
  }

  @Override
  public String toString() {
    return "RayShard["
        + partition
        + "."
        + index
        + ", "
        + rows
        + " rows, "
        + bytes
        + " bytes, node "
        + nodeId
        + "]";
  }
}
