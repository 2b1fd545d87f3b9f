package dev.orca.estimator.internal.worker;

import dev.orca.collective.Compression;
import dev.orca.collective.RingOptions;
import dev.orca.collective.Transport;
import dev.orca.common.Serialization;
import dev.orca.estimator.CpuPinning;
import dev.orca.nn.Model;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a worker needs to take part in one {@code fit}, the same on every worker, in five
 * parts built by name: the model, the shape of the data, the schedule, the ring and the
 * checkpoints; plus the address of the driver's task channel. Sent to every worker once.
 */
public final class TrainJob implements Serializable {
  private static final long serialVersionUID = 4L;

  /**
   * The compiled model file every replica starts from, the threads of each worker's engine, and the
   * classes the driver registered for serialization (a user's own layers), which the workers
   * register before they read the file. (An array: the job itself passes the allow-list, which
   * takes arrays of strings but not the JDK's immutable lists.)
   */
  public record ModelSpec(byte[] file, int threadsPerWorker, String[] registeredClasses)
      implements Serializable {
    /** The file of {@code model} and the classes registered in this JVM. */
    public static ModelSpec of(Model model, int threadsPerWorker) {
      return new ModelSpec(
          model.toBytes(),
          threadsPerWorker,
          Serialization.registeredNames().toArray(new String[0]));
    }
  }

  /** The training data's size and widths, and whether validation data comes along. */
  public record DataShape(long totalRows, int featureWidth, int labelWidth, boolean hasValidation)
      implements Serializable {}

  /**
   * Epochs (counted from the first fit's start), the global batch, shuffling and its seed, the
   * first epoch to train (above 0 when resuming), and every how many steps rank 0 reports its
   * running figures to the driver's callbacks (0: only for the progress bar).
   */
  public record Schedule(
      int epochs, int batchSize, boolean shuffle, long seed, int firstEpoch, int stepInterval)
      implements Serializable {}

  /**
   * The workers' ring: how many, the wire compression, the step timeout, the job's secret, the
   * transport asked for and whether the workers pin their threads to CPUs.
   */
  public record RingSpec(
      int workers,
      Compression compression,
      Duration stepTimeout,
      String secret,
      Transport transport,
      CpuPinning pinning)
      implements Serializable {}

  /**
   * Where checkpoints go ({@code store} null: none) and every how many epochs, and how often a
   * failed run resumes from them before it gives up.
   */
  public record Checkpoints(CheckpointStore store, int every, int maxRetries)
      implements Serializable {
    public boolean enabled() {
      return store != null;
    }
  }

  private final ModelSpec model;
  private final DataShape data;
  private final Schedule schedule;
  private final RingSpec ring;
  private final Checkpoints checkpoints;
  private final String channelAddress;

  private TrainJob(
      ModelSpec model,
      DataShape data,
      Schedule schedule,
      RingSpec ring,
      Checkpoints checkpoints,
      String channelAddress) {
    this.model = Objects.requireNonNull(model, "model");
    this.data = Objects.requireNonNull(data, "data");
    this.schedule = Objects.requireNonNull(schedule, "schedule");
    this.ring = Objects.requireNonNull(ring, "ring");
    this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
    this.channelAddress = channelAddress;
  }

  public static Builder builder() {
    return new Builder();
  }

  public ModelSpec model() {
    return model;
  }

  public DataShape data() {
    return data;
  }

  public Schedule schedule() {
    return schedule;
  }

  public RingSpec ring() {
    return ring;
  }

  public Checkpoints checkpoints() {
    return checkpoints;
  }

  /** The driver's task channel ({@code host:port}), or null before the driver opened it. */
  public String channelAddress() {
    return channelAddress;
  }

  public int workers() {
    return ring.workers();
  }

  public int epochs() {
    return schedule.epochs();
  }

  /** This job with the driver's task channel at {@code address}. */
  public TrainJob withChannel(String address) {
    return new TrainJob(model, data, schedule, ring, checkpoints, address);
  }

  /** The batch plan every worker follows. */
  public BatchPlan newPlan() {
    return new BatchPlan(
        data.totalRows(), schedule.batchSize(), schedule.shuffle(), schedule.seed());
  }

  /**
   * The ring endpoint of a worker on {@code host} (every worker of a job uses the same name and
   * secret).
   */
  public RingOptions ringOptions(String host) {
    return RingOptions.builder()
        .setSecret(ring.secret())
        .optHost(host)
        .optCompression(ring.compression())
        .optTimeout(ring.stepTimeout())
        .optConnectTimeout(ring.stepTimeout())
        .optTransport(ring.transport())
        .optName("orca-training")
        .build();
  }

  /** Rows per evaluation batch: the per-worker share of the training batch, at least 256. */
  public int evaluationBatch() {
    return Math.max(256, schedule.batchSize() / ring.workers());
  }

  /** Builds a {@link TrainJob} part by part; every part is required. */
  public static final class Builder {
    private ModelSpec model;
    private DataShape data;
    private Schedule schedule;
    private RingSpec ring;
    private Checkpoints checkpoints;

    private Builder() {}

    public Builder model(ModelSpec model) {
      this.model = model;
      return this;
    }

    public Builder data(DataShape data) {
      this.data = data;
      return this;
    }

    public Builder schedule(Schedule schedule) {
      this.schedule = schedule;
      return this;
    }

    public Builder ring(RingSpec ring) {
      this.ring = ring;
      return this;
    }

    public Builder checkpoints(Checkpoints checkpoints) {
      this.checkpoints = checkpoints;
      return this;
    }

    public TrainJob build() {
      return new TrainJob(model, data, schedule, ring, checkpoints, null);
    }
  }
}
