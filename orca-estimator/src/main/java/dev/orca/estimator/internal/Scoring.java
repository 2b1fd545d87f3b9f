package dev.orca.estimator.internal;

import dev.orca.arrow.FloatBlock;
import dev.orca.arrow.Shard;
import dev.orca.data.ColumnFunction;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import dev.orca.estimator.internal.worker.MetricSums;

/**
 * Predict and evaluate where each partition lies, without a ring: the model file travels with the
 * task, is loaded once per task (and closed when the task ends), and scores the shards' feature
 * blocks in place: the block is viewed as the model's input and the prediction written straight
 * into the new Arrow column.
 */
public final class Scoring implements Serializable {
  private static final long serialVersionUID = 1L;

  private final byte[] modelFile;
  private final int threads;
  private transient Model model;

  public Scoring(byte[] modelFile, int threads) {
    this.modelFile = modelFile;
    this.threads = threads;
  }

  /** The column function that writes predictions. */
  public ColumnFunction predictions() {
    return (shard, out) -> predictInto(shard, out);
  }

  private void predictInto(Shard shard, FloatBlock out) {
    if (shard.rows() == 0) {
      return;
    }
    Model m = model();
    try (Tensors x = inputs(m, shard.features());
        Tensor y = Tensor.wrap(out.address(), (long) out.rows() * out.width(), out.rows(), out.width())) {
      if (x.tensors.length == 1) {
        m.predictInto(x.tensors[0], y);
      } else {
        try (Tensor p = m.predict(x.tensors)) {
          y.copyFrom(p.reshape(y.dim(0), y.dim(1)));
        }
      }
    }
  }

  /** Loss sum, row count and metric states of one partition, to be summed over partitions. */
  public Iterator<double[]> evaluate(Iterator<Shard> shards) {
    Model m = model();
    Loss loss = m.loss();
    List<Metric> metrics = m.metrics();
    double[][] states = MetricSums.newStates(metrics);
    double lossSum = 0;
    long rows = 0;
    while (shards.hasNext()) {
      try (Shard s = shards.next()) {
        if (s.rows() == 0) {
          continue;
        }
        FloatBlock l = s.labels();
        try (Tensors x = inputs(m, s.features());
            Tensor y = Tensor.wrap(l.address(), (long) l.rows() * l.width(), l.rows(), l.width())) {
          Tensor out = m.forward(false, x.tensors)[0];
          lossSum += loss.compute(out, y, null) * s.rows();
          rows += s.rows();
          for (int i = 0; i < metrics.size(); i++) {
            metrics.get(i).update(states[i], out, y);
          }
        }
      }
    }
    double[] all = MetricSums.pack(lossSum, rows, states);
    return List.of(all).iterator();
  }

  private synchronized Model model() {
    if (model == null) {
      try {
        model = Model.load(new ByteArrayInputStream(modelFile), Engine.create(threads));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the model sent to this task", e);
      }
      Model loaded = model;
      TaskContext task = TaskContext.get();
      if (task != null) {
        task.addTaskCompletionListener((TaskContext ctx) -> loaded.close());
      }
    }
    return model;
  }

  /** The model's inputs over a feature block: a view for one input, copies of column ranges for several. */
  private static Tensors inputs(Model m, FloatBlock features) {
    Shape[] shapes = m.inputShapes();
    int rows = features.rows();
    Tensor[] t = new Tensor[shapes.length];
    if (shapes.length == 1) {
      t[0] = Tensor.wrap(features.address(), (long) rows * features.width(), dims(rows, shapes[0]));
      return new Tensors(t);
    }
    int col = 0;
    for (int k = 0; k < shapes.length; k++) {
      int w = shapes[k].size();
      t[k] = Tensor.zeros(dims(rows, shapes[k]));
      for (int r = 0; r < rows; r++) {
        org.apache.arrow.memory.util.MemoryUtil.copyMemory(features.address() + 4L * (r * features.width() + col),
            t[k].address() + 4L * r * w, 4L * w);
      }
      col += w;
    }
    return new Tensors(t);
  }

  private static int[] dims(int rows, Shape sample) {
    int[] d = new int[sample.rank() + 1];
    d[0] = rows;
    for (int i = 0; i < sample.rank(); i++) {
      d[i + 1] = sample.dim(i);
    }
    return d;
  }

  /** Input tensors, closed together. */
  private record Tensors(Tensor[] tensors) implements AutoCloseable {
    @Override
    public void close() {
      for (Tensor t : tensors) {
        t.close();
      }
    }
  }
}
