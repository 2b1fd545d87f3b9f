package dev.orca.estimator;

import dev.orca.OrcaConfigurationException;
import dev.orca.collective.Compression;
import dev.orca.collective.Transport;
import dev.orca.data.XShards;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to train: epochs, the global batch size (over all workers), shuffling, validation data,
 * checkpoints, early stopping, progress output. Made with {@link #builder()}; {@code setX} for what
 * is required, {@code optX} for the rest.
 */
public final class FitConfig {
  private final int epochs;
  private final int batchSize;
  private final boolean shuffle;
  private final long seed;
  private final XShards validation;
  private final String checkpointDir;
  private final int checkpointEvery;
  private final EarlyStopping earlyStopping;
  private final boolean progress;
  private final int maxRetries;
  private final Compression compression;
  private final Duration stepTimeout;
  private final List<Callback> callbacks;
  private final String resumeFrom;
  private final Transport transport;
  private final CpuPinning cpuPinning;

  private FitConfig(Builder b) {
    this.epochs = b.epochs;
    this.batchSize = b.batchSize;
    this.shuffle = b.shuffle;
    this.seed = b.seed;
    this.validation = b.validation;
    this.checkpointDir = b.checkpointDir;
    this.checkpointEvery = b.checkpointEvery;
    this.earlyStopping = b.earlyStopping;
    this.progress = b.progress;
    this.maxRetries = b.maxRetries;
    this.compression = b.compression;
    this.stepTimeout = b.stepTimeout;
    this.callbacks = List.copyOf(b.callbacks);
    this.resumeFrom = b.resumeFrom;
    this.transport = b.transport;
    this.cpuPinning = b.cpuPinning;
  }

  public static Builder builder() {
    return new Builder();
  }

  public int epochs() {
    return epochs;
  }

  /** The global batch: rows per training step over all workers together. */
  public int batchSize() {
    return batchSize;
  }

  public boolean shuffle() {
    return shuffle;
  }

  public long seed() {
    return seed;
  }

  /** Validation data evaluated after every epoch, or null. */
  public XShards validation() {
    return validation;
  }

  /** A Hadoop FileSystem path (local, HDFS, S3A) for checkpoints, or null for none. */
  public String checkpointDir() {
    return checkpointDir;
  }

  /** Write a checkpoint every this many epochs (and after the last). */
  public int checkpointEvery() {
    return checkpointEvery;
  }

  public EarlyStopping earlyStopping() {
    return earlyStopping;
  }

  /** Show progress on the driver's console. */
  public boolean progress() {
    return progress;
  }

  /** How many times training resumes from the last checkpoint after a lost worker. */
  public int maxRetries() {
    return maxRetries;
  }

  /** Compression of the gradients on the wire between workers. */
  public Compression compression() {
    return compression;
  }

  /**
   * How the workers sum their gradients: {@link Transport#AUTO} (the default) picks memory for
   * workers of one JVM or host and TCP between hosts, from where the workers run.
   */
  public Transport transport() {
    return transport;
  }

  /** Whether the workers pin their threads to CPUs of their own; see {@link CpuPinning}. */
  public CpuPinning cpuPinning() {
    return cpuPinning;
  }

  /**
   * How long a worker waits for the others within a step (and around checkpoints) before the step
   * fails naming the late worker.
   */
  public Duration stepTimeout() {
    return stepTimeout;
  }

  /** The callbacks, in the order given (early stopping and checkpoints not among them). */
  public List<Callback> callbacks() {
    return callbacks;
  }

  /** A checkpoint folder or a saved estimator's folder to resume from, or null to start afresh. */
  public String resumeFrom() {
    return resumeFrom;
  }

  /** Builds a {@link FitConfig}. */
  public static final class Builder {
    private int epochs = 1;
    private int batchSize = 32;
    private boolean shuffle = true;
    private long seed;
    private XShards validation;
    private String checkpointDir;
    private int checkpointEvery = 1;
    private EarlyStopping earlyStopping;
    private boolean progress = true;
    private int maxRetries = 3;
    private Compression compression = Compression.NONE;
    private Duration stepTimeout = Duration.ofMinutes(5);
    private final List<Callback> callbacks = new ArrayList<>();
    private String resumeFrom;
    private Transport transport = Transport.AUTO;
    private CpuPinning cpuPinning = CpuPinning.AUTO;

    private Builder() {}

    public Builder setEpochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    public Builder setBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    public Builder optShuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder optValidation(XShards validation) {
      this.validation = validation;
      return this;
    }

    public Builder optCheckpoints(String dir, int everyEpochs) {
      this.checkpointDir = Objects.requireNonNull(dir, "dir");
      this.checkpointEvery = everyEpochs;
      return this;
    }

    public Builder optEarlyStopping(EarlyStopping earlyStopping) {
      this.earlyStopping = earlyStopping;
      return this;
    }

    public Builder optProgress(boolean progress) {
      this.progress = progress;
      return this;
    }

    public Builder optMaxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
      return this;
    }

    public Builder optCompression(Compression compression) {
      this.compression = Objects.requireNonNull(compression, "compression");
      return this;
    }

    public Builder optStepTimeout(Duration timeout) {
      this.stepTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** Callbacks run on the driver during training (see {@link Callback}), in this order. */
    public Builder optCallbacks(Callback... callbacks) {
      for (Callback c : callbacks) {
        this.callbacks.add(Objects.requireNonNull(c, "callback"));
      }
      return this;
    }

    /**
     * Resumes training from {@code dir}: a folder of checkpoints ({@link #optCheckpoints}, {@code
     * ModelCheckpoint}; its newest) or of a saved estimator ({@link Estimator#save} after a fit).
     * Training continues at the epoch after the saved one with the saved weights, optimizer state
     * (momentum, Adam's moments and step count, so the learning-rate schedule's position), the
     * shuffling sequence (the saved seed and shuffle setting) and each callback's state (early
     * stopping's best value and count); {@link #setEpochs} counts from the first fit's start, so 3
     * epochs then a resumed fit with {@code setEpochs(6)} train 6 in all.
     */
    public Builder optResumeFrom(String dir) {
      this.resumeFrom = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * Forces how the workers sum their gradients (default {@link Transport#AUTO}); e.g. {@link
     * Transport#TCP} to compare, or {@link Transport#SHARED_MEMORY} to fail rather than fall back
     * when the workers are not on one host.
     */
    public Builder optTransport(Transport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * Whether each worker's threads run on a CPU of their own (default {@link CpuPinning#AUTO}:
     * when the workers of a host fill its CPUs); {@link CpuPinning#OFF} leaves them to the
     * operating system.
     */
    public Builder optCpuPinning(CpuPinning pinning) {
      this.cpuPinning = Objects.requireNonNull(pinning, "pinning");
      return this;
    }

    public FitConfig build() {
      if (epochs < 1) {
        throw new OrcaConfigurationException("epochs must be at least 1, got " + epochs);
      }
      if (batchSize < 1) {
        throw new OrcaConfigurationException("batchSize must be at least 1, got " + batchSize);
      }
      if (checkpointDir != null && checkpointEvery < 1) {
        throw new OrcaConfigurationException(
            "checkpoints every " + checkpointEvery + " epochs: use 1 or more");
      }
      if (maxRetries < 0) {
        throw new OrcaConfigurationException("maxRetries must be >= 0, got " + maxRetries);
      }
      return new FitConfig(this);
    }
  }
}
