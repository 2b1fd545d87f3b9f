package dev.orca.data;

import dev.orca.arrow.FloatBlock;
import dev.orca.arrow.Shard;
import java.io.Serializable;

/**
 * Computes a new float column for a shard, writing it into {@code out} ({@code rows x width},
 * off-heap), e.g. a model's predictions from {@code shard.features()}. Used by {@link
 * XShards#withColumn}.
 */
@FunctionalInterface
public interface ColumnFunction extends Serializable {
  void compute(Shard shard, FloatBlock out) throws Exception;
}
