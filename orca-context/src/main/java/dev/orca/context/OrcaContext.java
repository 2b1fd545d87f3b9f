package dev.orca.context;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaException;
import dev.orca.common.JvmOptions;
import dev.orca.common.StaleSharedMemory;
import dev.orca.launcher.barrier.TaskSlots;
import dev.orca.launcher.ray.RayMode;
import dev.orca.launcher.ray.RayRuntime;
import dev.orca.launcher.ray.RayRuntimes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one entry point of an Orca application: a SparkSession, and a Ray runtime started the first
 * time something needs it. With no settings it runs embedded (Spark {@code local[*]}, Ray in LOCAL
 * mode in this JVM), with nothing to install:
 *
 * <pre>{@code
 * try (OrcaContext orca = OrcaContext.init()) {
 *   Dataset<Row> df = orca.spark().read().csv(...);
 *   ...
 * }
 * }</pre>
 *
 * On a cluster, {@link #builder()} picks the mode ({@code yarn-client}, {@code k8s-client}, {@code
 * standalone}, ...) and the size; {@link Builder#resolve()} shows the resulting configuration
 * without starting anything. One context is active per JVM ({@link #get()}); {@link #stop()} ends
 * everything it started and is idempotent. A SparkSession that already existed is reused, and left
 * running on stop.
 *
 * <p>Starting a context first checks that this JVM was started with the flags Spark, Arrow and Ray
 * need on JDK 17 ({@link JvmOptions}); without them it fails at once with an {@link
 * OrcaConfigurationException} that names the missing ones.
 */
public final class OrcaContext implements AutoCloseable {
  private static OrcaContext active;

  private final OrcaConf conf;
  private final SparkSession spark;
  private final boolean ownsSpark;
  private RayRuntime ray;
  private boolean stopped;

  /**
   * The logger, created on first use: starting the logging framework takes a second or two, and a
   * JVM without the required flags is to hear so before that (see {@link #start(OrcaConf)}).
   */
  private static final class Log {
    static final Logger LOG = LoggerFactory.getLogger(OrcaContext.class);
  }

  private OrcaContext(OrcaConf conf, SparkSession spark, boolean ownsSpark) {
    this.conf = conf;
    this.spark = spark;
    this.ownsSpark = ownsSpark;
  }

  /**
   * Starts the embedded default: Spark {@code local[*]}, Ray LOCAL on first use; or, when
   * spark-submit launched this program, Spark as spark-submit configured it (cluster mode {@code
   * spark-submit}).
   */
  public static OrcaContext init() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The active context; fails with a hint if there is none. */
  public static synchronized OrcaContext get() {
    if (active == null) {
      throw new OrcaException(
          "No OrcaContext is active. Start one with OrcaContext.init() (embedded)"
              + " or OrcaContext.builder()...start().");
    }
    return active;
  }

  /** The active context, if there is one. */
  public static synchronized Optional<OrcaContext> active() {
    return Optional.ofNullable(active);
  }

  public SparkSession spark() {
    checkRunning();
    return spark;
  }

  public JavaSparkContext sparkContext() {
    return JavaSparkContext.fromSparkContext(spark().sparkContext());
  }

  /** The configuration this context was started with. */
  public OrcaConf conf() {
    return conf;
  }

  public ClusterMode mode() {
    return conf.mode();
  }

  /** The Ray runtime, started now if this is the first call. */
  public synchronized RayRuntime ray() {
    checkRunning();
    if (ray == null) {
      ray = RayRuntimes.start(conf.ray(), sparkContext());
    }
    return ray;
  }

  /** True once {@link #ray()} has started Ray. */
  public synchronized boolean isRayStarted() {
    return ray != null;
  }

  /** The number of nodes (executors) work is spread over: 1 in local mode. */
  public int numNodes() {
    SparkContext sc = spark().sparkContext();
    return sc.isLocal() ? 1 : TaskSlots.expectedExecutors(sc);
  }

  /** The cores of each node: Spark's threads in local mode, else each executor's cores. */
  public int coresPerNode() {
    SparkContext sc = spark().sparkContext();
    return sc.isLocal() ? sc.defaultParallelism() : TaskSlots.executorCores(sc);
  }

  public synchronized boolean isStopped() {
    return stopped;
  }

  /** Stops Ray (if started) and the SparkSession (if this context created it). Idempotent. */
  public void stop() {
    synchronized (this) {
      if (stopped) {
        return;
      }
      stopped = true;
    }
    try {
      if (ray != null) {
        ray.stop();
      }
    } finally {
      if (ownsSpark) {
        spark.stop();
      }
      // executors on this host that were killed (not stopped) left MKL's OpenMP files in /dev/shm
      StaleSharedMemory.removeAll();
      synchronized (OrcaContext.class) {
        if (active == this) {
          active = null;
        }
      }
      Log.LOG.info("OrcaContext stopped ({})", conf.mode());
    }
  }

  @Override
  public void close() {
    stop();
  }

  private synchronized void checkRunning() {
    if (stopped) {
      throw new OrcaException(
          "This OrcaContext has been stopped; start a new one with OrcaContext.init()"
              + " or OrcaContext.builder()...start().");
    }
  }

  private static synchronized OrcaContext start(OrcaConf conf) {
    // before Spark: without the flags, Spark starts and Arrow or Ray fails much later, deep inside
    JvmOptions.requireInThisJvm();
    if (active != null) {
      throw new OrcaException(
          "An OrcaContext is already active in this JVM ("
              + active.mode()
              + ")."
              + " Use OrcaContext.get(), or stop it before starting another.");
    }
    if (conf.mode().isClusterDeploy()
        && !"cluster".equals(System.getProperty("spark.submit.deployMode"))) {
      throw new OrcaConfigurationException(
          "Cluster mode "
              + conf.mode()
              + " runs the driver inside the"
              + " cluster, so this program must be launched there by spark-submit (--deploy-mode cluster),"
              + " not started from this JVM. Use "
              + conf.mode().label().replace("-cluster", "-client")
              + " to keep the driver here, or submit with: spark-submit "
              + conf.sparkSubmitArguments()
              + " --class <your main class> <your jar>");
    }
    conf.notes().forEach(Log.LOG::warn);
    Optional<SparkSession> existing = existingSession();
    SparkSession spark;
    boolean owns;
    if (existing.isPresent()) {
      spark = existing.get();
      owns = false;
      Log.LOG.info(
          "OrcaContext reuses the running SparkSession (master {}); its settings stay as they are",
          spark.sparkContext().master());
    } else {
      SparkSession.Builder b = SparkSession.builder();
      conf.sparkConf().forEach(b::config);
      spark = b.getOrCreate();
      owns = true;
    }
    active = new OrcaContext(conf, spark, owns);
    Log.LOG.info(
        "OrcaContext started: {} (master {}, deploy mode {}); Ray {} starts on first use",
        conf.mode(),
        spark.sparkContext().master(),
        spark.sparkContext().deployMode(),
        conf.ray().mode().name().toLowerCase().replace('_', '-'));
    return active;
  }

  private static Optional<SparkSession> existingSession() {
    scala.Option<SparkSession> session = SparkSession.getActiveSession();
    if (session.isEmpty()) {
      session = SparkSession.getDefaultSession();
    }
    return session.isDefined() && !session.get().sparkContext().isStopped()
        ? Optional.of(session.get())
        : Optional.empty();
  }

  /**
   * Settings of an {@link OrcaContext}; every one is optional. Each method sets the {@link
   * OrcaSettings} entry of the same meaning; {@link #set} takes any of them by name.
   */
  public static final class Builder {
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final Map<String, String> extraSpark = new LinkedHashMap<>();

    private Builder() {}

    /** Any Orca setting by name (see {@link OrcaSettings}). */
    public Builder set(String setting, String value) {
      if (!OrcaSettings.ALL.contains(setting)) {
        throw new OrcaConfigurationException(
            "Unknown setting '"
                + setting
                + "'. Orca's settings are "
                + OrcaSettings.ALL
                + "; Spark's own go through sparkConf(key, value).");
      }
      settings.put(setting, Objects.requireNonNull(value, setting).trim());
      return this;
    }

    public Builder clusterMode(ClusterMode mode) {
      return set(OrcaSettings.CLUSTER_MODE, mode.label());
    }

    public Builder clusterMode(String mode) {
      return set(OrcaSettings.CLUSTER_MODE, mode);
    }

    public Builder appName(String name) {
      return set(OrcaSettings.APP_NAME, name);
    }

    public Builder cores(int cores) {
      return set(OrcaSettings.CORES, Integer.toString(cores));
    }

    public Builder memory(String memory) {
      return set(OrcaSettings.MEMORY, memory);
    }

    public Builder driverMemory(String memory) {
      return set(OrcaSettings.DRIVER_MEMORY, memory);
    }

    public Builder numNodes(int nodes) {
      return set(OrcaSettings.NUM_NODES, Integer.toString(nodes));
    }

    public Builder master(String master) {
      return set(OrcaSettings.MASTER, master);
    }

    public Builder containerImage(String image) {
      return set(OrcaSettings.CONTAINER_IMAGE, image);
    }

    public Builder rayMode(RayMode mode) {
      return set(OrcaSettings.RAY_MODE, mode.name().toLowerCase().replace('_', '-'));
    }

    public Builder rayAddress(String address) {
      return set(OrcaSettings.RAY_ADDRESS, address);
    }

    public Builder rayObjectStoreMemory(String memory) {
      return set(OrcaSettings.RAY_OBJECT_STORE_MEMORY, memory);
    }

    public Builder rayExecutable(String path) {
      return set(OrcaSettings.RAY_EXECUTABLE, path);
    }

    public Builder rayStartOptions(List<String> options) {
      return set(OrcaSettings.RAY_START_OPTIONS, String.join(" ", options));
    }

    /**
     * Paths that exist on every Ray node, where its Java workers find the application's classes.
     */
    public Builder rayCodeSearchPath(List<String> paths) {
      return set(OrcaSettings.RAY_CODE_SEARCH_PATH, String.join(java.io.File.pathSeparator, paths));
    }

    /**
     * The most shard memory each executor keeps for the next conversion, e.g. {@code 512m}; {@code
     * "0"} turns the pool off ({@link OrcaSettings#SHARD_POOL_MAX_BYTES}).
     */
    public Builder shardPoolMaxBytes(String size) {
      return set(OrcaSettings.SHARD_POOL_MAX_BYTES, size);
    }

    /** A Spark setting passed on as it is (after Orca's own, so it wins). */
    public Builder sparkConf(String key, String value) {
      extraSpark.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, key));
      return this;
    }

    /** The configuration these settings give, without starting anything. */
    public OrcaConf resolve() {
      return new ConfResolver(settings, extraSpark).resolve();
    }

    /** Resolves the settings and starts the context (Spark now, Ray on first use). */
    public OrcaContext start() {
      return OrcaContext.start(resolve());
    }
  }
}
