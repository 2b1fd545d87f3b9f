package dev.orca.estimator.internal.ray;

import dev.orca.arrow.ArrowMemory;
import dev.orca.arrow.Shard;
import dev.orca.common.Serialization;
import dev.orca.data.RayShard;
import dev.orca.data.ShardPlacement;
import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.internal.worker.BatchPlan;
import dev.orca.estimator.internal.worker.EpochRunner;
import dev.orca.estimator.internal.worker.LocalData;
import dev.orca.estimator.internal.worker.StepReporter;
import dev.orca.estimator.internal.worker.TrainJob;
import dev.orca.estimator.internal.worker.TrainingMessage;
import dev.orca.estimator.internal.worker.TrainingWorker;
import dev.orca.estimator.internal.worker.WorkerChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A training worker as a Ray actor (the {@code ray} backend): it holds a {@link TrainingWorker} and
 * the shards it was given (opened from the Arrow IPC bytes in the object store, in its own Arrow
 * memory), and does one thing per call, as the driver asks: take shards, form the ring, train an
 * epoch, hand over its model. {@link #reset} frees everything, so an actor can serve the next fit
 * (Ray's LOCAL mode cannot kill actors, so the backend keeps and reuses them).
 *
 * <p>The worker's state is kept by worker id in this class, not in the actor object: Ray 2.39's
 * LOCAL mode keeps "the current actor" in one field shared by all actors, so when two actors run at
 * the same time (as training workers do) a call can reach the other actor's object. Looked up by
 * id, a call always finds its own worker; on a cluster, where each actor is a process of its own,
 * the map holds just that actor's worker. Arguments and results are plain serializable types.
 */
public class RayTrainingActor {
  private static final Map<String, State> WORKERS = new ConcurrentHashMap<>();

  public RayTrainingActor() {}

  /**
   * Sets up worker {@code id} for the job (a serialized {@link TrainJob}); returns its node and
   * host.
   */
  public String init(String id, byte[] serializedJob, int rank) {
    reset(id);
    State s = new State(deserialize(serializedJob), rank);
    WORKERS.put(id, s);
    return ShardPlacement.currentNodeId() + " " + host();
  }

  /**
   * Fetches a shard's IPC bytes from the object store and opens them; returns its rows. (The
   * reference travels inside {@link RayShard} and is read here, not resolved by Ray as a task
   * argument.)
   */
  public int addShard(String id, RayShard shard, boolean isValidation, long firstRow) {
    State s = state(id);
    Shard opened = shard.open(s.memory);
    s.shards.add(opened);
    if (opened.rows() > 0) {
      (isValidation ? s.validation : s.train).add(LocalData.Block.of(opened, firstRow));
    }
    return opened.rows();
  }

  /** Replaces the replica with a checkpoint's model file (before {@link #connectRing}). */
  public boolean load(String id, byte[] modelFile) {
    state(id).worker.load(modelFile);
    return true;
  }

  /** Opens the ring endpoint on {@code host}; returns its address. */
  public String openRing(String id, String host) {
    State s = state(id);
    TrainJob.DataShape shape = s.job.data();
    s.trainData = new LocalData(shape.featureWidth(), shape.labelWidth(), s.train);
    s.valData = new LocalData(shape.featureWidth(), shape.labelWidth(), s.validation);
    s.plan = s.job.newPlan();
    return s.worker.openRing(s.job.ringOptions(host));
  }

  /**
   * Forms the ring (blocks until every worker has joined); returns how it sums the gradients, in
   * words.
   */
  public String connectRing(String id, List<String> addresses) {
    State s = state(id);
    s.worker.connectRing(addresses, s.rank, s.job.ring().pinning());
    return s.worker.transport();
  }

  /**
   * Trains epoch {@code epoch}; returns its figures (the same on every worker) as one line of the
   * training protocol, read back with {@link #epochDone}.
   */
  public String trainEpoch(String id, int epoch) {
    State s = state(id);
    TrainingWorker.StepListener listener =
        s.channel == null
            ? null
            : new StepReporter(
                s.channel, s.worker, s.job.workers(), s.job.schedule().stepInterval());
    EpochRecord record =
        EpochRunner.run(s.worker, s.job, s.plan, s.trainData, s.valData, epoch, listener);
    return EpochRunner.done(s.worker, record).detail();
  }

  /** The figures {@link #trainEpoch} returned. */
  static TrainingMessage.EpochDone epochDone(String line) {
    return (TrainingMessage.EpochDone) TrainingMessage.decode("EPOCH", line);
  }

  /** The replica as a model file. */
  public byte[] modelFile(String id) {
    return state(id).worker.modelFile();
  }

  /** Frees worker {@code id}: the replica, the ring, the shards and their memory. Idempotent. */
  public boolean reset(String id) {
    State s = WORKERS.remove(id);
    if (s != null) {
      s.close();
    }
    return true;
  }

  /**
   * Cuts the ring connections of the workers of {@code rank} in this process, as a network failure
   * would; the driver then resets the workers and resumes from the last checkpoint. For the tests
   * of that recovery. Returns how many workers were cut off (only workers in a formed ring count).
   */
  static int cutOff(int rank) {
    int n = 0;
    for (State s : WORKERS.values()) {
      if (s.rank == rank && s.worker.disconnect()) {
        n++;
      }
    }
    return n;
  }

  private static State state(String id) {
    State s = WORKERS.get(id);
    if (s == null) {
      throw new IllegalStateException("training worker " + id + " is not set up on this actor");
    }
    return s;
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostAddress();
    } catch (IOException e) {
      return "127.0.0.1";
    }
  }

  private static TrainJob deserialize(byte[] bytes) {
    return Serialization.fromBytes(bytes, TrainJob.class, "training job sent to this actor");
  }

  /** One worker's state on this actor. */
  private static final class State implements AutoCloseable {
    final TrainJob job;
    final int rank;
    final TrainingWorker worker;
    final BufferAllocator memory;
    final List<Shard> shards = new ArrayList<>();
    final List<LocalData.Block> train = new ArrayList<>();
    final List<LocalData.Block> validation = new ArrayList<>();
    final WorkerChannel channel;
    LocalData trainData;
    LocalData valData;
    BatchPlan plan;

    State(TrainJob job, int rank) {
      this.job = job;
      this.rank = rank;
      this.memory =
          ArrowMemory.root().newChildAllocator("ray training worker " + rank, 0, Long.MAX_VALUE);
      this.worker = TrainingWorker.create(job.model());
      this.channel =
          rank == 0 && job.channelAddress() != null ? WorkerChannel.connect(job, rank) : null;
    }

    @Override
    public void close() {
      if (channel != null) {
        channel.close();
      }
      worker.close();
      Shard.closeAll(shards);
      memory.close();
    }
  }
}
