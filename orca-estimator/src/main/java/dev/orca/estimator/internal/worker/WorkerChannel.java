package dev.orca.estimator.internal.worker;

import dev.orca.launcher.barrier.TaskChannel;
import java.time.Duration;

/** A training worker's end of the driver's task channel, speaking {@link TrainingMessage}s. */
public final class WorkerChannel implements AutoCloseable {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
  private static final String STOP = new TrainingMessage.Stop().kind();

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

  /** True once the driver asked to stop, or went away. */
  public boolean stopRequested() {
    return client.received(STOP);
  }

  @Override
  public void close() {
    client.close();
  }
}
