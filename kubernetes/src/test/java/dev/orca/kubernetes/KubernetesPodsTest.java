package dev.orca.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.common.JvmOptions;
import dev.orca.context.ClusterMode;
import dev.orca.context.OrcaConf;
import dev.orca.context.OrcaContext;
import dev.orca.launcher.ray.RayMode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.k8s.KubernetesDriverSpec;
import org.apache.spark.deploy.k8s.SparkPod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Orca on Kubernetes as far as it can be checked without a cluster: the pods Spark's own submission
 * code builds (see {@link SparkPods}) for the runbook's command lines, with the image, Orca's JVM
 * flags and environment, the resources, dynamic allocation off and the pod template in them.
 */
class KubernetesPodsTest {
  private static final String MASTER = "k8s://https://k8s.example.invalid:6443";
  private static final String IMAGE = "registry.example.invalid/orca:0.1.0";

  /** Where the image (kubernetes/Dockerfile) keeps the application jar. */
  private static final String APP_JAR = "local:///opt/orca/jars/orca-assembly.jar";

  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path TEMPLATE = ROOT.resolve("kubernetes/pod-template.yaml");

  /** Orca's settings for the runbook's application: 2 executors of 2 cores and 2 GiB. */
  private static OrcaContext.Builder sized(String mode) {
    return OrcaContext.builder()
        .clusterMode(mode)
        .master(MASTER)
        .containerImage(IMAGE)
        .numNodes(2)
        .cores(2)
        .memory("2g")
        .driverMemory("1g");
  }

  @Test
  void k8sClusterThroughOrcaSubmitGivesTheDriverAndExecutorPodsTheImageFlagsAndResources(
      @TempDir Path dir) throws Exception {
    // the runbook: the spark-submit arguments Orca prints for k8s-cluster, through bin/orca-submit
    OrcaConf orca = sized("k8s-cluster").resolve();
    String line =
        String.join(
            " ",
            ROOT.resolve("bin/orca-submit").toString(),
            orca.sparkSubmitArguments(),
            "--conf spark.kubernetes.driver.podTemplateFile=" + TEMPLATE,
            "--conf spark.kubernetes.executor.podTemplateFile=" + TEMPLATE,
            "--conf spark.kubernetes.authenticate.driver.serviceAccountName=orca",
            "--class dev.orca.examples.DigitsExample",
            APP_JAR,
            "--epochs 2");
    List<String> submitArgs = dryRun(line, dir);

    SparkPods.Submission submission =
        SparkPods.prepare(submitArgs, ROOT.resolve("spark-home/target/spark-home").toString());
    assertEquals(SparkPods.CLUSTER_SUBMIT_CLASS, submission.mainClass());
    KubernetesDriverSpec spec;
    SparkPod executor;
    Map<String, String> inDriverPod;
    try (SparkPods pods = new SparkPods(MASTER, submission.conf())) {
      spec = pods.driver(submission);
      inDriverPod = spec.getSystemPropertiesAsJavaMap();

      // the driver pod runs spark-submit in client mode with the submission's settings as its
      // spark.properties, and the program's OrcaContext.init() takes them
      OrcaConf driverSide = resolveAsLaunchedWith(inDriverPod);
      assertEquals(ClusterMode.SPARK_SUBMIT, driverSide.mode());
      assertEquals(RayMode.ON_SPARK, driverSide.ray().mode(), "Ray in the executor pods");
      SparkConf conf = new SparkConf(false);
      driverSide.sparkConf().forEach(conf::set);
      // in the pod, Spark mounts the executors' template from a config map (checked below);
      // here it is read where it lies
      conf.set("spark.kubernetes.executor.podTemplateFile", TEMPLATE.toString());
      executor =
          pods.executor(
              conf,
              spec.pod().pod().getMetadata().getLabels().get("spark-app-selector"),
              spec.pod().pod());
    }

    // the driver pod
    Container driver = spec.pod().container();
    assertEquals(IMAGE, driver.getImage());
    List<String> args = driver.getArgs();
    assertEquals(
        List.of(
            "driver",
            "--properties-file",
            "/opt/spark/conf/spark.properties",
            "--class",
            "dev.orca.examples.DigitsExample",
            APP_JAR,
            "--epochs",
            "2"),
        args);
    // 1 GiB heap + Spark's minimum overhead of 384 MiB; Spark's default of 1 core
    assertEquals(new Quantity("1408Mi"), driver.getResources().getRequests().get("memory"));
    assertEquals(new Quantity("1408Mi"), driver.getResources().getLimits().get("memory"));
    assertEquals(new Quantity("1"), driver.getResources().getRequests().get("cpu"));
    for (String flag : JvmOptions.required()) {
      assertTrue(
          inDriverPod.get("spark.driver.defaultJavaOptions").contains(flag),
          flag + " missing from the driver's options");
    }
    assertEquals("false", inDriverPod.get("spark.dynamicAllocation.enabled"));
    assertEquals("2", inDriverPod.get("spark.executor.instances"));
    assertEquals("true", inDriverPod.get("spark.authenticate"));
    Map<String, String> driverEnv = SparkPods.env(driver);
    JvmOptions.environment()
        .forEach((k, v) -> assertEquals(v, driverEnv.get(k), k + " in the driver's environment"));
    assertTemplateApplied(spec.pod());
    assertEquals("orca", spec.pod().pod().getSpec().getServiceAccountName());
    // the executors' template travels to the driver pod in a config map
    String mounted = inDriverPod.get("spark.kubernetes.executor.podTemplateFile");
    assertTrue(mounted.startsWith("/opt/spark/pod-template/"), mounted);
    String template = Files.readString(TEMPLATE);
    assertTrue(
        spec.getDriverKubernetesResourcesAsJavaList().stream()
            .filter(ConfigMap.class::isInstance)
            .map(r -> ((ConfigMap) r).getData().values())
            .anyMatch(values -> values.contains(template)),
        "no config map carries the executors' pod template");

    // an executor pod, as the driver asks for it
    Container c = executor.container();
    assertEquals(IMAGE, c.getImage());
    // 2 GiB heap + overhead: Spark's 384 MiB + Ray's object store, 30 % of 2 GiB (614.4, rounded
    // up)
    assertEquals(new Quantity("3047Mi"), c.getResources().getRequests().get("memory"));
    assertEquals(new Quantity("3047Mi"), c.getResources().getLimits().get("memory"));
    assertEquals(new Quantity("2"), c.getResources().getRequests().get("cpu"));
    assertExecutorHasOrcasFlagsAndEnvironment(c);
    assertTemplateApplied(executor);
  }

