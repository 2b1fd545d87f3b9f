package dev.orca.estimator.internal.worker;

import dev.orca.OrcaDataException;
import dev.orca.collective.PendingReduce;
import dev.orca.collective.RingAllReduce;
import dev.orca.collective.RingOptions;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Optimizer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.util.List;
import org.apache.arrow.memory.util.MemoryUtil;

/**
 * One data-parallel worker: a model replica (compiled, so it carries its optimizer, loss and
 * metrics), its ring endpoint, and the loops that train and evaluate on the rows it holds. Both
 * backends run this same class; they differ only in how workers are hosted and driven.
 *
 * <p>A training step: the rows of this worker that belong to the step's global batch (see
 * {@link BatchPlan}) are gathered into reusable batch tensors, the model runs forward and
 * backward with the loss gradient scaled by {@code localRows / globalRows}, and the gradient
 * buffer is summed across workers while backward still runs (each layer's range is handed to
 * the ring as soon as it is final). The sum is the gradient of the global batch's mean loss, so
 * every worker takes the same optimizer step and the replicas stay identical.
 */
public final class TrainingWorker implements AutoCloseable {
  private final Engine engine;
  private Model model;
  private Loss loss;
  private Optimizer optimizer;
  private List<Metric> metrics;
  private int[] inputWidths;
  private int featureWidth;
  private int outputWidth;
  private RingAllReduce ring;
  private Tensor[] inputs = new Tensor[0];
  private Tensor labels;
  private Tensor gradOut;
  private int capacity;
  private final BatchPlan[] planCache = new BatchPlan[1];

  private TrainingWorker(Engine engine, byte[] modelFile) {
    this.engine = engine;
    load(modelFile);
  }

  /** A worker whose replica is read from a compiled model's file, computing on {@code threads} threads. */
  public static TrainingWorker create(byte[] modelFile, int threads) {
    return new TrainingWorker(Engine.create(threads), modelFile);
  }

  /** Replaces the replica with a model file (a checkpoint), keeping the ring. */
  public void load(byte[] modelFile) {
    Model loaded;
    try {
      loaded = Model.load(new ByteArrayInputStream(modelFile), engine);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model sent to this worker", e);
    }
    if (loaded.optimizer() == null) {
      loaded.close();
      throw new IllegalArgumentException("the model sent to a worker must be compiled");
    }
    if (model != null) {
      model.close();
    }
    model = loaded;
    loss = model.loss();
    optimizer = model.optimizer();
    metrics = model.metrics();
    Shape[] in = model.inputShapes();
    inputWidths = new int[in.length];
    featureWidth = 0;
    for (int k = 0; k < in.length; k++) {
      inputWidths[k] = in[k].size();
      featureWidth += inputWidths[k];
    }
    outputWidth = model.outputShapes()[0].size();
    capacity = 0; // batch tensors are rebuilt for the new model
  }

  public Model model() {
    return model;
  }

  /** Opens this worker's ring endpoint; returns the {@code host:port} to publish. */
  public String openRing(RingOptions options) {
    closeRing();
    ring = RingAllReduce.open(options);
    return ring.localAddress();
  }

  /** Forms the ring with the other workers, then makes every replica equal to rank 0's. */
  public void connectRing(List<String> addresses, int rank) {
    ring.connect(addresses, rank);
    ring.broadcast(model.parameters());
    ring.broadcast(model.state());
  }

  public int rank() {
    return ring.rank();
  }

  /**
   * One epoch over the global data, of which this worker holds {@code data}. Every worker must
   * call it with the same plan and epoch. Returns the epoch's figures over all workers.
   */
  public EpochFigures trainEpoch(LocalData data, BatchPlan plan, int epoch, StepListener listener) {
    checkWidths(data);
    long t0 = System.nanoTime();
    plan.plan(epoch, data.globalIndex());
    double[] globalCounts = plan.counts();
    ring.allReduce(globalCounts);
    int maxLocal = 0;
    for (int b = 0; b < plan.numBatches(); b++) {
      maxLocal = Math.max(maxLocal, plan.count(b));
    }
    ensureCapacity(Math.max(1, maxLocal), data.labelWidth());
    double[][] states = MetricSums.newStates(metrics);
    double lossSum = 0;
    long computeNanos = 0;
    long samples = 0;
    FloatBuffer grads = model.gradients();
    for (int b = 0; b < plan.numBatches(); b++) {
      int n = plan.count(b);
      double total = globalCounts[b];
      if (total == 0) {
        continue; // no worker has rows in this batch: every worker skips it
      }
      PendingReduce pending = ring.startAllReduce(grads);
      long c0 = System.nanoTime();
      if (n > 0) {
        gather(data, plan, b, n);
        Tensor[] x = batchInputs(n);
        Tensor y = labels.rows(0, n);
        model.setStepSeed(stepSeed(epoch, b));
        Tensor out = model.forward(true, x)[0];
        Tensor g = gradOut.rows(0, n);
        double value = loss.compute(out, y, g);
        if (!Double.isFinite(value)) {
          throw new OrcaDataException("the " + loss.name() + " loss became " + value + " in epoch " + (epoch + 1)
              + ", step " + (b + 1) + ": lower the learning rate, clip gradients, or check the data");
        }
        scale(g, (float) (n / total)); // the gradient of this worker's share of the global mean
        for (int m = 0; m < metrics.size(); m++) {
          metrics.get(m).update(states[m], out, y);
        }
        lossSum += value * n;
        samples += n;
        model.backward(pending::ready, g);
      } else {
        zero(grads);
        pending.readyAll();
      }
      long c1 = System.nanoTime();
      pending.await();
      long c2 = System.nanoTime();
      optimizer.step(model.engine(), model.parameterTensor(), model.gradientTensor());
      computeNanos += (c1 - c0) + (System.nanoTime() - c2);
      if (listener != null) {
        listener.step(epoch, b + 1, plan.numBatches(), samples, samples == 0 ? Double.NaN : lossSum / samples);
      }
    }
    return EpochFigures.reduce(ring, lossSum, samples, states, metrics, computeNanos / 1e9,
        (System.nanoTime() - t0) / 1e9);
  }

