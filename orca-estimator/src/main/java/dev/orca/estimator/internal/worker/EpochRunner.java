package dev.orca.estimator.internal.worker;

import dev.orca.estimator.EpochRecord;
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
}
