package dev.orca.estimator.internal.ray;

import dev.orca.TrainingException;
import dev.orca.common.Serialization;
import dev.orca.context.OrcaContext;
import dev.orca.data.RayShard;
import dev.orca.data.ShardPlacement;
import dev.orca.data.XShards;
import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.StepFigures;
import dev.orca.estimator.internal.DataSummary;
import dev.orca.estimator.internal.FitCallbacks;
import dev.orca.estimator.internal.FitResult;
import dev.orca.estimator.internal.ProgressPrinter;
import dev.orca.estimator.internal.worker.CheckpointStore;
import dev.orca.estimator.internal.worker.TrainJob;
import dev.orca.estimator.internal.worker.TrainingMessage;
import dev.orca.estimator.internal.worker.WorkerFailure;
import dev.orca.launcher.barrier.TaskChannel;
import dev.orca.launcher.ray.RayMode;
import dev.orca.launcher.ray.RayRuntime;
import io.ray.api.ActorHandle;
import io.ray.api.ObjectRef;
import io.ray.api.Ray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's side of the {@code ray} backend: the workers are {@link RayTrainingActor}s, the
 * shards reach them as Arrow IPC bytes in the object store (each preferably on an actor of its
 * node), and the driver drives the epochs one call at a time. That lets it stop early, write
 * checkpoints, and, when a call fails (a lost actor, a broken ring), reset the workers and resume
 * from the last checkpoint, up to the retry limit.
 */
