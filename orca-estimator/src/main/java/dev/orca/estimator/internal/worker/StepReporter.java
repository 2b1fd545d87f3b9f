package dev.orca.estimator.internal.worker;

/**
 * Rank 0's progress within an epoch, sent to the driver on the task channel at most twice a second;
 * its samples are scaled to all workers (they hold about as many rows each).
 */
public final class StepReporter implements TrainingWorker.StepListener {
  private static final long INTERVAL_NANOS = 500_000_000L;

  private final WorkerChannel channel;
  private final int workers;
  private long last = System.nanoTime();

  public StepReporter(WorkerChannel channel, int workers) {
    this.channel = channel;
    this.workers = workers;
  }

  @Override
  public void step(int epoch, int step, int steps, long samples, double loss) {
    long now = System.nanoTime();
    if (now - last > INTERVAL_NANOS) {
      last = now;
      channel.send(new TrainingMessage.Step(epoch, step, steps, samples * workers, loss));
    }
  }
}
