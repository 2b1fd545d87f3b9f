package dev.orca.context;

import static dev.orca.context.OrcaSettings.*;

import dev.orca.OrcaConfigurationException;
import dev.orca.common.JvmOptions;
import dev.orca.launcher.barrier.LocalCluster;
import dev.orca.launcher.ray.RayMode;
import dev.orca.launcher.ray.RayOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import scala.Tuple2;

/** Turns Orca's settings into the Spark configuration and Ray options of each cluster mode. */
final class ConfResolver {
  /** The part of each executor's memory that Ray's object store gets by default (as Ray does). */
  static final double DEFAULT_OBJECT_STORE_FRACTION = 0.3;

  private final Map<String, String> settings;
  private final Map<String, String> extraSpark;

  ConfResolver(Map<String, String> settings, Map<String, String> extraSpark) {
    this.settings = new LinkedHashMap<>(settings);
    this.extraSpark = extraSpark;
  }

  OrcaConf resolve() {
    String chosen = settings.get(CLUSTER_MODE);
    ClusterMode mode =
        chosen != null
            ? ClusterMode.parse(chosen)
            : launchedBySparkSubmit() ? ClusterMode.SPARK_SUBMIT : ClusterMode.LOCAL;
    List<String> notes = new ArrayList<>();
    if (chosen == null && mode == ClusterMode.SPARK_SUBMIT) {
      leaveSizingToSparkSubmit(notes);
    }
    Map<String, String> spark = new LinkedHashMap<>();
    spark.put("spark.app.name", settings.getOrDefault(APP_NAME, "orca"));
    RayMode rayMode = rayMode(mode);
    switch (mode) {
      case LOCAL -> local(spark);
      case LOCAL_CLUSTER -> localCluster(spark);
      case STANDALONE -> standalone(spark, rayMode);
      case YARN_CLIENT, YARN_CLUSTER -> yarn(spark, mode, rayMode);
      case K8S_CLIENT, K8S_CLUSTER -> kubernetes(spark, mode, rayMode);
      case SPARK_SUBMIT -> sparkSubmit(spark);
      default -> throw new IllegalStateException(mode.label());
    }
    String pool = settings.get(SHARD_POOL_MAX_BYTES);
    if (pool != null) {
      // read by each executor's pool of shard memory (arrow-bridge), where the conversions run
      spark.put(
          "spark.orca.shard-pool.max-bytes",
          pool.trim().equals("0")
              ? "0"
              : Long.toString(MemorySize.parseBytes(pool, SHARD_POOL_MAX_BYTES)));
    }
    addExtraSpark(spark, mode);
    security(spark, mode);
    if (mode != ClusterMode.LOCAL) {
      spark.put(
          "spark.executor.extraJavaOptions",
          JvmOptions.mergeInto(spark.get("spark.executor.extraJavaOptions")));
    }
    if (mode.isClusterDeploy()) {
      spark.put(
          "spark.driver.extraJavaOptions",
          JvmOptions.mergeInto(spark.get("spark.driver.extraJavaOptions")));
    }
    environment(spark, mode);
    return new OrcaConf(mode, spark, rayOptions(rayMode, spark), notes);
  }

  /**
   * spark-submit passes its settings to the program it launches as {@code spark.*} system
   * properties (in the client JVM, and in YARN's ApplicationMaster in cluster mode), the master
   * always among them. A program that chose no cluster mode then runs in spark-submit's.
   */
  static boolean launchedBySparkSubmit() {
    return System.getProperty("spark.master") != null;
  }

  /**
   * The sizing settings of a program written for local mode, when spark-submit launched it without
   * a cluster mode being chosen: spark-submit sized the application, so they are left out (with a
   * note) rather than refused, and the program runs unchanged.
   */
  private void leaveSizingToSparkSubmit(List<String> notes) {
    for (String s : List.of(MASTER, NUM_NODES, CORES, MEMORY)) {
      String v = settings.remove(s);
      if (v != null) {
        notes.add(
            s
                + "="
                + v
                + " is left out: spark-submit launched this program and sized it (--master,"
                + " --num-executors, --executor-cores, --executor-memory)");
      }
    }
  }

