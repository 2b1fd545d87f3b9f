package dev.orca.launcher.barrier;

import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.BarrierTaskInfo;

/**
 * One running task of a barrier stage, as its {@link BarrierFunction} sees it: which partition it
 * works on, how many peers it has, and the two collective operations Spark offers between them. All
 * tasks of the stage run at the same time, or none does.
 */
public final class BarrierTask {
  private final BarrierTaskContext context;

  BarrierTask(BarrierTaskContext context) {
    this.context = context;
  }

  /** The partition this task works on, 0 to {@code numTasks() - 1}. */
  public int partitionId() {
    return context.partitionId();
  }

  /** How many tasks the stage has. */
  public int numTasks() {
    return context.getTaskInfos().length;
  }

  /** Which attempt of the stage this is: 0 the first time, more after Spark re-ran it. */
  public int stageAttempt() {
    return context.stageAttemptNumber();
  }

  /**
   * Sends {@code message} to every peer and returns the messages of all tasks, ordered by partition
   * id. Blocks until every task has called it (Spark's barrier timeout applies).
   */
  public List<String> allGather(String message) {
    return List.of(context.allGather(message));
  }

  /** Waits until every task of the stage has reached this point. */
  public void barrier() {
    context.barrier();
  }

  /** The executor addresses (host:port) of all tasks, ordered by partition id. */
  public List<String> executorAddresses() {
    BarrierTaskInfo[] infos = context.getTaskInfos();
    String[] addresses = new String[infos.length];
    for (int i = 0; i < infos.length; i++) {
      addresses[i] = infos[i].address();
    }
    return List.of(addresses);
  }

  /** True once Spark asked this task to stop (the job was cancelled or a peer failed). */
  public boolean isInterrupted() {
    return context.isInterrupted();
  }

  /** The Spark context of the task, for what this class does not cover. */
  public BarrierTaskContext sparkContext() {
    return context;
  }
}
