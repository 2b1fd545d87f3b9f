package dev.orca.estimator;

import dev.orca.nn.Model;
import java.util.List;

/**
 * What a {@link Callback} can see of the fit it runs in, and the one thing it can change: whether
 * training goes on ({@link #requestStop}).
 */
public interface TrainingContext {
  /**
   * The epochs of this fit: epoch indexes run below this (counted from the first fit if resumed).
   */
  int epochs();

  /** The first epoch this fit trains: 0, or the epoch after the checkpoint it resumed from. */
  int firstEpoch();

  /** Training steps in each epoch (global batches). */
  int stepsPerEpoch();

  /** The global batch size. */
  int batchSize();

  Backend backend();

  int workers();

  /** The learning rate of the optimizer's most recent step (before any step: of the first). */
  double learningRate();

  /**
   * Optimizer steps taken so far (by every worker alike), counted from the first fit if resumed.
   */
  long iterations();

  /**
   * The model as it stands after the last finished epoch (before the first: as training starts):
   * weights, state and optimizer, fetched from the first worker on first use after each epoch. The
   * context owns it: read it, do not close or keep it past the call.
   */
  Model model();

  /** {@link #model()} as a model file ({@link Model#fromBytes}), which the caller may keep. */
  byte[] modelFile();

  /**
   * The state to resume from after the last finished epoch (epoch, shuffling, every callback's
   * {@link Callback#saveState()}), as written beside checkpoints. For {@code ModelCheckpoint}.
   */
  String trainingState();

  /** The epochs this fit has finished so far, in order. */
  List<EpochRecord> history();

  /**
   * Asks training to stop after the current epoch (at once, if called from {@link
   * Callback#onEpochEnd}); {@code reason} becomes {@link TrainingHistory#stoppedBecause()}.
   */
  void requestStop(String reason);

  /** True once a stop was asked for in this fit. */
  boolean stopRequested();
}