  private void local(Map<String, String> spark) {
    refuse(
        NUM_NODES,
        "local",
        "in local mode Spark runs in this JVM: set "
            + CORES
            + " for its threads,"
            + " or use cluster mode local-cluster for several executor JVMs");
    refuse(
        MEMORY,
        "local",
        "in local mode the executor is this JVM, whose heap is set with -Xmx when it starts");
    refuse(MASTER, "local", "the master is local[" + CORES + "]");
    Integer cores = integer(CORES);
    spark.put("spark.master", "local[" + (cores == null ? "*" : cores) + "]");
    // Spark's 200 shuffle partitions are sized for clusters; in one JVM each tiny task costs more
    // than its data, and a cached result keeps all 200 (AQE does not coalesce cached plans).
    // An extra Spark setting overrides this.
    int threads = cores == null ? Runtime.getRuntime().availableProcessors() : cores;
    spark.put("spark.sql.shuffle.partitions", Integer.toString(Math.max(4, 2 * threads)));
  }

  private void localCluster(Map<String, String> spark) {
    refuse(
        MASTER,
        "local-cluster",
        "the master is local-cluster[" + NUM_NODES + "," + CORES + "," + MEMORY + "]");
    int nodes = integerOr(NUM_NODES, 2);
    int cores = integerOr(CORES, 1);
    long memMb = MemorySize.toMebibytes(bytesOr(MEMORY, 1L << 30));
    spark.put("spark.master", "local-cluster[" + nodes + "," + cores + "," + memMb + "]");
    spark.put("spark.executor.memory", memMb + "m");
    spark.putAll(LocalCluster.sparkConf());
  }

  private void standalone(Map<String, String> spark, RayMode rayMode) {
    String master =
        required(MASTER, "standalone", "the URL of the standalone master, e.g. spark://host:7077");
    if (!master.startsWith("spark://")) {
      throw new OrcaConfigurationException(
          MASTER
              + "="
              + master
              + " is not a standalone master URL:"
              + " it starts with spark://, e.g. spark://host:7077.");
    }
    spark.put("spark.master", master);
    executors(spark, rayMode);
    int nodes = integerOr(NUM_NODES, 2);
    spark.put("spark.cores.max", Integer.toString(nodes * integerOr(CORES, 2)));
  }

  private void yarn(Map<String, String> spark, ClusterMode mode, RayMode rayMode) {
    refuse(MASTER, mode.label(), "the master is yarn; YARN is found through HADOOP_CONF_DIR");
    spark.put("spark.master", "yarn");
    spark.put("spark.submit.deployMode", mode == ClusterMode.YARN_CLUSTER ? "cluster" : "client");
    executors(spark, rayMode);
  }

  private void kubernetes(Map<String, String> spark, ClusterMode mode, RayMode rayMode) {
    String master = required(MASTER, mode.label(), "the API server, e.g. k8s://https://host:6443");
    if (!master.startsWith("k8s://")) {
      throw new OrcaConfigurationException(
          MASTER
              + "="
              + master
              + " is not a Kubernetes master URL:"
              + " it starts with k8s://, e.g. k8s://https://host:6443.");
    }
    spark.put("spark.master", master);
    spark.put("spark.submit.deployMode", mode == ClusterMode.K8S_CLUSTER ? "cluster" : "client");
    spark.put(
        "spark.kubernetes.container.image",
        required(
            CONTAINER_IMAGE,
            mode.label(),
            "the image the executor pods run (with Java 17 and this application's jars)"));
    executors(spark, rayMode);
  }

  private void sparkSubmit(Map<String, String> spark) {
    for (String s : List.of(MASTER, NUM_NODES, CORES, MEMORY)) {
      refuse(
          s,
          "spark-submit",
          "spark-submit sets it (--master, --num-executors, --executor-cores, --executor-memory)");
    }
    SparkConf submitted =
        new SparkConf(true); // spark-submit passes its settings as spark.* system properties
    if (!submitted.contains("spark.master")) {
      throw new OrcaConfigurationException(
          "Cluster mode spark-submit takes its settings from"
              + " spark-submit, but spark.master is not set: launch the application with spark-submit,"
              + " or choose another "
              + CLUSTER_MODE
              + " (local, local-cluster, yarn-client, ...).");
    }
    for (Tuple2<String, String> kv : submitted.getAll()) {
      spark.put(kv._1(), kv._2());
    }
  }

