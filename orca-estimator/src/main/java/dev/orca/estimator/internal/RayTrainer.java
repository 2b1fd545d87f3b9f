package dev.orca.estimator.internal;

import dev.orca.data.XShards;
import dev.orca.estimator.TrainingException;

/** The driver's side of the {@code ray} backend (to be written). */
public final class RayTrainer {
  private RayTrainer() {}

  public static SparkTrainer.Result fit(TrainJob job, XShards train, DataSummary summary, XShards validation,
      ProgressPrinter progress) {
    throw new TrainingException("the ray backend is not written yet");
  }
}
