package dev.orca.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SecurityManager;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.SparkSubmit;
import org.apache.spark.deploy.SparkSubmitArguments;
import org.apache.spark.deploy.k8s.KubernetesConf;
import org.apache.spark.deploy.k8s.KubernetesDriverConf;
import org.apache.spark.deploy.k8s.KubernetesDriverSpec;
import org.apache.spark.deploy.k8s.KubernetesExecutorConf;
import org.apache.spark.deploy.k8s.KubernetesUtils;
import org.apache.spark.deploy.k8s.SparkKubernetesClientFactory;
import org.apache.spark.deploy.k8s.SparkPod;
import org.apache.spark.deploy.k8s.submit.ClientArguments;
import org.apache.spark.deploy.k8s.submit.KubernetesDriverBuilder;
import org.apache.spark.resource.ResourceProfile$;
import org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBuilder;
import scala.Option;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The pods Spark would create on Kubernetes, built by Spark's own submission code with no API
 * server: {@code SparkSubmit} prepares the submission from a spark-submit command line as it does
 * for {@code --master k8s://... --deploy-mode cluster}, and the feature steps that {@code
 * KubernetesClientApplication} and the executor allocator run build the driver and executor pods.
 * What is left out is only what talks to the API server: creating the pods, services and config
 * maps, and watching them.
 */
final class SparkPods implements AutoCloseable {
  static final String CLUSTER_SUBMIT_CLASS =
      "org.apache.spark.deploy.k8s.submit.KubernetesClientApplication";

  private final KubernetesClient client;

  /**
   * A client of the API server at {@code master} ({@code k8s://https://...}), made as spark-submit
   * makes it; the pods are built without it ever connecting.
   */
  SparkPods(String master, SparkConf conf) {
    client =
        SparkKubernetesClientFactory.createKubernetesClient(
            KubernetesUtils.parseMasterUrl(master),
            Option.apply(conf.get("spark.kubernetes.namespace", "default")),
            "spark.kubernetes.authenticate.submission",
            SparkKubernetesClientFactory.ClientType$.MODULE$.Submission(),
            conf,
            Option.empty());
  }

  /** What SparkSubmit makes of a command line: the child's main class, arguments and conf. */
  record Submission(String mainClass, List<String> args, SparkConf conf) {}

  /** Prepares a submission as {@code spark-submit} does, with {@code SPARK_HOME} as given. */
  static Submission prepare(List<String> sparkSubmitArgs, String sparkHome) {
    SparkSubmitArguments args =
        new SparkSubmitArguments(
            CollectionConverters.asScala(sparkSubmitArgs).toSeq(),
            scala.collection.immutable.Map$.MODULE$.from(
                CollectionConverters.asScala(Map.of("SPARK_HOME", sparkHome))));
    Tuple4<
            scala.collection.immutable.Seq<String>,
            scala.collection.immutable.Seq<String>,
            SparkConf,
            String>
        prepared = new SparkSubmit().prepareSubmitEnvironment(args, Option.empty());
    return new Submission(prepared._4(), CollectionConverters.asJava(prepared._1()), prepared._3());
  }

  /** The driver pod of a cluster-mode submission, as KubernetesClientApplication builds it. */
  KubernetesDriverSpec driver(Submission submission) {
    ClientArguments args =
        ClientArguments.fromCommandLineArgs(submission.args().toArray(String[]::new));
    KubernetesDriverConf conf =
        KubernetesConf.createDriverConf(
            submission.conf(),
            KubernetesConf.getKubernetesAppId(),
            args.mainAppResource(),
            args.mainClass(),
            args.driverArgs(),
            args.proxyUser());
    return new KubernetesDriverBuilder().buildFromFeatures(conf, client);
  }

  /**
   * Executor 1's pod, as the driver's executor allocator builds it from the driver's conf, for a
   * driver that runs in {@code driverPod} (cluster mode) or outside the cluster (null).
   */
  SparkPod executor(SparkConf conf, String appId, Pod driverPod) {
    KubernetesExecutorConf executorConf =
        KubernetesConf.createExecutorConf(
            conf,
            "1",
            appId,
            Option.apply(driverPod),
            KubernetesConf.createExecutorConf$default$5());
    SecurityManager security =
        new SecurityManager(conf, Option.empty(), SecurityManager.$lessinit$greater$default$3());
    security.initializeAuth(); // generates the application's secret, as the driver does on k8s
    return new KubernetesExecutorBuilder()
        .buildFromFeatures(
            executorConf,
            security,
            client,
            ResourceProfile$.MODULE$.getOrCreateDefaultProfile(conf))
        .pod();
  }

  static Map<String, String> env(Container c) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar v : c.getEnv()) {
      env.put(v.getName(), v.getValue());
    }
    return env;
  }

  @Override
  public void close() {
    client.close();
  }
}