  /** Executor count, cores, memory and the overhead Ray's object store needs. */
  private void executors(Map<String, String> spark, RayMode rayMode) {
    int nodes = integerOr(NUM_NODES, 2);
    int cores = integerOr(CORES, 2);
    long memory = bytesOr(MEMORY, 2L << 30);
    spark.put("spark.executor.instances", Integer.toString(nodes));
    spark.put("spark.executor.cores", Integer.toString(cores));
    spark.put("spark.executor.memory", MemorySize.toSparkString(memory));
    spark.put("spark.dynamicAllocation.enabled", "false"); // barrier stages cannot run with it
    long overhead = Math.max(384L << 20, memory / 10); // Spark's own default
    if (rayMode == RayMode.ON_SPARK) {
      overhead += objectStoreBytes(memory); // the object store lives in shared memory, off the heap
    }
    spark.put("spark.executor.memoryOverhead", MemorySize.toSparkString(overhead));
    String driverMemory = settings.get(DRIVER_MEMORY);
    if (driverMemory != null) {
      spark.put(
          "spark.driver.memory",
          MemorySize.toSparkString(MemorySize.parseBytes(driverMemory, DRIVER_MEMORY)));
    }
  }

  /**
   * The environment Orca gives its JVMs ({@link JvmOptions#environment()}) for the executors and,
   * where the cluster starts the driver, for it too; a value the user set stays.
   */
  private static void environment(Map<String, String> spark, ClusterMode mode) {
    if (mode == ClusterMode.LOCAL || mode == ClusterMode.SPARK_SUBMIT) {
      return; // no executors of ours; under spark-submit, the submitter's environment
    }
    for (Map.Entry<String, String> e : JvmOptions.environment().entrySet()) {
      spark.putIfAbsent("spark.executorEnv." + e.getKey(), e.getValue());
      if (mode == ClusterMode.YARN_CLUSTER) {
        spark.putIfAbsent("spark.yarn.appMasterEnv." + e.getKey(), e.getValue());
      } else if (mode == ClusterMode.K8S_CLUSTER) {
        spark.putIfAbsent("spark.kubernetes.driverEnv." + e.getKey(), e.getValue());
      }
    }
  }

  /**
   * Spark's own RPC (driver, executors, block transfers) is unauthenticated unless {@code
   * spark.authenticate} is on. On YARN and Kubernetes Spark generates and distributes a secret per
   * application, so Orca turns it on unless the user decided otherwise. On a standalone cluster the
   * secret must be configured on the master and workers as well, which Orca cannot do: it refuses
   * to start without the user's decision. In one machine (local, local-cluster) and under
   * spark-submit (the submitter decided) nothing is changed.
   */
  private void security(Map<String, String> spark, ClusterMode mode) {
    boolean decided = spark.containsKey("spark.authenticate");
    switch (mode) {
      case YARN_CLIENT, YARN_CLUSTER, K8S_CLIENT, K8S_CLUSTER -> {
        if (!decided) {
          spark.put("spark.authenticate", "true");
        }
      }
      case STANDALONE -> {
        if (!decided && !Boolean.parseBoolean(settings.get(ALLOW_UNAUTHENTICATED))) {
          throw new OrcaConfigurationException(
              "A standalone cluster's Spark RPC is unauthenticated unless spark.authenticate=true,"
                  + " with the same spark.authenticate.secret on the master, every worker and this"
                  + " application: anyone who reaches the executors' ports can run code in them."
                  + " Configure the cluster so and set both as extra Spark settings, or set "
                  + ALLOW_UNAUTHENTICATED
                  + "=true to run without (on a network only trusted machines reach).");
        }
      }
      default -> {}
    }
  }

  private void addExtraSpark(Map<String, String> spark, ClusterMode mode) {
    for (Map.Entry<String, String> e : extraSpark.entrySet()) {
      if (e.getKey().equals("spark.master") && mode != ClusterMode.SPARK_SUBMIT) {
        throw new OrcaConfigurationException(
            "spark.master="
                + e.getValue()
                + " was given as an extra"
                + " Spark setting, but the master follows from "
                + CLUSTER_MODE
                + "="
                + mode
                + (mode == ClusterMode.STANDALONE || mode.name().startsWith("K8S")
                    ? " and " + MASTER
                    : "")
                + ". Drop it, and set those instead.");
      }
      if (e.getKey().equals("spark.dynamicAllocation.enabled")
          && Boolean.parseBoolean(e.getValue())) {
        throw new OrcaConfigurationException(
            "spark.dynamicAllocation.enabled=true cannot be used with"
                + " Orca: training and Ray on Spark run as barrier stages, which Spark cannot schedule with"
                + " dynamic allocation. Remove it, and size the application with "
                + NUM_NODES
                + ".");
      }
      spark.put(e.getKey(), e.getValue());
    }
  }

