package dev.orca.estimator.internal.worker;

import dev.orca.nn.metrics.MetricSums;
import dev.orca.nn.optim.Optimizer;
import java.util.Map;

/**
 * Rank 0's progress within an epoch, sent to the driver on the task channel at most twice a second
 * for the progress bar, and every {@code interval} steps when the driver's callbacks ask; its
 * samples are scaled to all workers (they hold about as many rows each).
 */
public final class StepReporter implements TrainingWorker.StepListener {
  private static final long INTERVAL_NANOS = 500_000_000L;

  private final WorkerChannel channel;
  private final TrainingWorker worker;
  private final int workers;
  private final int interval;
  private long last = System.nanoTime();

  /** Reports {@code worker}'s steps; {@code interval} 0: only for the progress bar. */
  public StepReporter(WorkerChannel channel, TrainingWorker worker, int workers, int interval) {
    this.channel = channel;
    this.worker = worker;
    this.workers = workers;
    this.interval = interval;
  }

  @Override
  public void step(int epoch, int step, int steps, MetricSums sums) {
    long now = System.nanoTime();
    boolean asked = interval > 0 && step % interval == 0;
    if (asked || now - last > INTERVAL_NANOS) {
      last = now;
      Optimizer o = worker.model().optimizer();
      long it = o.iterations();
      Map<String, Double> metrics = new java.util.LinkedHashMap<>(sums.values());
      metrics.remove("loss");
      channel.send(
          new TrainingMessage.Step(
              epoch,
              step,
              steps,
              sums.rows() * workers,
              sums.meanLoss(),
              o.schedule().rate(Math.max(0, it - 1)),
              it,
              metrics));
    }
  }
}
