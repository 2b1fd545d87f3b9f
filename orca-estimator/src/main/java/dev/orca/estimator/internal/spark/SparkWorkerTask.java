package dev.orca.estimator.internal.spark;

import dev.orca.TrainingException;
import dev.orca.arrow.Shard;
import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.internal.worker.BatchPlan;
import dev.orca.estimator.internal.worker.CheckpointStore;
import dev.orca.estimator.internal.worker.EpochRunner;
import dev.orca.estimator.internal.worker.LocalData;
import dev.orca.estimator.internal.worker.StepReporter;
import dev.orca.estimator.internal.worker.TrainJob;
import dev.orca.estimator.internal.worker.TrainingMessage;
import dev.orca.estimator.internal.worker.TrainingWorker;
import dev.orca.estimator.internal.worker.WorkerChannel;
import dev.orca.estimator.internal.worker.WorkerFailure;
import dev.orca.launcher.barrier.BarrierFunction;
import dev.orca.launcher.barrier.BarrierTask;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * A training worker as a task of the {@code spark} backend's barrier stage. It takes its
 * partition's shards once and keeps them for all epochs (the data never moves again), exchanges
 * ring addresses with the other tasks through one {@code allGather}, and runs the epochs; rank 0
 * reports progress and epoch figures to the driver, writes the checkpoints, and returns the trained
 * model file. When Spark reruns the stage after a failure, every worker resumes from the last
 * checkpoint.
 */
public final class SparkWorkerTask implements BarrierFunction<Tagged, byte[]> {
  private static final long serialVersionUID = 1L;

  private final TrainJob job;

  public SparkWorkerTask(TrainJob job) {
    this.job = job;
  }

  @Override
  public Iterator<byte[]> apply(BarrierTask task, Iterator<Tagged> partition) throws Exception {
    int rank = task.partitionId();
    List<Shard> shards = new ArrayList<>();
    try (WorkerChannel channel = WorkerChannel.connect(job, rank)) {
      int retries = job.checkpoints().maxRetries();
      if (task.stageAttempt() > retries) {
        String why =
            "training failed "
                + task.stageAttempt()
                + " times and was retried as often as allowed (maxRetries="
                + retries
                + "); see the earlier failures in the log";
        return endWithout(channel, new TrainingMessage.Failed(WorkerFailure.TRAINING, why));
      }
      List<LocalData.Block> train = new ArrayList<>();
      List<LocalData.Block> validation = new ArrayList<>();
      while (partition.hasNext()) {
        Tagged t = partition.next();
        shards.add(t.shard());
        if (t.shard().rows() > 0) {
          (t.validation() ? validation : train).add(LocalData.Block.of(t.shard(), t.firstRow()));
        }
      }
      TrainJob.DataShape shape = job.data();
      LocalData trainData = new LocalData(shape.featureWidth(), shape.labelWidth(), train);
      LocalData valData = new LocalData(shape.featureWidth(), shape.labelWidth(), validation);
      try (TrainingWorker worker = TrainingWorker.create(job.model())) {
        int start = join(task, rank, worker);
        if (rank == 0) {
          channel.send(new TrainingMessage.Placed(worker.transport()));
        }
        if (rank == 0 && task.stageAttempt() > 0) {
          channel.send(new TrainingMessage.Resumed(start - 1));
        }
        run(task, rank, worker, channel, trainData, valData, start);
        return rank == 0 ? List.of(worker.modelFile()).iterator() : List.<byte[]>of().iterator();
      } catch (RuntimeException e) {
        if (task.isInterrupted()) {
          throw e; // Spark stopped the stage: the cause is elsewhere
        }
        WorkerFailure kind = WorkerFailure.of(e);
        TrainingMessage.Failed failed =
            new TrainingMessage.Failed(kind, WorkerFailure.messageOf(e));
        if (kind.isRetried()) {
          channel.send(failed);
          throw e; // a lost peer or a broken ring: Spark reruns the stage, which resumes
        }
        return endWithout(channel, failed);
      }
    } finally {
      Shard.closeAll(shards);
    }
  }

  /**
   * Ends this worker without failing its Spark task, after telling the driver why: an error that a
   * rerun of the stage would only repeat (this worker's own, or another worker's that gave up) must
   * not make Spark retry the stage; the driver raises it instead.
   */
  private static Iterator<byte[]> endWithout(WorkerChannel channel, TrainingMessage.Failed why) {
    channel.send(why);
    return Collections.emptyIterator();
  }

