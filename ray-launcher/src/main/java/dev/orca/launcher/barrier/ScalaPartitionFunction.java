package dev.orca.launcher.barrier;

import dev.orca.launcher.LauncherException;
import java.io.Serializable;
import org.apache.spark.BarrierTaskContext;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * The one adapter from a Java {@link BarrierFunction} to the Scala function that {@code
 * RDDBarrier.mapPartitions} takes (Java's {@code JavaRDD} has no {@code barrier()}).
 */
final class ScalaPartitionFunction<T, R> extends AbstractFunction1<Iterator<T>, Iterator<R>>
    implements Serializable {
  private static final long serialVersionUID = 1L;
  private final BarrierFunction<T, R> function;

  ScalaPartitionFunction(BarrierFunction<T, R> function) {
    this.function = function;
  }

  @Override
  public Iterator<R> apply(Iterator<T> partition) {
    BarrierTask task = new BarrierTask(BarrierTaskContext.get());
    try {
      return CollectionConverters.asScala(
          function.apply(task, CollectionConverters.asJava(partition)));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new LauncherException("barrier task " + task.partitionId() + " failed: " + e, e);
    }
  }
}
