package dev.orca.launcher.ray;

import dev.orca.common.JvmOptions;
import dev.orca.launcher.barrier.LocalCluster;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Starts the {@link RayRuntime} that {@link RayOptions#mode()} asks for and connects this driver to
 * it.
 */
public final class RayRuntimes {
  private RayRuntimes() {}

  /**
   * Starts or connects to Ray.
   *
   * @param jsc the Spark application whose executors hold the nodes ({@code ON_SPARK} only)
   */
  public static RayRuntime start(RayOptions options, JavaSparkContext jsc) {
    return switch (options.mode()) {
      case LOCAL -> LocalRay.start();
      case ON_SPARK -> OnSparkRay.start(jsc, options);
      case EXISTING -> ClusterRay.connect(options.address(), options, null);
    };
  }

  /** A Ray cluster that this driver connected to, and, for ON_SPARK, whose nodes it started. */
  static final class ClusterRay implements RayRuntime {
    private final String address;
    private final RayOnSpark nodes;
    private boolean running = true;

    private ClusterRay(String address, RayOnSpark nodes) {
      this.address = address;
      this.nodes = nodes;
    }

    static ClusterRay connect(String address, RayOptions options, RayOnSpark nodes) {
      Map<String, String> settings = new LinkedHashMap<>();
      settings.put("ray.address", address);
      List<String> path =
          options.codeSearchPath().isEmpty()
              ? LocalCluster.driverClasspath()
              : options.codeSearchPath();
      settings.put("ray.job.code-search-path", String.join(java.io.File.pathSeparator, path));
      List<String> jvm = new ArrayList<>(JvmOptions.required());
      for (int i = 0; i < jvm.size(); i++) {
        settings.put(
            "ray.job.jvm-options." + i, jvm.get(i)); // a list, in typesafe-config's property form
      }
      RayDriver.init(settings, options.startTimeout());
      return new ClusterRay(address, nodes);
    }

    @Override
    public RayMode mode() {
      return nodes == null ? RayMode.EXISTING : RayMode.ON_SPARK;
    }

    @Override
    public String address() {
      return address;
    }

    @Override
    public int numNodes() {
      return nodes == null ? -1 : nodes.numNodes();
    }

    @Override
    public synchronized boolean isRunning() {
      return running && (nodes == null || nodes.isHealthy());
    }

    @Override
    public synchronized void stop() {
      if (running) {
        running = false;
        try {
          RayDriver.shutdown();
        } finally {
          if (nodes != null) {
            nodes.stop();
          }
        }
      }
    }
  }

  /**
   * Starts Ray nodes in the executors, then connects the driver; undoes the first if the second
   * fails.
   */
  static final class OnSparkRay {
    private OnSparkRay() {}

    static RayRuntime start(JavaSparkContext jsc, RayOptions options) {
      RayOnSpark nodes = RayOnSpark.start(jsc, options);
      try {
        return ClusterRay.connect(nodes.headAddress(), options, nodes);
      } catch (RuntimeException e) {
        nodes.stop();
        throw e;
      }
    }
  }
}
