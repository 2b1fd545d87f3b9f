package dev.orca.data.internal;

import dev.orca.OrcaException;
import dev.orca.arrow.ArrowIpc;
import dev.orca.arrow.Shard;
import dev.orca.context.OrcaContext;
import dev.orca.data.RayShard;
import dev.orca.launcher.ray.RayMode;
import io.ray.api.ObjectRef;
import io.ray.api.Ray;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The one place XShards talk to Ray: shards put into the object store as Arrow IPC bytes, from the
 * tasks when they share this JVM with Ray's LOCAL runtime, else streamed through the driver (see
 * {@code XShards.toRay} for why and what a real cluster would need).
 */
public final class RayHandOver {
  /** The node id of everything in Ray's LOCAL mode (one process, one node). */
  public static final String LOCAL_NODE = "local";

  private RayHandOver() {}

  /** A shard's bytes and where it came from, on their way to the driver. */
  record Bytes(int partition, int index, int rows, byte[] ipc) implements Serializable {}

  public static List<RayShard> put(JavaRDD<Shard> shards, JavaSparkContext jsc) {
    RayMode mode = startRay();
    if (mode == RayMode.LOCAL && jsc.sc().isLocal()) {
      return SparkJobs.run(
          () -> shards.mapPartitionsWithIndex((p, it) -> putEach(it, p), false).collect());
    }
    String node = nodeId();
    List<RayShard> out = new ArrayList<>();
    JavaRDD<Bytes> bytes =
        shards.mapPartitionsWithIndex(
            (p, it) -> {
              int[] index = {0};
              return ShardStreams.closing(
                  it, s -> new Bytes(p, index[0]++, s.rows(), ArrowIpc.toBytes(s)));
            },
            false);
    SparkJobs.run(
        () -> {
          // toLocalIterator fetches one partition at a time: the driver never holds all the bytes
          bytes
              .toLocalIterator()
              .forEachRemaining(
                  b ->
                      out.add(
                          new RayShard(
                              Ray.put(b.ipc()),
                              node,
                              b.partition(),
                              b.index(),
                              b.rows(),
                              b.ipc().length)));
          return null;
        });
    return out;
  }

  private static Iterator<RayShard> putEach(Iterator<Shard> it, int partition) {
    List<RayShard> out = new ArrayList<>();
    String node = nodeId();
    int index = 0;
    while (it.hasNext()) {
      try (Shard s = it.next()) {
        byte[] ipc = ArrowIpc.toBytes(s);
        ObjectRef<byte[]> ref = Ray.put(ipc);
        out.add(new RayShard(ref, node, partition, index++, s.rows(), ipc.length));
      }
    }
    return out.iterator();
  }

  private static RayMode startRay() {
    if (OrcaContext.active().isPresent()) {
      return OrcaContext.get().ray().mode();
    }
    if (!Ray.isInitialized()) {
      throw new OrcaException(
          "Ray is not running, so shards cannot be put into its object store. Start Orca"
              + " with OrcaContext.init() (Ray starts on first use) or connect to Ray first.");
    }
    return Ray.getRuntimeContext().isLocalMode() ? RayMode.LOCAL : RayMode.EXISTING;
  }

  /**
   * The Ray node this code runs on; {@link #LOCAL_NODE} in Ray's LOCAL mode, which has no node ids.
   */
  public static String nodeId() {
    return Ray.getRuntimeContext().isLocalMode()
        ? LOCAL_NODE
        : Ray.getRuntimeContext().getCurrentNodeId().toString();
  }
}