  /**
   * Opens the ring, learns everyone's address and the checkpoint rank 0 resumes from (one
   * allGather), loads that checkpoint, and forms the ring. Returns the first epoch to train.
   */
  private int join(BarrierTask task, int rank, TrainingWorker worker) {
    String host = hostOf(task.executorAddresses().get(rank));
    String address = worker.openRing(job.ringOptions(host));
    CheckpointStore store = job.checkpoints().store();
    int resumeEpoch = -1;
    if (rank == 0 && store != null && task.stageAttempt() > 0) {
      // a checkpoint older than where this fit started is not of this fit
      resumeEpoch =
          store
              .latest()
              .map(CheckpointStore.Checkpoint::epoch)
              .filter(e -> e >= job.schedule().firstEpoch())
              .orElse(-1);
    }
    List<String> gathered = task.allGather(address + " " + resumeEpoch);
    List<String> addresses = new ArrayList<>();
    for (String g : gathered) {
      addresses.add(g.split(" ")[0]);
    }
    int epoch = Integer.parseInt(gathered.get(0).split(" ")[1]);
    if (epoch >= 0) {
      Optional<byte[]> file = store.read(epoch);
      worker.load(
          file.orElseThrow(
              () ->
                  new TrainingException(
                      "the checkpoint of epoch "
                          + (epoch + 1)
                          + " in "
                          + store.dir()
                          + " disappeared while the workers resumed")));
    }
    worker.connectRing(addresses, rank, job.ring().pinning());
    return epoch >= 0 ? epoch + 1 : job.schedule().firstEpoch();
  }

  private void run(
      BarrierTask task,
      int rank,
      TrainingWorker worker,
      WorkerChannel channel,
      LocalData train,
      LocalData validation,
      int start) {
    BatchPlan plan = job.newPlan();
    TrainingWorker.StepListener report =
        rank == 0
            ? new StepReporter(channel, worker, job.workers(), job.schedule().stepInterval())
            : null;
    TrainingWorker.StepListener listener =
        (epoch, step, steps, sums) -> {
          if (task.isInterrupted()) {
            throw new TrainingException(
                "training worker "
                    + rank
                    + " was stopped by Spark (the stage was cancelled"
                    + " or another worker failed)");
          }
          if (report != null) {
            report.step(epoch, step, steps, sums);
          }
        };
    for (int epoch = start; epoch < job.epochs(); epoch++) {
      EpochRecord record = EpochRunner.run(worker, job, plan, train, validation, epoch, listener);
      double[] stop = {0};
      if (rank == 0) {
        channel.send(EpochRunner.done(worker, record));
        stop[0] = awaitVerdict(channel, worker, epoch) ? 1 : 0;
      }
      // the driver's callbacks decide; rank 0 heard them, and tells the others through the ring
      worker.allReduce(stop);
      if (stop[0] > 0) {
        return;
      }
    }
  }

  /**
   * Rank 0 after {@code epoch}: waits for the driver's callbacks to decide whether training goes
   * on, sending its model file when they ask for it. True to stop.
   */
  private boolean awaitVerdict(WorkerChannel channel, TrainingWorker worker, int epoch) {
    String go = new TrainingMessage.Verdict(epoch, false).kind() + " " + epoch + " ";
    TrainingMessage.ModelRequest ask = new TrainingMessage.ModelRequest(epoch);
    String model = ask.kind() + " " + ask.detail();
    while (true) {
      String line =
          channel.take(l -> l.startsWith(go) || l.equals(model), job.ring().stepTimeout());
      if (line == null) {
        throw new TrainingException(
            "the driver did not answer within "
                + job.ring().stepTimeout().toSeconds()
                + " s after epoch "
                + (epoch + 1)
                + ": its callbacks took longer than the step timeout (raise optStepTimeout), or"
                + " the driver is gone");
      }
      if (line.equals("STOP")) {
        return true;
      }
      if (line.equals(model)) {
        channel.sendModel(epoch, worker.modelFile());
      } else {
        return line.endsWith(" 1");
      }
    }
  }

  private static String hostOf(String address) {
    int colon = address.lastIndexOf(':');
    return colon < 0 ? address : address.substring(0, colon);
  }
}
