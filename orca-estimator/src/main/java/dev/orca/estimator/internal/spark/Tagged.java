package dev.orca.estimator.internal.spark;

import dev.orca.arrow.Shard;
import java.io.Serializable;

/**
 * A shard on its way to a training worker: training or validation data, and for training data
 * the global index of its first row. Serializable (through the shard's Arrow IPC) for when shards
 * must be spread over more workers than there are partitions.
 */
public record Tagged(boolean validation, long firstRow, Shard shard) implements Serializable {}
