package dev.orca.launcher.barrier;

import java.io.Serializable;
import java.util.Iterator;

/**
 * The work of one task of a barrier stage: it gets its partition and a handle to its peers, and
 * returns its results. Shipped to the executors, so it must be serializable.
 *
 * @param <T> the type of the partition's elements
 * @param <R> the type of the results
 */
@FunctionalInterface
public interface BarrierFunction<T, R> extends Serializable {
  Iterator<R> apply(BarrierTask task, Iterator<T> partition) throws Exception;
}
