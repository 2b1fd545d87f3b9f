package dev.orca.estimator.internal.worker;

import dev.orca.estimator.EpochRecord;
import dev.orca.nn.optim.Optimizer;
import java.util.Map;

/**
 * One epoch on a worker: train on its rows, evaluate its validation rows; the same on both
 * backends.
 */
public final class EpochRunner {
  private EpochRunner() {}

  /** Every worker calls this for the same epoch; all get the same record. */
  public static EpochRecord run(
      TrainingWorker worker,
      TrainJob job,
      BatchPlan plan,
      LocalData train,
      LocalData validation,
      int epoch,
      TrainingWorker.StepListener listener) {
    long t0 = System.nanoTime();
    EpochFigures figures = worker.trainEpoch(train, plan, epoch, listener);
    Map<String, Double> val = Map.of();
    if (job.data().hasValidation()) {
      val = worker.evaluate(validation, job.evaluationBatch()).values();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new EpochRecord(
        epoch, figures.values(), val, seconds, figures.computeSeconds(), figures.samples());
  }

  /**
   * The message of an epoch's end: its record, the learning rate of its last step and the
   * optimizer's step count after it, read from {@code worker}'s replica.
   */
  public static TrainingMessage.EpochDone done(TrainingWorker worker, EpochRecord record) {
    Optimizer o = worker.model().optimizer();
    long it = o.iterations();
    return new TrainingMessage.EpochDone(record, o.schedule().rate(Math.max(0, it - 1)), it);
  }
}
