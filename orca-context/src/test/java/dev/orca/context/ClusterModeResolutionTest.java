package dev.orca.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaException;
import dev.orca.launcher.ray.RayMode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each cluster mode resolves to the Spark configuration it needs, checked without starting anything
 * (the modes that need a real cluster cannot be started here).
 */
class ClusterModeResolutionTest {
  private static OrcaConf resolve(OrcaContext.Builder b) {
    return b.resolve();
  }

  @Test
  void localIsTheDefault() {
    OrcaConf conf = resolve(OrcaContext.builder());
    assertEquals(ClusterMode.LOCAL, conf.mode());
    assertEquals("local[*]", conf.spark("spark.master"));
    assertEquals(RayMode.LOCAL, conf.ray().mode());
    assertNull(conf.spark("spark.executor.extraJavaOptions"), "no executors in local mode");
    assertEquals(
        Integer.toString(Math.max(4, 2 * Runtime.getRuntime().availableProcessors())),
        conf.spark("spark.sql.shuffle.partitions"),
        "shuffle partitions sized for one JVM");
  }

  @Test
  void theShardPoolCapBecomesASparkSettingEveryExecutorReads() {
    assertNull(resolve(OrcaContext.builder()).spark("spark.orca.shard-pool.max-bytes"));
    assertEquals(
        Long.toString(512L << 20),
        resolve(OrcaContext.builder().shardPoolMaxBytes("512m"))
            .spark("spark.orca.shard-pool.max-bytes"));
    assertEquals(
        "0",
        resolve(OrcaContext.builder().clusterMode("local-cluster").shardPoolMaxBytes("0"))
            .spark("spark.orca.shard-pool.max-bytes"),
        "0 turns the pool off");
    OrcaConfigurationException e =
        assertThrows(
            OrcaConfigurationException.class,
            () -> resolve(OrcaContext.builder().shardPoolMaxBytes("lots")));
    assertTrue(e.getMessage().contains("orca.shard-pool.max-bytes=lots"), e.getMessage());
  }

  @Test
  void localShufflePartitionsFollowTheCoresAndYieldToAnExtraSetting() {
    assertEquals(
        "6", resolve(OrcaContext.builder().cores(3)).spark("spark.sql.shuffle.partitions"));
    assertEquals(
        "64",
        resolve(OrcaContext.builder().sparkConf("spark.sql.shuffle.partitions", "64"))
            .spark("spark.sql.shuffle.partitions"));
    assertNull(
        resolve(OrcaContext.builder().clusterMode("local-cluster"))
            .spark("spark.sql.shuffle.partitions"),
        "left to Spark where there are executors");
  }

  @Test
  void localClusterStartsExecutorJvmsWithTheDriversClasspathAndFlags() {
    OrcaConf conf =
        resolve(
            OrcaContext.builder()
                .clusterMode("local-cluster")
                .numNodes(3)
                .cores(2)
                .memory("1500m"));
    assertEquals("local-cluster[3,2,1500]", conf.spark("spark.master"));
    assertEquals("1500m", conf.spark("spark.executor.memory"));
    assertTrue(
        conf.spark("spark.executor.extraClassPath").contains("orca-context"),
        "the driver's classpath");
    assertTrue(
        conf.spark("spark.executor.extraJavaOptions")
            .contains("--add-opens=java.base/java.nio=ALL-UNNAMED"));
    assertEquals(RayMode.LOCAL, conf.ray().mode());
  }