  /** The loss and metrics of the model on {@code data}, in inference mode, summed over all workers. */
  public EpochFigures evaluate(LocalData data, int batchSize) {
    checkWidths(data);
    long t0 = System.nanoTime();
    int batch = Math.max(1, Math.min(batchSize, Math.max(1, data.rows())));
    ensureCapacity(batch, data.labelWidth());
    double[][] states = MetricSums.newStates(metrics);
    double lossSum = 0;
    for (int start = 0; start < data.rows(); start += batch) {
      int n = Math.min(batch, data.rows() - start);
      gatherRange(data, start, n);
      Tensor y = labels.rows(0, n);
      Tensor out = model.forward(false, batchInputs(n))[0];
      lossSum += loss.compute(out, y, null) * n;
      for (int m = 0; m < metrics.size(); m++) {
        metrics.get(m).update(states[m], out, y);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return EpochFigures.reduce(ring, lossSum, data.rows(), states, metrics, seconds, seconds);
  }

  /** The replica as a model file (weights, state and optimizer). */
  public byte[] modelFile() {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      model.save(out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the model of this worker", e);
    }
  }

  /** Sums small values (flags, counts) over all workers, in place. */
  public void allReduce(double[] values) {
    ring.allReduce(values);
  }

  /** Waits for every worker (used around checkpoints). */
  public void barrier() {
    ring.barrier();
  }

  private void checkWidths(LocalData data) {
    if (data.featureWidth() != featureWidth) {
      throw new OrcaDataException("the data has " + data.featureWidth() + " feature values per row but"
          + " the model's inputs take " + featureWidth);
    }
  }

  private void ensureCapacity(int rows, int labelWidth) {
    if (rows <= capacity && labels != null && labels.dim(1) == labelWidth) {
      return;
    }
    freeBatch();
    capacity = Math.max(rows, capacity);
    inputs = new Tensor[inputWidths.length];
    for (int k = 0; k < inputs.length; k++) {
      inputs[k] = Tensor.zeros(capacity, inputWidths[k]);
    }
    labels = Tensor.zeros(capacity, labelWidth);
    gradOut = Tensor.zeros(capacity, outputWidth);
  }

  private Tensor[] batchInputs(int n) {
    Tensor[] x = new Tensor[inputs.length];
    Shape[] shapes = model.inputShapes();
    for (int k = 0; k < x.length; k++) {
      int[] dims = new int[shapes[k].rank() + 1];
      dims[0] = n;
      for (int d = 0; d < shapes[k].rank(); d++) {
        dims[d + 1] = shapes[k].dim(d);
      }
      x[k] = inputs[k].rows(0, n).reshape(dims);
    }
    return x;
  }

  private void gather(LocalData data, BatchPlan plan, int b, int n) {
    for (int k = 0; k < n; k++) {
      copyRow(data, plan.localRow(b, k), k);
    }
  }

  private void gatherRange(LocalData data, int start, int n) {
    for (int k = 0; k < n; k++) {
      copyRow(data, start + k, k);
    }
  }

  // one row: its feature values split over the model's inputs, then its labels
  private void copyRow(LocalData data, int row, int k) {
    long src = data.featureAddress(row);
    for (int i = 0; i < inputs.length; i++) {
      long bytes = 4L * inputWidths[i];
      MemoryUtil.copyMemory(src, inputs[i].address() + bytes * k, bytes);
      src += bytes;
    }
    long labelBytes = 4L * data.labelWidth();
    MemoryUtil.copyMemory(data.labelAddress(row), labels.address() + labelBytes * k, labelBytes);
  }

  private static long stepSeed(int epoch, int batch) {
    return ((long) epoch << 32) ^ batch ^ 0x5DEECE66DL;
  }

  private static void scale(Tensor t, float factor) {
    FloatBuffer d = t.data();
    int end = t.offset() + t.size();
    for (int i = t.offset(); i < end; i++) {
      d.put(i, d.get(i) * factor);
    }
  }

  private static void zero(FloatBuffer b) {
    for (int i = 0; i < b.capacity(); i++) {
      b.put(i, 0f);
    }
  }

  private void freeBatch() {
    for (Tensor t : inputs) {
      t.close();
    }
    if (labels != null) {
      labels.close();
      gradOut.close();
    }
    labels = null;
    gradOut = null;
  }

  /**
   * Closes a formed ring from any thread, as a lost connection would: the ring operation in
   * progress, or the next one, fails on every worker. False if no ring was formed yet.
   */
  public boolean disconnect() {
    RingAllReduce r = ring;
    if (r == null || !r.isConnected()) {
      return false;
    }
    r.close();
    return true;
  }

  private void closeRing() {
    if (ring != null) {
      ring.close();
      ring = null;
    }
  }

  @Override
  public void close() {
    closeRing();
    freeBatch();
    if (model != null) {
      model.close();
    }
  }

  /** Told after each step (on rank 0 the trainer reports progress from it). */
  @FunctionalInterface
  public interface StepListener {
    /** {@code samples} and {@code loss}: this worker's rows so far in the epoch and their mean loss. */
    void step(int epoch, int step, int steps, long samples, double loss);
  }
}
