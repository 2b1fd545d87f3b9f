package dev.orca.estimator;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The running figures of an epoch after {@code step} of its {@code steps} steps, as the first
 * worker reports them: its mean loss and metrics over its rows so far, the samples trained so far
 * by all workers (estimated from the first one's), the rate, and the learning rate of the step.
 *
 * @param epoch the epoch's index, from 0
 * @param step the steps done in this epoch, from 1
 * @param iteration the optimizer steps taken since the first fit began (for TensorBoard's x axis)
 */
public record StepFigures(
    int epoch,
    int step,
    int steps,
    long iteration,
    long samples,
    double samplesPerSecond,
    double loss,
    Map<String, Double> metrics,
    double learningRate) {
  public StepFigures {
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
  }
}