  @Test
  void yarnClientSizesExecutorsAndMakesRoomForRaysObjectStore() {
    OrcaConf conf =
        resolve(
            OrcaContext.builder()
                .clusterMode("yarn-client")
                .numNodes(4)
                .cores(8)
                .memory("10g")
                .rayObjectStoreMemory("3g"));
    assertEquals("yarn", conf.spark("spark.master"));
    assertEquals("client", conf.spark("spark.submit.deployMode"));
    assertEquals("4", conf.spark("spark.executor.instances"));
    assertEquals("8", conf.spark("spark.executor.cores"));
    assertEquals("10240m", conf.spark("spark.executor.memory"));
    // Spark's default overhead (10 % of 10g = 1024m) plus the 3g object store
    assertEquals((1024 + 3072) + "m", conf.spark("spark.executor.memoryOverhead"));
    assertEquals("false", conf.spark("spark.dynamicAllocation.enabled"));
    assertEquals(RayMode.ON_SPARK, conf.ray().mode(), "on a cluster Ray runs in the executors");
    assertEquals(3L << 30, conf.ray().objectStoreMemoryBytes());
    assertTrue(
        conf.spark("spark.executor.extraJavaOptions")
            .contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"));
  }

  @Test
  void theRayCodeSearchPathNamesWhereTheNodesFindTheApplicationsClasses() {
    // default: this JVM's classpath (left to the runtime, which knows it)
    assertEquals(
        List.of(),
        resolve(OrcaContext.builder().clusterMode("yarn-client")).ray().codeSearchPath());
    OrcaConf conf =
        resolve(
            OrcaContext.builder()
                .clusterMode("yarn-client")
                .rayCodeSearchPath(List.of("/opt/orca/jars", "/opt/app/app.jar")));
    assertEquals(List.of("/opt/orca/jars", "/opt/app/app.jar"), conf.ray().codeSearchPath());
    assertMessage(
        () ->
            resolve(OrcaContext.builder().set(OrcaSettings.RAY_CODE_SEARCH_PATH, "/opt/orca/jars")),
        "orca.ray.code-search-path=/opt/orca/jars tells the Java workers of a Ray cluster");
  }

  @Test
  void yarnClusterRunsTheDriverInTheClusterWithTheFlagsToo() {
    OrcaConf conf =
        resolve(OrcaContext.builder().clusterMode("yarn-cluster").memory("4g").driverMemory("2g"));
    assertEquals("cluster", conf.spark("spark.submit.deployMode"));
    assertEquals("2048m", conf.spark("spark.driver.memory"));
    assertTrue(
        conf.spark("spark.driver.extraJavaOptions")
            .contains("--add-opens=java.base/java.lang=ALL-UNNAMED"));
    // the default object store: 30 % of the executor memory, added to the overhead
    assertEquals((long) (0.3 * (4L << 30)), conf.ray().objectStoreMemoryBytes());
    assertEquals((410 + 1229) + "m", conf.spark("spark.executor.memoryOverhead"));
    assertTrue(conf.sparkSubmitArguments().contains("--conf spark.submit.deployMode=cluster"));
  }

  @Test
  void yarnClusterCannotBeStartedFromThisJvmAndSaysHowToSubmit() {
    OrcaConfigurationException e =
        assertThrows(
            OrcaConfigurationException.class,
            () -> OrcaContext.builder().clusterMode("yarn-cluster").start());
    assertTrue(
        e.getMessage().contains("spark-submit") && e.getMessage().contains("yarn-client"),
        e.getMessage());
  }

  @Test
  void kubernetesNeedsMasterAndImage() {
    OrcaConf conf =
        resolve(
            OrcaContext.builder()
                .clusterMode("k8s-client")
                .master("k8s://https://10.0.0.1:6443")
                .containerImage("registry/orca-app:1.0")
                .numNodes(2)
                .cores(4)
                .memory("8g"));
    assertEquals("k8s://https://10.0.0.1:6443", conf.spark("spark.master"));
    assertEquals("registry/orca-app:1.0", conf.spark("spark.kubernetes.container.image"));
    assertEquals("client", conf.spark("spark.submit.deployMode"));
    assertEquals("2", conf.spark("spark.executor.instances"));
    OrcaConf cluster =
        resolve(
            OrcaContext.builder()
                .clusterMode("k8s-cluster")
                .master("k8s://https://h:6443")
                .containerImage("img"));
    assertEquals("cluster", cluster.spark("spark.submit.deployMode"));

    OrcaConfigurationException noImage =
        assertThrows(
            OrcaConfigurationException.class,
            () ->
                resolve(
                    OrcaContext.builder()
                        .clusterMode("k8s-client")
                        .master("k8s://https://h:6443")));
    assertTrue(noImage.getMessage().contains(OrcaSettings.CONTAINER_IMAGE), noImage.getMessage());
    OrcaConfigurationException noMaster =
        assertThrows(
            OrcaConfigurationException.class,
            () -> resolve(OrcaContext.builder().clusterMode("k8s-cluster").containerImage("img")));
    assertTrue(noMaster.getMessage().contains(OrcaSettings.MASTER), noMaster.getMessage());
    OrcaConfigurationException wrongMaster =
        assertThrows(
            OrcaConfigurationException.class,
            () ->
                resolve(
                    OrcaContext.builder()
                        .clusterMode("k8s-client")
                        .master("https://h:6443")
                        .containerImage("i")));
    assertTrue(wrongMaster.getMessage().contains("k8s://"), wrongMaster.getMessage());
  }

  @Test
  void standaloneNeedsItsMasterUrl() {
    OrcaConf conf =
        resolve(
            OrcaContext.builder()
                .clusterMode("standalone")
                .master("spark://head:7077")
                .numNodes(3)
                .cores(4)
                .memory("6g")
                .sparkConf("spark.authenticate", "true")
                .sparkConf("spark.authenticate.secret", "the cluster's secret"));
    assertEquals("spark://head:7077", conf.spark("spark.master"));
    assertEquals("12", conf.spark("spark.cores.max"));
    assertEquals("4", conf.spark("spark.executor.cores"));
    OrcaConfigurationException e =
        assertThrows(
            OrcaConfigurationException.class,
            () -> resolve(OrcaContext.builder().clusterMode("standalone")));
    assertTrue(
        e.getMessage().contains("standalone needs orca.master")
            && e.getMessage().contains("spark://"),
        e.getMessage());
  }

  @Test
  void executorsGetOrcasEnvironmentUnlessTheUserSetIt() {
    OrcaConf localCluster = resolve(OrcaContext.builder().clusterMode("local-cluster"));
    assertEquals("131072", localCluster.spark("spark.executorEnv.MALLOC_MMAP_THRESHOLD_"));
    assertEquals("glibc.malloc.hugetlb=1", localCluster.spark("spark.executorEnv.GLIBC_TUNABLES"));
    OrcaConf yarnCluster = resolve(OrcaContext.builder().clusterMode("yarn-cluster"));
    assertEquals("131072", yarnCluster.spark("spark.executorEnv.MALLOC_MMAP_THRESHOLD_"));
    assertEquals(
        "131072",
        yarnCluster.spark("spark.yarn.appMasterEnv.MALLOC_MMAP_THRESHOLD_"),
        "the driver runs in the application master");
    assertEquals(
        "65536",
        resolve(
                OrcaContext.builder()
                    .clusterMode("yarn-client")
                    .sparkConf("spark.executorEnv.MALLOC_MMAP_THRESHOLD_", "65536"))
            .spark("spark.executorEnv.MALLOC_MMAP_THRESHOLD_"),
        "the user's own value stays");
    assertNull(resolve(OrcaContext.builder()).spark("spark.executorEnv.MALLOC_MMAP_THRESHOLD_"));
  }

  @Test
  void clusterModesAuthenticateSparksRpcOrSayWhyNot() {
    for (String mode : List.of("yarn-client", "yarn-cluster")) {
      assertEquals(
          "true",
          resolve(OrcaContext.builder().clusterMode(mode)).spark("spark.authenticate"),
          mode + ": YARN makes and hands out the secret");
    }
    assertEquals(
        "true",
        resolve(
                OrcaContext.builder()
                    .clusterMode("k8s-client")
                    .master("k8s://https://h:6443")
                    .containerImage("i"))
            .spark("spark.authenticate"),
        "Kubernetes makes and hands out the secret");
    assertEquals(
        "false",
        resolve(
                OrcaContext.builder()
                    .clusterMode("yarn-client")
                    .sparkConf("spark.authenticate", "false"))
            .spark("spark.authenticate"),
        "the user's explicit choice stands");
    assertNull(resolve(OrcaContext.builder()).spark("spark.authenticate"), "one machine");
    assertNull(
        resolve(OrcaContext.builder().clusterMode("local-cluster")).spark("spark.authenticate"));

    // standalone: the secret must be configured on the cluster too, so the user decides
    OrcaConfigurationException e =
        assertThrows(
            OrcaConfigurationException.class,
            () ->
                resolve(
                    OrcaContext.builder().clusterMode("standalone").master("spark://head:7077")));
    assertTrue(
        e.getMessage().contains("spark.authenticate=true")
            && e.getMessage().contains("spark.authenticate.secret")
            && e.getMessage().contains(OrcaSettings.ALLOW_UNAUTHENTICATED + "=true"),
        e.getMessage());
    OrcaConf open =
        resolve(
            OrcaContext.builder()
                .clusterMode("standalone")
                .master("spark://head:7077")
                .set(OrcaSettings.ALLOW_UNAUTHENTICATED, "true"));
    assertNull(open.spark("spark.authenticate"), "allowed explicitly");
  }

  @Test
  void sparkSubmitTakesWhatSparkSubmitSet() {
    OrcaConfigurationException none =
        assertThrows(
            OrcaConfigurationException.class,
            () -> resolve(OrcaContext.builder().clusterMode("spark-submit")));
    assertTrue(none.getMessage().contains("spark.master is not set"), none.getMessage());
    System.setProperty("spark.master", "yarn");
    System.setProperty("spark.executor.instances", "7");
    try {
      OrcaConf conf = resolve(OrcaContext.builder().clusterMode("spark-submit"));
      assertEquals("yarn", conf.spark("spark.master"));
      assertEquals("7", conf.spark("spark.executor.instances"));
      assertTrue(conf.spark("spark.executor.extraJavaOptions").contains("--add-opens"));
    } finally {
      System.clearProperty("spark.master");
      System.clearProperty("spark.executor.instances");
    }
  }

  @Test
  void withoutAClusterModeAProgramLaunchedBySparkSubmitTakesSparkSubmitsSettings() {
    // what spark-submit (client mode) and YARN's ApplicationMaster (cluster mode) set
    System.setProperty("spark.master", "yarn");
    System.setProperty("spark.submit.deployMode", "cluster");
    System.setProperty("spark.executor.instances", "3");
    try {
      OrcaConf conf = resolve(OrcaContext.builder());
      assertEquals(ClusterMode.SPARK_SUBMIT, conf.mode());
      assertEquals("yarn", conf.spark("spark.master"));
      assertEquals("cluster", conf.spark("spark.submit.deployMode"));
      assertEquals("3", conf.spark("spark.executor.instances"));
      assertTrue(conf.spark("spark.executor.extraJavaOptions").contains("--add-opens"));
      assertEquals(
          RayMode.ON_SPARK, conf.ray().mode(), "on a cluster, Ray where the executors are");
      assertTrue(conf.notes().isEmpty(), conf.notes().toString());

      // a program sized for local mode runs unchanged: spark-submit's sizing wins, with a note
      OrcaConf sized = resolve(OrcaContext.builder().cores(4).memory("2g"));
      assertEquals(ClusterMode.SPARK_SUBMIT, sized.mode());
      assertEquals("3", sized.spark("spark.executor.instances"));
      assertEquals(2, sized.notes().size(), sized.notes().toString());
      assertTrue(
          sized.notes().get(0).startsWith("orca.cores=4 is left out: spark-submit launched"),
          sized.notes().toString());
      assertTrue(sized.describe().contains("note: orca.memory=2g is left out"), sized.describe());

      // a mode chosen in the program still wins, and its settings are checked as always
      assertEquals(ClusterMode.LOCAL, resolve(OrcaContext.builder().clusterMode("local")).mode());
      assertMessage(
          () -> resolve(OrcaContext.builder().clusterMode("spark-submit").cores(4)),
          "orca.cores=4 does not apply to cluster mode spark-submit");

      System.setProperty("spark.master", "local-cluster[2,1,1024]");
      assertEquals(
          RayMode.LOCAL,
          resolve(OrcaContext.builder()).ray().mode(),
          "on one machine, Ray in this JVM");
    } finally {
      System.clearProperty("spark.master");
      System.clearProperty("spark.submit.deployMode");
      System.clearProperty("spark.executor.instances");
    }
    assertEquals(ClusterMode.LOCAL, resolve(OrcaContext.builder()).mode());
  }

  @Test
  void badSettingsNameTheSettingAndWhatToDo() {
    assertMessage(
        () -> resolve(OrcaContext.builder().clusterMode("mesos")),
        "Unknown cluster mode 'mesos'",
        "yarn-client");
    assertMessage(
        () -> resolve(OrcaContext.builder().clusterMode("yarn-client").memory("2 gigs")),
        "orca.memory=2 gigs is not a memory size",
        "2g");
    assertMessage(
        () ->
            resolve(OrcaContext.builder().clusterMode("yarn-client").set(OrcaSettings.CORES, "-3")),
        "orca.cores=-3",
        "whole number");
    assertMessage(
        () -> resolve(OrcaContext.builder().numNodes(4)),
        "orca.num-nodes=4 does not apply to cluster mode local",
        "local-cluster");
    assertMessage(
        () ->
            resolve(
                OrcaContext.builder()
                    .clusterMode("yarn-client")
                    .sparkConf("spark.dynamicAllocation.enabled", "true")),
        "spark.dynamicAllocation.enabled=true",
        "barrier");
    assertMessage(
        () -> resolve(OrcaContext.builder().sparkConf("spark.master", "local[3]")),
        "spark.master=local[3]",
        "orca.cluster-mode");
    assertMessage(
        () -> resolve(OrcaContext.builder().rayObjectStoreMemory("1g")),
        "orca.ray.object-store-memory",
        "on-spark");
    assertMessage(
        () -> resolve(OrcaContext.builder().rayMode(RayMode.EXISTING)),
        "needs the address",
        "orca.ray.address");
    assertMessage(
        () -> OrcaContext.builder().set("orca.colour", "blue"),
        "Unknown setting 'orca.colour'",
        "orca.cores");
    assertMessage(
        () -> resolve(OrcaContext.builder().set(OrcaSettings.RAY_MODE, "remote")),
        "Unknown Ray runtime 'remote'",
        "on-spark");
  }

  @Test
  void describeListsEverythingWithoutStarting() {
    String text =
        resolve(
                OrcaContext.builder()
                    .clusterMode("yarn-client")
                    .rayStartOptions(List.of("--temp-dir=/data/ray")))
            .describe();
    assertTrue(text.startsWith("cluster mode: yarn-client"), text);
    assertTrue(text.contains("spark.executor.instances = 2"), text);
    assertTrue(text.contains("--temp-dir=/data/ray"), text);
    assertTrue(OrcaContext.active().isEmpty(), "resolve() must not start anything");
  }

  private static void assertMessage(Runnable r, String... parts) {
    OrcaException e = assertThrows(OrcaException.class, r::run);
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
    }
  }
}
