package dev.orca.estimator.internal.worker;

import dev.orca.collective.PendingReduce;
import dev.orca.collective.RingAllReduce;
import dev.orca.collective.RingOptions;
import dev.orca.collective.SharedFloats;
import dev.orca.collective.Transport;
import dev.orca.common.Serialization;
import dev.orca.common.StaleSharedMemory;
import dev.orca.estimator.CpuPinning;
import dev.orca.nn.Engine;
import dev.orca.nn.GradientReadyListener;
import dev.orca.nn.GradientSync;
import dev.orca.nn.InputSplit;
import dev.orca.nn.Model;
import dev.orca.nn.Tensor;
import dev.orca.nn.TrainingStep;
import dev.orca.nn.metrics.MetricSums;
import java.nio.FloatBuffer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One data-parallel worker: a model replica (compiled, so it carries its optimizer, loss and
 * metrics), its ring endpoint, and the epochs it trains and evaluates on the rows it holds. Both
 * backends run this same class; they differ only in how workers are hosted and driven.
 *
 * <p>A training step: the rows of this worker that belong to the step's global batch (see {@link
 * BatchPlan}) are gathered into reusable batch tensors, and the model's {@link TrainingStep} runs
 * on them with the loss gradient scaled by {@code localRows / globalRows}, summing the gradient
 * buffer across workers while backward still runs (each layer's range goes to the ring as soon as
 * it is final). The sum is the gradient of the global batch's mean loss, so every worker takes the
 * same optimizer step and the replicas stay identical.
 */
