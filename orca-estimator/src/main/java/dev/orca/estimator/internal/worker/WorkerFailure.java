package dev.orca.estimator.internal.worker;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.TrainingException;
import dev.orca.collective.RingException;

/**
 * Why a training worker failed, as both backends need to know it: its <em>own</em> error (bad data,
 * a bad setting, a diverging loss, a bug) happens again on every retry, so training ends at once
 * with that error, and the other workers, told by the ring that it gave up, end with it; a
 * <em>ring</em> failure or a <em>lost</em> worker may be passing, so training resumes from the last
 * checkpoint.
 */
public enum WorkerFailure {
  /** The worker's data cannot be used: reported as an {@link OrcaDataException}. */
  DATA,
  /** A setting is wrong: reported as an {@link OrcaConfigurationException}. */
  CONFIGURATION,
  /** Training itself failed on this worker (e.g. the loss diverged). */
  TRAINING,
  /** Any other error of the worker's own (a bug, memory): not retried either. */
  OTHER,
  /**
   * Another worker gave up on an error of its own and ended the ring ({@code RingAllReduce.abort}):
   * that worker reports the error; not retried.
   */
  PEER_GAVE_UP,
  /** The ring failed under the worker: a peer was lost, timed out or misbehaved. Retried. */
  RING,
  /** The worker itself was lost (its actor, process or executor died): retried. */
  LOST;

  /**
   * The kind of an error a worker threw itself, from the first Orca exception in its cause chain;
   * anything else is {@link #OTHER}, the worker's own.
   */
  public static WorkerFailure of(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof RingException ring) {
        return ring.workerGaveUp() ? PEER_GAVE_UP : RING;
      } else if (t instanceof OrcaDataException) {
        return DATA;
      } else if (t instanceof OrcaConfigurationException) {
        return CONFIGURATION;
      } else if (t instanceof TrainingException) {
        return TRAINING;
      }
    }
    return OTHER;
  }

  /**
   * The kind of an error the driver got back for a remote worker: as {@link #of}, except that an
   * error without any Orca exception in it means the worker was {@link #LOST} (e.g. Ray's actor
   * died), not that it failed on its own.
   */
  public static WorkerFailure ofRemote(Throwable error) {
    WorkerFailure kind = of(error);
    return kind == OTHER ? LOST : kind;
  }

  /** True for an error of the worker's own, which a retry would only repeat. */
  public boolean isOwn() {
    return this != RING && this != LOST && this != PEER_GAVE_UP;
  }

  /** True if resuming from the last checkpoint may help: the ring broke or a worker was lost. */
  public boolean isRetried() {
    return this == RING || this == LOST;
  }

  /** The error the driver raises for a worker's failure of this kind. */
  public OrcaException toException(String message, Throwable cause) {
    return switch (this) {
      case DATA -> new OrcaDataException(message, cause);
      case CONFIGURATION -> new OrcaConfigurationException(message, cause);
      default -> new TrainingException(message, cause);
    };
  }

  /** The message of the Orca exception that decided the kind (else the root cause's). */
  public static String messageOf(Throwable error) {
    Throwable root = error;
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof OrcaException) {
        return t.getMessage();
      }
      root = t;
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