  @Test
  void k8sClientGivesTheExecutorPodsTheImageFlagsAndResources() {
    // the driver is this JVM (e.g. a pod of its own, or a notebook), the executors are pods
    OrcaConf orca = sized("k8s-client").resolve();
    assertEquals("client", orca.spark("spark.submit.deployMode"));
    assertEquals("false", orca.spark("spark.dynamicAllocation.enabled"));
    SparkConf conf = new SparkConf(false);
    orca.sparkConf().forEach(conf::set);
    conf.set("spark.kubernetes.executor.podTemplateFile", TEMPLATE.toString());
    SparkPod executor;
    try (SparkPods pods = new SparkPods(MASTER, conf)) {
      executor = pods.executor(conf, "spark-orca-client", null);
    }
    Container c = executor.container();
    assertEquals(IMAGE, c.getImage());
    assertEquals(new Quantity("3047Mi"), c.getResources().getRequests().get("memory"));
    assertEquals(new Quantity("2"), c.getResources().getRequests().get("cpu"));
    assertExecutorHasOrcasFlagsAndEnvironment(c);
    assertTemplateApplied(executor);
  }

  /**
   * The executor's JVM options (Spark's entrypoint gives the SPARK_JAVA_OPT_n variables to the
   * executor's java command), Orca's environment, and the application's secret (Orca turns
   * spark.authenticate on for Kubernetes).
   */
  private static void assertExecutorHasOrcasFlagsAndEnvironment(Container c) {
    Map<String, String> env = SparkPods.env(c);
    List<String> javaOptions = new ArrayList<>();
    env.forEach(
        (k, v) -> {
          if (k.startsWith("SPARK_JAVA_OPT_")) {
            javaOptions.add(v);
          }
        });
    for (String flag : JvmOptions.required()) {
      assertTrue(javaOptions.contains(flag), flag + " missing from the executor's " + javaOptions);
    }
    JvmOptions.environment()
        .forEach((k, v) -> assertEquals(v, env.get(k), k + " in the executor's environment"));
    assertTrue(
        env.containsKey("_SPARK_AUTH_SECRET"), "no application secret for the executor: " + env);
  }

  /** kubernetes/pod-template.yaml's shared-memory volume and user, in a pod Spark built. */
  private static void assertTemplateApplied(SparkPod pod) {
    Volume shm =
        pod.pod().getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("dshm"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no dshm volume: " + pod.pod().getSpec()));
    assertEquals("Memory", shm.getEmptyDir().getMedium());
    assertTrue(
        pod.container().getVolumeMounts().stream()
            .anyMatch(m -> m.getName().equals("dshm") && m.getMountPath().equals("/dev/shm")),
        "/dev/shm not mounted: " + pod.container().getVolumeMounts());
    assertEquals(185L, pod.pod().getSpec().getSecurityContext().getRunAsUser());
    assertEquals("orca", pod.pod().getMetadata().getLabels().get("app.kubernetes.io/part-of"));
  }

  /**
   * The arguments bin/orca-submit gives SparkSubmit for {@code line} (its dry run prints the
   * command it would run, one argument per line).
   */
  private static List<String> dryRun(String line, Path dir) throws Exception {
    Path out = dir.resolve("stdout");
    Path err = dir.resolve("stderr");
    ProcessBuilder pb =
        new ProcessBuilder("bash", "-c", line)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("ORCA_SKIP_BUILD", "1"); // the reactor built spark-home
    pb.environment().put("ORCA_SUBMIT_DRY_RUN", "1");
    Process p = pb.start();
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("bin/orca-submit's dry run did not end within 2 minutes");
    }
    List<String> command = Files.readAllLines(out);
    assertEquals(0, p.exitValue(), "bin/orca-submit failed:\n" + Files.readString(err));
    int main = command.indexOf("org.apache.spark.deploy.SparkSubmit");
    assertTrue(main > 0, "no SparkSubmit in the command: " + command);
    return command.subList(main + 1, command.size());
  }

  /**
   * The OrcaConf a program's {@code OrcaContext.init()} resolves in a JVM that spark-submit
   * launched with {@code properties} (spark-submit hands them over as system properties).
   */
  private static OrcaConf resolveAsLaunchedWith(Map<String, String> properties) {
    Map<String, String> launched = new HashMap<>(properties);
    launched.put("spark.submit.deployMode", "client"); // the driver pod's spark-submit runs so
    Map<String, String> previous = new HashMap<>();
    launched.forEach((k, v) -> previous.put(k, System.setProperty(k, v)));
    try {
      return OrcaContext.builder().resolve();
    } finally {
      previous.forEach(
          (k, v) -> {
            if (v == null) {
              System.clearProperty(k);
            } else {
              System.setProperty(k, v);
            }
          });
    }
  }
}
