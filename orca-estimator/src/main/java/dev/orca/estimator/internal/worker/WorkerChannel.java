package dev.orca.estimator.internal.worker;

import dev.orca.TrainingException;
import dev.orca.launcher.barrier.TaskChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;

/** A training worker's end of the driver's task channel, speaking {@link TrainingMessage}s. */
public final class WorkerChannel implements AutoCloseable {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
  private static final String STOP = new TrainingMessage.Stop().kind();

  /** Bytes of the model file per line: 45 KiB, 60 KiB in base64, within the 64 KiB of a line. */
  private static final int PART = 45 * 1024;

  private final TaskChannel.Client client;

  private WorkerChannel(TaskChannel.Client client) {
    this.client = client;
  }

  /** Connects worker {@code rank} to the job's driver. */
  public static WorkerChannel connect(TrainJob job, int rank) {
    return new WorkerChannel(
        TaskChannel.Client.connect(
            job.channelAddress(), job.ring().secret(), rank, CONNECT_TIMEOUT));
  }

  public void send(TrainingMessage message) {
    client.send(message.kind(), message.detail());
  }

  /**
   * Waits at most {@code timeout} for the driver's next line that {@code matches} and takes it;
   * {@code STOP} if the driver asked to stop or went away, null if nothing came in time.
   */
  public String take(Predicate<String> matches, Duration timeout) {
    try {
      return client.take(matches, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TrainingException("interrupted while waiting for the driver's answer", e);
    }
  }

  /** Sends {@code modelFile} (rank 0's, after {@code epoch}) in parts that fit a line. */
  public void sendModel(int epoch, byte[] modelFile) {
    int count = Math.max(1, (modelFile.length + PART - 1) / PART);
    for (int i = 0; i < count; i++) {
      int from = i * PART;
      byte[] part = Arrays.copyOfRange(modelFile, from, Math.min(modelFile.length, from + PART));
      send(
          new TrainingMessage.ModelPart(epoch, i, count, Base64.getEncoder().encodeToString(part)));
    }
  }

  /** Reads the parts {@link #sendModel} sent, in order, as the model file. */
  public static byte[] joinModel(List<TrainingMessage.ModelPart> parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (TrainingMessage.ModelPart p : parts) {
      out.writeBytes(Base64.getDecoder().decode(p.base64()));
    }
    return out.toByteArray();
  }

  /** True once the driver asked to stop, or went away. */
  public boolean stopRequested() {
    return client.received(STOP);
  }

  @Override
  public void close() {
    client.close();
  }
}
