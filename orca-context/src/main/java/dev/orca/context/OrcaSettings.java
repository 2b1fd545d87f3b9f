package dev.orca.context;

import java.util.List;

/**
 * The names of Orca's settings, as {@link OrcaContext.Builder#set} takes them and as error messages
 * quote them. Each has a builder method of the same meaning.
 */
public final class OrcaSettings {
  /**
   * {@code local}, {@code local-cluster}, {@code standalone}, {@code yarn-client}, ... When not
   * set: {@code spark-submit} if spark-submit launched the program (it set {@code spark.master}),
   * else {@code local}.
   */
  public static final String CLUSTER_MODE = "orca.cluster-mode";

  /** The Spark application name. */
  public static final String APP_NAME = "orca.app-name";

  /** Cores per node: Spark's local threads in local mode, else the cores of each executor. */
  public static final String CORES = "orca.cores";

  /** Memory per node (each executor's heap), e.g. {@code 4g}. */
  public static final String MEMORY = "orca.memory";

  /** The driver's memory: only for the modes whose driver the cluster starts. */
  public static final String DRIVER_MEMORY = "orca.driver-memory";

  /** The number of nodes (executors). */
  public static final String NUM_NODES = "orca.num-nodes";

  /** The master URL: {@code spark://host:7077} (standalone) or {@code k8s://https://host:443}. */
  public static final String MASTER = "orca.master";

  /** The container image of the executors on Kubernetes. */
  public static final String CONTAINER_IMAGE = "orca.k8s.container-image";

  /** Which Ray runtime: {@code local}, {@code on-spark} or {@code existing}. */
  public static final String RAY_MODE = "orca.ray.mode";

  /** The address of a running Ray cluster, for {@code existing}. */
  public static final String RAY_ADDRESS = "orca.ray.address";

  /**
   * Object-store memory of each Ray node, e.g. {@code 2g}; added to the executors' memory overhead.
   */
  public static final String RAY_OBJECT_STORE_MEMORY = "orca.ray.object-store-memory";

  /** The full path of the {@code ray} program on the nodes, if it is not on PATH. */
  public static final String RAY_EXECUTABLE = "orca.ray.executable";

  /** Extra options for every {@code ray start}, separated by spaces. */
  public static final String RAY_START_OPTIONS = "orca.ray.start-options";

  /**
   * Where Ray's Java workers load the application's classes from, as paths that exist on every Ray
   * node, separated by {@code :} (e.g. {@code /opt/orca/jars}). Default: this JVM's classpath,
   * which is right when the nodes have the same files at the same paths (one machine, or the driver
   * and executors running one image).
   */
  public static final String RAY_CODE_SEARCH_PATH = "orca.ray.code-search-path";

  /** Seconds that starting the Ray nodes may take. */
  public static final String RAY_START_TIMEOUT = "orca.ray.start-timeout";

  /**
   * {@code true} to run on a standalone cluster whose Spark RPC is not authenticated (Orca refuses
   * by default: set {@code spark.authenticate} and its secret instead).
   */
  public static final String ALLOW_UNAUTHENTICATED = "orca.security.allow-unauthenticated";

  /**
   * The most shard memory each executor keeps after a conversion for the next one, e.g. {@code
   * 256m}; {@code 0} turns the pool off. Default: 256 MiB, or a quarter of the executor's heap if
   * less. Becomes the Spark setting {@code spark.orca.shard-pool.max-bytes}.
   */
  public static final String SHARD_POOL_MAX_BYTES = "orca.shard-pool.max-bytes";

  /** Every setting name. */
  public static final List<String> ALL =
      List.of(
          CLUSTER_MODE,
          APP_NAME,
          CORES,
          MEMORY,
          DRIVER_MEMORY,
          NUM_NODES,
          MASTER,
          CONTAINER_IMAGE,
          RAY_MODE,
          RAY_ADDRESS,
          RAY_OBJECT_STORE_MEMORY,
          RAY_EXECUTABLE,
          RAY_START_OPTIONS,
          RAY_CODE_SEARCH_PATH,
          RAY_START_TIMEOUT,
          ALLOW_UNAUTHENTICATED,
          SHARD_POOL_MAX_BYTES);

  private OrcaSettings() {}
}
