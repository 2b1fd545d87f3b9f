package dev.orca.estimator.internal.worker;

import dev.orca.OrcaException;
import dev.orca.estimator.EpochRecord;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the driver and the training workers say to each other on the task channel while a fit runs:
 * a closed set of messages, each sent as a kind and a one-line detail, with one codec ({@link
 * #kind()}/{@link #detail()} out, {@link #decode} in).
 *
 * <p>From rank 0 to the driver: {@link Step} (progress, at most twice a second), {@link EpochDone},
 * {@link Stopped} (early), {@link Resumed} (after a failure); from any worker: {@link Failed}. From
 * the driver to every worker: {@link Stop}.
 */
public sealed interface TrainingMessage {
  /** The message's kind on the wire. */
  String kind();

  /** The message's detail on the wire: one line. */
  String detail();

  /**
   * Rank 0 finished {@code step} of {@code steps} of {@code epoch}; samples so far (all workers)
   * and its running loss.
   */
  record Step(int epoch, int step, int steps, long samples, double loss)
      implements TrainingMessage {
    @Override
    public String kind() {
      return "STEP";
    }

    @Override
    public String detail() {
      return String.format(
          Locale.ROOT, "%d %d %d %d %s", epoch, step, steps, samples, Double.toString(loss));
    }
  }

  /** An epoch's figures, the same on every worker. */
  record EpochDone(EpochRecord record) implements TrainingMessage {
    @Override
    public String kind() {
      return "EPOCH";
    }

    @Override
    public String detail() {
      StringBuilder b = new StringBuilder();
      b.append("epoch=")
          .append(record.epoch())
          .append(" seconds=")
          .append(record.seconds())
          .append(" compute=")
          .append(record.computeSeconds())
          .append(" samples=")
          .append(record.samples());
      record.train().forEach((k, v) -> b.append(" t.").append(k).append('=').append(v));
      record.validation().forEach((k, v) -> b.append(" v.").append(k).append('=').append(v));
      return b.toString();
    }
  }

  /** Training stopped before its last epoch, and why. */
  record Stopped(String reason) implements TrainingMessage {
    @Override
    public String kind() {
      return "STOPPED";
    }

    @Override
    public String detail() {
      return reason;
    }
  }

  /** Training resumed after a failure from the checkpoint of {@code checkpointEpoch} (0-based). */
  record Resumed(int checkpointEpoch) implements TrainingMessage {
    @Override
    public String kind() {
      return "RESUMED";
    }

    @Override
    public String detail() {
      return Integer.toString(checkpointEpoch);
    }
  }

  /**
   * A worker failed: what kind of failure and why (Spark's own report of a task failure hides the
   * cause).
   */
  record Failed(WorkerFailure failure, String reason) implements TrainingMessage {
    @Override
    public String kind() {
      return "FAILED";
    }

    @Override
    public String detail() {
      return failure.name() + " " + reason;
    }
  }

  /** Rank 0 formed the ring: how the workers sum their gradients, in words. */
  record Placed(String transport) implements TrainingMessage {
    @Override
    public String kind() {
      return "PLACED";
    }

    @Override
    public String detail() {
      return transport;
    }
  }

  /** The driver asks every worker to stop after the current epoch. */
  record Stop() implements TrainingMessage {
    @Override
    public String kind() {
      return "STOP";
    }

    @Override
    public String detail() {
      return "";
    }
  }

  /** The message a kind and detail stand for; fails on anything else. */
  static TrainingMessage decode(String kind, String detail) {
    try {
      return switch (kind) {
        case "STEP" -> {
          String[] p = detail.split(" ");
          yield new Step(
              Integer.parseInt(p[0]),
              Integer.parseInt(p[1]),
              Integer.parseInt(p[2]),
              Long.parseLong(p[3]),
              Double.parseDouble(p[4]));
        }
        case "EPOCH" -> new EpochDone(decodeEpoch(detail));
        case "STOPPED" -> new Stopped(detail);
        case "RESUMED" -> new Resumed(Integer.parseInt(detail.trim()));
        case "FAILED" -> {
          int space = detail.indexOf(' ');
          yield new Failed(
              WorkerFailure.valueOf(detail.substring(0, space)), detail.substring(space + 1));
        }
        case "STOP" -> new Stop();
        case "PLACED" -> new Placed(detail);
        default -> throw new IllegalArgumentException("unknown kind");
      };
    } catch (RuntimeException e) {
      throw new OrcaException(
          "a training worker sent a message this driver cannot read: "
              + kind
              + " "
              + detail
              + " ("
              + e.getMessage()
              + "); are the driver and the executors running the same Orca version?",
          e);
    }
  }

  private static EpochRecord decodeEpoch(String line) {
    Map<String, Double> train = new LinkedHashMap<>();
    Map<String, Double> val = new LinkedHashMap<>();
    int epoch = 0;
    double seconds = 0;
    double compute = 0;
    long samples = 0;
    for (String part : line.trim().split(" ")) {
      int eq = part.indexOf('=');
      String key = part.substring(0, eq);
      String value = part.substring(eq + 1);
      switch (key) {
        case "epoch" -> epoch = Integer.parseInt(value);
        case "seconds" -> seconds = Double.parseDouble(value);
        case "compute" -> compute = Double.parseDouble(value);
        case "samples" -> samples = Long.parseLong(value);
        default ->
            (key.startsWith("t.") ? train : val).put(key.substring(2), Double.parseDouble(value));
      }
    }
    return new EpochRecord(epoch, train, val, seconds, compute, samples);
  }
}
