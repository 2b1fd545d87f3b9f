package dev.orca.estimator.internal.spark;

import dev.orca.OrcaException;
import dev.orca.TrainingException;
import dev.orca.arrow.Shard;
import dev.orca.data.XShards;
import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.internal.DataSummary;
import dev.orca.estimator.internal.FitResult;
import dev.orca.estimator.internal.ProgressPrinter;
import dev.orca.estimator.internal.worker.TrainJob;
import dev.orca.estimator.internal.worker.TrainingMessage;
import dev.orca.launcher.barrier.BarrierStage;
import dev.orca.launcher.barrier.TaskChannel;
import dev.orca.launcher.barrier.TaskSlots;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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

  /** Trains; {@code job} without its channel address, which is filled in here. */
  public static FitResult fit(
      JavaSparkContext jsc,
      TrainJob jobWithoutChannel,
      XShards train,
      DataSummary summary,
      XShards validation,
      ProgressPrinter progress) {
    int workers = jobWithoutChannel.workers();
    TaskSlots.require(
        jsc.sc(),
        workers,
        workers + " training workers (spark backend)",
        BarrierStage.DEFAULT_EXECUTOR_WAIT);
    Map<Integer, EpochRecord> epochs = new TreeMap<>();
    AtomicReference<String> stopped = new AtomicReference<>();
    AtomicInteger restarts = new AtomicInteger();
    AtomicReference<String> transport = new AtomicReference<>();
    List<String> failures =
        Collections.synchronizedList(new ArrayList<>()); // added on the channel's threads
    // the first worker that failed on its own: what training ends with, not retried
    AtomicReference<OwnFailure> fatal = new AtomicReference<>();
    TaskChannel.Listener listener =
        new TaskChannel.Listener() {
          @Override
          public void message(int rank, String kind, String detail) {
            TrainingMessage m = TrainingMessage.decode(kind, detail);
            if (m instanceof TrainingMessage.Step step) {
              progress.stepReported(step);
            } else if (m instanceof TrainingMessage.EpochDone done) {
              EpochRecord r = done.record();
              synchronized (epochs) {
                epochs.put(r.epoch(), r);
              }
              progress.epochDone(r);
              progress.epochStarted(r.epoch() + 1);
            } else if (m instanceof TrainingMessage.Placed p) {
              if (transport.getAndSet(p.transport()) == null) {
                progress.message("Summing gradients through " + p.transport());
              }
            } else if (m instanceof TrainingMessage.Stopped s) {
              stopped.set(s.reason());
            } else if (m instanceof TrainingMessage.Resumed r) {
              restarts.incrementAndGet();
              progress.message(
                  "Training resumed after a failure, from the checkpoint of epoch "
                      + (r.checkpointEpoch() + 1));
            } else if (m instanceof TrainingMessage.Failed f) {
              failures.add("worker " + rank + ": " + f.reason());
              if (f.failure().isOwn()) {
                fatal.compareAndSet(null, new OwnFailure(rank, f));
              }
            }
          }

          @Override
          public void lost(int rank, String why) {
            failures.add("worker " + rank + ": " + why);
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
      progress.epochStarted(0);
      // The workers' stage must not be the last one: Spark reruns a failed barrier stage only when
      // a shuffle follows it (a failed barrier result stage aborts the job), so the one model file
      // goes through a shuffle to the stage that returns it.
      JavaFutureAction<List<byte[]>> stage =
          BarrierStage.mapPartitions(data, new SparkWorkerTask(job)).repartition(1).collectAsync();
      jsc.setJobDescription(null);
      jsc.setLocalProperty(TASK_CHANNEL_PROPERTY, null);
      List<byte[]> results;
      try {
        results = stage.get();
      } catch (ExecutionException e) {
        awaitReports(channel);
        throw fatal.get() != null
            ? fatal.get().exception()
            : failure(e.getCause(), new ArrayList<>(failures));
      } catch (InterruptedException e) {
        stage.cancel(true);
        Thread.currentThread().interrupt();
        throw new TrainingException("interrupted while training; the workers were stopped", e);
      }
      if (results.size() != 1) {
        // workers end without failing the stage on errors a rerun would repeat: they said why
        awaitReports(channel);
        if (fatal.get() != null) {
          throw fatal.get().exception();
        }
        throw new TrainingException(
            "the training stage returned "
                + results.size()
                + " models, expected 1"
                + (failures.isEmpty() ? "" : ": " + String.join("; ", new ArrayList<>(failures))));
      }
      List<EpochRecord> records;
      synchronized (epochs) {
        records = new ArrayList<>(epochs.values());
      }
      String why = stopped.get() != null ? stopped.get() : "completed " + job.epochs() + " epochs";
      return new FitResult(results.get(0), records, why, restarts.get(), transport.get());
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
