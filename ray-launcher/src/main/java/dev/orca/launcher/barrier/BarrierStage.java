package dev.orca.launcher.barrier;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Runs Java code as one Spark barrier stage: every partition becomes a task, all tasks start
 * together (or none does), and each task can exchange messages with the others ({@link
 * BarrierTask#allGather}) and wait for them ({@link BarrierTask#barrier}). If one task fails, Spark
 * stops them all and may rerun the whole stage.
 *
 * <pre>{@code
 * List<String> hosts = BarrierStage.run(rdd, (task, rows) ->
 *     task.allGather(InetAddress.getLocalHost().getHostName()).iterator());
 * }</pre>
 */
public final class BarrierStage {
  /** How long {@link #run} waits for executors to register on a cluster before giving up. */
  public static final Duration DEFAULT_EXECUTOR_WAIT = Duration.ofSeconds(30);

  private BarrierStage() {}

  /** The barrier stage as a lazy RDD: nothing runs until an action is called on it. */
  public static <T, R> JavaRDD<R> mapPartitions(JavaRDD<T> rdd, BarrierFunction<T, R> function) {
    ClassTag<R> tag = anyRef();
    RDD<R> out =
        rdd.rdd().barrier().mapPartitions(new ScalaPartitionFunction<>(function), false, tag);
    return new JavaRDD<>(out, tag);
  }

  /**
   * Checks that the stage can be scheduled (see {@link TaskSlots#require}), runs it and returns the
   * results of all tasks, in partition order.
   */
  public static <T, R> List<R> run(JavaRDD<T> rdd, BarrierFunction<T, R> function) {
    TaskSlots.require(
        rdd.context(), rdd.getNumPartitions(), "This barrier stage", DEFAULT_EXECUTOR_WAIT);
    return mapPartitions(rdd, function).collect();
  }

  /** Runs {@code tasks} tasks without input data; each sees its partition id as its one element. */
  public static <R> List<R> run(
      JavaSparkContext jsc, int tasks, BarrierFunction<Integer, R> function) {
    return run(indices(jsc, tasks), function);
  }

  /** An RDD of {@code n} partitions whose partition {@code i} holds the one element {@code i}. */
  public static JavaRDD<Integer> indices(JavaSparkContext jsc, int n) {
    return jsc.parallelize(IntStream.range(0, Math.max(n, 0)).boxed().toList(), Math.max(n, 1));
  }

  @SuppressWarnings("unchecked")
  private static <R> ClassTag<R> anyRef() {
    return (ClassTag<R>) ClassTag$.MODULE$.AnyRef();
  }
}
