package dev.orca.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.arrow.ArrowMemory;
import dev.orca.arrow.ConversionOptions;
import dev.orca.arrow.Shard;
import dev.orca.arrow.ShardList;
import io.ray.api.ActorHandle;
import io.ray.api.ObjectRef;
import io.ray.api.Ray;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.junit.jupiter.api.Test;

/** Shards handed to Ray actors through the object store (Ray LOCAL mode, in this JVM). */
class XShardsRayTest extends LocalOrcaTest {
  /**
   * A training worker's stand-in: opens its shards with its own allocator and sums their labels.
   */
  public static class Worker {
    public double labelSum(List<RayShard> shards) {
      double sum = 0;
      try (BufferAllocator mine =
          ArrowMemory.root().newChildAllocator("worker", 0, Long.MAX_VALUE)) {
        for (RayShard rs : shards) {
          try (Shard s = rs.open(mine)) {
            for (float v : s.labels().toArray()) {
              sum += v;
            }
          }
        }
      }
      return sum;
    }
  }

  @Test
  void everyShardGoesIntoTheObjectStoreAndOpensEqualInAnActor() {
    XShards xs =
        XShards.fromDataFrame(
            TestData.frame(spark(), 900, 3),
            TestData.FEATURES,
            TestData.LABELS,
            ConversionOptions.defaults().withRowsPerBatch(100).withKeepColumns(List.of("id")));
    List<RayShard> refs = xs.toRay();
    assertEquals(9, refs.size());
    assertEquals(900, refs.stream().mapToInt(RayShard::rows).sum());
    String driverNode = ShardPlacement.currentNodeId();
    assertEquals(
        new HashSet<>(List.of(driverNode)),
        new HashSet<>(refs.stream().map(RayShard::nodeId).toList()));
    assertEquals(0, ArrowMemory.allocatedBytes(), "the tasks closed their shards after the put");

    System.gc(); // the references were made in the tasks: the objects must outlive them
    try (ShardList expected = xs.collect()) {
      for (int i = 0; i < refs.size(); i++) {
        try (Shard fromRay = refs.get(i).open(ArrowMemory.root())) {
          assertTrue(expected.get(i).root().equals(fromRay.root()), "shard " + i);
        }
      }
    }

    List<List<RayShard>> plan = ShardPlacement.assign(refs, List.of(driverNode, driverNode));
    assertEquals(List.of(5, 4), plan.stream().map(List::size).toList());
    List<ObjectRef<Double>> sums = new ArrayList<>();
    for (List<RayShard> mine : plan) {
      ActorHandle<Worker> worker = Ray.actor(Worker::new).remote();
      sums.add(worker.task(Worker::labelSum, mine).remote());
    }
    double total = sums.stream().mapToDouble(ObjectRef::get).sum();
    assertEquals(900 / 3 * (0 + 1 + 2), total, "every label reached one worker once");
  }
}
