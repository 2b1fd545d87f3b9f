package dev.orca.yarn;

import dev.orca.launcher.barrier.LocalCluster;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.nodemanager.NodeManager;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real YARN in this JVM: Hadoop's MiniYARNCluster with one ResourceManager and two NodeManagers,
 * whose containers are JVM processes started by the NodeManagers as on any cluster (as the
 * submitting user: the NodeManagers run the default container executor, which needs no Linux users
 * or cgroups). Started once for all the tests of this module ({@link #shared}) and stopped after
 * the last one.
 *
 * <p>Each NodeManager offers {@link #NODE_MEMORY_MB} MB and {@link #NODE_VCORES} cores; the
 * capacity scheduler counts memory only, so a node holds the ApplicationMaster and an executor, or
 * two executors.
 */
final class MiniYarn implements ExtensionContext.Store.CloseableResource {
  static final int NODE_MEMORY_MB = 2560;
  static final int NODE_VCORES = 4;

  private final MiniYARNCluster cluster;
  private final YarnClient client;
  private final Path workDir;
  private final Path confDir;
  private final Path emptyJar;

  private MiniYarn(MiniYARNCluster cluster, Path workDir) throws IOException {
    this.cluster = cluster;
    this.workDir = workDir;
    this.confDir = Files.createDirectories(workDir.resolve("client-conf"));
    try (OutputStream out = Files.newOutputStream(confDir.resolve("yarn-site.xml"))) {
      cluster.getConfig().writeXml(out);
    }
    this.emptyJar = workDir.resolve("no-spark-jars.jar");
    new JarOutputStream(Files.newOutputStream(emptyJar)).close();
    client = YarnClient.createYarnClient();
    client.init(new YarnConfiguration(cluster.getConfig()));
    client.start();
  }

  /** The cluster of this test run: started by the first test class that asks for it. */
  static MiniYarn shared(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(MiniYarn.class, k -> start(), MiniYarn.class);
  }

  private static MiniYarn start() {
    YarnConfiguration conf = new YarnConfiguration();
    conf.set(YarnConfiguration.RM_HOSTNAME, "localhost");
    conf.setInt(YarnConfiguration.NM_PMEM_MB, NODE_MEMORY_MB);
    conf.setInt(YarnConfiguration.NM_VCORES, NODE_VCORES);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
    // a JVM reserves far more address space than it uses (class space, thread stacks, MKL's
    // libraries): YARN's virtual-memory check would kill every container; physical memory stays
    // checked
    conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    // a build machine's disk may be fuller than YARN's default 90 % allows
    conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
    // the minicluster jar carries no capacity-scheduler.xml: one queue, all of the cluster
    conf.set("yarn.scheduler.capacity.root.queues", "default");
    conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
    conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
    conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
    conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
    conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
    conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
    conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
    // containers are freed and their processes ended sooner than with the defaults
    conf.setLong(YarnConfiguration.RM_NM_HEARTBEAT_INTERVAL_MS, 200);
    conf.setLong(YarnConfiguration.NM_SLEEP_DELAY_BEFORE_SIGKILL_MS, 250);
    conf.setLong(YarnConfiguration.NM_LOG_RETAIN_SECONDS, 2);
    MiniYARNCluster cluster = new MiniYARNCluster("orca-yarn-tests", 2, 1, 1);
    try {
      cluster.init(conf);
      cluster.start();
      if (!cluster.waitForNodeManagersToConnect(60_000)) {
        throw new IllegalStateException("the 2 NodeManagers did not register within 60 s");
      }
      // start() may return before the ResourceManager has written its real port into the
      // configuration the clients get
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (cluster.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the ResourceManager published no address in 30 s");
        }
        Thread.sleep(50);
      }
      return new MiniYarn(cluster, cluster.getTestWorkDir().toPath().toAbsolutePath());
    } catch (Exception e) {
      cluster.stop();
      throw new IllegalStateException("MiniYARNCluster did not start: " + e, e);
    }
  }

  /**
   * What a Spark application in this JVM needs to reach the cluster in yarn-client mode: the
   * cluster's configuration (as {@code spark.hadoop.*}, in place of a {@code HADOOP_CONF_DIR}), and
   * the classpath of the containers. There is no Spark distribution to ship: the ApplicationMaster
   * and the executors run with this JVM's classpath, which is on this machine, as Spark's own YARN
   * tests do ({@code spark.yarn.jars} names an empty jar so that Spark uploads none).
   */
  Map<String, String> clientModeSparkConf() {
    Map<String, String> conf = new LinkedHashMap<>();
    cluster.getConfig().forEach(e -> conf.put("spark.hadoop." + e.getKey(), e.getValue()));
    String classpath = String.join(File.pathSeparator, LocalCluster.driverClasspath());
    conf.put("spark.yarn.jars", "local:" + emptyJar);
    conf.put("spark.driver.extraClassPath", classpath); // the ApplicationMaster's
    conf.put("spark.executor.extraClassPath", classpath);
    // quicker allocation and release than Spark's 3 s heartbeat
    conf.put("spark.yarn.scheduler.heartbeat.interval-ms", "500");
    conf.put("spark.ui.enabled", "false");
    return conf;
  }

  /** A folder with the cluster's {@code yarn-site.xml}, for {@code HADOOP_CONF_DIR}. */
  Path clientConfDir() {
    return confDir;
  }

  /** The folder the cluster keeps its files in (node-local directories, container logs). */
  Path workDir() {
    return workDir;
  }

  YarnClient client() {
    return client;
  }

  List<ApplicationReport> applications() {
    try {
      return client.getApplications();
    } catch (Exception e) {
      throw new IllegalStateException("cannot list the applications of the mini cluster", e);
    }
  }

  ApplicationReport report(ApplicationId id) {
    try {
      return client.getApplicationReport(id);
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the report of " + id, e);
    }
  }

  /** The applications that are not finished. */
  List<ApplicationReport> running() {
    try {
      return client.getApplications(
          EnumSet.complementOf(
              EnumSet.of(
                  YarnApplicationState.FINISHED,
                  YarnApplicationState.FAILED,
                  YarnApplicationState.KILLED)));
    } catch (Exception e) {
      throw new IllegalStateException("cannot list the applications of the mini cluster", e);
    }
  }

  /** The number of containers each NodeManager holds, in node order. */
  List<Integer> containersPerNode() {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      NodeManager nm = cluster.getNodeManager(i);
      out.add(nm.getNMContext().getContainers().size());
    }
    return out;
  }

  /** Containers the ResourceManager counts as allocated. */
  int allocatedContainers() {
    return cluster
        .getResourceManager()
        .getResourceScheduler()
        .getRootQueueMetrics()
        .getAllocatedContainers();
  }

  /**
   * The log files of an application's containers ({@code stdout}, {@code stderr}), by container id:
   * the NodeManagers keep them in their log folders (no log aggregation).
   */
  Map<String, Map<String, Path>> containerLogs(ApplicationId app) {
    Map<String, Map<String, Path>> out = new LinkedHashMap<>();
    for (int i = 0; i < 2; i++) {
      for (String dir :
          cluster.getNodeManager(i).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
        Path appDir = Path.of(dir.replaceFirst("^file:", "")).resolve(app.toString());
        if (!Files.isDirectory(appDir)) {
          continue;
        }
        try (Stream<Path> containers = Files.list(appDir)) {
          for (Path c : containers.sorted().toList()) {
            Map<String, Path> files = new LinkedHashMap<>();
            try (Stream<Path> logs = Files.list(c)) {
              logs.sorted().forEach(f -> files.put(f.getFileName().toString(), f));
            }
            out.put(c.getFileName().toString(), files);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return out;
  }

  /**
   * Stops the cluster and deletes the NodeManagers' local folders: their file caches keep each
   * localized application jar (the yarn-cluster test's is 200 MB per node) beyond the application.
   * The container logs stay, for a failed test.
   */
  @Override
  public void close() {
    try {
      client.stop();
    } finally {
      cluster.stop();
      try (Stream<Path> dirs = Files.list(workDir)) {
        for (Path dir :
            dirs.filter(d -> d.getFileName().toString().contains("-localDir-")).toList()) {
          deleteRecursively(dir);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete the NodeManagers' local folders", e);
      }
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
