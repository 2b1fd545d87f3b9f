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
 * <p>From rank 0 to the driver: {@link Step} (progress, at most twice a second, and every few steps
 * when callbacks ask), {@link EpochDone}, {@link ModelPart} (when asked), {@link Stopped} (early),
 * {@link Resumed} (after a failure); from any worker: {@link Failed}. From the driver: {@link
 * Verdict} after each epoch (rank 0 waits for it), {@link ModelRequest}, {@link Stop}.
 */
public sealed interface TrainingMessage {
  /** The message's kind on the wire. */
  String kind();

  /** The message's detail on the wire: one line. */
  String detail();

  /**
   * Rank 0 finished {@code step} of {@code steps} of {@code epoch}; samples so far (all workers),
   * its running loss and metrics, the learning rate of the step and the optimizer's step count.
   */
  record Step(
      int epoch,
      int step,
      int steps,
      long samples,
      double loss,
      double learningRate,
      long iteration,
      Map<String, Double> metrics)
      implements TrainingMessage {
    public Step {
      metrics = Map.copyOf(metrics);
    }

    /** A step with only the progress figures. */
    public Step(int epoch, int step, int steps, long samples, double loss) {
      this(epoch, step, steps, samples, loss, Double.NaN, 0, Map.of());
    }

    @Override
    public String kind() {
      return "STEP";
    }

    @Override
    public String detail() {
      StringBuilder b =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "%d %d %d %d %s %s %d",
                  epoch,
                  step,
                  steps,
                  samples,
                  Double.toString(loss),
                  Double.toString(learningRate),
                  iteration));
      metrics.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
      return b.toString();
    }
  }

  /**
   * An epoch's figures, the same on every worker, with the learning rate of its last step and the
   * optimizer's step count after it (NaN and -1 when not known).
   */
  record EpochDone(EpochRecord record, double learningRate, long iterations)
      implements TrainingMessage {
    public EpochDone(EpochRecord record) {
      this(record, Double.NaN, -1);
    }

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
          .append(record.samples())
          .append(" lr=")
          .append(learningRate)
          .append(" iterations=")
          .append(iterations);
      record.train().forEach((k, v) -> b.append(" t.").append(k).append('=').append(v));
      record.validation().forEach((k, v) -> b.append(" v.").append(k).append('=').append(v));
      return b.toString();
    }
  }

  /**
   * A piece of rank 0's model file, asked for by {@link ModelRequest}: part {@code index} of {@code
   * count}, in base64 (a line of the channel holds at most 64 KiB).
   */
  record ModelPart(int epoch, int index, int count, String base64) implements TrainingMessage {
    @Override
    public String kind() {
      return "MODEL_PART";
    }

    @Override
    public String detail() {
      return epoch + " " + index + " " + count + " " + base64;
    }
  }

  /** The driver asks rank 0 for its model file after {@code epoch} (its callbacks want it). */
  record ModelRequest(int epoch) implements TrainingMessage {
    @Override
    public String kind() {
      return "MODEL";
    }

    @Override
    public String detail() {
      return Integer.toString(epoch);
    }
  }

  /**
   * The driver's answer after {@code epoch}, which rank 0 waits for: go on, or stop (a callback
   * asked, or failed).
   */
  record Verdict(int epoch, boolean stop) implements TrainingMessage {
    @Override
    public String kind() {
      return "GO";
    }

    @Override
    public String detail() {
      return epoch + " " + (stop ? 1 : 0);
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
        case "STEP" -> decodeStep(detail);
        case "EPOCH" -> decodeEpoch(detail);
        case "MODEL_PART" -> {
          String[] p = detail.split(" ", 4);
          yield new ModelPart(
              Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]), p[3]);
        }
        case "MODEL" -> new ModelRequest(Integer.parseInt(detail.trim()));
        case "GO" -> {
          String[] p = detail.trim().split(" ");
          yield new Verdict(Integer.parseInt(p[0]), p[1].equals("1"));
        }
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

  private static Step decodeStep(String detail) {
    String[] p = detail.split(" ");
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (int i = 7; i < p.length; i++) {
      int eq = p[i].indexOf('=');
      metrics.put(p[i].substring(0, eq), Double.parseDouble(p[i].substring(eq + 1)));
    }
    return new Step(
        Integer.parseInt(p[0]),
        Integer.parseInt(p[1]),
        Integer.parseInt(p[2]),
        Long.parseLong(p[3]),
        Double.parseDouble(p[4]),
        p.length > 5 ? Double.parseDouble(p[5]) : Double.NaN,
        p.length > 6 ? Long.parseLong(p[6]) : 0,
        metrics);
  }

  private static EpochDone decodeEpoch(String line) {
    Map<String, Double> train = new LinkedHashMap<>();
    Map<String, Double> val = new LinkedHashMap<>();
    int epoch = 0;
    double seconds = 0;
    double compute = 0;
    long samples = 0;
    double lr = Double.NaN;
    long iterations = -1;
    for (String part : line.trim().split(" ")) {
      int eq = part.indexOf('=');
      String key = part.substring(0, eq);
      String value = part.substring(eq + 1);
      switch (key) {
        case "epoch" -> epoch = Integer.parseInt(value);
        case "seconds" -> seconds = Double.parseDouble(value);
        case "compute" -> compute = Double.parseDouble(value);
        case "samples" -> samples = Long.parseLong(value);
        case "lr" -> lr = Double.parseDouble(value);
        case "iterations" -> iterations = Long.parseLong(value);
        default ->
            (key.startsWith("t.") ? train : val).put(key.substring(2), Double.parseDouble(value));
      }
    }
    return new EpochDone(
        new EpochRecord(epoch, train, val, seconds, compute, samples), lr, iterations);
  }
}
