package dev.orca.launcher.barrier;

import dev.orca.OrcaConfigurationException;
import dev.orca.launcher.LauncherException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;

/**
 * How many tasks a Spark application can run at once, and the checks a barrier stage needs before
 * it is submitted. Spark itself notices too few slots only after retrying for minutes ({@code
 * spark.scheduler.barrier.maxConcurrentTasksCheck.*}); these checks fail in seconds, with a message
 * that says what to change.
 */
public final class TaskSlots {
  private static final Pattern LOCAL_CLUSTER =
      Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*\\d+\\s*]");

  private TaskSlots() {}

  /** The number of tasks that can run at once right now, as Spark's barrier check counts them. */
  public static int available(SparkContext sc) {
    return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
  }

  /**
   * Checks that a barrier stage of {@code tasks} tasks can be scheduled: no dynamic allocation and
   * enough task slots. On a cluster, executors may still be registering: waits up to {@code
   * waitForExecutors} for enough slots before giving up.
   *
   * @param purpose what the stage is for, named in the error (e.g. "2 training workers")
   */
  public static void require(
      SparkContext sc, int tasks, String purpose, Duration waitForExecutors) {
    if (tasks < 1) {
      throw new OrcaConfigurationException(
          purpose + ": a barrier stage needs at least 1 task, got " + tasks + ".");
    }
    if (sc.conf().getBoolean("spark.dynamicAllocation.enabled", false)) {
      throw new OrcaConfigurationException(
          purpose
              + " needs barrier scheduling, which Spark cannot"
              + " run with dynamic allocation (spark.dynamicAllocation.enabled=true). Set"
              + " spark.dynamicAllocation.enabled=false and spark.executor.instances to the number of"
              + " executors you want.");
    }
    int most = isLocal(sc) ? available(sc) : expected(sc);
    if (most < tasks) {
      throw tooFew(sc, purpose, tasks, "this Spark application can have at most " + most, most);
    }
    // enough once every executor is up: on a cluster, give them time to register
    long deadline = System.nanoTime() + (isLocal(sc) ? 0 : waitForExecutors.toNanos());
    int slots = available(sc);
    while (slots < tasks && System.nanoTime() < deadline) {
      sleep(200);
      slots = available(sc);
    }
    if (slots < tasks) {
      throw tooFew(
          sc,
          purpose,
          tasks,
          "only " + slots + " became free within " + waitForExecutors.toSeconds() + " s",
          slots);
    }
  }

  private static LauncherException tooFew(
      SparkContext sc, String purpose, int tasks, String have, int most) {
    return new LauncherException(
        purpose
            + " needs "
            + tasks
            + " task slots at once (barrier"
            + " scheduling), but "
            + have
            + " (master "
            + sc.master()
            + ", spark.task.cpus="
            + sc.conf().get("spark.task.cpus", "1")
            + "). Ask for at most "
            + most
            + ", or give Spark more cores or executors.");
  }

  /**
   * The slots the application will have once all the executors it asked for are up, or {@code
   * Integer.MAX_VALUE} when that is not known (a cluster without spark.executor.instances).
   */
  static int expected(SparkContext sc) {
    int taskCpus = sc.conf().getInt("spark.task.cpus", 1);
    Matcher m = LOCAL_CLUSTER.matcher(sc.master());
    if (m.matches()) {
      return Integer.parseInt(m.group(1)) * (Integer.parseInt(m.group(2)) / taskCpus);
    }
    if (sc.conf().contains("spark.executor.instances")
        && sc.conf().contains("spark.executor.cores")) {
      return sc.conf().getInt("spark.executor.instances", 0)
          * (sc.conf().getInt("spark.executor.cores", 1) / taskCpus);
    }
    return Integer.MAX_VALUE;
  }

  /** The number of executors the application asked for, or the number registered now if unknown. */
  public static int expectedExecutors(SparkContext sc) {
    Matcher m = LOCAL_CLUSTER.matcher(sc.master());
    if (m.matches()) {
      return Integer.parseInt(m.group(1));
    }
    if (sc.conf().contains("spark.executor.instances")) {
      return sc.conf().getInt("spark.executor.instances", 1);
    }
    return Math.max(1, registeredExecutors(sc));
  }

  /** The cores of one executor, as the application configured them (1 if not said). */
  public static int executorCores(SparkContext sc) {
    Matcher m = LOCAL_CLUSTER.matcher(sc.master());
    if (m.matches()) {
      return Integer.parseInt(m.group(2));
    }
    return sc.conf().getInt("spark.executor.cores", 1);
  }

  /** Waits until at least {@code count} executors have registered, failing after {@code wait}. */
  public static void awaitExecutors(SparkContext sc, int count, Duration wait, String purpose) {
    long deadline = System.nanoTime() + wait.toNanos();
    int registered = registeredExecutors(sc);
    while (registered < count && System.nanoTime() < deadline) {
      sleep(200);
      registered = registeredExecutors(sc);
    }
    if (registered < count) {
      throw new LauncherException(
          purpose
              + " need "
              + count
              + " executors, but only "
              + registered
              + " registered within "
              + wait.toSeconds()
              + " s (master "
              + sc.master()
              + "). Ask for fewer,"
              + " or for more executors (spark.executor.instances) and check that the cluster has room.");
    }
  }

  // Spark's own count, as its barrier check sees it (private[spark] in Scala, public to Java)
  private static int registeredExecutors(SparkContext sc) {
    return sc.getExecutorIds().size();
  }

  private static boolean isLocal(SparkContext sc) {
    // local[...] has all its slots from the start; local-cluster and real clusters register
    // their executors after the context is up
    return sc.master().startsWith("local") && !LocalCluster.isLocalClusterMaster(sc.master());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LauncherException("interrupted while waiting for Spark executors to register", e);
    }
  }
}
