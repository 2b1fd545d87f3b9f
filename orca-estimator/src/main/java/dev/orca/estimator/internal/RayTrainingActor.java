package dev.orca.estimator.internal;

import dev.orca.arrow.ArrowMemory;
import dev.orca.arrow.Shard;
import dev.orca.data.RayShard;
import dev.orca.data.ShardPlacement;
import dev.orca.estimator.EpochRecord;
import dev.orca.launcher.TaskChannel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A training worker as a Ray actor (the {@code ray} backend): it holds a {@link TrainingWorker}
 * and the shards it was given (opened from the Arrow IPC bytes in the object store, in its own
 * Arrow memory), and does one thing per call, as the driver asks: take shards, form the ring, train
 * an epoch, hand over its model. {@link #reset} frees everything, so an actor can serve the next
 * fit (Ray's LOCAL mode cannot kill actors, so the backend keeps and reuses them).
 *
 * <p>Arguments and results are plain types (bytes, strings, numbers): Ray serializes them.
 */
public class RayTrainingActor {
  private TrainJob job;
  private int rank;
  private TrainingWorker worker;
  private BufferAllocator memory;
  private final List<Shard> shards = new ArrayList<>();
  private final List<LocalData.Block> train = new ArrayList<>();
  private final List<LocalData.Block> validation = new ArrayList<>();
  private LocalData trainData;
  private LocalData valData;
  private TaskChannel.Client channel;
  private BatchPlan plan;

  public RayTrainingActor() {}

  /** Takes the job (a serialized {@link TrainJob}) as worker {@code rank}; returns its node and host. */
  public String init(byte[] serializedJob, int rank) {
    reset();
    this.job = deserialize(serializedJob);
    this.rank = rank;
    this.memory = ArrowMemory.root().newChildAllocator("ray training worker " + rank, 0, Long.MAX_VALUE);
    this.worker = TrainingWorker.create(job.modelFile(), job.threadsPerWorker());
    if (rank == 0 && job.channelAddress() != null) {
      channel = TaskChannel.Client.connect(job.channelAddress(), job.secret(), rank, Duration.ofSeconds(30));
    }
    return ShardPlacement.currentNodeId() + " " + host();
  }

  /**
   * Fetches a shard's IPC bytes from the object store and opens them; returns its rows. (The
   * reference travels inside {@link RayShard} rather than as a task argument: Ray's LOCAL mode runs
   * a task whose argument is an object reference on whichever actor's thread resolved it, which
   * mixes up actors.)
   */
  public int addShard(RayShard shard, boolean isValidation, long firstRow) {
    Shard s = shard.open(memory);
    shards.add(s);
    if (s.rows() > 0) {
      (isValidation ? validation : train).add(new LocalData.Block(s.features().address(), s.labels().address(),
          s.rows(), firstRow));
    }
    return s.rows();
  }

  /** Opens the ring endpoint on this actor's host; returns its address. */
  public String openRing(String host) {
    trainData = new LocalData(job.featureWidth(), job.labelWidth(), train);
    valData = new LocalData(job.featureWidth(), job.labelWidth(), validation);
    plan = job.newPlan();
    return worker.openRing(job.ringOptions(host));
  }

  /** Forms the ring (blocks until every worker has joined). */
  public boolean connectRing(List<String> addresses, int rank) {
    worker.connectRing(addresses, rank);
    return true;
  }

  /** Replaces the replica with a checkpoint's model file (before {@link #connectRing}). */
  public boolean load(byte[] modelFile) {
    worker.load(modelFile);
    return true;
  }

  /** Trains epoch {@code epoch}; returns its figures (the same on every worker) as one line. */
  public String trainEpoch(int epoch) {
    long[] last = {System.nanoTime()};
    TrainingWorker.StepListener listener = channel == null ? null : (e, step, steps, samples) -> {
      long now = System.nanoTime();
      if (now - last[0] > 500_000_000L) {
        last[0] = now;
        channel.send("STEP", Messages.step(e, step, steps, samples * job.workers()));
      }
    };
    EpochRecord record = EpochRunner.run(worker, job, plan, trainData, valData, epoch, listener);
    return Messages.encode(record);
  }

  /** The replica as a model file. */
  public byte[] modelFile() {
    return worker.modelFile();
  }

  /** Frees the replica, the ring, the shards and their memory; the actor can take a new job. */
  public boolean reset() {
    if (channel != null) {
      channel.close();
      channel = null;
    }
    if (worker != null) {
      worker.close();
      worker = null;
    }
    Shard.closeAll(shards);
    shards.clear();
    train.clear();
    validation.clear();
    if (memory != null) {
      memory.close();
      memory = null;
    }
    return true;
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostAddress();
    } catch (IOException e) {
      return "127.0.0.1";
    }
  }

  private static TrainJob deserialize(byte[] bytes) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return (TrainJob) in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new UncheckedIOException("cannot read the training job sent to this actor",
          e instanceof IOException io ? io : new IOException(e));
    }
  }
}
