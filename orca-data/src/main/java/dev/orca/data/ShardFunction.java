package dev.orca.data;

import dev.orca.arrow.Shard;
import java.io.Serializable;

/**
 * A function from a shard to a shard, run in the Spark tasks ({@link XShards#transformShard}). It
 * may return its input, or a new shard; if it returns another shard, the input is closed after the
 * call, so a result that shares the input's memory must hold its own handle (as the shards made by
 * {@link Shard#withColumn} and {@link Shard#withColumnsOf} do).
 */
@FunctionalInterface
public interface ShardFunction extends Serializable {
  Shard apply(Shard shard) throws Exception;
}
