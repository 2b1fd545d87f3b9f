package dev.orca.context;

import dev.orca.OrcaConfigurationException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Where Spark runs, in the words of {@code orca.cluster-mode}. */
public enum ClusterMode {
  /** Spark in this JVM ({@code local[cores]}): the embedded default. */
  LOCAL("local"),
  /** Several real executor JVMs on this machine: for tests and demos of distribution. */
  LOCAL_CLUSTER("local-cluster"),
  /** A Spark standalone cluster ({@code spark://host:port}). */
  STANDALONE("standalone"),
  /** YARN, the driver in this JVM. */
  YARN_CLIENT("yarn-client"),
  /** YARN, the driver in a container of the cluster (launched with spark-submit). */
  YARN_CLUSTER("yarn-cluster"),
  /** Kubernetes, the driver in this JVM. */
  K8S_CLIENT("k8s-client"),
  /** Kubernetes, the driver in a pod (launched with spark-submit). */
  K8S_CLUSTER("k8s-cluster"),
  /** Whatever spark-submit configured for this application. */
  SPARK_SUBMIT("spark-submit");

  private final String label;

  ClusterMode(String label) {
    this.label = label;
  }

  /** The name used in settings and messages, e.g. {@code yarn-client}. */
  public String label() {
    return label;
  }

  /** True for the modes whose driver runs inside the cluster. */
  public boolean isClusterDeploy() {
    return this == YARN_CLUSTER || this == K8S_CLUSTER;
  }

  /**
   * Parses a mode name such as {@code yarn-client} (case and {@code _}/{@code -} do not matter).
   */
  public static ClusterMode parse(String value) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (ClusterMode mode : values()) {
      if (mode.label.equals(v)) {
        return mode;
      }
    }
    throw new OrcaConfigurationException(
        "Unknown cluster mode '"
            + value
            + "' (setting "
            + OrcaSettings.CLUSTER_MODE
            + "). Use one of: "
            + Arrays.stream(values()).map(ClusterMode::label).collect(Collectors.joining(", "))
            + ".");
  }

  @Override
  public String toString() {
    return label;
  }
}
