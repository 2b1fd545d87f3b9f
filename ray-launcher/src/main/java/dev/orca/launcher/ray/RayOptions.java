package dev.orca.launcher.ray;

import dev.orca.OrcaConfigurationException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to get a Ray runtime: which {@link RayMode}, and for {@code ON_SPARK} how to start the nodes
 * (cores, object-store memory, ports, the {@code ray} executable, extra {@code ray start} options).
 * Immutable; made with {@link #builder()}. Serializable because the executors that start Ray nodes
 * get a copy.
 */
public final class RayOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  private final RayMode mode;
  private final String address;
  private final int numNodes;
  private final int coresPerNode;
  private final long objectStoreMemoryBytes;
  private final int headPort;
  private final String rayExecutable;
  private final List<String> extraStartOptions;
  private final List<String> codeSearchPath;
  private final Duration startTimeout;
  private final Duration stopTimeout;

  private RayOptions(Builder b) {
    this.mode = b.mode;
    this.address = b.address;
    this.numNodes = b.numNodes;
    this.coresPerNode = b.coresPerNode;
    this.objectStoreMemoryBytes = b.objectStoreMemoryBytes;
    this.headPort = b.headPort;
    this.rayExecutable = b.rayExecutable;
    this.extraStartOptions = List.copyOf(b.extraStartOptions);
    this.codeSearchPath = List.copyOf(b.codeSearchPath);
    this.startTimeout = b.startTimeout;
    this.stopTimeout = b.stopTimeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The embedded default: Ray's LOCAL mode in this JVM. */
  public static RayOptions local() {
    return builder().build();
  }

  public RayMode mode() {
    return mode;
  }

  /** For {@link RayMode#EXISTING}: the {@code host:port} of the running cluster's GCS. */
  public String address() {
    return address;
  }

  /** For {@link RayMode#ON_SPARK}: Ray nodes to start; 0 means one per Spark executor. */
  public int numNodes() {
    return numNodes;
  }

  /** CPUs each Ray node offers; 0 means the cores of the executor it runs in. */
  public int coresPerNode() {
    return coresPerNode;
  }

  /** Object-store memory of each node in bytes; 0 leaves it to Ray. */
  public long objectStoreMemoryBytes() {
    return objectStoreMemoryBytes;
  }

  /** The head's GCS port; 0 picks a free one. */
  public int headPort() {
    return headPort;
  }

  /** The configured path of the {@code ray} executable, or null to look on PATH. */
  public String rayExecutable() {
    return rayExecutable;
  }

  /** Options appended to every {@code ray start} command line. */
  public List<String> extraStartOptions() {
    return extraStartOptions;
  }

  /**
   * Where Ray's Java workers find the application's classes; empty means the driver's classpath.
   */
  public List<String> codeSearchPath() {
    return codeSearchPath;
  }

  /** How long starting every node may take before it counts as failed. */
  public Duration startTimeout() {
    return startTimeout;
  }

  /** How long a node's processes get to end after SIGTERM before they are killed. */
  public Duration stopTimeout() {
    return stopTimeout;
  }

  @Override
  public String toString() {
    return "RayOptions{mode="
        + mode
        + (address.isEmpty() ? "" : ", address=" + address)
        + ", numNodes="
        + numNodes
        + ", coresPerNode="
        + coresPerNode
        + ", objectStoreMemoryBytes="
        + objectStoreMemoryBytes
        + ", headPort="
        + headPort
        + ", rayExecutable="
        + rayExecutable
        + ", extraStartOptions="
        + extraStartOptions
        + ", startTimeout="
        + startTimeout
        + "}";
  }

  /** Builds {@link RayOptions}; every setting is optional. */
  public static final class Builder {
    private RayMode mode = RayMode.LOCAL;
    private String address = "";
    private int numNodes;
    private int coresPerNode;
    private long objectStoreMemoryBytes;
    private int headPort;
    private String rayExecutable;
    private final List<String> extraStartOptions = new ArrayList<>();
    private final List<String> codeSearchPath = new ArrayList<>();
    private Duration startTimeout = Duration.ofSeconds(120);
    private Duration stopTimeout = Duration.ofSeconds(10);

    private Builder() {}

    public Builder mode(RayMode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    public Builder address(String address) {
      this.address = address == null ? "" : address.trim();
      return this;
    }

    public Builder numNodes(int numNodes) {
      this.numNodes = numNodes;
      return this;
    }

    public Builder coresPerNode(int cores) {
      this.coresPerNode = cores;
      return this;
    }

    public Builder objectStoreMemoryBytes(long bytes) {
      this.objectStoreMemoryBytes = bytes;
      return this;
    }

    public Builder headPort(int port) {
      this.headPort = port;
      return this;
    }

    public Builder rayExecutable(String path) {
      this.rayExecutable = path == null || path.isBlank() ? null : path.trim();
      return this;
    }

    public Builder extraStartOptions(List<String> options) {
      this.extraStartOptions.addAll(options);
      return this;
    }

    public Builder codeSearchPath(List<String> entries) {
      this.codeSearchPath.addAll(entries);
      return this;
    }

    public Builder startTimeout(Duration timeout) {
      this.startTimeout = Objects.requireNonNull(timeout, "startTimeout");
      return this;
    }

    public Builder stopTimeout(Duration timeout) {
      this.stopTimeout = Objects.requireNonNull(timeout, "stopTimeout");
      return this;
    }

    /** Checks the settings against each other and builds. */
    public RayOptions build() {
      if (mode == RayMode.EXISTING && address.isEmpty()) {
        throw new OrcaConfigurationException(
            "Ray runtime 'existing' needs the address of the running"
                + " cluster: set orca.ray.address (e.g. 10.0.0.5:6379).");
      }
      if (mode != RayMode.EXISTING && !address.isEmpty()) {
        throw new OrcaConfigurationException(
            "orca.ray.address="
                + address
                + " is only used with Ray"
                + " runtime 'existing', but the runtime is '"
                + mode.name().toLowerCase().replace('_', '-')
                + "'. Set orca.ray.mode=existing or drop the address.");
      }
      check(numNodes >= 0, "orca.ray.num-nodes", numNodes, "0 (one per executor) or more");
      check(
          coresPerNode >= 0,
          "orca.ray.cores-per-node",
          coresPerNode,
          "0 (the executor's cores) or more");
      check(
          objectStoreMemoryBytes >= 0,
          "orca.ray.object-store-memory",
          objectStoreMemoryBytes,
          "a size such as 2g");
      check(
          headPort >= 0 && headPort <= 65535,
          "orca.ray.head-port",
          headPort,
          "0 (any free port) to 65535");
      check(
          !startTimeout.isNegative() && !startTimeout.isZero(),
          "orca.ray.start-timeout",
          startTimeout,
          "a positive duration");
      return new RayOptions(this);
    }

    private static void check(boolean ok, String setting, Object value, String expected) {
      if (!ok) {
        throw new OrcaConfigurationException(
            setting + "=" + value + " is not valid: use " + expected + ".");
      }
    }
  }
}