public final class TrainingWorker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingWorker.class);
  private final Engine engine;
  private Model model;
  private SharedFloats sharedGradients;
  private TrainingStep step;
  private InputSplit split;
  private RingAllReduce ring;
  private final RingSync sync = new RingSync();
  private CpuPlan cpuPlan = CpuPlan.NONE;
  private Tensor labels;
  private int capacity;

  private TrainingWorker(Engine engine, byte[] modelFile) {
    this.engine = engine;
    load(modelFile);
  }

  /**
   * A worker whose replica is read from a compiled model's file, computing on {@code threads}
   * threads.
   */
  public static TrainingWorker create(byte[] modelFile, int threads) {
    // a worker killed on this host earlier (a lost executor) left its files in /dev/shm
    StaleSharedMemory.removeAll();
    return new TrainingWorker(Engine.create(threads), modelFile);
  }

  /** The worker of a job: registers the driver's classes in this JVM, then reads the model. */
  public static TrainingWorker create(TrainJob.ModelSpec spec) {
    Serialization.registerNames(List.of(spec.registeredClasses()));
    return create(spec.file(), spec.threadsPerWorker());
  }

  /** Replaces the replica with a model file (a checkpoint), keeping the ring. */
  public void load(byte[] modelFile) {
    Model loaded = Model.fromBytes(modelFile, engine);
    if (loaded.optimizer() == null) {
      loaded.close();
      throw new IllegalArgumentException("the model sent to a worker must be compiled");
    }
    closeModel();
    model = loaded;
    step = model.trainingStep();
    split = InputSplit.of(model);
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

  /**
   * Forms the ring with the other workers ({@code addresses} of every worker, this one at {@code
   * rank}), then makes every replica equal to ring rank 0's. The ring's ranks group the workers by
   * host, so that the workers of a host can sum through memory before the hosts talk over TCP. With
   * {@code pinning}, the calling thread is pinned while the ring forms, so that the ring's threads,
   * started meanwhile, stay on this worker's CPU; every epoch pins the thread that runs it again
   * (see {@link CpuPinning}).
   */
  public void connectRing(List<String> addresses, int rank, CpuPinning pinning) {
    List<String> byHost = RingAllReduce.orderByHost(addresses);
    int ringRank = byHost.indexOf(addresses.get(rank));
    cpuPlan = CpuPlan.choose(pinning, engine.threads(), byHost, ringRank);
    try (CpuPlan.Pinned pinned = cpuPlan.pinCallingThread()) {
      ring.connect(byHost, ringRank);
      shareGradients();
      ring.broadcast(model.parameters());
      ring.broadcast(model.state());
    }
  }

  /**
   * How this worker's ring sums the gradients, e.g. {@code "IN_JVM: 2 workers in one JVM"}, once
   * connected.
   */
  public String transport() {
    return ring.transport()
        + ": "
        + ring.placement()
        + (sharedGradients != null ? "; gradients summed in place in shared memory" : "")
        + (cpuPlan.description().isEmpty() ? "" : "; " + cpuPlan.description());
  }

  public int rank() {
    return ring.rank();
  }

  /**
   * One epoch over the global data, of which this worker holds {@code data}. Every worker must call
   * it with the same plan and epoch. Returns the epoch's figures over all workers.
   */
  public EpochFigures trainEpoch(LocalData data, BatchPlan plan, int epoch, StepListener listener) {
    try (CpuPlan.Pinned pinned = cpuPlan.pinCallingThread()) {
      return trainEpochOrFail(data, plan, epoch, listener);
    } catch (RuntimeException e) {
      throw giveUp(e);
    }
  }

  private EpochFigures trainEpochOrFail(
      LocalData data, BatchPlan plan, int epoch, StepListener listener) {
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
    MetricSums sums = step.newSums();
    sync.waitNanos = 0;
    long s0 = System.nanoTime();
    for (int b = 0; b < plan.numBatches(); b++) {
      int n = plan.count(b);
      double total = globalCounts[b];
      if (total == 0) {
        continue; // no worker has rows in this batch: every worker skips it
      }
      if (n > 0) {
        gather(data, plan, b, n);
        model.setStepSeed(stepSeed(epoch, b));
        // the gradient of this worker's share of the global batch's mean loss
        step.setPosition(epoch, b);
        step.run(split.gathered(n), labels.rows(0, n), (float) (n / total), sync, sums);
      } else {
        step.runWithoutRows(sync);
      }
      if (listener != null) {
        listener.step(epoch, b + 1, plan.numBatches(), sums);
      }
    }
    long end = System.nanoTime();
    double compute = (end - s0 - sync.waitNanos) / 1e9; // the steps, without waiting for the ring
    return EpochFigures.reduce(ring, sums, compute, (end - t0) / 1e9);
  }

  /**
   * The loss and metrics of the model on {@code data}, in inference mode, summed over all workers.
   */
  public EpochFigures evaluate(LocalData data, int batchSize) {
    try (CpuPlan.Pinned pinned = cpuPlan.pinCallingThread()) {
      return evaluateOrFail(data, batchSize);
    } catch (RuntimeException e) {
      throw giveUp(e);
    }
  }

  private EpochFigures evaluateOrFail(LocalData data, int batchSize) {
    checkWidths(data);
    long t0 = System.nanoTime();
    MetricSums sums = step.newSums();
    for (LocalData.Block block : data.blocks()) {
      step.evaluate(split.over(block.features()), block.labels(), Math.max(1, batchSize), sums);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return EpochFigures.reduce(ring, sums, seconds, seconds);
  }

  /** The replica as a model file (weights, state and optimizer). */
  public byte[] modelFile() {
    return model.toBytes();
  }

  /** Sums small values (flags, counts) over all workers, in place. */
  public void allReduce(double[] values) {
    ring.allReduce(values);
  }

  /** Waits for every worker (used around checkpoints). */
  public void barrier() {
    ring.barrier();
  }

  /**
   * On an error of this worker's own (not a failure of the ring under it), tells the other workers
   * at once, so that they fail in milliseconds naming this worker and the reason instead of waiting
   * for it until the step timeout.
   */
  private RuntimeException giveUp(RuntimeException e) {
    RingAllReduce r = ring;
    if (r != null && WorkerFailure.of(e).isOwn()) {
      r.abort("training worker " + rankOrNone() + " failed: " + WorkerFailure.messageOf(e));
    }
    return e;
  }

  private String rankOrNone() {
    RingAllReduce r = ring;
    return r != null && r.isConnected() ? Integer.toString(r.rank()) : "(not in a ring)";
  }

  private void checkWidths(LocalData data) {
    split.checkWidth(data.featureWidth(), "training data");
  }

  private void ensureCapacity(int rows, int labelWidth) {
    if (rows <= capacity && labels != null && labels.dim(1) == labelWidth) {
      return;
    }
    capacity = Math.max(rows, capacity);
    split.ensure(capacity);
    if (labels != null) {
      labels.close();
    }
    labels = Tensor.zeros(capacity, labelWidth);
  }

  // the step's rows: their feature values split over the model's inputs, their labels side by side
  private void gather(LocalData data, BatchPlan plan, int b, int n) {
    int width = data.labelWidth();
    for (int k = 0; k < n; k++) {
      int row = plan.localRow(b, k);
      LocalData.Block block = data.blockOf(row);
      int r = data.rowInBlock(row);
      split.put(k, block.features(), r);
      Tensor y = block.labels();
      labels.data().put(labels.offset() + k * width, y.data(), y.offset() + r * width, width);
    }
  }

  private static long stepSeed(int epoch, int batch) {
    return ((long) epoch << 32) ^ batch ^ 0x5DEECE66DL;
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
    cpuPlan = CpuPlan.NONE;
  }

  /**
   * When the workers of this host sum through a shared-memory segment, moves the replica's
   * gradients into a {@link SharedFloats} file, where the others read and write them in place
   * instead of copying them through the segment (once per replica; the file goes with the replica).
   * Where that memory cannot be had (e.g. a small /dev/shm in a container) the gradients stay where
   * they are and are summed through the copy, with the same result.
   */
  private void shareGradients() {
    Transport t = ring.transport();
    if (sharedGradients != null
        || (t != Transport.SHARED_MEMORY && t != Transport.HIERARCHICAL)
        || model.parameterCount() == 0) {
      return;
    }
    SharedFloats g = null;
    try {
      g = SharedFloats.allocate(model.parameterCount(), ring.options().sharedMemoryDirectory());
      model.moveGradientsTo(g.buffer()); // the training step follows the move
      sharedGradients = g;
    } catch (RuntimeException e) {
      if (g != null) {
        g.close();
      }
      LOG.info(
          "worker rank {}: the gradients stay in private memory and are summed through a copy: {}",
          ring.rank(),
          e.getMessage());
    }
  }

  private void closeModel() {
    if (split != null) {
      split.close();
    }
    if (model != null) {
      model.close();
    }
    if (sharedGradients != null) {
      sharedGradients.close(); // after the replica that wrote into it
      sharedGradients = null;
    }
    capacity = 0; // batch buffers are rebuilt for the new model
  }

  @Override
  public void close() {
    closeRing();
    closeModel();
    if (labels != null) {
      labels.close();
      labels = null;
    }
  }

  /** The ring as the training step's gradient hook: each finished range starts its sum at once. */
  private final class RingSync implements GradientSync {
    private PendingReduce pending;
    private final GradientReadyListener toRing = (from, to) -> pending.ready(from, to);
    private long waitNanos;

    @Override
    public GradientReadyListener start(FloatBuffer gradients) {
      pending = ring.startAllReduce(gradients);
      return toRing;
    }

    @Override
    public void finish() {
      long t = System.nanoTime();
      pending.readyAll().await();
      waitNanos += System.nanoTime() - t;
    }
  }

  /** Told after each step (on rank 0 the trainer reports progress from it). */
  @FunctionalInterface
  public interface StepListener {
    /**
     * {@code sums}: this worker's loss and metric sums over its rows so far in the epoch (read them
     * during the call only).
     */
    void step(int epoch, int step, int steps, MetricSums sums);
  }
}