  private RayMode rayMode(ClusterMode mode) {
    String configured = settings.get(RAY_MODE);
    if (configured != null) {
      return RayMode.parse(configured);
    }
    if (settings.containsKey(RAY_ADDRESS)) {
      return RayMode.EXISTING;
    }
    // on a real cluster, Ray runs where the executors are; on one machine, inside this JVM
    if (mode == ClusterMode.SPARK_SUBMIT) {
      String master = System.getProperty("spark.master", "local");
      return master.startsWith("local") ? RayMode.LOCAL : RayMode.ON_SPARK;
    }
    return mode == ClusterMode.LOCAL || mode == ClusterMode.LOCAL_CLUSTER
        ? RayMode.LOCAL
        : RayMode.ON_SPARK;
  }

  private RayOptions rayOptions(RayMode mode, Map<String, String> spark) {
    RayOptions.Builder b =
        RayOptions.builder()
            .mode(mode)
            .address(settings.get(RAY_ADDRESS))
            .rayExecutable(settings.get(RAY_EXECUTABLE));
    if (mode == RayMode.ON_SPARK) {
      String executorMemory = spark.get("spark.executor.memory");
      long memory =
          executorMemory == null
              ? 0
              : MemorySize.parseBytes(
                  executorMemory.matches("\\d+") ? executorMemory + "m" : executorMemory,
                  "spark.executor.memory");
      b.objectStoreMemoryBytes(objectStoreBytes(memory));
    } else if (settings.containsKey(RAY_OBJECT_STORE_MEMORY)) {
      throw new OrcaConfigurationException(
          RAY_OBJECT_STORE_MEMORY
              + " sizes the object store of the"
              + " Ray nodes started on Spark, but "
              + RAY_MODE
              + " is "
              + mode.name().toLowerCase().replace('_', '-')
              + ". Set "
              + RAY_MODE
              + "=on-spark, or drop it.");
    }
    String options = settings.get(RAY_START_OPTIONS);
    if (options != null && !options.isBlank()) {
      b.extraStartOptions(Arrays.asList(options.trim().split("\\s+")));
    }
    String searchPath = settings.get(RAY_CODE_SEARCH_PATH);
    if (searchPath != null && !searchPath.isBlank()) {
      if (mode == RayMode.LOCAL) {
        throw new OrcaConfigurationException(
            RAY_CODE_SEARCH_PATH
                + "="
                + searchPath
                + " tells the Java workers of a Ray cluster where the application's classes are,"
                + " but "
                + RAY_MODE
                + " is local (the actors run in this JVM, with its classpath). Drop it, or set "
                + RAY_MODE
                + "=on-spark or existing.");
      }
      b.codeSearchPath(Arrays.asList(searchPath.trim().split(java.io.File.pathSeparator)));
    }
    Integer timeout = integer(RAY_START_TIMEOUT);
    if (timeout != null) {
      b.startTimeout(Duration.ofSeconds(timeout));
    }
    return b.build();
  }

  private long objectStoreBytes(long executorMemory) {
    String configured = settings.get(RAY_OBJECT_STORE_MEMORY);
    return configured != null
        ? MemorySize.parseBytes(configured, RAY_OBJECT_STORE_MEMORY)
        : (long) (executorMemory * DEFAULT_OBJECT_STORE_FRACTION);
  }

  private void refuse(String setting, String mode, String why) {
    if (settings.containsKey(setting)) {
      throw new OrcaConfigurationException(
          setting
              + "="
              + settings.get(setting)
              + " does not apply to"
              + " cluster mode "
              + mode
              + ": "
              + why
              + ".");
    }
  }

  private String required(String setting, String mode, String what) {
    String v = settings.get(setting);
    if (v == null || v.isBlank()) {
      throw new OrcaConfigurationException(
          "Cluster mode " + mode + " needs " + setting + ": " + what + ".");
    }
    return v.trim();
  }

  private Integer integer(String setting) {
    String v = settings.get(setting);
    if (v == null) {
      return null;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new OrcaConfigurationException(
        setting + "=" + v + " is not valid: use a whole number of 1 or more.");
  }

  private int integerOr(String setting, int fallback) {
    Integer v = integer(setting);
    return v == null ? fallback : v;
  }

  private long bytesOr(String setting, long fallback) {
    String v = settings.get(setting);
    return v == null ? fallback : MemorySize.parseBytes(v, setting);
  }
}