public final class RayTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(RayTrainer.class);

  private RayTrainer() {}

  public static FitResult fit(
      TrainJob jobWithoutChannel,
      XShards train,
      DataSummary summary,
      XShards validation,
      ProgressPrinter progress,
      FitCallbacks callbacks) {
    RayRuntime ray = OrcaContext.get().ray();
    Map<Integer, EpochRecord> epochs = new TreeMap<>();
    TaskChannel.Listener listener =
        new TaskChannel.Listener() {
          @Override
          public void message(int rank, String kind, String detail) {
            if (TrainingMessage.decode(kind, detail) instanceof TrainingMessage.Step step) {
              progress.stepReported(step);
              double elapsed = progress.secondsIntoEpoch();
              // on the channel's thread: the callbacks are called one at a time all the same
              callbacks.steps(
                  new StepFigures(
                      step.epoch(),
                      step.step(),
                      step.steps(),
                      step.iteration(),
                      step.samples(),
                      elapsed > 0 ? step.samples() / elapsed : 0,
                      step.loss(),
                      step.metrics(),
                      step.learningRate()));
            }
          }

          @Override
          public void lost(int rank, String why) {
            LOG.debug("progress channel of worker {} closed: {}", rank, why);
          }
        };
    List<RayShard> trainShards = train.toRay();
    List<RayShard> valShards = validation == null ? List.of() : validation.toRay();
    try (TaskChannel channel =
        TaskChannel.open("127.0.0.1", jobWithoutChannel.ring().secret(), listener)) {
      TrainJob job = jobWithoutChannel.withChannel(channel.address());
      byte[] serializedJob = Serialization.toBytes(job);
      CheckpointStore.Checkpoint resumeFrom = null;
      String stopped = null;
      String transport = null;
      int attempt = 0;
      while (true) {
        List<ActorHandle<RayTrainingActor>> actors = ActorPool.acquire(ray, job.workers());
        String fitId = java.util.UUID.randomUUID().toString();
        List<String> ids = new ArrayList<>();
        for (int r = 0; r < actors.size(); r++) {
          ids.add(fitId + "-" + r);
        }
        try {
          String placed =
              setUp(
                  actors,
                  ids,
                  serializedJob,
                  ray.mode(),
                  trainShards,
                  valShards,
                  summary,
                  resumeFrom);
          if (!placed.equals(transport)) {
            progress.message("Summing gradients through " + placed);
            transport = placed;
          }
          int start = resumeFrom == null ? job.schedule().firstEpoch() : resumeFrom.epoch() + 1;
          callbacks.modelSource(e -> modelFile(actors.get(0), ids.get(0), job));
          for (int epoch = start; epoch < job.epochs() && stopped == null; epoch++) {
            progress.epochStarted(epoch);
            callbacks.epochBegin(epoch);
            int e = epoch;
            List<String> lines =
                getAll(
                    each(
                        actors,
                        (a, r) -> a.task(RayTrainingActor::trainEpoch, ids.get(r), e).remote()),
                    job,
                    "epoch " + (epoch + 1));
            TrainingMessage.EpochDone done = RayTrainingActor.epochDone(lines.get(0));
            EpochRecord record = done.record();
            epochs.put(epoch, record);
            progress.epochDone(record);
            stopped = callbacks.epochEnd(record, done.learningRate(), done.iterations());
          }
          if (callbacks.failure() != null) {
            throw callbacks.failure();
          }
          byte[] model = modelFile(actors.get(0), ids.get(0), job);
          return new FitResult(
              model,
              new ArrayList<>(epochs.values()),
              stopped != null ? stopped : "completed " + job.epochs() + " epochs",
              attempt,
              transport);
        } catch (WorkerFailed e) {
          if (!e.kind.isRetried()) {
            // an error of a worker's own (data, settings, a diverging loss): a retry would repeat
            // it
            throw e.kind.toException("Training failed: " + e.getMessage(), e.getCause());
          }
          attempt++;
          int maxRetries = job.checkpoints().maxRetries();
          if (attempt > maxRetries) {
            throw new TrainingException(
                "Training failed after "
                    + attempt
                    + " attempts (maxRetries="
                    + maxRetries
                    + "): "
                    + rootMessage(e),
                e);
          }
          CheckpointStore store = job.checkpoints().store();
          // a checkpoint older than where this fit started is not of this fit
          resumeFrom =
              store == null
                  ? null
                  : store
                      .latest()
                      .filter(c -> c.epoch() >= job.schedule().firstEpoch())
                      .orElse(null);
          LOG.warn(
              "A training worker failed ({}); resetting the workers and resuming {} (attempt {} of {})",
              rootMessage(e),
              resumeFrom == null ? "from the start" : "after epoch " + (resumeFrom.epoch() + 1),
              attempt + 1,
              maxRetries + 1);
          int kept = resumeFrom == null ? job.schedule().firstEpoch() - 1 : resumeFrom.epoch();
          epochs.keySet().removeIf(k -> k > kept);
          callbacks.rewind(kept, store);
        } finally {
          ActorPool.release(ray, actors, ids);
        }
      }
    } finally {
      free(trainShards);
      free(valShards);
    }
  }

  /**
   * Gives every actor the job, its shards and (when resuming) the checkpoint, then forms the ring;
   * returns how rank 0 says the ring sums the gradients.
   */
  private static String setUp(
      List<ActorHandle<RayTrainingActor>> actors,
      List<String> ids,
      byte[] job,
      RayMode mode,
      List<RayShard> trainShards,
      List<RayShard> valShards,
      DataSummary summary,
      CheckpointStore.Checkpoint resumeFrom) {
    List<String> where =
        getAll(
            each(actors, (a, r) -> a.task(RayTrainingActor::init, ids.get(r), job, r).remote()),
            null,
            "starting the workers");
    List<String> nodes = new ArrayList<>();
    List<String> hosts = new ArrayList<>();
    for (String w : where) {
      String[] p = w.split(" ");
      nodes.add(p[0]);
      hosts.add(mode == RayMode.LOCAL ? "127.0.0.1" : p[1]);
    }
    List<ObjectRef<Integer>> loads = new ArrayList<>();
    List<List<RayShard>> byActor = ShardPlacement.assign(trainShards, nodes);
    List<List<RayShard>> valByActor = ShardPlacement.assign(valShards, nodes);
    for (int a = 0; a < actors.size(); a++) {
      for (RayShard s : byActor.get(a)) {
        long first = summary.firstRow(s.partition(), s.index());
        loads.add(
            actors.get(a).task(RayTrainingActor::addShard, ids.get(a), s, false, first).remote());
      }
      for (RayShard s : valByActor.get(a)) {
        loads.add(actors.get(a).task(RayTrainingActor::addShard, ids.get(a), s, true, 0L).remote());
      }
    }
    getAll(loads, null, "handing the shards to the workers");
    if (resumeFrom != null) {
      byte[] file = resumeFrom.modelFile();
      getAll(
          each(actors, (a, r) -> a.task(RayTrainingActor::load, ids.get(r), file).remote()),
          null,
          "loading the checkpoint");
    }
    List<String> addresses =
        getAll(
            each(
                actors,
                (a, r) -> a.task(RayTrainingActor::openRing, ids.get(r), hosts.get(r)).remote()),
            null,
            "opening the ring");
    return getAll(
            each(
                actors,
                (a, r) -> a.task(RayTrainingActor::connectRing, ids.get(r), addresses).remote()),
            null,
            "forming the ring")
        .get(0);
  }

  private static byte[] modelFile(ActorHandle<RayTrainingActor> rank0, String id, TrainJob job) {
    return getAll(
            List.of(rank0.task(RayTrainingActor::modelFile, id).remote()),
            job,
            "fetching the model")
        .get(0);
  }

  /**
   * Waits for every result (within the job's step timeout per call, if given) and frees them from
   * the store.
   */
  private static <T> List<T> getAll(List<ObjectRef<T>> refs, TrainJob job, String what) {
    long timeoutMs =
        job == null ? 600_000 : Math.max(60_000, job.ring().stepTimeout().toMillis() * 4);
    List<T> out = new ArrayList<>();
    WorkerFailed reported = null;
    try {
      // every worker's answer, so that the one that failed on its own is reported, whatever its
      // rank
      for (int i = 0; i < refs.size(); i++) {
        try {
          out.add(Ray.get(refs.get(i), timeoutMs));
        } catch (RuntimeException e) {
          WorkerFailed failed = new WorkerFailed(i, WorkerFailure.ofRemote(e), what, e);
          if (reported == null || failed.outranks(reported)) {
            reported = failed;
          }
        }
      }
      if (reported != null) {
        throw reported;
      }
      return out;
    } finally {
      Ray.internal()
          .free(new ArrayList<>(refs), false); // LOCAL mode keeps every result until freed
    }
  }

  /** A worker's failure, with its kind: what decides between resuming and ending training. */
  private static final class WorkerFailed extends TrainingException {
    private static final long serialVersionUID = 1L;
    final int rank;
    final WorkerFailure kind;

    WorkerFailed(int rank, WorkerFailure kind, String what, Throwable cause) {
      super(
          "worker " + rank + " failed while " + what + ": " + WorkerFailure.messageOf(cause),
          cause);
      this.rank = rank;
      this.kind = kind;
    }

    /** A worker's own error outranks the ring failures it caused in the others. */
    boolean outranks(WorkerFailed other) {
      return kind.isOwn() && !other.kind.isOwn();
    }
  }

  /** One call per actor, {@code f(actor, rank)}, all submitted before any is awaited. */
  private static <T> List<ObjectRef<T>> each(
      List<ActorHandle<RayTrainingActor>> actors,
      java.util.function.BiFunction<ActorHandle<RayTrainingActor>, Integer, ObjectRef<T>> f) {
    List<ObjectRef<T>> out = new ArrayList<>();
    for (int r = 0; r < actors.size(); r++) {
      out.add(f.apply(actors.get(r), r));
    }
    return out;
  }

  private static void free(List<RayShard> shards) {
    if (!shards.isEmpty() && Ray.isInitialized()) {
      List<ObjectRef<?>> refs = new ArrayList<>();
      shards.forEach(s -> refs.add(s.ref()));
      Ray.internal().free(refs, false);
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
