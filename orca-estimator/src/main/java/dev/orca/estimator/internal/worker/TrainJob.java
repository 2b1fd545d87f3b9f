package dev.orca.estimator.internal.worker;

import dev.orca.estimator.EarlyStopping;
import dev.orca.collective.Compression;
import dev.orca.collective.RingOptions;
import java.io.Serializable;
import java.time.Duration;

/**
 * Everything a worker needs to take part in one {@code fit}, the same on every worker: the
 * compiled model file, the data's size and the batch plan, checkpoints, early stopping, the ring's
 * settings and the driver's task channel. Sent to every worker once.
 */
public record TrainJob(
    byte[] modelFile,
    int workers,
    int threadsPerWorker,
    long totalRows,
    int featureWidth,
    int labelWidth,
    int epochs,
    int batchSize,
    boolean shuffle,
    long seed,
    boolean hasValidation,
    CheckpointStore checkpoints,
    int checkpointEvery,
    EarlyStopping earlyStopping,
    int maxRetries,
    Compression compression,
    Duration stepTimeout,
    String secret,
    String channelAddress) implements Serializable {

  /** This job with the driver's task channel at {@code address}. */
  public TrainJob withChannel(String address) {
    return new TrainJob(modelFile, workers, threadsPerWorker, totalRows, featureWidth, labelWidth, epochs,
        batchSize, shuffle, seed, hasValidation, checkpoints, checkpointEvery, earlyStopping, maxRetries,
        compression, stepTimeout, secret, address);
  }

  /** Reports progress from rank 0's steps on {@code channel}, at most twice a second. */
  public TrainingWorker.StepListener stepReporter(dev.orca.launcher.barrier.TaskChannel.Client channel) {
    long[] last = {System.nanoTime()};
    return (epoch, step, steps, samples, loss) -> {
      long now = System.nanoTime();
      if (now - last[0] > 500_000_000L) {
        last[0] = now;
        channel.send("STEP", Messages.step(epoch, step, steps, samples * workers, loss));
      }
    };
  }

  /** The batch plan every worker follows. */
  public BatchPlan newPlan() {
    return new BatchPlan(totalRows, batchSize, shuffle, seed);
  }

  /** The ring endpoint of a worker on {@code host} (every worker of a job uses the same name and secret). */
  public RingOptions ringOptions(String host) {
    return RingOptions.builder().setSecret(secret).optHost(host).optCompression(compression)
        .optTimeout(stepTimeout).optConnectTimeout(stepTimeout).optName("orca-training").build();
  }

  /** Rows per evaluation batch: the per-worker share of the training batch, at least 256. */
  public int evaluationBatch() {
    return Math.max(256, batchSize / workers);
  }

  /** True if a checkpoint is due after {@code epoch} (0-based). */
  public boolean checkpointDue(int epoch, boolean last) {
    return checkpoints != null && (last || (epoch + 1) % checkpointEvery == 0);
  }
}
