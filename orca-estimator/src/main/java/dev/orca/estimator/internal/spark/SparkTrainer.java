package dev.orca.estimator.internal.spark;

import dev.orca.OrcaException;
import dev.orca.TrainingException;
import dev.orca.arrow.Shard;
import dev.orca.data.XShards;
import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.StepFigures;
import dev.orca.estimator.internal.DataSummary;
import dev.orca.estimator.internal.FitCallbacks;
import dev.orca.estimator.internal.FitResult;
import dev.orca.estimator.internal.ProgressPrinter;
import dev.orca.estimator.internal.worker.TrainJob;
import dev.orca.estimator.internal.worker.TrainingMessage;
import dev.orca.estimator.internal.worker.WorkerChannel;
import dev.orca.launcher.barrier.BarrierStage;
import dev.orca.launcher.barrier.TaskChannel;
import dev.orca.launcher.barrier.TaskSlots;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The driver's side of the {@code spark} backend: one barrier stage whose tasks are the workers,
 * one partition each (see {@link #spread}), with the validation data zipped alongside. While the
 * stage runs, the driver prints what rank 0 reports on the task channel.
 */
public final class SparkTrainer {
  private static final long REPORT_WAIT_NANOS = 30_000_000_000L;

  /** The Spark local property of the training job that holds the task channel's address. */
  public static final String TASK_CHANNEL_PROPERTY = "orca.task-channel.address";

  private SparkTrainer() {}

  /**
   * Trains; {@code job} without its channel address, which is filled in here. The driver's side
   * runs on the calling thread: it reads what the workers report from a queue (progress, epochs,
   * model parts), runs the callbacks, and after each epoch answers rank 0, which waits for it.
   */
  public static FitResult fit(
      JavaSparkContext jsc,
      TrainJob jobWithoutChannel,
      XShards train,
      DataSummary summary,
      XShards validation,
      ProgressPrinter progress,
      FitCallbacks callbacks) {
    int workers = jobWithoutChannel.workers();
    TaskSlots.require(
        jsc.sc(),
        workers,
        workers + " training workers (spark backend)",
        BarrierStage.DEFAULT_EXECUTOR_WAIT);
    BlockingQueue<Report> reports = new LinkedBlockingQueue<>();
    TaskChannel.Listener listener =
        new TaskChannel.Listener() {
          @Override
          public void message(int rank, String kind, String detail) {
            reports.add(new Report(rank, TrainingMessage.decode(kind, detail), null));
          }

          @Override
          public void lost(int rank, String why) {
            reports.add(new Report(rank, null, why));
          }
        };
    String host = jsc.getConf().get("spark.driver.host", "127.0.0.1");
    try (TaskChannel channel =
        TaskChannel.open(host, jobWithoutChannel.ring().secret(), listener)) {
      TrainJob job = jobWithoutChannel.withChannel(channel.address());
      JavaRDD<Tagged> data =
          spread(train.rdd().mapPartitionsWithIndex(tagTraining(summary), true), workers);
      if (validation != null) {
        JavaRDD<Tagged> val = spread(validation.rdd().map(s -> new Tagged(true, 0, s)), workers);
        data = data.zipPartitions(val, SparkTrainer::concat);
      }
      jsc.setJobDescription("Orca: training " + workers + " workers (spark backend)");
      jsc.setLocalProperty(TASK_CHANNEL_PROPERTY, channel.address()); // for listeners and tests
      // The workers' stage must not be the last one: Spark reruns a failed barrier stage only when
      // a shuffle follows it (a failed barrier result stage aborts the job), so the one model file
      // goes through a shuffle to the stage that returns it.
      JavaFutureAction<List<byte[]>> stage =
          BarrierStage.mapPartitions(data, new SparkWorkerTask(job)).repartition(1).collectAsync();
      jsc.setJobDescription(null);
      jsc.setLocalProperty(TASK_CHANNEL_PROPERTY, null);
      Driver driver = new Driver(job, channel, reports, stage, progress, callbacks);
      callbacks.modelSource(driver::fetchModel);
      return driver.run();
    }
  }

  /** A message of a worker, or (message null) the loss of its connection and why. */
  private record Report(int rank, TrainingMessage message, String lost) {}

  /** The driver's side of one training stage, on the thread that called fit. */
  private static final class Driver {
    private static final long POLL_MILLIS = 100;

    private final TrainJob job;
    private final TaskChannel channel;
    private final BlockingQueue<Report> reports;
    private final JavaFutureAction<List<byte[]>> stage;
    private final ProgressPrinter progress;
    private final FitCallbacks callbacks;
    private final Map<Integer, EpochRecord> epochs = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();
    private final List<TrainingMessage.ModelPart> parts = new ArrayList<>();
    private OwnFailure fatal;
    private int restarts;
    private String stopped;
    private String transport;

    Driver(
        TrainJob job,
        TaskChannel channel,
        BlockingQueue<Report> reports,
        JavaFutureAction<List<byte[]>> stage,
        ProgressPrinter progress,
        FitCallbacks callbacks) {
      this.job = job;
      this.channel = channel;
      this.reports = reports;
      this.stage = stage;
      this.progress = progress;
      this.callbacks = callbacks;
    }

    FitResult run() {
      int first = job.schedule().firstEpoch();
      progress.epochStarted(first);
      callbacks.epochBegin(first);
      List<byte[]> results;
      try {
        while (!stage.isDone() || !reports.isEmpty()) {
          Report r = reports.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
          if (r != null) {
            handle(r);
          }
        }
        results = stage.get();
      } catch (ExecutionException e) {
        awaitReports(channel);
        drain();
        throw fatal != null ? fatal.exception() : failure(e.getCause(), failures);
      } catch (InterruptedException e) {
        stage.cancel(true);
        Thread.currentThread().interrupt();
        throw new TrainingException("interrupted while training; the workers were stopped", e);
      }
      if (results.size() != 1) {
        // workers end without failing the stage on errors a rerun would repeat: they said why
        awaitReports(channel);
        drain();
        if (fatal != null) {
          throw fatal.exception();
        }
        throw new TrainingException(
            "the training stage returned "
                + results.size()
                + " models, expected 1"
                + (failures.isEmpty() ? "" : ": " + String.join("; ", failures)));
      }
      if (callbacks.failure() != null) {
        throw callbacks.failure();
      }
      String why = stopped != null ? stopped : "completed " + job.epochs() + " epochs";
      return new FitResult(
          results.get(0), new ArrayList<>(epochs.values()), why, restarts, transport);
    }

    private void drain() {
      Report r;
      while ((r = reports.poll()) != null) {
        handle(r);
      }
    }

    private void handle(Report report) {
      int rank = report.rank();
      TrainingMessage m = report.message();
      if (m == null) {
        failures.add("worker " + rank + ": " + report.lost());
      } else if (m instanceof TrainingMessage.Step step) {
        progress.stepReported(step);
        callbacks.steps(figures(step));
      } else if (m instanceof TrainingMessage.EpochDone done) {
        EpochRecord r = done.record();
        epochs.put(r.epoch(), r);
        progress.epochDone(r);
        String stop = callbacks.epochEnd(r, done.learningRate(), done.iterations());
        if (stop != null && callbacks.failure() == null) {
          stopped = stop;
        }
        channel.sendToAll(line(new TrainingMessage.Verdict(r.epoch(), stop != null)));
        if (stop == null && r.epoch() + 1 < job.epochs()) {
          progress.epochStarted(r.epoch() + 1);
          callbacks.epochBegin(r.epoch() + 1);
        }
      } else if (m instanceof TrainingMessage.ModelPart part) {
        parts.add(part);
      } else if (m instanceof TrainingMessage.Placed p) {
        if (transport == null) {
          progress.message("Summing gradients through " + p.transport());
        }
        transport = p.transport();
      } else if (m instanceof TrainingMessage.Stopped s) {
        stopped = s.reason();
      } else if (m instanceof TrainingMessage.Resumed r) {
        restarts++;
        int kept = r.checkpointEpoch();
        epochs.keySet().removeIf(k -> k > kept);
        callbacks.rewind(kept, job.checkpoints().store());
        progress.message(
            kept < 0
                ? "Training started again after a failure"
                : "Training resumed after a failure, from the checkpoint of epoch " + (kept + 1));
      } else if (m instanceof TrainingMessage.Failed f) {
        failures.add("worker " + rank + ": " + f.reason());
        if (f.failure().isOwn() && fatal == null) {
          fatal = new OwnFailure(rank, f);
        }
      }
    }

    /** Rank 0's model file after {@code epoch}: asked for, then read from the reports. */
    byte[] fetchModel(int epoch) {
      parts.clear();
      channel.sendToAll(line(new TrainingMessage.ModelRequest(epoch)));
      long deadline = System.nanoTime() + job.ring().stepTimeout().toNanos();
      try {
        while (parts.isEmpty() || parts.size() < parts.get(0).count()) {
          if (stage.isDone() || fatal != null || System.nanoTime() > deadline) {
            throw new TrainingException(
                "the first training worker did not send its model after epoch "
                    + (epoch + 1)
                    + " within "
                    + job.ring().stepTimeout().toSeconds()
                    + " s"
                    + (failures.isEmpty() ? "" : ": " + String.join("; ", failures)));
          }
          Report r = reports.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
          if (r != null) {
            handle(r);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TrainingException("interrupted while fetching the model for a callback", e);
      }
      parts.removeIf(p -> p.epoch() != epoch);
      byte[] file = WorkerChannel.joinModel(parts);
      parts.clear();
      return file;
    }

    private StepFigures figures(TrainingMessage.Step s) {
      double elapsed = progress.secondsIntoEpoch();
      return new StepFigures(
          s.epoch(),
          s.step(),
          s.steps(),
          s.iteration(),
          s.samples(),
          elapsed > 0 ? s.samples() / elapsed : 0,
          s.loss(),
          s.metrics(),
          s.learningRate());
    }

    private static String line(TrainingMessage m) {
      return m.kind() + " " + m.detail();
    }
  }

  /**
   * Waits until every worker's connection to the task channel has ended, so that what they sent
   * before ending (why they failed) has been read. Bounded: a worker whose executor died never says
   * goodbye.
   */
  private static void awaitReports(TaskChannel channel) {
    long deadline = System.nanoTime() + REPORT_WAIT_NANOS;
    while (!channel.connected().isEmpty() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(10_000_000L);
    }
  }

  /** A worker's own failure: raised as the Orca exception of its kind, naming the worker. */
  private record OwnFailure(int rank, TrainingMessage.Failed failed) {
    OrcaException exception() {
      return failed
          .failure()
          .toException("Training failed: worker " + rank + ": " + failed.reason(), null);
    }
  }

  private static org.apache.spark.api.java.function.Function2<
          Integer, Iterator<Shard>, Iterator<Tagged>>
      tagTraining(DataSummary summary) {
    return (partition, shards) ->
        new Iterator<>() {
          private int index;

          @Override
          public boolean hasNext() {
            return shards.hasNext();
          }

          @Override
          public Tagged next() {
            Shard s = shards.next();
            return new Tagged(false, summary.firstRow(partition, index++), s);
          }
        };
  }

  /**
   * Exactly {@code workers} partitions. Spark's barrier mode refuses a stage whose lineage changes
   * the number of partitions without a shuffle (coalesce), so data with another number of
   * partitions is shuffled once, whole shards as Arrow IPC, before training; data with one
   * partition per worker does not move at all.
   */
  private static JavaRDD<Tagged> spread(JavaRDD<Tagged> rdd, int workers) {
    return rdd.getNumPartitions() == workers ? rdd : rdd.repartition(workers);
  }

  private static Iterator<Tagged> concat(Iterator<Tagged> a, Iterator<Tagged> b) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return a.hasNext() || b.hasNext();
      }

      @Override
      public Tagged next() {
        return a.hasNext() ? a.next() : b.next();
      }
    };
  }

  private static TrainingException failure(Throwable cause, List<String> reported) {
    reported = new ArrayList<>(reported);
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String what =
        reported.isEmpty()
            ? root.getMessage()
            : String.join("; ", reported) + " (Spark: " + root.getMessage() + ")";
    return new TrainingException("Training failed: " + what, cause);
  }
}
