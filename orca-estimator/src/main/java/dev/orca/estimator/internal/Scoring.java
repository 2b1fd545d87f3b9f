package dev.orca.estimator.internal;

import dev.orca.arrow.FloatBlock;
import dev.orca.arrow.Shard;
import dev.orca.arrow.TensorView;
import dev.orca.common.Serialization;
import dev.orca.data.ColumnFunction;
import dev.orca.data.XShards;
import dev.orca.nn.Engine;
import dev.orca.nn.InputSplit;
import dev.orca.nn.Model;
import dev.orca.nn.Tensor;
import dev.orca.nn.TrainingStep;
import dev.orca.nn.metrics.MetricSums;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;

/**
 * Predict and evaluate where each partition lies, without a ring: the model file travels with the
 * task, is loaded once per task (and closed when the task ends), and scores the shards' feature
 * blocks in place, in batches: the block is viewed as the model's input and the prediction written
 * straight into the new Arrow column.
 */
public final class Scoring implements Serializable {
  private static final long serialVersionUID = 1L;

  private final byte[] modelFile;
  private final int threads;
  private final int batchSize;

  /** What the driver registered for serialization (a user's layers), registered before reading. */
  private final String[] registeredClasses = Serialization.registeredNames().toArray(new String[0]);

  private transient Loaded loaded;

  /**
   * Scoring with the model in {@code modelFile}, {@code threads} engine threads, {@code batchSize}
   * rows at a time.
   */
  public Scoring(byte[] modelFile, int threads, int batchSize) {
    this.modelFile = modelFile;
    this.threads = threads;
    this.batchSize = batchSize;
  }

  /** The column function that writes predictions; {@code what} names the data in errors. */
  public ColumnFunction predictions(String what) {
    return (shard, out) -> predictInto(shard, out, what);
  }

  private void predictInto(Shard shard, FloatBlock out, String what) {
    if (shard.rows() == 0) {
      return;
    }
    Loaded m = loaded();
    m.split.checkWidth(shard.features().width(), what);
    Tensor features = TensorView.of(shard.features());
    Tensor predictions = TensorView.of(out);
    for (int start = 0; start < shard.rows(); start += batchSize) {
      int n = Math.min(batchSize, shard.rows() - start);
      m.model.predictInto(m.split.rows(features, start, n), predictions.rows(start, start + n));
    }
  }

  /**
   * The loss and metric sums of the model over {@code data}, packed ({@link MetricSums#pack}), or
   * null if it has no partitions. An Orca error of a task (a shard of the wrong width) is thrown as
   * itself, not inside Spark's job failure.
   */
  public double[] evaluate(XShards data, String what) {
    List<double[]> parts =
        SparkActions.run(() -> data.rdd().mapPartitions(it -> evaluate(it, what)).collect());
    double[] total = null;
    for (double[] p : parts) {
      if (total == null) {
        total = p.clone();
      } else {
        MetricSums.add(total, p);
      }
    }
    return total;
  }

  /**
   * Loss sum, row count and metric states of one partition, packed to be summed over partitions.
   */
  private Iterator<double[]> evaluate(Iterator<Shard> shards, String what) {
    Loaded m = loaded();
    TrainingStep step = m.model.trainingStep();
    MetricSums sums = step.newSums();
    while (shards.hasNext()) {
      try (Shard s = shards.next()) {
        if (s.rows() > 0) {
          m.split.checkWidth(s.features().width(), what);
          step.evaluate(
              m.split.over(TensorView.of(s.features())),
              TensorView.of(s.labels()),
              batchSize,
              sums);
        }
      }
    }
    return List.of(sums.pack()).iterator();
  }

  private synchronized Loaded loaded() {
    if (loaded == null) {
      Serialization.registerNames(List.of(registeredClasses));
      Model model = Model.fromBytes(modelFile, Engine.create(threads));
      Loaded l = new Loaded(model, InputSplit.of(model));
      TaskContext task = TaskContext.get();
      if (task != null) {
        task.addTaskCompletionListener((TaskContext ctx) -> l.close());
      }
      loaded = l;
    }
    return loaded;
  }

  /** The model of this task and the split of its inputs, closed together when the task ends. */
  private record Loaded(Model model, InputSplit split) implements AutoCloseable {
    @Override
    public void close() {
      split.close();
      model.close();
    }
  }
}
